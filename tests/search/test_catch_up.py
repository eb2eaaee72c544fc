"""The index knows it is behind the database and catches up (reliability report, F10)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.catalogue.models import CatalogueChange, Service
from app.settings import Settings
from search.catch_up import catch_up, catch_up_in_background, pending_changes
from search.engine import open_search_index
from search.types import SearchQuery
from tests.factories import make_service


def test_changes_left_queued_by_a_killed_rebuild_are_applied(engine: Engine, tmp_path: Path) -> None:
    index = open_search_index(Settings(data_dir=tmp_path, _env_file=None))  # type: ignore[call-arg]
    with Session(engine) as session:
        # What a demo load killed after its sync committed and before its rebuild finished leaves.
        service = make_service(session, name_fi="Kylätalon kuntosali")
        session.add(CatalogueChange(service_id=service.id))
        session.commit()
        service_id = service.id
        assert pending_changes(session) == 1
    try:
        assert index.search(SearchQuery(q="kylätalon", lang="fi")).total == 0  # stale
        catch_up_in_background(engine, index).join(timeout=60)
        assert index.search(SearchQuery(q="kylätalon", lang="fi")).total == 1
        with Session(engine) as session:
            assert pending_changes(session) == 0
        assert catch_up(engine, index) == 0  # nothing left to do
    finally:
        with Session(engine) as session:
            session.execute(delete(CatalogueChange))
            session.delete(session.get(Service, service_id))
            session.commit()
