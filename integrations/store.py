"""Records -> catalogue rows: upsert by (source, external_id) with content hashes, within a session.

Set-based on purpose: a page's existing rows are read in one query per table, children of changed
rows are replaced with bulk statements, so a page costs a handful of round trips whatever its size.
Nothing here commits; the engine decides transactions.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlmodel import Session, col

from app.catalogue.enums import OrganisationKind, RecordStatus, ServiceStatus
from app.catalogue.ids import service_at_location_id
from app.catalogue.models import (
    CatalogueChange,
    Contact,
    Location,
    Organisation,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceTerm,
)
from app.models_base import new_id
from integrations.bulk import insert_rows
from integrations.dedupe import resolve_cross_source
from integrations.records import (
    ContactRecord,
    LocationRecord,
    OrganisationRecord,
    ScheduleRecord,
    ServiceRecord,
    Text,
    content_hash,
)

# The content hash of an organisation known only from a service's summary: matches no record's hash.
SUMMARY_ONLY_HASH = "summary-only"


class StoreError(ValueError):
    """A record refers to something that is not stored (its organisation), or breaks a constraint."""


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changed_service_ids: set[uuid.UUID] = field(default_factory=set)

    def add(self, other: Outcome) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.changed_service_ids |= other.changed_service_ids


def _text(prefix: str, text: Text, languages: Sequence[str] = ("fi", "sv", "en")) -> dict[str, str | None]:
    return {f"{prefix}_{language}": getattr(text, language) for language in languages}


def with_references(digest: str, *references: object) -> str:
    """The stored hash: the record's, plus the rows its references resolved to.

    A reference that did not resolve on one run (a place that failed to map) and does on the next
    changes the row (the link appears), even though the record itself is identical.
    """
    if not references:
        return digest
    payload = digest + "|" + "|".join(str(reference) for reference in references)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _existing(session: Session, model: Any, source: str, external_ids: Iterable[str]) -> dict[str, Any]:
    ids = list(dict.fromkeys(external_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(model.id, model.external_id, model.content_hash, model.status).where(
            model.source == source, model.external_id.in_(ids)
        )
    ).all()
    return {row.external_id: row for row in rows}


def resolve_ids(
    session: Session, model: Any, source: str, external_ids: Iterable[str]
) -> dict[str, uuid.UUID]:
    """external_id -> our id for rows of `model` from `source` (any status)."""
    ids = [i for i in dict.fromkeys(external_ids) if i]
    if not ids:
        return {}
    rows = session.execute(
        select(model.id, model.external_id).where(model.source == source, model.external_id.in_(ids))
    )
    return {row.external_id: row.id for row in rows}


def _schedule_rows(records: Sequence[ScheduleRecord], owner: Mapping[str, uuid.UUID]) -> list[dict[str, Any]]:
    return [
        {
            "id": new_id(),
            **owner,
            "kind": record.kind,
            "byday": record.byday,
            "opens_at": record.opens_at,
            "closes_at": record.closes_at,
            "closes_next_day": record.closes_next_day,
            "valid_from": record.valid_from,
            "valid_to": record.valid_to,
            "closed": record.closed,
            "by_appointment": record.by_appointment,
            "rrule": record.rrule,
            "dtstart": record.dtstart,
            "until": record.until,
            "exdates": list(record.exdates),
            "timezone": "Europe/Helsinki",
            **_text("description", record.description),
            "sort_order": order,
        }
        for order, record in enumerate(records)
    ]


def _contact_rows(records: Sequence[ContactRecord], owner: Mapping[str, uuid.UUID]) -> list[dict[str, Any]]:
    return [
        {
            "id": new_id(),
            **owner,
            "kind": record.kind,
            "value": record.value[:2048],
            **_text("label", record.label),
            "charge_info": record.charge_info,
            "language": record.language,
            "sort_order": order,
        }
        for order, record in enumerate(records)
    ]


def _provenance_columns(record: Any, run_id: int, now: datetime) -> dict[str, Any]:
    provenance = record.provenance
    return {
        "source": provenance.source,
        "external_id": provenance.external_id,
        "source_url": provenance.source_url,
        "source_modified_at": provenance.source_modified_at,
        "last_synced_at": now,
        "last_seen_run_id": run_id,
    }


def _demo(store: Any) -> dict[str, bool]:
    return {"is_demo": store.is_demo}


def _bulk_insert(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    # One COPY or executemany per table and page, on the session's connection (bulk.py). (The ORM's
    # bulk insert leaves out None values and splits the batch by the pattern of missing values:
    # nearly one statement per row.) A key missing from a row is NULL.
    insert_rows(session, model.__table__, rows)


def _mark_seen(session: Session, model: Any, ids: list[uuid.UUID], run_id: int, now: datetime) -> None:
    if ids:
        session.execute(
            update(model).where(model.id.in_(ids)).values(last_seen_run_id=run_id, last_synced_at=now),
            execution_options={"synchronize_session": False},
        )


class Store:
    """Upserts of one run. `known_municipalities` guards the municipality foreign keys."""

    def __init__(
        self,
        session: Session,
        *,
        run_id: int,
        now: datetime,
        known_municipalities: frozenset[str],
        is_demo: bool = False,
    ) -> None:
        self.session = session
        self.is_demo = is_demo
        self.run_id = run_id
        self.now = now
        self.known_municipalities = known_municipalities

    def _stage(
        self, model: Any, row: Any, values: dict[str, Any], inserts: list[dict[str, Any]], outcome: Outcome
    ) -> uuid.UUID:
        """A new row joins the page's bulk insert; a known one is updated in place. Returns its id."""
        if row is None:
            row_id = new_id()
            inserts.append({"id": row_id, "first_seen_at": self.now, "created_at": self.now, **values})
            outcome.created += 1
            return row_id
        self.session.execute(
            update(model).where(model.id == row.id).values(**values),
            execution_options={"synchronize_session": False},
        )
        outcome.updated += 1
        return row.id

    def _municipality(self, code: str | None) -> str | None:
        return code if code in self.known_municipalities else None

    # -- organisations ----------------------------------------------------------------------

    def organisations(self, records: Sequence[OrganisationRecord]) -> Outcome:
        outcome = Outcome()
        if not records:
            return outcome
        source = records[0].provenance.source
        records = list({record.provenance.external_id: record for record in records}.values())
        existing = _existing(self.session, Organisation, source, (r.provenance.external_id for r in records))
        parents = resolve_ids(
            self.session,
            Organisation,
            source,
            (r.parent_external_id for r in records if r.parent_external_id),
        )
        inserts: list[dict[str, Any]] = []
        unchanged: list[uuid.UUID] = []
        pending_parents: list[tuple[uuid.UUID, str]] = []
        for record in records:
            digest = content_hash(record)
            row = existing.get(record.provenance.external_id)
            if row is not None and row.content_hash == digest and row.status == RecordStatus.ACTIVE:
                unchanged.append(row.id)
                outcome.unchanged += 1
                continue
            values = {
                **_provenance_columns(record, self.run_id, self.now),
                "kind": record.kind,
                **_text("name", record.name),
                **_text("description", record.description),
                "business_id": record.business_id,
                "parent_id": parents.get(record.parent_external_id or ""),
                "municipality_code": self._municipality(record.municipality_code),
                "website": record.website,
                "email": record.email,
                "phone": record.phone,
                "summary_only": False,
                "status": RecordStatus.ACTIVE,
                "content_hash": digest,
                "updated_at": self.now,
                **_demo(self),
            }
            row_id = self._stage(Organisation, row, values, inserts, outcome)
            if record.parent_external_id and record.parent_external_id not in parents:
                pending_parents.append((row_id, record.parent_external_id))
        _bulk_insert(self.session, Organisation, inserts)
        _mark_seen(self.session, Organisation, unchanged, self.run_id, self.now)
        if pending_parents:
            # A parent in the same page: link it now that every row of the page exists.
            found = resolve_ids(self.session, Organisation, source, (parent for _, parent in pending_parents))
            for row_id, parent in pending_parents:
                if parent in found and found[parent] != row_id:
                    self.session.execute(
                        update(Organisation)
                        .where(col(Organisation.id) == row_id)
                        .values(parent_id=found[parent]),
                        execution_options={"synchronize_session": False},
                    )
        return outcome

    # -- locations --------------------------------------------------------------------------

    def locations(self, records: Sequence[LocationRecord]) -> Outcome:
        outcome = Outcome()
        if not records:
            return outcome
        source = records[0].provenance.source
        records = list({record.provenance.external_id: record for record in records}.values())
        existing = _existing(self.session, Location, source, (r.provenance.external_id for r in records))
        organisations = resolve_ids(
            self.session,
            Organisation,
            source,
            (r.organisation_external_id for r in records if r.organisation_external_id),
        )
        inserts: list[dict[str, Any]] = []
        children_of: list[uuid.UUID] = []
        schedules: list[dict[str, Any]] = []
        contacts: list[dict[str, Any]] = []
        unchanged: list[uuid.UUID] = []
        for record in records:
            digest = with_references(
                content_hash(record), organisations.get(record.organisation_external_id or "")
            )
            row = existing.get(record.provenance.external_id)
            if row is not None and row.content_hash == digest and row.status == RecordStatus.ACTIVE:
                unchanged.append(row.id)
                outcome.unchanged += 1
                continue
            values = {
                **_provenance_columns(record, self.run_id, self.now),
                "organisation_id": organisations.get(record.organisation_external_id or ""),
                **_text("name", record.name),
                **_text("description", record.description),
                **_text("street_address", record.street_address, ("fi", "sv")),
                "postal_code": (record.postal_code or None) and record.postal_code[:5],
                **_text("post_office", record.post_office, ("fi", "sv")),
                "municipality_code": self._municipality(record.municipality_code),
                "latitude": record.latitude,
                "longitude": record.longitude,
                **_text("accessibility", record.accessibility),
                "accessibility_features": list(record.accessibility_features),
                "accessibility_register_id": record.accessibility_register_id,
                "status": RecordStatus.ACTIVE,
                "content_hash": digest,
                "updated_at": self.now,
                **_demo(self),
            }
            row_id = self._stage(Location, row, values, inserts, outcome)
            if row is not None:
                children_of.append(row_id)
            schedules.extend(_schedule_rows(record.schedules, {"location_id": row_id}))
            contacts.extend(_contact_rows(record.contacts, {"location_id": row_id}))
        if children_of:
            self.session.execute(delete(Schedule).where(col(Schedule.location_id).in_(children_of)))
            self.session.execute(delete(Contact).where(col(Contact.location_id).in_(children_of)))
        _bulk_insert(self.session, Location, inserts)
        _bulk_insert(self.session, Schedule, schedules)
        _bulk_insert(self.session, Contact, contacts)
        _mark_seen(self.session, Location, unchanged, self.run_id, self.now)
        # Services at a changed place show its new address and hours: re-index them.
        if children_of:
            rows = self.session.execute(
                select(col(ServiceAtLocation.service_id)).where(
                    col(ServiceAtLocation.location_id).in_(children_of)
                )
            ).scalars()
            outcome.changed_service_ids.update(rows)
        return outcome

    # -- services ---------------------------------------------------------------------------

    def _summary_organisations(
        self, source: str, records: Sequence[ServiceRecord], stored: Mapping[str, uuid.UUID]
    ) -> dict[str, uuid.UUID]:
        """Organisations the services refer to that the source did not return, from the summary
        ({id, name}) the services carry; and every referred organisation counts as seen by this run.

        PTV leaves an organisation out of a crawl when it is unpublished (or a recording lacks it);
        its services are still published and must not fail for it. The row is marked summary-only,
        and `organisations()` fills it in (and clears the mark) when a later crawl returns it. Its
        content hash is one no record has, so that record always counts as a change.
        """
        summaries: dict[str, Text] = {}
        for record in records:
            if record.organisation_external_id not in stored:
                known = summaries.get(record.organisation_external_id)
                if not known:
                    summaries[record.organisation_external_id] = record.organisation_name
        created: dict[str, uuid.UUID] = {}
        rows = []
        for external_id, name in summaries.items():
            created[external_id] = row_id = new_id()
            rows.append(
                {
                    "id": row_id,
                    "source": source,
                    "external_id": external_id,
                    "last_synced_at": self.now,
                    "last_seen_run_id": self.run_id,
                    "first_seen_at": self.now,
                    "created_at": self.now,
                    "updated_at": self.now,
                    "kind": OrganisationKind.OTHER,
                    **_text("name", name),
                    "summary_only": True,
                    "status": RecordStatus.ACTIVE,
                    "content_hash": SUMMARY_ONLY_HASH,
                    **_demo(self),
                }
            )
        _bulk_insert(self.session, Organisation, rows)
        # An organisation its published services still name stays (a full crawl would otherwise
        # retire an unpublished one while its services go on showing it).
        referred = {
            stored[r.organisation_external_id] for r in records if r.organisation_external_id in stored
        }
        if referred:
            self.session.execute(
                update(Organisation)
                .where(
                    col(Organisation.id).in_(referred),
                    or_(
                        col(Organisation.last_seen_run_id).is_(None),
                        col(Organisation.last_seen_run_id) != self.run_id,
                    ),
                )
                .values(last_seen_run_id=self.run_id, last_synced_at=self.now),
                execution_options={"synchronize_session": False},
            )
        return created

    def services(self, records: Sequence[ServiceRecord]) -> Outcome:
        outcome = Outcome()
        if not records:
            return outcome
        source = records[0].provenance.source
        records = list({record.provenance.external_id: record for record in records}.values())
        existing = _existing(self.session, Service, source, (r.provenance.external_id for r in records))
        organisations = resolve_ids(
            self.session, Organisation, source, (r.organisation_external_id for r in records)
        )
        locations = resolve_ids(
            self.session,
            Location,
            source,
            (link.location_external_id for r in records for link in r.locations),
        )
        summaries = self._summary_organisations(source, records, organisations)
        organisations.update(summaries)
        outcome.created += len(summaries)
        # A record new to its source may be a service another source already lists (dedupe.py):
        # it then updates that row in place, or only adds its provenance to it.
        resolution = resolve_cross_source(
            self.session,
            [r for r in records if r.provenance.external_id not in existing],
            organisations=organisations,
            locations=locations,
            run_id=self.run_id,
            now=self.now,
        )
        existing.update(resolution.takeovers)
        inserts: list[dict[str, Any]] = []
        replaced: list[uuid.UUID] = []
        unchanged: list[uuid.UUID] = []
        terms: list[dict[str, Any]] = []
        areas: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        schedules: list[dict[str, Any]] = []
        contacts: list[dict[str, Any]] = []
        for record in records:
            absorbed = resolution.absorbed.get(record.provenance.external_id)
            if absorbed is not None:
                service_id, changed = absorbed
                if changed:
                    outcome.updated += 1
                    outcome.changed_service_ids.add(service_id)
                else:
                    outcome.unchanged += 1
                continue
            digest = with_references(
                content_hash(record),
                *sorted(str(locations.get(link.location_external_id)) for link in record.locations),
            )
            row = existing.get(record.provenance.external_id)
            if row is not None and row.content_hash == digest and row.status != ServiceStatus.RETIRED:
                unchanged.append(row.id)
                outcome.unchanged += 1
                continue
            values = {
                **_provenance_columns(record, self.run_id, self.now),
                "organisation_id": organisations[record.organisation_external_id],
                **_text("name", record.name),
                **_text("summary", record.summary),
                **_text("description", record.description),
                **_text("how_to_join", record.how_to_join),
                "registration_url": record.registration_url,
                "is_free": record.is_free,
                **_text("price_text", record.price_text),
                "languages": list(record.languages),
                "min_age": record.min_age,
                "max_age": record.max_age,
                "status": record.status,
                "content_hash": digest,
                "updated_at": self.now,
                **_demo(self),
            }
            row_id = self._stage(Service, row, values, inserts, outcome)
            if row is not None:
                replaced.append(row_id)
            outcome.changed_service_ids.add(row_id)
            owner = {"service_id": row_id}
            terms.extend(
                {
                    "service_id": row_id,
                    "taxonomy": term.taxonomy,
                    "code": term.code,
                    **_text("label", term.label),
                }
                for term in {(t.taxonomy, t.code): t for t in record.terms}.values()
            )
            areas.extend(
                {"service_id": row_id, "municipality_code": code}
                for code in dict.fromkeys(record.area_municipality_codes)
                if code in self.known_municipalities
            )
            seen_locations: set[uuid.UUID] = set()
            for link in record.locations:
                location_id = locations.get(link.location_external_id)
                if location_id is None or location_id in seen_locations:
                    continue  # a place we do not hold (outside the crawl): the link is left out
                seen_locations.add(location_id)
                link_id = service_at_location_id(row_id, location_id)
                links.append(
                    {
                        "id": link_id,
                        "service_id": row_id,
                        "location_id": location_id,
                        **_text("description", link.description),
                    }
                )
                schedules.extend(_schedule_rows(link.schedules, {"service_at_location_id": link_id}))
            schedules.extend(_schedule_rows(record.schedules, owner))
            contacts.extend(_contact_rows(record.contacts, owner))
        if replaced:
            link_ids = select(col(ServiceAtLocation.id)).where(
                col(ServiceAtLocation.service_id).in_(replaced)
            )
            self.session.execute(delete(Schedule).where(col(Schedule.service_at_location_id).in_(link_ids)))
            self.session.execute(delete(Schedule).where(col(Schedule.service_id).in_(replaced)))
            self.session.execute(delete(Contact).where(col(Contact.service_id).in_(replaced)))
            self.session.execute(
                delete(ServiceAtLocation).where(col(ServiceAtLocation.service_id).in_(replaced))
            )
            self.session.execute(delete(ServiceArea).where(col(ServiceArea.service_id).in_(replaced)))
            self.session.execute(delete(ServiceTerm).where(col(ServiceTerm.service_id).in_(replaced)))
        _bulk_insert(self.session, Service, inserts)
        _bulk_insert(self.session, ServiceTerm, terms)
        _bulk_insert(self.session, ServiceArea, areas)
        _bulk_insert(self.session, ServiceAtLocation, links)
        _bulk_insert(self.session, Schedule, schedules)
        _bulk_insert(self.session, Contact, contacts)
        _mark_seen(self.session, Service, unchanged, self.run_id, self.now)
        return outcome

    def record_changes(self, service_ids: Iterable[uuid.UUID]) -> None:
        """The search outbox: rows written in the same transaction as the change."""
        _bulk_insert(
            self.session,
            CatalogueChange,
            [{"service_id": service_id, "changed_at": self.now} for service_id in service_ids],
        )
