"""The standby index (search/standby.py): a long engine outage answers from an index built from the
database, as the engine would, kept up with changes made during the outage; short outages and a
standby that cannot be built answer from the database as before."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.catalogue.models import CatalogueChange
from app.db import make_engine
from app.errors import Unavailable
from search import standby as standby_module
from search.indexer import rebuild
from search.service import search_services
from search.standby import Standby, WithStandby
from search.tantivy_index import TantivyIndex
from search.types import SearchQuery
from tests.conftest import load_code_tables, run_migrations
from tests.factories import make_service
from tests.search.catalogue import build_catalogue

QUERIES = [
    SearchQuery(q="vesijumppaan"),
    SearchQuery(q="kuntosalille"),
    SearchQuery(municipalities=("398",)),
    SearchQuery(themes=("vertaistuki",)),
    SearchQuery(q="jumppa", near=(60.98, 25.66), radius_km=20.0),
    SearchQuery(),
]


class Switchable:
    """An engine that is up or down as the test says (down: every read raises Unavailable)."""

    name = "switchable"

    def __init__(self, inner: TantivyIndex) -> None:
        self.inner = inner
        self.down = False

    def health(self) -> bool:
        return not self.down

    def search(self, query: SearchQuery):  # type: ignore[no-untyped-def]
        if self.down:
            raise Unavailable("The search index cannot answer right now.")
        return self.inner.search(query)

    def suggest_names(self, words, limit):  # type: ignore[no-untyped-def]
        if self.down:
            raise Unavailable("The search index cannot answer right now.")
        return self.inner.suggest_names(words, limit)

    def count_values(self, facet, values):  # type: ignore[no-untyped-def]
        if self.down:
            raise Unavailable("The search index cannot answer right now.")
        return self.inner.count_values(facet, values)


@pytest.fixture
def committed(tmp_path: Path) -> Iterator[Engine]:
    """A database of its own with the catalogue committed: the standby reads it in its own session."""
    engine = make_engine(f"sqlite:///{tmp_path / 'standby.sqlite3'}")
    run_migrations(engine)
    with Session(engine) as session:
        load_code_tables(session)
        build_catalogue(session)
        session.commit()
    yield engine
    engine.dispose()


def _engine_index(engine: Engine) -> TantivyIndex:
    index = TantivyIndex()
    with Session(engine) as session:
        rebuild(session, index)
        session.commit()
    return index


def _wait(standby: Standby, state: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while standby.state != state:
        assert time.monotonic() < deadline, f"standby stayed {standby.state!r}, expected {state!r}"
        time.sleep(0.05)


def _search(engine: Engine, index: object, query: SearchQuery):  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return search_services(query, session=session, index=index)  # type: ignore[arg-type]


def _ids(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [hit.id for hit in result.items]


def test_a_long_outage_answers_from_the_standby_as_the_engine_did(
    committed: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(standby_module, "PROBE_SECONDS", 0.0)  # every search asks the engine
    primary = Switchable(_engine_index(committed))
    before = {repr(q): _search(committed, primary, q) for q in QUERIES}
    index = WithStandby(primary, Standby(tmp_path / "standby", committed, after_seconds=0))
    primary.down = True
    first = _search(committed, index, QUERIES[0])
    assert first.degraded  # the database answers while the standby is built
    _wait(index.standby, "ready")
    for query in QUERIES:
        answer = _search(committed, index, query)
        expected = before[repr(query)]
        assert answer.degraded
        assert (answer.total, _ids(answer), answer.facets) == (
            expected.total,
            _ids(expected),
            expected.facets,
        )
        assert [h.distance_km for h in answer.items] == [h.distance_km for h in expected.items]
    # Type-ahead reads the standby too, rather than failing over to the database's slower way.
    from search.query import analyse_query

    assert index.suggest_names(analyse_query("vesij"), 5)
    primary.down = False
    assert not _search(committed, index, QUERIES[0]).degraded
    assert index.standby.state == "idle" and index.standby.search(QUERIES[0]) is None


def test_a_short_outage_answers_from_the_database(committed: Engine, tmp_path: Path) -> None:
    primary = Switchable(_engine_index(committed))
    index = WithStandby(primary, Standby(tmp_path / "standby", committed, after_seconds=3600))
    primary.down = True
    for _ in range(3):
        assert _search(committed, index, QUERIES[0]).degraded
    assert index.standby.state == "idle"
    assert not (tmp_path / "standby" / "index").exists()  # nothing was built
    with pytest.raises(Unavailable):
        index.suggest_names([], 5)


def test_changes_during_the_outage_reach_the_standby(
    committed: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(standby_module, "CATCH_UP_SECONDS", 0.0)
    primary = Switchable(_engine_index(committed))
    index = WithStandby(primary, Standby(tmp_path / "standby", committed, after_seconds=0))
    primary.down = True
    _search(committed, index, QUERIES[0])
    _wait(index.standby, "ready")
    query = SearchQuery(q="kylätalon")
    assert _search(committed, index, query).total == 0
    with Session(committed) as session:
        # What a sync or a provider's edit does: the change and its outbox row in one transaction.
        service = make_service(session, name_fi="Kylätalon kuntosali")
        session.add(CatalogueChange(service_id=service.id))
        session.commit()
    deadline = time.monotonic() + 30
    while (found := _search(committed, index, query)).total == 0:
        assert time.monotonic() < deadline, "the change never reached the standby"
        time.sleep(0.1)
    assert found.degraded and found.items[0].name["fi"] == "Kylätalon kuntosali"
    with Session(committed) as session:
        assert session.get(CatalogueChange, 1) is not None  # the engine's outbox is left for the engine


def test_the_processes_of_a_host_build_one_standby(
    committed: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="search")
    primary = Switchable(_engine_index(committed))
    first = WithStandby(primary, Standby(tmp_path / "standby", committed, after_seconds=0))
    second = WithStandby(primary, Standby(tmp_path / "standby", committed, after_seconds=0))
    primary.down = True
    _search(committed, first, QUERIES[0])
    _search(committed, second, QUERIES[0])
    _wait(first.standby, "ready")
    _wait(second.standby, "ready")
    built = [r for r in caplog.records if "standby index built with" in r.getMessage()]
    assert len(built) == 1
    assert _ids(_search(committed, second, QUERIES[1])) == _ids(_search(committed, first, QUERIES[1]))


def test_a_standby_of_an_earlier_outage_is_not_reused(
    committed: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(standby_module, "PROBE_SECONDS", 0.0)
    caplog.set_level(logging.WARNING, logger="search")
    primary = Switchable(_engine_index(committed))
    index = WithStandby(primary, Standby(tmp_path / "standby", committed, after_seconds=0))
    primary.down = True
    _search(committed, index, QUERIES[0])
    _wait(index.standby, "ready")
    primary.down = False
    _search(committed, index, QUERIES[0])  # back: the engine drains the outbox, the standby is void
    assert (tmp_path / "standby" / "engine-recovered").exists()
    primary.down = True
    _search(committed, index, QUERIES[0])
    _wait(index.standby, "ready")
    assert len([r for r in caplog.records if "standby index built with" in r.getMessage()]) == 2


def test_a_standby_that_cannot_be_built_leaves_the_database_answering(
    committed: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="search")
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    primary = Switchable(_engine_index(committed))
    index = WithStandby(primary, Standby(blocked / "standby", committed, after_seconds=0))
    primary.down = True
    assert _search(committed, index, QUERIES[0]).degraded
    _wait(index.standby, "failed")
    answer = _search(committed, index, SearchQuery(q="vesijumppa"))  # the database reads no inflections
    assert answer.degraded and answer.total == 1
    assert any("could not be built (" in r.getMessage() for r in caplog.records)
    assert index.standby.state == "failed"  # not retried on every search


def test_the_engine_is_asked_once_a_second_while_the_standby_answers(
    committed: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    primary = Switchable(_engine_index(committed))
    asked: list[SearchQuery] = []
    real_search = primary.search

    def counted(query: SearchQuery):  # type: ignore[no-untyped-def]
        asked.append(query)
        return real_search(query)

    monkeypatch.setattr(primary, "search", counted)
    index = WithStandby(primary, Standby(tmp_path / "standby", committed, after_seconds=0))
    primary.down = True
    _search(committed, index, QUERIES[0])
    _wait(index.standby, "ready")
    asked.clear()
    started = time.monotonic()
    for _ in range(20):
        assert _search(committed, index, QUERIES[1]).degraded
    elapsed = time.monotonic() - started
    assert 1 <= len(asked) <= 2 + int(elapsed / standby_module.PROBE_SECONDS)  # not one per search
    primary.down = False
    deadline = time.monotonic() + 5
    while _search(committed, index, QUERIES[1]).degraded:  # back in use after the next probe
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert index.standby.state == "idle"


def test_readiness_names_the_standby_state(committed: Engine, tmp_path: Path, app, client) -> None:  # type: ignore[no-untyped-def]
    primary = Switchable(_engine_index(committed))
    app.state.search_index = WithStandby(primary, Standby(tmp_path / "standby", committed, after_seconds=0))
    assert "search_standby" not in client.get("/readyz").json()["checks"]
    primary.down = True
    _search(committed, app.state.search_index, QUERIES[0])
    _wait(app.state.search_index.standby, "ready")
    body = client.get("/readyz").json()
    assert body["status"] == "ok"
    assert body["checks"]["search"] == "unavailable" and body["checks"]["search_standby"] == "ready"


def test_the_app_wraps_its_engine_unless_told_not_to(tmp_path: Path) -> None:
    from app.settings import Settings
    from tarjotin.asgi import create_app

    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    wrapped = create_app(settings).state.search_index
    assert isinstance(wrapped, WithStandby) and wrapped.name == "tantivy"
    plain = create_app(Settings(data_dir=tmp_path, search_standby=False, _env_file=None)).state.search_index  # type: ignore[call-arg]
    assert isinstance(plain, TantivyIndex)
