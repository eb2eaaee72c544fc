"""Read-side queries of the catalogue. `list_*` return pages, `get_*` raise NotFound."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import and_, func, or_
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from app.catalogue.enums import ServiceStatus, Taxonomy
from app.catalogue.models import (
    Location,
    Municipality,
    Organisation,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceTerm,
    Theme,
)
from app.errors import NotFound

T = TypeVar("T")

MAX_PER_PAGE = 100


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class ServiceFilter:
    """Filters of the service list; all given filters must hold (HSDS cumulative semantics)."""

    municipality: str | None = None
    theme: str | None = None
    target_group: str | None = None
    is_free: bool | None = None
    organisation_id: uuid.UUID | None = None
    source: str | None = None
    statuses: tuple[ServiceStatus, ...] = (ServiceStatus.ACTIVE, ServiceStatus.TEMPORARILY_CLOSED)
    ids: tuple[uuid.UUID, ...] = field(default=())


def service_load_options() -> list[Any]:
    """Everything a full service representation needs, loaded in a fixed number of queries."""
    sal = selectinload(Service.service_at_locations)  # type: ignore[arg-type]
    location = sal.selectinload(ServiceAtLocation.location)  # type: ignore[arg-type]
    return [
        selectinload(Service.organisation),  # type: ignore[arg-type]
        selectinload(Service.terms),  # type: ignore[arg-type]
        selectinload(Service.areas),  # type: ignore[arg-type]
        selectinload(Service.schedules),  # type: ignore[arg-type]
        selectinload(Service.contacts),  # type: ignore[arg-type]
        selectinload(Service.source_links),  # type: ignore[arg-type]
        location.selectinload(Location.schedules),  # type: ignore[arg-type]
        location.selectinload(Location.contacts),  # type: ignore[arg-type]
        sal.selectinload(ServiceAtLocation.schedules),  # type: ignore[arg-type]
    ]


def _has_term(taxonomy: Taxonomy, code: str) -> Any:
    return (
        select(ServiceTerm.service_id)
        .where(
            ServiceTerm.service_id == Service.id,
            ServiceTerm.taxonomy == taxonomy.value,
            ServiceTerm.code == code,
        )
        .exists()
    )


def _in_municipality(code: str) -> Any:
    # A service is in a municipality if it takes place there, or, having no place at all
    # (phone or online), is offered to that municipality's residents.
    at_place = (
        select(ServiceAtLocation.id)
        .join(Location, col(Location.id) == ServiceAtLocation.location_id)
        .where(ServiceAtLocation.service_id == Service.id, Location.municipality_code == code)
        .exists()
    )
    has_place = select(ServiceAtLocation.id).where(ServiceAtLocation.service_id == Service.id).exists()
    in_area = (
        select(ServiceArea.service_id)
        .where(ServiceArea.service_id == Service.id, ServiceArea.municipality_code == code)
        .exists()
    )
    return or_(at_place, and_(~has_place, in_area))


def _conditions(flt: ServiceFilter) -> list[Any]:
    conditions: list[Any] = [col(Service.status).in_([s.value for s in flt.statuses])]
    if flt.municipality:
        conditions.append(_in_municipality(flt.municipality))
    if flt.theme:
        conditions.append(_has_term(Taxonomy.THEME, flt.theme))
    if flt.target_group:
        conditions.append(_has_term(Taxonomy.PTV_TARGET_GROUP, flt.target_group))
    if flt.is_free is not None:
        conditions.append(Service.is_free == flt.is_free)
    if flt.organisation_id:
        conditions.append(Service.organisation_id == flt.organisation_id)
    if flt.source:
        conditions.append(Service.source == flt.source)
    if flt.ids:
        conditions.append(col(Service.id).in_(flt.ids))
    return conditions


def list_services(
    session: Session, flt: ServiceFilter, *, page: int = 1, per_page: int = 20
) -> Page[Service]:
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    conditions = _conditions(flt)
    total = session.exec(select(func.count()).select_from(Service).where(*conditions)).one()
    # Order by name, then id, so pages are stable when names repeat.
    statement = (
        select(Service)
        .where(*conditions)
        .order_by(
            func.lower(func.coalesce(Service.name_fi, Service.name_sv, Service.name_en)), col(Service.id)
        )
        .offset((page - 1) * per_page)
        .limit(per_page)
        .options(*service_load_options())
    )
    items = session.exec(statement).all()
    return Page(items=items, total=total, page=page, per_page=per_page)


def get_service(session: Session, service_id: uuid.UUID) -> Service:
    statement = select(Service).where(Service.id == service_id).options(*service_load_options())
    service = session.exec(statement).first()
    if service is None:
        raise NotFound("No service with this id.", code="service_not_found", id=str(service_id))
    return service


def get_organisation(session: Session, organisation_id: uuid.UUID) -> Organisation:
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(
            "No organisation with this id.", code="organisation_not_found", id=str(organisation_id)
        )
    return organisation


def count_services_by_organisation(session: Session, organisation_id: uuid.UUID) -> int:
    statement = (
        select(func.count())
        .select_from(Service)
        .where(
            Service.organisation_id == organisation_id,
            col(Service.status) != ServiceStatus.RETIRED.value,
        )
    )
    return session.exec(statement).one()


def list_themes(session: Session) -> Sequence[Theme]:
    return session.exec(select(Theme).order_by(col(Theme.sort_order))).all()


def list_municipalities(session: Session, codes: set[str] | None = None) -> Sequence[Municipality]:
    statement = select(Municipality).order_by(col(Municipality.name_fi))
    if codes is not None:
        statement = statement.where(col(Municipality.code).in_(codes))
    return session.exec(statement).all()


def municipality_exists(session: Session, code: str) -> bool:
    return session.get(Municipality, code) is not None


def theme_exists(session: Session, code: str) -> bool:
    return session.get(Theme, code) is not None
