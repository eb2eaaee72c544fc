"""Which services, places and organisations an HSDS request asks for, and the catalogue's version.

Every filter given must hold (HSDS: query parameters are cumulative, a boolean AND). Lists are in id
order: ids are stable, so a page holds the same records from one request to the next, and the
primary key keeps the deep pages of a 100,000-service catalogue cheap.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time
from typing import Any

from sqlalchemy import Text, and_, cast, func, literal, or_, select
from sqlalchemy.orm import Session

from app.catalogue.enums import RecordStatus, ScheduleKind, ServiceStatus
from app.catalogue.models import (
    Location,
    Organisation,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceTerm,
    SyncRun,
)
from app.catalogue.overlay import ServiceOverlay
from app.opendata.hsds import ACCESSIBILITY_TAXONOMY, MUNICIPALITY_TAXONOMY

LISTED = (ServiceStatus.ACTIVE, ServiceStatus.TEMPORARILY_CLOSED)
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

S = Service.__table__  # type: ignore[attr-defined]
O = Organisation.__table__  # type: ignore[attr-defined]  # noqa: E741
L = Location.__table__  # type: ignore[attr-defined]
SAL = ServiceAtLocation.__table__  # type: ignore[attr-defined]
SCH = Schedule.__table__  # type: ignore[attr-defined]
TERM = ServiceTerm.__table__  # type: ignore[attr-defined]
AREA = ServiceArea.__table__  # type: ignore[attr-defined]
OV = ServiceOverlay.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Near:
    """A circle around a postal code's centre (`proximity` metres)."""

    latitude: float
    longitude: float
    metres: float


@dataclass(frozen=True)
class ServiceQuery:
    search: str | None = None
    # (taxonomy, code) of the taxonomy_term_id asked for; `unknown_term` when the id names no term.
    term: tuple[str, str] | None = None
    unknown_term: bool = False
    taxonomy: str | None = None
    organisation_id: uuid.UUID | None = None
    modified_after: datetime | None = None
    minimum_age: float | None = None
    maximum_age: float | None = None
    day: str | None = None
    start_time: time | None = None
    end_time: time | None = None
    municipality: str | None = None  # of the postal code
    near: Near | None = None


def _words(search: str) -> list[str]:
    return [word for word in search.split() if word][:8]


def _like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _search(search: str) -> Any:
    fields = [
        S.c[f"{prefix}_{lang}"]
        for prefix in ("name", "summary", "description")
        for lang in ("fi", "sv", "en")
    ]
    return and_(
        *(or_(*(field.ilike(_like(word), escape="\\") for field in fields)) for word in _words(search))
    )


def _has_term(taxonomy: str, code: str | None) -> Any:
    if taxonomy == MUNICIPALITY_TAXONOMY:
        condition = AREA.c.service_id == S.c.id
        if code is not None:
            condition = and_(condition, AREA.c.municipality_code == code)
        return select(AREA.c.service_id).where(condition).exists()
    if taxonomy == ACCESSIBILITY_TAXONOMY:
        features = cast(L.c.accessibility_features, Text)
        feature = features.like(f'%"{code}"%') if code is not None else features.notin_(["[]", ""])
        return (
            select(SAL.c.id)
            .join(L, L.c.id == SAL.c.location_id)
            .where(SAL.c.service_id == S.c.id, feature)
            .exists()
        )
    condition = and_(TERM.c.service_id == S.c.id, TERM.c.taxonomy == taxonomy)
    if code is not None:
        condition = and_(condition, TERM.c.code == code)
    return select(TERM.c.service_id).where(condition).exists()


def _covers(municipality: str) -> Any:
    """HSDS `postcode`: the service is offered there (its service area), or, having no service area,
    takes place there."""
    in_area = select(AREA.c.service_id).where(
        AREA.c.service_id == S.c.id, AREA.c.municipality_code == municipality
    )
    has_area = select(AREA.c.service_id).where(AREA.c.service_id == S.c.id)
    at_place = (
        select(SAL.c.id)
        .join(L, L.c.id == SAL.c.location_id)
        .where(SAL.c.service_id == S.c.id, L.c.municipality_code == municipality)
    )
    return or_(in_area.exists(), and_(~has_area.exists(), at_place.exists()))


def within(near: Near, latitude: Any, longitude: Any) -> Any:
    """Inside the circle, by the equirectangular approximation (no trigonometry in SQL; off by well
    under 1 % at Finnish latitudes and these distances), after a bounding box the indexes can use."""
    lat_m = 110_574.0
    lon_m = 111_320.0 * math.cos(math.radians(near.latitude))
    dlat = near.metres / lat_m
    dlon = near.metres / lon_m
    dy = (latitude - near.latitude) * lat_m
    dx = (longitude - near.longitude) * lon_m
    return and_(
        latitude.between(near.latitude - dlat, near.latitude + dlat),
        longitude.between(near.longitude - dlon, near.longitude + dlon),
        dy * dy + dx * dx <= near.metres * near.metres,
    )


def _near(near: Near) -> Any:
    return (
        select(SAL.c.id)
        .join(L, L.c.id == SAL.c.location_id)
        .where(SAL.c.service_id == S.c.id, within(near, L.c.latitude, L.c.longitude))
        .exists()
    )


def _times(query: ServiceQuery) -> Any:
    """UK profile `day`, `start_time`, `end_time`: one schedule of the service (its own, its meeting
    times at a place, or the place's opening hours) that holds on that day and within those times."""
    conditions: list[Any] = [SCH.c.kind != ScheduleKind.EXCEPTION.value, SCH.c.closed.is_(False)]
    if query.day:
        conditions.append(or_(SCH.c.byday.like(f"%{query.day}%"), SCH.c.rrule.like("%FREQ=DAILY%")))
    if query.start_time is not None:
        conditions.append(SCH.c.opens_at >= query.start_time)
    if query.end_time is not None:
        conditions.append(SCH.c.closes_at <= query.end_time)
    # Two levels down: correlate to the service explicitly (automatic correlation stops one level up).
    sal_ids = select(SAL.c.id).where(SAL.c.service_id == S.c.id).correlate(S)
    location_ids = select(SAL.c.location_id).where(SAL.c.service_id == S.c.id).correlate(S)
    owner = or_(
        SCH.c.service_id == S.c.id,
        SCH.c.service_at_location_id.in_(sal_ids),
        SCH.c.location_id.in_(location_ids),
    )
    return select(SCH.c.id).where(owner, *conditions).exists()


def modified_since(moment: datetime) -> Any:
    """The service, its organisation or one of its places changed on or after `moment`."""
    place_changed = (
        select(SAL.c.id)
        .join(L, L.c.id == SAL.c.location_id)
        .where(SAL.c.service_id == S.c.id, L.c.updated_at >= moment)
        .exists()
    )
    organisation_changed = (
        select(O.c.id).where(O.c.id == S.c.organisation_id, O.c.updated_at >= moment).exists()
    )
    # The provider's overlay (capacity) is published with the service too.
    overlay_changed = (
        select(OV.c.service_id).where(OV.c.service_id == S.c.id, OV.c.updated_at >= moment).exists()
    )
    return or_(S.c.updated_at >= moment, organisation_changed, place_changed, overlay_changed)


def service_conditions(query: ServiceQuery) -> list[Any]:
    if query.unknown_term:
        return [literal(False)]
    # Changes are asked for to keep a copy in step, so retired services come too ("inactive").
    statuses = list(ServiceStatus) if query.modified_after is not None else list(LISTED)
    conditions: list[Any] = [S.c.status.in_([status.value for status in statuses])]
    if query.search and _words(query.search):
        conditions.append(_search(query.search))
    if query.term is not None:
        conditions.append(_has_term(*query.term))
    if query.taxonomy is not None:
        conditions.append(_has_term(query.taxonomy, None))
    if query.organisation_id is not None:
        conditions.append(S.c.organisation_id == query.organisation_id)
    if query.modified_after is not None:
        conditions.append(modified_since(query.modified_after))
    if query.minimum_age is not None:
        conditions.append(func.coalesce(S.c.min_age, 0) >= query.minimum_age)
    if query.maximum_age is not None:
        conditions.append(and_(S.c.max_age.is_not(None), S.c.max_age <= query.maximum_age))
    if query.day or query.start_time is not None or query.end_time is not None:
        conditions.append(_times(query))
    if query.near is not None:
        conditions.append(_near(query.near))
    elif query.municipality is not None:
        conditions.append(_covers(query.municipality))
    return conditions


ANCHOR_EVERY = 500


@dataclass(frozen=True)
class PageIndex:
    """How many services a query matches, and the id at every ANCHOR_EVERY-th place in id order.

    A deep page (page 1,000 of 50) by OFFSET alone walks every earlier match, each a row to fetch and
    filter: hundreds of milliseconds at 100,000 services. From the anchor before it, a page walks at most
    ANCHOR_EVERY rows. Made in one pass with the count, and kept as long as the catalogue's version."""

    total: int
    anchors: tuple[uuid.UUID, ...] = ()


def service_page_index(session: Session, query: ServiceQuery) -> PageIndex:
    numbered = (
        select(
            S.c.id,
            func.row_number().over(order_by=S.c.id).label("n"),
            func.count().over().label("total"),
        )
        .where(*service_conditions(query))
        .subquery()
    )
    statement = (
        select(numbered.c.id, numbered.c.total)
        .where((numbered.c.n - 1) % ANCHOR_EVERY == 0)
        .order_by(numbered.c.n)
    )
    rows = session.connection().execute(statement).all()
    return PageIndex(total=int(rows[0].total) if rows else 0, anchors=tuple(row.id for row in rows))


def page_service_ids(
    session: Session, query: ServiceQuery, *, page: int, per_page: int, index: PageIndex | None = None
) -> list[uuid.UUID]:
    offset = (page - 1) * per_page
    statement = select(S.c.id).where(*service_conditions(query))
    if index is not None:
        if offset >= index.total:
            return []
        anchor = offset // ANCHOR_EVERY
        statement = statement.where(S.c.id >= index.anchors[anchor])
        offset -= anchor * ANCHOR_EVERY
    statement = statement.order_by(S.c.id).offset(offset).limit(per_page)
    return list(session.connection().execute(statement).scalars())


def iter_service_ids(session: Session, query: ServiceQuery, *, batch: int = 500) -> Iterator[list[uuid.UUID]]:
    """Every matching id, a batch at a time, by keyset (each batch an indexed range of the key)."""
    conditions = service_conditions(query)
    after: uuid.UUID | None = None
    while True:
        statement = select(S.c.id).where(*conditions)
        if after is not None:
            statement = statement.where(S.c.id > after)
        ids = list(session.connection().execute(statement.order_by(S.c.id).limit(batch)).scalars())
        if not ids:
            return
        yield ids
        if len(ids) < batch:
            return
        after = ids[-1]


# -- services at locations -------------------------------------------------------------------


def _sal_conditions(query: ServiceQuery) -> list[Any]:
    """A service at a place matches when its service does; postcode and proximity look at the place."""
    place_query = replace(query, near=None, municipality=None)
    conditions = [*service_conditions(place_query), L.c.status == RecordStatus.ACTIVE.value]
    if query.near is not None:
        conditions.append(within(query.near, L.c.latitude, L.c.longitude))
    elif query.municipality is not None:
        conditions.append(or_(L.c.municipality_code == query.municipality, _covers(query.municipality)))
    return conditions


def _sal_from() -> Any:
    return SAL.join(S, S.c.id == SAL.c.service_id).join(L, L.c.id == SAL.c.location_id)


def count_sals(session: Session, query: ServiceQuery) -> int:
    statement = select(func.count()).select_from(_sal_from()).where(*_sal_conditions(query))
    return int(session.connection().execute(statement).scalar_one())


def page_sals(
    session: Session, query: ServiceQuery, *, page: int, per_page: int
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(service-at-location id, service id) of one page."""
    statement = (
        select(SAL.c.id, SAL.c.service_id)
        .select_from(_sal_from())
        .where(*_sal_conditions(query))
        .order_by(SAL.c.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return [(row.id, row.service_id) for row in session.connection().execute(statement)]


def iter_sals(
    session: Session, query: ServiceQuery, *, batch: int = 500
) -> Iterator[list[tuple[uuid.UUID, uuid.UUID]]]:
    conditions = _sal_conditions(query)
    after: uuid.UUID | None = None
    while True:
        statement = select(SAL.c.id, SAL.c.service_id).select_from(_sal_from()).where(*conditions)
        if after is not None:
            statement = statement.where(SAL.c.id > after)
        rows = [
            (row.id, row.service_id)
            for row in session.connection().execute(statement.order_by(SAL.c.id).limit(batch))
        ]
        if not rows:
            return
        yield rows
        if len(rows) < batch:
            return
        after = rows[-1][0]


def find_sal(session: Session, sal_id: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID] | None:
    row = session.connection().execute(select(SAL.c.id, SAL.c.service_id).where(SAL.c.id == sal_id)).first()
    return (row.id, row.service_id) if row is not None else None


# -- organisations ---------------------------------------------------------------------------


def _organisation_conditions(search: str | None) -> list[Any]:
    conditions: list[Any] = [O.c.status == RecordStatus.ACTIVE.value]
    for word in _words(search or ""):
        conditions.append(
            or_(*(O.c[f"name_{lang}"].ilike(_like(word), escape="\\") for lang in ("fi", "sv", "en")))
        )
    return conditions


def count_organisations(session: Session, search: str | None) -> int:
    statement = select(func.count()).select_from(O).where(*_organisation_conditions(search))
    return int(session.connection().execute(statement).scalar_one())


def page_organisation_ids(
    session: Session, search: str | None, *, page: int, per_page: int
) -> list[uuid.UUID]:
    statement = (
        select(O.c.id)
        .where(*_organisation_conditions(search))
        .order_by(O.c.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return list(session.connection().execute(statement).scalars())


def iter_organisation_ids(
    session: Session, search: str | None, *, batch: int = 500
) -> Iterator[list[uuid.UUID]]:
    conditions = _organisation_conditions(search)
    after: uuid.UUID | None = None
    while True:
        statement = select(O.c.id).where(*conditions)
        if after is not None:
            statement = statement.where(O.c.id > after)
        ids = list(session.connection().execute(statement.order_by(O.c.id).limit(batch)).scalars())
        if not ids:
            return
        yield ids
        if len(ids) < batch:
            return
        after = ids[-1]


def organisation_exists(session: Session, organisation_id: uuid.UUID) -> bool:
    return session.connection().execute(select(O.c.id).where(O.c.id == organisation_id)).first() is not None


def service_ids_of_organisation(session: Session, organisation_id: uuid.UUID) -> list[uuid.UUID]:
    statement = (
        select(S.c.id)
        .where(S.c.organisation_id == organisation_id, S.c.status.in_([s.value for s in LISTED]))
        .order_by(S.c.id)
    )
    return list(session.connection().execute(statement).scalars())


def location_ids_of_organisation(session: Session, organisation_id: uuid.UUID) -> list[uuid.UUID]:
    statement = (
        select(L.c.id)
        .where(L.c.organisation_id == organisation_id, L.c.status == RecordStatus.ACTIVE.value)
        .order_by(L.c.id)
    )
    return list(session.connection().execute(statement).scalars())


def service_exists(session: Session, service_id: uuid.UUID) -> bool:
    return session.connection().execute(select(S.c.id).where(S.c.id == service_id)).first() is not None


# -- vocabularies ----------------------------------------------------------------------------


def used_terms(session: Session) -> list[tuple[str, str, str | None, str | None, str | None]]:
    """(taxonomy, code, label_fi, label_sv, label_en) of every term some service is tagged with."""
    statement = (
        select(
            TERM.c.taxonomy,
            TERM.c.code,
            func.max(TERM.c.label_fi),
            func.max(TERM.c.label_sv),
            func.max(TERM.c.label_en),
        )
        .group_by(TERM.c.taxonomy, TERM.c.code)
        .order_by(TERM.c.taxonomy, TERM.c.code)
    )
    return [tuple(row) for row in session.connection().execute(statement)]  # type: ignore[misc]


# -- the catalogue's version ------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueVersion:
    """What changes whenever an answer of the API can: the latest change and the row counts."""

    last_modified: datetime | None
    token: str


def catalogue_version(session: Session) -> CatalogueVersion:
    """Cheap (indexed maxima): the newest `updated_at` of the published tables and the last finished
    sync run (retirements and provenance links change in runs). Rows are retired, never deleted."""
    connection = session.connection()
    stamps: list[datetime] = []
    for table in (S, O, L, OV):
        newest = connection.execute(select(func.max(table.c.updated_at))).scalar()
        if newest is not None:
            stamps.append(newest)
    run = SyncRun.__table__  # type: ignore[attr-defined]
    last_run = connection.execute(select(func.max(run.c.id)).where(run.c.finished_at.is_not(None))).scalar()
    last = max(stamps) if stamps else None
    token = f"{last_run or 0}/{last.isoformat() if last else '-'}"
    return CatalogueVersion(last_modified=last, token=token)


def ids_only(rows: Sequence[tuple[uuid.UUID, uuid.UUID]]) -> list[uuid.UUID]:
    return [row[1] for row in rows]
