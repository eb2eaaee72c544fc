"""Catalogue tables, modelled on Open Referral HSDS 3.0 with fi/sv/en text columns.

No `from __future__ import annotations` here: SQLModel resolves relationship types at runtime.
"""

import uuid
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint, false
from sqlmodel import Field, Relationship, SQLModel

from app.catalogue.enums import (
    ContactKind,
    OrganisationKind,
    RecordStatus,
    ScheduleKind,
    ServiceStatus,
)
from app.models_base import ProvenanceMixin, StrEnumType, TimestampMixin, new_id
from app.timeutil import UTCDateTime, utcnow

# ---------------------------------------------------------------------------------------------
# Code tables (loaded from app/catalogue/data/*.csv by app.catalogue.codes.load_code_tables)
# ---------------------------------------------------------------------------------------------


class Region(SQLModel, table=True):
    """Maakunta (region), two-digit Statistics Finland code."""

    code: str = Field(primary_key=True, max_length=2)
    name_fi: str
    name_sv: str
    name_en: str


class WellbeingCounty(SQLModel, table=True):
    """Hyvinvointialue (wellbeing services county), two-digit Statistics Finland code."""

    __tablename__ = "wellbeing_county"

    code: str = Field(primary_key=True, max_length=2)
    name_fi: str
    name_sv: str
    name_en: str


class Municipality(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=3)
    name_fi: str
    name_sv: str
    name_en: str
    region_code: str = Field(foreign_key="region.code", max_length=2, index=True)
    wellbeing_county_code: str = Field(foreign_key="wellbeing_county.code", max_length=2, index=True)


class Theme(SQLModel, table=True):
    """Our hyte theme taxonomy (liikunta, kulttuuri, vertaistuki, ...)."""

    code: str = Field(primary_key=True, max_length=40)
    name_fi: str
    name_sv: str
    name_en: str
    description_fi: str | None = Field(default=None, sa_type=Text)
    description_sv: str | None = Field(default=None, sa_type=Text)
    description_en: str | None = Field(default=None, sa_type=Text)
    sort_order: int = 0


class TaxonomyTerm(SQLModel, table=True):
    """Labels for external code lists (PTV service classes, target groups, life events)."""

    __tablename__ = "taxonomy_term"

    taxonomy: str = Field(primary_key=True, max_length=40)
    code: str = Field(primary_key=True, max_length=80)
    parent_code: str | None = Field(default=None, max_length=80)
    label_fi: str
    label_sv: str | None = None
    label_en: str | None = None


class ThemeMapping(SQLModel, table=True):
    """Reviewable data: an external code (PTV class, target group, Lähellä ht_*, YSO) -> hyte theme."""

    __tablename__ = "theme_mapping"

    taxonomy: str = Field(primary_key=True, max_length=40)
    code: str = Field(primary_key=True, max_length=255)
    theme_code: str = Field(primary_key=True, foreign_key="theme.code", max_length=40)


# ---------------------------------------------------------------------------------------------
# Organisations, services, locations
# ---------------------------------------------------------------------------------------------


class Organisation(ProvenanceMixin, TimestampMixin, table=True):
    # updated_at is indexed for the open data API's version and modified_after (web/hsds).
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_organisation_updated_at", "updated_at"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    kind: OrganisationKind = Field(sa_type=StrEnumType(OrganisationKind, 32), index=True)
    name_fi: str | None = None
    name_sv: str | None = None
    name_en: str | None = None
    description_fi: str | None = Field(default=None, sa_type=Text)
    description_sv: str | None = Field(default=None, sa_type=Text)
    description_en: str | None = Field(default=None, sa_type=Text)
    business_id: str | None = Field(default=None, max_length=9, index=True)  # Y-tunnus 1234567-8
    parent_id: uuid.UUID | None = Field(default=None, foreign_key="organisation.id")
    municipality_code: str | None = Field(default=None, foreign_key="municipality.code")
    website: str | None = Field(default=None, max_length=2048)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=64)
    status: RecordStatus = Field(
        default=RecordStatus.ACTIVE, sa_type=StrEnumType(RecordStatus, 16), index=True
    )
    # Known only from the {id, name} summary a service carries: the source did not return the
    # organisation's own record (unpublished, or missing from the crawl). Filled in when it does.
    summary_only: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class Location(ProvenanceMixin, TimestampMixin, table=True):
    """A physical place (PTV ServiceLocation channel, Lähellä channel, LinkedEvents place)."""

    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_location_updated_at", "updated_at"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    organisation_id: uuid.UUID | None = Field(default=None, foreign_key="organisation.id", index=True)
    name_fi: str | None = None
    name_sv: str | None = None
    name_en: str | None = None
    description_fi: str | None = Field(default=None, sa_type=Text)
    description_sv: str | None = Field(default=None, sa_type=Text)
    description_en: str | None = Field(default=None, sa_type=Text)
    street_address_fi: str | None = None
    street_address_sv: str | None = None
    postal_code: str | None = Field(default=None, max_length=5, index=True)
    post_office_fi: str | None = None
    post_office_sv: str | None = None
    municipality_code: str | None = Field(default=None, foreign_key="municipality.code", index=True)
    latitude: float | None = None  # WGS84
    longitude: float | None = None  # WGS84
    accessibility_fi: str | None = Field(default=None, sa_type=Text)
    accessibility_sv: str | None = Field(default=None, sa_type=Text)
    accessibility_en: str | None = Field(default=None, sa_type=Text)
    # AccessibilityFeature values, only those the source states.
    accessibility_features: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    accessibility_register_id: str | None = Field(default=None, max_length=64)
    status: RecordStatus = Field(
        default=RecordStatus.ACTIVE, sa_type=StrEnumType(RecordStatus, 16), index=True
    )

    schedules: list["Schedule"] = Relationship(
        sa_relationship_kwargs={"cascade": "all, delete-orphan", "order_by": "Schedule.sort_order"}
    )
    contacts: list["Contact"] = Relationship(
        sa_relationship_kwargs={"cascade": "all, delete-orphan", "order_by": "Contact.sort_order"}
    )


class Service(ProvenanceMixin, TimestampMixin, table=True):
    __table_args__ = (UniqueConstraint("source", "external_id"), Index("ix_service_updated_at", "updated_at"))

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisation.id", index=True)
    name_fi: str | None = None
    name_sv: str | None = None
    name_en: str | None = None
    summary_fi: str | None = Field(default=None, sa_type=Text)
    summary_sv: str | None = Field(default=None, sa_type=Text)
    summary_en: str | None = Field(default=None, sa_type=Text)
    description_fi: str | None = Field(default=None, sa_type=Text)
    description_sv: str | None = Field(default=None, sa_type=Text)
    description_en: str | None = Field(default=None, sa_type=Text)
    how_to_join_fi: str | None = Field(default=None, sa_type=Text)
    how_to_join_sv: str | None = Field(default=None, sa_type=Text)
    how_to_join_en: str | None = Field(default=None, sa_type=Text)
    registration_url: str | None = Field(default=None, max_length=2048)
    # None means the source does not say.
    is_free: bool | None = Field(default=None, index=True)
    price_text_fi: str | None = Field(default=None, sa_type=Text)
    price_text_sv: str | None = Field(default=None, sa_type=Text)
    price_text_en: str | None = Field(default=None, sa_type=Text)
    # ISO 639-1 codes of the languages the activity is offered in.
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    min_age: int | None = None
    max_age: int | None = None
    status: ServiceStatus = Field(
        default=ServiceStatus.ACTIVE, sa_type=StrEnumType(ServiceStatus, 24), index=True
    )

    organisation: Organisation = Relationship()
    terms: list["ServiceTerm"] = Relationship(sa_relationship_kwargs={"cascade": "all, delete-orphan"})
    areas: list["ServiceArea"] = Relationship(sa_relationship_kwargs={"cascade": "all, delete-orphan"})
    service_at_locations: list["ServiceAtLocation"] = Relationship(
        sa_relationship_kwargs={"cascade": "all, delete-orphan"}
    )
    schedules: list["Schedule"] = Relationship(
        sa_relationship_kwargs={"cascade": "all, delete-orphan", "order_by": "Schedule.sort_order"}
    )
    contacts: list["Contact"] = Relationship(
        sa_relationship_kwargs={"cascade": "all, delete-orphan", "order_by": "Contact.sort_order"}
    )
    source_links: list["ServiceSourceLink"] = Relationship(
        sa_relationship_kwargs={"cascade": "all, delete-orphan"}
    )


class ServiceTerm(SQLModel, table=True):
    """A service tagged with a code of a vocabulary (HSDS attribute); labels kept for search."""

    __tablename__ = "service_term"
    __table_args__ = (Index("ix_service_term_taxonomy_code", "taxonomy", "code"),)

    service_id: uuid.UUID = Field(foreign_key="service.id", primary_key=True, ondelete="CASCADE")
    taxonomy: str = Field(primary_key=True, max_length=40)
    code: str = Field(primary_key=True, max_length=255)
    label_fi: str | None = None
    label_sv: str | None = None
    label_en: str | None = None


class ServiceArea(SQLModel, table=True):
    """Municipalities a service is offered to (PTV service area); not where it takes place."""

    __tablename__ = "service_area"

    service_id: uuid.UUID = Field(foreign_key="service.id", primary_key=True, ondelete="CASCADE")
    municipality_code: str = Field(foreign_key="municipality.code", primary_key=True, index=True)


class ServiceAtLocation(SQLModel, table=True):
    __tablename__ = "service_at_location"
    __table_args__ = (UniqueConstraint("service_id", "location_id"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    location_id: uuid.UUID = Field(foreign_key="location.id", index=True, ondelete="CASCADE")
    description_fi: str | None = Field(default=None, sa_type=Text)
    description_sv: str | None = Field(default=None, sa_type=Text)
    description_en: str | None = Field(default=None, sa_type=Text)

    location: Location = Relationship()
    # When the activity meets at this place (sessions and their exceptions), not the place's hours.
    schedules: list["Schedule"] = Relationship(
        sa_relationship_kwargs={"cascade": "all, delete-orphan", "order_by": "Schedule.sort_order"}
    )


class ServiceSourceLink(SQLModel, table=True):
    """A further provenance of a service that two sources publish (e.g. Lähellä.fi and PTV)."""

    __tablename__ = "service_source_link"
    __table_args__ = (UniqueConstraint("source", "external_id"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    source: str = Field(max_length=32)
    external_id: str = Field(max_length=255)
    source_url: str | None = Field(default=None, max_length=2048)
    source_modified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    first_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_synced_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_seen_run_id: int | None = None
    status: RecordStatus = Field(default=RecordStatus.ACTIVE, sa_type=StrEnumType(RecordStatus, 16))


class Schedule(SQLModel, table=True):
    """HSDS schedule: weekly hours, date-range exceptions, or recurring sessions (RFC 5545).

    Exactly one of service_id / location_id / service_at_location_id is set.
    Times are local wall-clock times in `timezone` (Europe/Helsinki).
    """

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    service_id: uuid.UUID | None = Field(
        default=None, foreign_key="service.id", index=True, ondelete="CASCADE"
    )
    location_id: uuid.UUID | None = Field(
        default=None, foreign_key="location.id", index=True, ondelete="CASCADE"
    )
    service_at_location_id: uuid.UUID | None = Field(
        default=None, foreign_key="service_at_location.id", index=True, ondelete="CASCADE"
    )
    kind: ScheduleKind = Field(sa_type=StrEnumType(ScheduleKind, 24))
    # RFC 5545 BYDAY list, e.g. "MO,WE"; for opening hours and sessions.
    byday: str | None = Field(default=None, max_length=40)
    opens_at: time | None = None
    closes_at: time | None = None
    # A closing time on the next day (over midnight) has closes_next_day set.
    closes_next_day: bool = False
    valid_from: date | None = None
    valid_to: date | None = None
    closed: bool = False
    by_appointment: bool = False
    # Full RRULE for sessions, e.g. "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;UNTIL=20261215T235959Z".
    rrule: str | None = Field(default=None, max_length=500)
    dtstart: date | None = None
    until: date | None = None
    # Dates excluded from a recurrence (EXDATE), ISO strings.
    exdates: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    timezone: str = Field(default="Europe/Helsinki", max_length=40)
    description_fi: str | None = Field(default=None, sa_type=Text)
    description_sv: str | None = Field(default=None, sa_type=Text)
    description_en: str | None = Field(default=None, sa_type=Text)
    sort_order: int = 0


class Contact(SQLModel, table=True):
    """A phone number, e-mail address or web page of an organisation, service or location."""

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    organisation_id: uuid.UUID | None = Field(
        default=None, foreign_key="organisation.id", index=True, ondelete="CASCADE"
    )
    service_id: uuid.UUID | None = Field(
        default=None, foreign_key="service.id", index=True, ondelete="CASCADE"
    )
    location_id: uuid.UUID | None = Field(
        default=None, foreign_key="location.id", index=True, ondelete="CASCADE"
    )
    kind: ContactKind = Field(sa_type=StrEnumType(ContactKind, 16))
    value: str = Field(max_length=2048)
    label_fi: str | None = None
    label_sv: str | None = None
    label_en: str | None = None
    # A phone call's price note, e.g. "pvm/mpm".
    charge_info: str | None = None
    language: str | None = Field(default=None, max_length=8)
    sort_order: int = 0


# ---------------------------------------------------------------------------------------------
# Sync bookkeeping and the search outbox
# ---------------------------------------------------------------------------------------------


class SyncRun(SQLModel, table=True):
    __tablename__ = "sync_run"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=32, index=True)
    mode: str = Field(max_length=16)  # full | incremental
    status: str = Field(max_length=16, index=True)  # running | succeeded | incomplete | failed | refused
    complete: bool = False  # a complete crawl may retire what it did not see
    forced: bool = False
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    failed: int = 0
    # Records and pages the source delivered (migration 0002).
    seen: int = 0
    pages: int = 0
    # The incremental cursor this run asked the source for: the start of the last succeeded run.
    since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    message: str | None = Field(default=None, sa_type=Text)
    options: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class SyncError(SQLModel, table=True):
    """One record or page that failed in a run. Catalogue data is public; no personal data here."""

    __tablename__ = "sync_error"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="sync_run.id", index=True, ondelete="CASCADE")
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    stage: str = Field(max_length=16)  # fetch | parse | map | store
    external_id: str | None = Field(default=None, max_length=255)
    # Which page or request of the crawl (migration 0002).
    page: str | None = Field(default=None, max_length=500)
    message: str = Field(sa_type=Text)


class CatalogueChange(SQLModel, table=True):
    """Outbox of services whose search documents must be rebuilt.

    Written in the same transaction as the change, drained by the search indexer after commit, so a
    search engine that is down only delays indexing and never loses a change.
    """

    __tablename__ = "catalogue_change"

    id: int | None = Field(default=None, primary_key=True)
    service_id: uuid.UUID = Field(index=True)
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


__all__ = [
    "CatalogueChange",
    "Contact",
    "ContactKind",
    "Location",
    "Municipality",
    "Organisation",
    "Region",
    "Schedule",
    "Service",
    "ServiceArea",
    "ServiceAtLocation",
    "ServiceSourceLink",
    "ServiceTerm",
    "SyncError",
    "SyncRun",
    "TaxonomyTerm",
    "Theme",
    "ThemeMapping",
    "WellbeingCounty",
]
