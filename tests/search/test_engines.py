"""Engine-specific guarantees: Meilisearch going down mid-test, the embedded engine's generations on disk."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest
from sqlmodel import Session

from app.errors import Unavailable
from app.settings import Settings
from search.engine import open_search_index
from search.indexer import rebuild, update_services
from search.meilisearch_index import MeilisearchIndex, index_settings
from search.tantivy_index import TantivyIndex
from search.types import SearchQuery
from tests.factories import make_service
from tests.search.catalogue import build_catalogue
from tests.search.meili import running_meilisearch


def test_killing_meilisearch_gives_degraded_answers(app, client, session: Session, tmp_path: Path) -> None:
    catalogue = build_catalogue(session)
    with running_meilisearch(tmp_path) as server:
        index = MeilisearchIndex(server.url, index_uid="services")
        rebuild(session, index)
        app.state.search_index = index
        before = client.get("/api/v1/search", params={"q": "vesijumppaan"}).json()
        assert before["degraded"] is False and before["items"][0]["names"]["fi"] == "Vesijumppa"

        server.kill()

        assert not index.health()
        with pytest.raises(Unavailable):
            index.search(SearchQuery(q="vesijumppa"))
        with pytest.raises(Unavailable):
            update_services(session, index, {catalogue["vesijumppa"].id})
        for params in (
            {"q": "vesijumppa"},
            {"q": "kuntosali", "municipality": "398"},
            {"near": "60.98,25.66"},
        ):
            response = client.get("/api/v1/search", params=params)
            assert response.status_code == 200, response.text
            assert response.json()["degraded"] is True
        after = client.get("/api/v1/search", params={"q": "vesijumppa"}).json()
        assert [i["names"]["fi"] for i in after["items"]] == ["Vesijumppa"]


def test_meilisearch_rebuild_swaps_and_keeps_settings(meilisearch_server, session: Session) -> None:
    build_catalogue(session)
    index = MeilisearchIndex(meilisearch_server.url, index_uid=f"swap_{uuid.uuid4().hex[:8]}")
    assert rebuild(session, index) == 9
    assert rebuild(session, index) == 9  # a second rebuild swaps again; the old one is deleted
    live = index._client.get_raw_index(index.uid)
    assert live["primaryKey"] == "id"
    settings = index._client.index(index.uid).get_settings()
    assert settings["rankingRules"] == index_settings()["rankingRules"]
    assert "lemmas" in settings["searchableAttributes"]
    leftovers = [
        i.uid
        for i in index._client.get_indexes({"limit": 1000})["results"]
        if i.uid.startswith(f"{index.uid}_build")
    ]
    assert leftovers == []
    assert index.count() == 9


def test_embedded_engine_rebuilds_into_a_new_directory(tmp_path: Path, session: Session) -> None:
    catalogue = build_catalogue(session)
    writer = TantivyIndex(tmp_path / "index")
    reader = TantivyIndex(tmp_path / "index")  # another process, e.g. the web app
    assert reader.search(SearchQuery(q="vesijumppaan")).total == 0
    rebuild(session, writer)
    first_generation = (tmp_path / "index" / "current").readlink()
    assert reader.search(SearchQuery(q="vesijumppaan")).total == 1

    # Searchers keep answering while a rebuild runs; then they see the new generation.
    answers: list[int] = []
    stop = threading.Event()

    def search_forever() -> None:
        while not stop.is_set():
            answers.append(reader.search(SearchQuery(q="kuntosali")).total)

    thread = threading.Thread(target=search_forever)
    thread.start()
    try:
        added = make_service(session, name_fi="Kuntosaliopastus", summary_fi="Opastus kuntosalilaitteisiin.")
        rebuild(session, writer)
    finally:
        stop.set()
        thread.join()
    assert answers and min(answers) >= 2
    assert (tmp_path / "index" / "current").readlink() != first_generation
    assert [p.name for p in (tmp_path / "index").glob("gen-*")] == [
        str((tmp_path / "index" / "current").readlink())
    ]
    assert added.id and reader.search(SearchQuery(q="kuntosaliopastukseen")).total == 1

    # An incremental update by one process is seen by the other.
    update_services(session, writer, {catalogue["lukupiiri"].id})
    catalogue["lukupiiri"].name_fi = "Kirjapiiri"
    session.add(catalogue["lukupiiri"])
    session.flush()
    update_services(session, writer, {catalogue["lukupiiri"].id})
    assert reader.search(SearchQuery(q="kirjapiiriin")).total == 1
    assert reader.search(SearchQuery()).total == 10


def test_open_search_index_follows_the_settings(tmp_path: Path) -> None:
    embedded = open_search_index(Settings(data_dir=tmp_path, _env_file=None))  # type: ignore[call-arg]
    assert isinstance(embedded, TantivyIndex) and (tmp_path / "search-index" / "current").exists()
    remote = open_search_index(
        Settings(
            data_dir=tmp_path, meilisearch_url="http://127.0.0.1:9", meilisearch_index="x", _env_file=None
        )  # type: ignore[call-arg]
    )
    assert isinstance(remote, MeilisearchIndex) and remote.uid == "x"
    assert not remote.health()
    with pytest.raises(Unavailable):
        remote.search(SearchQuery(q="kuntosali"))


def test_meilisearch_without_its_index_answers_degraded(
    meilisearch_server, app, client, session: Session
) -> None:
    build_catalogue(session)
    index = MeilisearchIndex(meilisearch_server.url, index_uid=f"missing_{uuid.uuid4().hex[:8]}")
    with pytest.raises(Unavailable):
        index.search(SearchQuery(q="kuntosali"))
    app.state.search_index = index
    body = client.get("/api/v1/search", params={"q": "kuntosali"}).json()
    assert body["degraded"] is True and body["total"] >= 1
