"""The behaviour suite runs against every engine: `search_engine` is parametrised over them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlmodel import Session

from app.catalogue.models import Service
from search.indexer import rebuild
from search.meilisearch_index import MeilisearchIndex
from search.tantivy_index import TantivyIndex
from tests.search.catalogue import build_catalogue
from tests.search.meili import MeilisearchServer, running_meilisearch

ENGINES = ["tantivy", "meilisearch"]


@pytest.fixture(params=ENGINES)
def engine_factory(request: pytest.FixtureRequest) -> Iterator[Callable[[], object]]:
    if request.param == "tantivy":
        yield TantivyIndex
    elif request.param == "meilisearch":
        server = request.getfixturevalue("meilisearch_server")
        yield lambda: MeilisearchIndex(server.url, index_uid=f"test_{uuid.uuid4().hex[:12]}")
    else:  # pragma: no cover
        raise pytest.UsageError(request.param)


@pytest.fixture(scope="session")
def meilisearch_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MeilisearchServer]:
    with running_meilisearch(tmp_path_factory.mktemp("meili")) as server:
        yield server


@pytest.fixture
def catalogue(session: Session) -> dict[str, Service]:
    return build_catalogue(session)


@pytest.fixture
def search_index(session: Session, catalogue: dict[str, Service], engine_factory):  # type: ignore[no-untyped-def]
    index = engine_factory()
    rebuild(session, index)
    return index
