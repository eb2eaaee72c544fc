"""Keeping a search index in step with the catalogue: full rebuilds and incremental updates.

The index is disposable: `rebuild` makes it again from the database with no downtime (each engine
builds a new index and swaps it in), `update_services` re-reads the services a committed change
touched (the sync engine calls it after commit) and removes those no longer searchable.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Protocol

from sqlalchemy import delete, func
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from app.catalogue.models import (
    CatalogueChange,
    Location,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
    Theme,
)
from app.catalogue.overlay import ServiceOverlay
from search.documents import SEARCHABLE_STATUSES, Labels, SearchDocument, to_document

log = logging.getLogger(__name__)

BATCH = 500


class WritableIndex(Protocol):
    name: str

    def replace_all(
        self, documents: Iterable[SearchDocument], progress: Callable[[int], None] | None = None
    ) -> int: ...

    def apply(self, upserts: Sequence[SearchDocument], deletes: Iterable[str]) -> None: ...


def load_labels(session: Session) -> Labels:
    """Labels of themes and external code lists in fi/sv/en, by (taxonomy, code)."""
    labels: dict[tuple[str, str], dict[str, str]] = {}
    for theme in session.exec(select(Theme)).all():
        labels[("theme", theme.code)] = {"fi": theme.name_fi, "sv": theme.name_sv, "en": theme.name_en}
    for term in session.exec(select(TaxonomyTerm)).all():
        labels[(term.taxonomy, term.code)] = {
            lang: value
            for lang, value in (("fi", term.label_fi), ("sv", term.label_sv), ("en", term.label_en))
            if value
        }
    return labels


def _load(session: Session, ids: Sequence[uuid.UUID]) -> list[Service]:
    statement = (
        select(Service)
        .where(col(Service.id).in_(ids))
        .options(
            selectinload(Service.organisation),  # type: ignore[arg-type]
            selectinload(Service.terms),  # type: ignore[arg-type]
            selectinload(Service.areas),  # type: ignore[arg-type]
            selectinload(Service.schedules),  # type: ignore[arg-type]
            selectinload(Service.service_at_locations)  # type: ignore[arg-type]
            .selectinload(ServiceAtLocation.location)  # type: ignore[arg-type]
            .selectinload(Location.schedules),  # type: ignore[arg-type]
            selectinload(Service.service_at_locations).selectinload(ServiceAtLocation.schedules),  # type: ignore[arg-type]
        )
        .execution_options(populate_existing=True)
    )
    return list(session.exec(statement).all())


def searchable_ids(session: Session) -> list[uuid.UUID]:
    return list(
        session.exec(
            select(Service.id).where(col(Service.status).in_([s.value for s in SEARCHABLE_STATUSES]))
        ).all()
    )


def _overlays(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, ServiceOverlay]:
    """The providers' overlays of these services (capacity and referrals are filters)."""
    rows = session.exec(
        select(ServiceOverlay)
        .where(col(ServiceOverlay.service_id).in_(ids))
        .execution_options(populate_existing=True)
    )
    return {row.service_id: row for row in rows}


def iter_documents(session: Session, ids: Sequence[uuid.UUID], labels: Labels) -> Iterator[SearchDocument]:
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        overlays = _overlays(session, chunk)
        for service in _load(session, chunk):
            if service.status in SEARCHABLE_STATUSES:
                yield to_document(service, labels, overlays.get(service.id))
        session.expunge_all()  # keep memory flat over 100,000 services


def rebuild(
    session: Session,
    index: WritableIndex,
    *,
    on_total: Callable[[int], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Rebuild the whole index from the database; searchers keep the old one until the swap."""
    # Changes queued before the rebuild reads the catalogue are in it: clear them afterwards.
    queued_up_to = session.exec(select(func.max(CatalogueChange.id))).one()
    ids = searchable_ids(session)
    if on_total is not None:
        on_total(len(ids))
    count = index.replace_all(iter_documents(session, ids, load_labels(session)), progress)
    log.info("search index %s rebuilt with %d services", index.name, count)
    if queued_up_to is not None:
        session.execute(delete(CatalogueChange).where(col(CatalogueChange.id) <= queued_up_to))
        session.flush()
    return count


def update_services(session: Session, index: WritableIndex, service_ids: Iterable[uuid.UUID]) -> int:
    """Re-index the given services after a committed change; unsearchable ones are removed."""
    ids = sorted(set(service_ids))
    if not ids:
        return 0
    labels = load_labels(session)
    upserts: list[SearchDocument] = []
    for start in range(0, len(ids), BATCH):
        upserts.extend(iter_documents(session, ids[start : start + BATCH], labels))
    kept = {doc.id for doc in upserts}
    deletes = [str(i) for i in ids if str(i) not in kept]
    index.apply(upserts, deletes)
    return len(ids)


def drain_changes(session: Session, index: WritableIndex, *, batch: int = 5_000) -> int:
    """Re-index the services queued in the catalogue_change outbox, then remove those rows.

    The sync writes the outbox in the same transaction as the change; rows are removed only after
    the engine has applied the update, so an engine that is down delays indexing and loses nothing.
    """
    drained = 0
    while True:
        rows = session.exec(
            select(CatalogueChange.id, CatalogueChange.service_id)
            .order_by(col(CatalogueChange.id))
            .limit(batch)
        ).all()
        if not rows:
            return drained
        update_services(session, index, {service_id for _id, service_id in rows})
        row_ids = [row_id for row_id, _service_id in rows]
        for start in range(0, len(row_ids), 500):
            session.execute(
                delete(CatalogueChange).where(col(CatalogueChange.id).in_(row_ids[start : start + 500]))
            )
        session.commit()
        drained += len(rows)
