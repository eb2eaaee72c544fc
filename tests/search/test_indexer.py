"""The catalogue_change outbox: drained into the index after commit, kept while the engine is down."""

from __future__ import annotations

import pytest
from sqlmodel import Session, func, select

from app.catalogue.models import CatalogueChange
from app.errors import Unavailable
from search.indexer import drain_changes, rebuild
from search.tantivy_index import TantivyIndex
from search.types import SearchQuery
from tests.factories import make_service


class _DownIndex:
    name = "down"

    def replace_all(self, documents, progress=None):  # type: ignore[no-untyped-def]
        raise Unavailable("The search index could not be updated.")

    def apply(self, upserts, deletes):  # type: ignore[no-untyped-def]
        raise Unavailable("The search index could not be updated.")


def _queued(session: Session) -> int:
    return session.exec(select(func.count()).select_from(CatalogueChange)).one()


def test_drain_indexes_and_clears_the_outbox(session: Session) -> None:
    index = TantivyIndex()
    first = make_service(session, name_fi="Vesijumppa")
    second = make_service(session, name_fi="Kuntosali")
    session.add_all(
        [
            CatalogueChange(service_id=first.id),
            CatalogueChange(service_id=second.id),
            CatalogueChange(service_id=first.id),
        ]
    )
    session.commit()

    with pytest.raises(Unavailable):
        drain_changes(session, _DownIndex())  # type: ignore[arg-type]
    assert _queued(session) == 3  # nothing lost while the engine is down

    assert drain_changes(session, index, batch=2) == 3
    assert _queued(session) == 0
    assert index.search(SearchQuery(q="vesijumppaan")).total == 1
    assert index.search(SearchQuery()).total == 2


def test_rebuild_clears_what_it_covered(session: Session) -> None:
    service = make_service(session, name_fi="Lukupiiri")
    session.add(CatalogueChange(service_id=service.id))
    session.flush()
    index = TantivyIndex()
    assert rebuild(session, index) == 1
    assert _queued(session) == 0


def test_a_corrupt_index_on_disk_opens_degraded_recovers_and_can_be_rebuilt(
    session: Session, tmp_path
) -> None:
    """Found by the fault suite (tests/hardening/test_outages.py): a server or `tarjotin reindex`
    started on a corrupt index raised while opening it, so the server ran without search for good
    (not even a rebuild could replace the broken generation)."""
    import os

    make_service(session, name_fi="Vesijumppa")
    path = tmp_path / "index"
    rebuild(session, TantivyIndex(path))
    meta = path / os.readlink(path / "current") / "meta.json"
    good = meta.read_bytes()
    meta.write_bytes(b"{not json")
    index = TantivyIndex(path)  # opens
    assert not index.health()
    with pytest.raises(Unavailable):
        index.search(SearchQuery(q="vesijumppa"))
    meta.write_bytes(good)  # repaired underneath: answers again, no restart
    assert index.health() and index.search(SearchQuery(q="vesijumppa")).total == 1
    meta.write_bytes(b"{not json")
    assert rebuild(session, TantivyIndex(path)) == 1  # a rebuild replaces the corrupt generation
    assert index.search(SearchQuery(q="vesijumppa")).total == 1
