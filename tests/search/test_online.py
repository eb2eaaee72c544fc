"""The "online" format: filterable and counted on every engine and on the database fallback, and a
place filter (municipality) leaves online listings out of the local results (the pages show them
apart)."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from app.catalogue.enums import Taxonomy
from app.catalogue.models import Service, ServiceTerm
from search.fallback import search_database
from search.types import SearchQuery
from tests.factories import make_location, make_service
from tests.search.test_behaviour import keys


@pytest.fixture
def catalogue(session: Session) -> dict[str, Service]:
    lahti = make_location(session, name_fi="Liikuntakeskus", municipality_code="398")
    local = make_service(session, name_fi="Kuntosaliryhmä", locations=(lahti,))
    online = make_service(session, name_fi="Muistineuvonta verkossa", themes=("ohjaus-ja-neuvonta",))
    session.add(
        ServiceTerm(service_id=online.id, taxonomy=Taxonomy.FORMAT, code="online", label_fi="Verkossa")
    )
    session.flush()
    session.expire(online)
    return {"local": local, "online": online}


QUERIES = [
    (SearchQuery(formats=("online",)), {"online"}),
    (SearchQuery(municipalities=("398",)), {"local"}),
    (SearchQuery(), {"local", "online"}),
]


@pytest.mark.parametrize(("query", "expected"), QUERIES)
def test_engines_filter_online(search_index, catalogue, query: SearchQuery, expected: set[str]) -> None:  # type: ignore[no-untyped-def]
    assert set(keys(search_index.search(query), catalogue)) == expected


def test_engines_count_and_mark_online(search_index, catalogue) -> None:  # type: ignore[no-untyped-def]
    result = search_index.search(SearchQuery())
    assert {v.value: v.count for v in result.facets["format"]} == {"online": 1}
    formats = {hit.name["fi"]: hit.formats for hit in result.items}
    assert formats == {"Kuntosaliryhmä": (), "Muistineuvonta verkossa": ("online",)}


@pytest.mark.parametrize(("query", "expected"), QUERIES)
def test_database_fallback_filters_online(
    session: Session, catalogue: dict[str, Service], query: SearchQuery, expected: set[str]
) -> None:
    result = search_database(session, query)
    assert set(keys(result, catalogue)) == expected
    if query == SearchQuery():
        assert {v.value: v.count for v in result.facets["format"]} == {"online": 1}
