"""One service, several sources: the same activity published by Lähellä.fi and PTV (or LinkedEvents).

Lähellä.fi pushes the long-term activities of associations with a business id into PTV, so without
this a resident would see every such activity twice. A record that is new to its source is matched
against the active services of the *other* sources by

- the organisation's business id (Y-tunnus), and
- the name, normalised (case, punctuation and spacing ignored; any of fi/sv/en may match), and
- the place: a shared municipality of their places; if either has no place, of their places and areas.

A match keeps ONE service row (its id never changes, so referrals and links stay valid) and records
the other provenance in `service_source_link`. Which record's content the row shows follows
`PRECEDENCE`: the source closest to the organisation wins (Lähellä.fi is where the association
writes, PTV holds a copy), and a record whose service was retired by its own source takes the row
over. Re-runs find the link by (source, external_id) and change nothing.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlmodel import Session, col

from app.catalogue.enums import RecordStatus, ServiceStatus, Source
from app.catalogue.models import (
    Location,
    Organisation,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceSourceLink,
)
from integrations.records import ServiceRecord, Text

# Higher wins the service row's content. Local edits by providers are never taken over.
PRECEDENCE: dict[str, int] = {
    Source.LOCAL.value: 100,
    Source.LAHELLA.value: 30,
    Source.LINKEDEVENTS.value: 20,
    Source.PTV.value: 10,
}

_NOT_WORD = re.compile(r"[^\w]+")


def name_key(name: str | None) -> str | None:
    """ "Tuolijumppa – ikäihmisille!" and "tuolijumppa ikäihmisille" are the same name."""
    if not name:
        return None
    key = " ".join(_NOT_WORD.sub(" ", name.casefold()).replace("_", " ").split())
    return key or None


def name_keys(text: Text | Iterable[str | None]) -> frozenset[str]:
    values = (text.fi, text.sv, text.en) if isinstance(text, Text) else text
    return frozenset(key for value in values if (key := name_key(value)))


def places_match(
    places: frozenset[str], area: frozenset[str], other_places: frozenset[str], other_area: frozenset[str]
) -> bool:
    """Same place: a shared municipality of the places; without places on one side, of places and areas."""
    if places and other_places:
        return bool(places & other_places)
    mine, theirs = places | area, other_places | other_area
    if mine and theirs:
        return bool(mine & theirs)
    return True  # one side says nothing about where: name and business id decide


@dataclass(frozen=True)
class Candidate:
    """An active service of another source, with what matching needs to know about it."""

    service_id: uuid.UUID
    source: str
    status: str
    names: frozenset[str]
    places: frozenset[str]
    area: frozenset[str]


@dataclass(frozen=True)
class TakenOver:
    """A stored service this record now provides the content of; shaped like the store's existing rows."""

    id: uuid.UUID
    external_id: str
    content_hash: str | None
    status: str


@dataclass
class Resolution:
    # external_id -> the other source's service it now updates in place
    takeovers: dict[str, TakenOver] = field(default_factory=dict)
    # external_id -> (service id, whether the service changed: a new or revived provenance)
    absorbed: dict[str, tuple[uuid.UUID, bool]] = field(default_factory=dict)


def _link_values(provenance: Any, service_id: uuid.UUID, run_id: int, now: datetime) -> dict[str, Any]:
    return {
        "service_id": service_id,
        "source": provenance.source,
        "external_id": provenance.external_id,
        "source_url": provenance.source_url,
        "source_modified_at": provenance.source_modified_at,
        "last_synced_at": now,
        "last_seen_run_id": run_id,
        "status": RecordStatus.ACTIVE,
    }


def _wins(source: str, service: Candidate) -> bool:
    """Whether a record of `source` should provide the content of `service`."""
    if service.status == ServiceStatus.RETIRED:
        return True
    return PRECEDENCE.get(source, 0) > PRECEDENCE.get(service.source, 0)


def _candidates(session: Session, source: str, business_ids: Iterable[str]) -> list[tuple[str, Candidate]]:
    """(business id, service) for services of other sources whose organisation has one of the ids."""
    ids = sorted(set(business_ids))
    if not ids:
        return []
    rows = session.execute(
        select(
            col(Service.id),
            col(Service.source),
            col(Service.status),
            col(Service.name_fi),
            col(Service.name_sv),
            col(Service.name_en),
            col(Organisation.business_id),
        )
        .join(Organisation, col(Organisation.id) == col(Service.organisation_id))
        .where(
            col(Organisation.business_id).in_(ids),
            col(Service.source) != source,
            col(Service.status) != ServiceStatus.RETIRED,
        )
    ).all()
    if not rows:
        return []
    service_ids = [row.id for row in rows]
    places = _service_places(session, service_ids)
    areas: dict[uuid.UUID, set[str]] = {}
    for service_id, code in session.execute(
        select(col(ServiceArea.service_id), col(ServiceArea.municipality_code)).where(
            col(ServiceArea.service_id).in_(service_ids)
        )
    ):
        areas.setdefault(service_id, set()).add(code)
    return [
        (
            row.business_id,
            Candidate(
                service_id=row.id,
                source=row.source,
                status=str(row.status),
                names=name_keys((row.name_fi, row.name_sv, row.name_en)),
                places=frozenset(places.get(row.id, ())),
                area=frozenset(areas.get(row.id, ())),
            ),
        )
        for row in rows
    ]


def _service_places(session: Session, service_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, set[str]]:
    result: dict[uuid.UUID, set[str]] = {}
    statement = (
        select(col(ServiceAtLocation.service_id), col(Location.municipality_code))
        .join(Location, col(Location.id) == col(ServiceAtLocation.location_id))
        .where(
            col(ServiceAtLocation.service_id).in_(service_ids), col(Location.municipality_code).is_not(None)
        )
    )
    for service_id, code in session.execute(statement):
        result.setdefault(service_id, set()).add(code)
    return result


def resolve_cross_source(
    session: Session,
    records: Sequence[ServiceRecord],
    *,
    organisations: Mapping[str, uuid.UUID],
    locations: Mapping[str, uuid.UUID],
    run_id: int,
    now: datetime,
) -> Resolution:
    """For records new to their source: which already have a service of another source.

    Writes the provenance links (never commits). Records not in the result are new services.
    """
    resolution = Resolution()
    if not records:
        return resolution
    source = records[0].provenance.source
    by_id = {record.provenance.external_id: record for record in records}

    # 1. Provenances seen before: the link says which service they belong to.
    links = {
        row.external_id: row
        for row in session.execute(
            select(
                col(ServiceSourceLink.id),
                col(ServiceSourceLink.external_id),
                col(ServiceSourceLink.service_id),
                col(ServiceSourceLink.status),
                col(Service.source),
                col(Service.status).label("service_status"),
            )
            .join(Service, col(Service.id) == col(ServiceSourceLink.service_id))
            .where(
                col(ServiceSourceLink.source) == source, col(ServiceSourceLink.external_id).in_(list(by_id))
            )
        )
    }
    # 2. The rest: match by business id, name and place.
    unmatched = [record for key, record in by_id.items() if key not in links]
    business_ids = _business_ids(session, unmatched, organisations)
    candidates: dict[str, list[Candidate]] = {}
    for candidate_business_id, candidate in _candidates(session, source, business_ids.values()):
        candidates.setdefault(candidate_business_id, []).append(candidate)
    record_places = _record_places(session, unmatched, locations)

    claimed: set[uuid.UUID] = set()
    for key, record in by_id.items():
        link = links.get(key)
        if link is not None:
            service = Candidate(
                link.service_id, link.source, str(link.service_status), frozenset(), frozenset(), frozenset()
            )
            if _wins(source, service):
                _take_over(session, record, service, run_id=run_id, now=now, existing_link_id=link.id)
                resolution.takeovers[key] = TakenOver(link.service_id, key, None, str(link.service_status))
            else:
                session.execute(
                    update(ServiceSourceLink)
                    .where(col(ServiceSourceLink.id) == link.id)
                    .values(**_link_values(record.provenance, link.service_id, run_id, now)),
                    execution_options={"synchronize_session": False},
                )
                resolution.absorbed[key] = (link.service_id, link.status != RecordStatus.ACTIVE)
            continue
        business_id = business_ids.get(key)
        if business_id is None:
            continue
        names = name_keys(record.name)
        places = record_places.get(key, frozenset())
        area = frozenset(record.area_municipality_codes)
        match = next(
            (
                candidate
                for candidate in candidates.get(business_id, ())
                if candidate.service_id not in claimed
                and candidate.names & names
                and places_match(places, area, candidate.places, candidate.area)
            ),
            None,
        )
        if match is None:
            continue
        claimed.add(match.service_id)  # one record per service in a page
        if _wins(source, match):
            _take_over(session, record, match, run_id=run_id, now=now, existing_link_id=None)
            resolution.takeovers[key] = TakenOver(match.service_id, key, None, match.status)
        else:
            session.execute(
                insert(ServiceSourceLink),
                [
                    {
                        "id": uuid.uuid4(),
                        "first_seen_at": now,
                        **_link_values(record.provenance, match.service_id, run_id, now),
                    }
                ],
            )
            resolution.absorbed[key] = (match.service_id, True)
    return resolution


def _business_ids(
    session: Session, records: Sequence[ServiceRecord], organisations: Mapping[str, uuid.UUID]
) -> dict[str, str]:
    """external_id -> the business id of the record's organisation (from the record or the stored row)."""
    result = {
        r.provenance.external_id: r.organisation_business_id for r in records if r.organisation_business_id
    }
    wanted = {
        organisations[r.organisation_external_id]
        for r in records
        if r.provenance.external_id not in result and r.organisation_external_id in organisations
    }
    if wanted:
        stored: dict[uuid.UUID, str] = dict(
            session.execute(
                select(col(Organisation.id), col(Organisation.business_id)).where(
                    col(Organisation.id).in_(list(wanted)), col(Organisation.business_id).is_not(None)
                )
            )
            .tuples()
            .all()  # a Result has keys(): dict() would read it as a mapping
        )
        for record in records:
            organisation_id = organisations.get(record.organisation_external_id)
            if record.provenance.external_id not in result and organisation_id in stored:
                result[record.provenance.external_id] = stored[organisation_id]
    return result


def _record_places(
    session: Session, records: Sequence[ServiceRecord], locations: Mapping[str, uuid.UUID]
) -> dict[str, frozenset[str]]:
    ids = {
        locations[link.location_external_id]
        for r in records
        for link in r.locations
        if link.location_external_id in locations
    }
    if not ids:
        return {}
    codes: dict[uuid.UUID, str] = dict(
        session.execute(
            select(col(Location.id), col(Location.municipality_code)).where(
                col(Location.id).in_(list(ids)), col(Location.municipality_code).is_not(None)
            )
        )
        .tuples()
        .all()
    )
    return {
        r.provenance.external_id: frozenset(
            codes[locations[link.location_external_id]]
            for link in r.locations
            if locations.get(link.location_external_id) in codes
        )
        for r in records
    }


def _take_over(
    session: Session,
    record: ServiceRecord,
    service: Candidate,
    *,
    run_id: int,
    now: datetime,
    existing_link_id: uuid.UUID | None,
) -> None:
    """Move the service's current provenance into a link; the store then writes the record into the row."""
    row = session.execute(
        select(
            col(Service.source),
            col(Service.external_id),
            col(Service.source_url),
            col(Service.source_modified_at),
            col(Service.first_seen_at),
            col(Service.last_synced_at),
            col(Service.last_seen_run_id),
            col(Service.status),
        ).where(col(Service.id) == service.service_id)
    ).one()
    if existing_link_id is not None:
        # The record was this service's second provenance; it becomes the first.
        session.execute(delete(ServiceSourceLink).where(col(ServiceSourceLink.id) == existing_link_id))
    session.execute(
        insert(ServiceSourceLink),
        [
            {
                "id": uuid.uuid4(),
                "service_id": service.service_id,
                "source": row.source,
                "external_id": row.external_id,
                "source_url": row.source_url,
                "source_modified_at": row.source_modified_at,
                "first_seen_at": row.first_seen_at,
                "last_synced_at": row.last_synced_at,
                "last_seen_run_id": row.last_seen_run_id,
                # A service its own source retired stays a retired provenance of the row.
                "status": RecordStatus.RETIRED
                if row.status == ServiceStatus.RETIRED
                else RecordStatus.ACTIVE,
            }
        ],
    )
