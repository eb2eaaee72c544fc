"""Catalogue health: how complete and current the listings are, per municipality and source.

Moderators and the county use it to see where listings need work (no place on the map, no Swedish text,
no meeting times, nobody to contact, not updated in a year, taking referrals without saying whether there
is room, problem reports left open). Counts only: no person is in this data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, and_, exists, func, or_, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from app.catalogue.enums import ScheduleKind, ServiceStatus
from app.catalogue.models import Contact, Location, Schedule, Service, ServiceArea, ServiceAtLocation
from app.catalogue.overlay import ServiceOverlay
from app.catalogue.problems import ProblemReport, ProblemStatus
from app.catalogue.selfservice import STALE_AFTER

MEASURES: tuple[str, ...] = (
    "services",
    "without_coordinates",
    "with_swedish",
    "with_meeting_times",
    "with_contact",
    "not_updated_12_months",
    "referrals_without_capacity",
    "open_problem_reports",
)


@dataclass(frozen=True)
class HealthRow:
    municipality_code: str
    source: str
    services: int
    without_coordinates: int
    with_swedish: int
    with_meeting_times: int
    with_contact: int
    not_updated_12_months: int
    referrals_without_capacity: int
    open_problem_reports: int


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(func.cast(condition, Integer))


def catalogue_health(
    session: Session, *, now: datetime, municipality_codes: Sequence[str] | None = None
) -> list[HealthRow]:
    """One row per (municipality the service is offered in, source), active listings only."""
    has_coordinates = exists().where(
        col(ServiceAtLocation.service_id) == Service.id,
        col(Location.id) == ServiceAtLocation.location_id,
        col(Location.latitude).is_not(None),
    )
    has_sessions = or_(
        exists().where(col(Schedule.service_id) == Service.id, col(Schedule.kind) == ScheduleKind.SESSION),
        exists().where(
            col(ServiceAtLocation.service_id) == Service.id,
            col(Schedule.service_at_location_id) == ServiceAtLocation.id,
            col(Schedule.kind) == ScheduleKind.SESSION,
        ),
    )
    has_contact = or_(
        exists().where(col(Contact.service_id) == Service.id),
        exists().where(
            col(ServiceAtLocation.service_id) == Service.id,
            col(Contact.location_id) == ServiceAtLocation.location_id,
        ),
    )
    has_open_reports = exists().where(
        col(ProblemReport.service_id) == Service.id, col(ProblemReport.status) == ProblemStatus.OPEN
    )
    cutoff = now - STALE_AFTER
    # Neither the source nor the owner has touched it within the year.
    not_updated = and_(
        or_(col(Service.source_modified_at).is_(None), col(Service.source_modified_at) < cutoff),
        or_(col(ServiceOverlay.verified_at).is_(None), col(ServiceOverlay.verified_at) < cutoff),
    )
    query = (
        select(
            col(ServiceArea.municipality_code),
            col(Service.source),
            func.count(),
            _count(~has_coordinates),
            _count(or_(col(Service.name_sv).is_not(None), col(Service.summary_sv).is_not(None))),
            _count(has_sessions),
            _count(has_contact),
            _count(not_updated),
            _count(and_(ServiceOverlay.accepts_referrals.is_(True), col(ServiceOverlay.capacity).is_(None))),  # type: ignore[union-attr]
            _count(has_open_reports),
        )
        .select_from(Service)
        .join(ServiceArea, col(ServiceArea.service_id) == Service.id)
        .outerjoin(ServiceOverlay, col(ServiceOverlay.service_id) == Service.id)
        .where(col(Service.status) != ServiceStatus.RETIRED)
        .group_by(ServiceArea.municipality_code, Service.source)
        .order_by(ServiceArea.municipality_code, Service.source)
    )
    if municipality_codes is not None:
        query = query.where(col(ServiceArea.municipality_code).in_(list(municipality_codes)))
    return [HealthRow(*(row[0], row[1]), *(int(v or 0) for v in row[2:])) for row in session.execute(query)]
