"""The behaviour suite runs against every engine: `search_engine` is parametrised over them."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlmodel import Session

from app.catalogue.models import Service
from search.indexer import rebuild
from search.tantivy_index import TantivyIndex
from tests.search.catalogue import build_catalogue

ENGINES = ["tantivy"]


@pytest.fixture(params=ENGINES)
def engine_factory(request: pytest.FixtureRequest) -> Iterator[Callable[[], TantivyIndex]]:
    if request.param == "tantivy":
        yield TantivyIndex
    else:  # pragma: no cover
        raise pytest.UsageError(request.param)


@pytest.fixture
def catalogue(session: Session) -> dict[str, Service]:
    return build_catalogue(session)


@pytest.fixture
def search_index(session: Session, catalogue: dict[str, Service], engine_factory):  # type: ignore[no-untyped-def]
    index = engine_factory()
    rebuild(session, index)
    return index
