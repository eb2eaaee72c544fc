"""Response models of the JSON API and pure functions from catalogue rows to them."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Annotated, Any

from pydantic import BaseModel, Field, WithJsonSchema

from app.catalogue import meeting_times
from app.catalogue.enums import Taxonomy
from app.catalogue.models import Contact, Location, Organisation, Schedule, Service, ServiceTerm


class LocalizedText(BaseModel):
    fi: str | None = None
    sv: str | None = None
    en: str | None = None


class Term(BaseModel):
    code: str
    name: LocalizedText


class OrganisationSummary(BaseModel):
    id: uuid.UUID
    kind: str
    name: LocalizedText
    business_id: str | None
    summary_only: bool = Field(
        description="Known only from the id and name its services carry: the source has not "
        "published the organisation's own record (kind is then `other`)."
    )


class Coordinates(BaseModel):
    latitude: float
    longitude: float


# A wall-clock time in the schedule's `timezone` ("08:00:00"). JSON Schema's `format: time` is RFC 3339's
# full-time, which needs an offset, so strict clients would refuse these values: a pattern says it instead.
LocalTime = Annotated[
    time,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?$",
            "description": "local wall-clock time in the schedule's timezone, without an offset",
            "examples": ["08:00:00"],
        }
    ),
]


class ScheduleOut(BaseModel):
    kind: str
    byday: list[str]
    opens_at: LocalTime | None
    closes_at: LocalTime | None
    closes_next_day: bool
    valid_from: date | None
    valid_to: date | None
    closed: bool
    by_appointment: bool
    rrule: str | None
    dtstart: date | None
    until: date | None
    exdates: list[str]
    timezone: str
    description: LocalizedText
    text: LocalizedText = Field(
        description='The row as a sentence in each language, e.g. "torstaisin klo 13.00–13.45 (31.8.2026–16.5.2027)"'
    )


class ContactOut(BaseModel):
    kind: str
    value: str
    label: LocalizedText
    charge_info: str | None
    language: str | None


class LocationOut(BaseModel):
    id: uuid.UUID
    source: str
    external_id: str
    name: LocalizedText
    street_address: LocalizedText
    postal_code: str | None
    post_office: LocalizedText
    municipality_code: str | None
    coordinates: Coordinates | None
    accessibility: LocalizedText
    accessibility_features: list[str]
    schedules: list[ScheduleOut] = Field(description="The place's own opening hours")
    contacts: list[ContactOut]
    meeting_times: list[ScheduleOut] = Field(
        default_factory=list,
        description="When this service meets at this place (sessions with their RRULE, season and breaks)",
    )


class SourceLinkOut(BaseModel):
    source: str
    external_id: str
    source_url: str | None


class ServiceOut(BaseModel):
    id: uuid.UUID
    source: str = Field(description="Where the listing comes from: ptv, lahella, linkedevents or local")
    external_id: str = Field(description="The listing's id in its source")
    source_url: str | None
    source_modified_at: datetime | None
    first_seen_at: datetime
    last_synced_at: datetime
    also_from: list[SourceLinkOut]
    demo: bool = Field(description="True for the generated demo catalogue")
    status: str
    name: LocalizedText
    summary: LocalizedText
    description: LocalizedText | None = Field(
        description="The whole description: on /api/v1/services/{id} only; lists carry the summary and null here"
    )
    how_to_join: LocalizedText
    registration_url: str | None
    organisation: OrganisationSummary
    themes: list[Term]
    target_groups: list[Term]
    service_classes: list[Term]
    ontology_terms: list[Term]
    languages: list[str]
    is_free: bool | None
    price: LocalizedText
    min_age: int | None
    max_age: int | None
    area_municipality_codes: list[str]
    locations: list[LocationOut]
    schedules: list[ScheduleOut]
    contacts: list[ContactOut]
    updated_at: datetime


class ServicePage(BaseModel):
    items: list[ServiceOut]
    total: int
    page: int
    per_page: int
    pages: int


class OrganisationOut(BaseModel):
    id: uuid.UUID
    source: str
    external_id: str
    source_url: str | None
    demo: bool
    kind: str
    status: str
    name: LocalizedText
    description: LocalizedText
    business_id: str | None
    parent_id: uuid.UUID | None
    municipality_code: str | None
    website: str | None
    email: str | None
    phone: str | None
    summary_only: bool = Field(
        description="Known only from the id and name its services carry; filled in when the source "
        "publishes the organisation's own record."
    )
    active_service_count: int
    last_synced_at: datetime


class ErrorOut(BaseModel):
    error: str
    message: str
    details: list[dict[str, str]] | None = None


# What every operation behind sign-in may answer before its own work (web.auth.ActorDep): in its
# OpenAPI description, so that clients and the schema tests (tests/hardening/test_api_schema.py) know.
SIGN_IN_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {
        "model": ErrorOut,
        "description": "Not signed in, or the bearer token is not valid (WWW-Authenticate).",
    },
    403: {"model": ErrorOut, "description": "Signed in, but without access to this."},
    429: {"model": ErrorOut, "description": "Too many requests from this API client (Retry-After)."},
}


# Characters of a summary in a list (as synced summaries are capped, integrations/caps.py).
LIST_SUMMARY_LIMIT = 1000


def localized(obj: Any, prefix: str, limit: int | None = None) -> LocalizedText:
    def value(lang: str) -> str | None:
        text: str | None = getattr(obj, f"{prefix}_{lang}", None)
        return text[:limit] if text and limit else text

    return LocalizedText(fi=value("fi"), sv=value("sv"), en=value("en"))


def to_term(term: ServiceTerm) -> Term:
    return Term(code=term.code, name=localized(term, "label"))


def to_schedule_out(schedule: Schedule, *, meeting: bool = False) -> ScheduleOut:
    """`meeting`: a row of a group's meeting times (a closed exception reads "no sessions")."""
    return ScheduleOut(
        kind=schedule.kind,
        byday=[d for d in (schedule.byday or "").split(",") if d],
        opens_at=schedule.opens_at,
        closes_at=schedule.closes_at,
        closes_next_day=schedule.closes_next_day,
        valid_from=schedule.valid_from,
        valid_to=schedule.valid_to,
        closed=schedule.closed,
        by_appointment=schedule.by_appointment,
        rrule=schedule.rrule,
        dtstart=schedule.dtstart,
        until=schedule.until,
        exdates=list(schedule.exdates or []),
        timezone=schedule.timezone,
        description=localized(schedule, "description"),
        text=LocalizedText(
            **{
                lang: meeting_times.schedule_text(
                    schedule, getattr(schedule, f"description_{lang}"), lang, meeting=meeting
                )
                for lang in meeting_times.LOCALES
            }
        ),
    )


def to_contact_out(contact: Contact) -> ContactOut:
    return ContactOut(
        kind=contact.kind,
        value=contact.value,
        label=localized(contact, "label"),
        charge_info=contact.charge_info,
        language=contact.language,
    )


def to_location_out(location: Location) -> LocationOut:
    coordinates = None
    if location.latitude is not None and location.longitude is not None:
        coordinates = Coordinates(latitude=location.latitude, longitude=location.longitude)
    return LocationOut(
        id=location.id,
        source=location.source,
        external_id=location.external_id,
        name=localized(location, "name"),
        street_address=localized(location, "street_address"),
        postal_code=location.postal_code,
        post_office=localized(location, "post_office"),
        municipality_code=location.municipality_code,
        coordinates=coordinates,
        accessibility=localized(location, "accessibility"),
        accessibility_features=list(location.accessibility_features or []),
        schedules=[to_schedule_out(s) for s in location.schedules],
        contacts=[to_contact_out(c) for c in location.contacts],
    )


def _terms(service: Service, taxonomy: Taxonomy) -> list[Term]:
    return [to_term(t) for t in sorted(service.terms, key=lambda t: t.code) if t.taxonomy == taxonomy.value]


def to_organisation_summary(organisation: Organisation) -> OrganisationSummary:
    return OrganisationSummary(
        id=organisation.id,
        kind=organisation.kind,
        name=localized(organisation, "name"),
        business_id=organisation.business_id,
        summary_only=organisation.summary_only,
    )


def to_service_out(service: Service, *, whole: bool = True) -> ServiceOut:
    """The service; `whole=False` (lists) leaves the description out, which can be long."""
    return ServiceOut(
        id=service.id,
        source=service.source,
        external_id=service.external_id,
        source_url=service.source_url,
        source_modified_at=service.source_modified_at,
        first_seen_at=service.first_seen_at,
        last_synced_at=service.last_synced_at,
        also_from=[
            SourceLinkOut(source=link.source, external_id=link.external_id, source_url=link.source_url)
            for link in service.source_links
        ],
        demo=service.is_demo,
        status=service.status,
        name=localized(service, "name"),
        summary=localized(service, "summary", None if whole else LIST_SUMMARY_LIMIT),
        description=localized(service, "description") if whole else None,
        how_to_join=localized(service, "how_to_join"),
        registration_url=service.registration_url,
        organisation=to_organisation_summary(service.organisation),
        themes=_terms(service, Taxonomy.THEME),
        target_groups=_terms(service, Taxonomy.PTV_TARGET_GROUP),
        service_classes=_terms(service, Taxonomy.PTV_SERVICE_CLASS),
        ontology_terms=_terms(service, Taxonomy.ONTOLOGY_TERM),
        languages=list(service.languages or []),
        is_free=service.is_free,
        price=localized(service, "price_text"),
        min_age=service.min_age,
        max_age=service.max_age,
        area_municipality_codes=sorted(a.municipality_code for a in service.areas),
        locations=[
            to_location_out(sal.location).model_copy(
                update={"meeting_times": [to_schedule_out(s, meeting=True) for s in sal.schedules]}
            )
            for sal in service.service_at_locations
        ],
        schedules=[to_schedule_out(s) for s in service.schedules],
        contacts=[to_contact_out(c) for c in service.contacts],
        updated_at=service.updated_at,
    )


def to_organisation_out(organisation: Organisation, active_service_count: int) -> OrganisationOut:
    return OrganisationOut(
        id=organisation.id,
        source=organisation.source,
        external_id=organisation.external_id,
        source_url=organisation.source_url,
        demo=organisation.is_demo,
        kind=organisation.kind,
        status=organisation.status,
        name=localized(organisation, "name"),
        description=localized(organisation, "description"),
        business_id=organisation.business_id,
        parent_id=organisation.parent_id,
        municipality_code=organisation.municipality_code,
        website=organisation.website,
        email=organisation.email,
        phone=organisation.phone,
        summary_only=organisation.summary_only,
        active_service_count=active_service_count,
        last_synced_at=organisation.last_synced_at,
    )
