"""Source-neutral records: what every client maps its payload into and what the sync engine stores.

Plain frozen dataclasses with no I/O and no ORM, so mapping functions stay pure and testable and
`dataclasses.asdict` gives a stable content hash. Text comes in fi/sv/en triples; None means the
source did not say (an empty string from a source is mapped to None before it gets here).
References between records are by the source's own ids (`external_id`); the engine resolves them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache


@dataclass(frozen=True)
class Text:
    """A text in the three languages of the catalogue."""

    fi: str | None = None
    sv: str | None = None
    en: str | None = None

    def __bool__(self) -> bool:
        return bool(self.fi or self.sv or self.en)

    def first(self) -> str | None:
        """The text in the first language present (fi, then sv, then en)."""
        return self.fi or self.sv or self.en


EMPTY = Text()


@dataclass(frozen=True)
class Provenance:
    source: str  # app.catalogue.enums.Source value
    external_id: str
    source_url: str | None = None
    source_modified_at: datetime | None = None


@dataclass(frozen=True)
class ContactRecord:
    kind: str  # ContactKind value: phone | email | web
    value: str
    label: Text = EMPTY
    charge_info: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class ScheduleRecord:
    """Weekly hours, a date-range exception, or a recurring session (mirrors catalogue Schedule)."""

    kind: str  # ScheduleKind value
    byday: str | None = None  # "MO,TU"
    opens_at: time | None = None
    closes_at: time | None = None
    closes_next_day: bool = False
    valid_from: date | None = None
    valid_to: date | None = None
    closed: bool = False
    by_appointment: bool = False
    rrule: str | None = None
    dtstart: date | None = None
    until: date | None = None
    exdates: tuple[str, ...] = ()
    description: Text = EMPTY


@dataclass(frozen=True)
class TermRecord:
    """A code of a vocabulary (app.catalogue.enums.Taxonomy) with its labels."""

    taxonomy: str
    code: str
    label: Text = EMPTY


@lru_cache(maxsize=8192, typed=True)  # typed: a StrEnum and its str value have different reprs
def term(taxonomy: str, code: str, label: Text = EMPTY) -> TermRecord:
    """The TermRecord shared by every record that names the same term.

    Vocabularies (service classes, target groups, themes) repeat across thousands of services; a
    page whose records share their terms crosses from the crawl process to the storing process as
    a fraction of the objects (pickle sends a shared object once), so it is quicker to send and read.
    """
    return TermRecord(taxonomy, code, label)


@dataclass(frozen=True)
class OrganisationRecord:
    provenance: Provenance
    kind: str  # OrganisationKind value
    name: Text
    description: Text = EMPTY
    business_id: str | None = None
    parent_external_id: str | None = None
    municipality_code: str | None = None
    website: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class LocationRecord:
    provenance: Provenance
    name: Text
    organisation_external_id: str | None = None
    description: Text = EMPTY
    street_address: Text = EMPTY  # fi and sv used
    postal_code: str | None = None
    post_office: Text = EMPTY
    municipality_code: str | None = None
    latitude: float | None = None  # WGS84
    longitude: float | None = None
    accessibility: Text = EMPTY
    accessibility_features: tuple[str, ...] = ()
    accessibility_register_id: str | None = None
    schedules: tuple[ScheduleRecord, ...] = ()
    contacts: tuple[ContactRecord, ...] = ()


@dataclass(frozen=True)
class ServiceLocationLink:
    """A service offered at a location, with the times it meets there."""

    location_external_id: str
    description: Text = EMPTY
    schedules: tuple[ScheduleRecord, ...] = ()


@dataclass(frozen=True)
class ServiceRecord:
    provenance: Provenance
    organisation_external_id: str
    name: Text
    summary: Text = EMPTY
    description: Text = EMPTY
    how_to_join: Text = EMPTY
    registration_url: str | None = None
    is_free: bool | None = None
    price_text: Text = EMPTY
    languages: tuple[str, ...] = ()
    min_age: int | None = None
    max_age: int | None = None
    status: str = "active"  # ServiceStatus value
    terms: tuple[TermRecord, ...] = ()
    area_municipality_codes: tuple[str, ...] = ()
    locations: tuple[ServiceLocationLink, ...] = ()
    schedules: tuple[ScheduleRecord, ...] = ()
    contacts: tuple[ContactRecord, ...] = ()
    # Business id of the organisation; lets cross-source matching work without a database read.
    organisation_business_id: str | None = None
    # The organisation as the service itself names it (PTV v11 carries {id, name}; v12 only the id):
    # what the catalogue stores when the crawl does not return the organisation's own record.
    organisation_name: Text = EMPTY


@dataclass(frozen=True)
class RecordFailure:
    """A record the source could not parse or map: logged and counted, the rest of the run goes on."""

    stage: str  # fetch | parse | map
    message: str
    external_id: str | None = None


@dataclass
class Page:
    """One unit of work for the engine, stored in one transaction.

    Order within a page is organisations, then locations, then services, so references resolve.
    `retired_external_ids` lets incremental crawls report removals (PTV archived endpoints).
    """

    label: str
    organisations: list[OrganisationRecord] = field(default_factory=list)
    locations: list[LocationRecord] = field(default_factory=list)
    services: list[ServiceRecord] = field(default_factory=list)
    failures: list[RecordFailure] = field(default_factory=list)
    retired_service_ids: list[str] = field(default_factory=list)
    # Places the source reports as removed (PTV v12 service-channel/archived).
    retired_location_ids: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.organisations) + len(self.locations) + len(self.services) + len(self.failures)


def content_hash(record: OrganisationRecord | LocationRecord | ServiceRecord) -> str:
    """A stable hash of everything a record says except when we fetched it.

    `source_modified_at` is part of the record: a source that touches its timestamp changed the row.
    The records are frozen dataclasses of strings, numbers, dates, times and tuples, whose generated
    repr spells out every field in declaration order: a faithful encoding, and several times faster
    than `asdict` + JSON (which deep-copies the record), which matters at 100,000 records per run.

    The digest is kept on the (immutable) record outside its fields, so it is not part of repr,
    equality or the hash itself, and travels with the record when pickled: the crawl process computes
    it (`precompute_hashes`) and the storing process only reads it.
    """
    digest: str | None = record.__dict__.get(_DIGEST)
    if digest is None:
        digest = hashlib.sha256(repr(record).encode("utf-8")).hexdigest()
        object.__setattr__(record, _DIGEST, digest)  # frozen: the content cannot change under it
    return digest


_DIGEST = "_content_hash"


def precompute_hashes(page: Page) -> None:
    """Compute the content hash of every record of the page now (in the crawl process)."""
    for records in (page.organisations, page.locations, page.services):
        for record in records:
            content_hash(record)
