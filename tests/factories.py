"""Plain typed factory functions. Each adds to the session and flushes; nothing commits."""

from __future__ import annotations

import uuid
from datetime import time
from typing import Any

from sqlmodel import Session, select

from app.catalogue.enums import (
    ContactKind,
    OrganisationKind,
    ScheduleKind,
    ServiceStatus,
    Source,
    Taxonomy,
)
from app.catalogue.models import (
    Contact,
    Location,
    Organisation,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceTerm,
)


def _external_id() -> str:
    return str(uuid.uuid4())


def make_organisation(
    session: Session,
    *,
    name_fi: str = "Lahden kaupunki",
    kind: OrganisationKind = OrganisationKind.MUNICIPALITY,
    business_id: str | None = "0126521-7",
    municipality_code: str | None = "398",
    source: str = Source.PTV,
    **fields: Any,
) -> Organisation:
    organisation = Organisation(
        name_fi=name_fi,
        kind=kind,
        business_id=business_id,
        municipality_code=municipality_code,
        source=source,
        external_id=fields.pop("external_id", _external_id()),
        **fields,
    )
    session.add(organisation)
    session.flush()
    return organisation


def make_location(
    session: Session,
    *,
    name_fi: str = "Liikuntakeskus",
    municipality_code: str | None = "398",
    latitude: float | None = 60.9827,
    longitude: float | None = 25.6612,
    source: str = Source.PTV,
    **fields: Any,
) -> Location:
    location = Location(
        name_fi=name_fi,
        municipality_code=municipality_code,
        latitude=latitude,
        longitude=longitude,
        source=source,
        external_id=fields.pop("external_id", _external_id()),
        **fields,
    )
    session.add(location)
    session.flush()
    return location


def make_service(
    session: Session,
    *,
    organisation: Organisation | None = None,
    name_fi: str = "Senioreiden kuntosaliryhmä",
    themes: tuple[str, ...] = ("liikunta",),
    target_groups: tuple[str, ...] = (),
    service_classes: tuple[str, ...] = ("P27.1",),
    locations: tuple[Location, ...] = (),
    area_municipalities: tuple[str, ...] = (),
    is_free: bool | None = True,
    status: ServiceStatus = ServiceStatus.ACTIVE,
    source: str = Source.PTV,
    weekly: tuple[tuple[str, time, time], ...] = (),
    contacts: tuple[tuple[ContactKind, str], ...] = (),
    **fields: Any,
) -> Service:
    organisation = organisation or make_organisation(session)
    service = Service(
        organisation_id=organisation.id,
        name_fi=name_fi,
        is_free=is_free,
        status=status,
        source=source,
        external_id=fields.pop("external_id", _external_id()),
        languages=fields.pop("languages", ["fi"]),
        **fields,
    )
    session.add(service)
    session.flush()
    for code in themes:
        session.add(ServiceTerm(service_id=service.id, taxonomy=Taxonomy.THEME, code=code, label_fi=code))
    for code in target_groups:
        session.add(ServiceTerm(service_id=service.id, taxonomy=Taxonomy.PTV_TARGET_GROUP, code=code))
    for code in service_classes:
        session.add(ServiceTerm(service_id=service.id, taxonomy=Taxonomy.PTV_SERVICE_CLASS, code=code))
    for code in area_municipalities:
        session.add(ServiceArea(service_id=service.id, municipality_code=code))
    for location in locations:
        session.add(ServiceAtLocation(service_id=service.id, location_id=location.id))
    for order, (byday, opens, closes) in enumerate(weekly):
        session.add(
            Schedule(
                service_id=service.id,
                kind=ScheduleKind.SESSION,
                byday=byday,
                opens_at=opens,
                closes_at=closes,
                rrule=f"FREQ=WEEKLY;BYDAY={byday}",
                sort_order=order,
            )
        )
    for order, (kind, value) in enumerate(contacts):
        session.add(Contact(service_id=service.id, kind=kind, value=value, sort_order=order))
    session.flush()
    session.expire(service)
    return service


def add_place_schedule(
    session: Session,
    service: Service,
    location: Location,
    kind: ScheduleKind,
    *,
    byday: str | None = None,
    opens: time | None = None,
    closes: time | None = None,
    at_place: bool = True,
    **fields: Any,
) -> Schedule:
    """A schedule row of a place: the group's meeting times there (at_place, on the service-at-place
    link) or the venue's own opening hours (on the location)."""
    link = session.exec(
        select(ServiceAtLocation).where(
            ServiceAtLocation.service_id == service.id, ServiceAtLocation.location_id == location.id
        )
    ).first()
    if link is None:
        link = ServiceAtLocation(service_id=service.id, location_id=location.id)
        session.add(link)
        session.flush()
    if byday and kind == ScheduleKind.SESSION and "rrule" not in fields:
        fields["rrule"] = f"FREQ=WEEKLY;BYDAY={byday}"
    schedule = Schedule(
        service_at_location_id=link.id if at_place else None,
        location_id=None if at_place else location.id,
        kind=kind,
        byday=byday,
        opens_at=opens,
        closes_at=closes,
        **fields,
    )
    session.add(schedule)
    session.flush()
    session.expire(service)
    session.expire(location)
    return schedule
