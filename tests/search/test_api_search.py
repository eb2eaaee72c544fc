"""GET /api/v1/search: the engine's answers as JSON, readable 422s, the database when the engine is down."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from app.errors import Unavailable
from search.types import SearchQuery, SearchResult


@pytest.fixture
def api(app, search_index, client):  # type: ignore[no-untyped-def]
    app.state.search_index = search_index
    return client


def test_search_answers_items_facets_and_total(api, catalogue) -> None:
    response = api.get("/api/v1/search", params={"q": "vesijumppaan"})
    assert response.status_code == 200
    body = response.json()
    assert body["degraded"] is False and body["total"] >= 1
    item = body["items"][0]
    assert item["id"] == str(catalogue["vesijumppa"].id)
    assert item["names"]["fi"] == "Vesijumppa"
    assert item["source"] == "ptv" and item["external_id"]
    assert "<mark>" in item["snippet"]
    assert "municipality" in body["facets"]


def test_the_body_is_what_the_documented_schema_says(api, catalogue) -> None:
    from web.api.search import SearchOut

    response = api.get("/api/v1/search", params={"q": "jumppa", "near": "60.98,25.66", "lang": "sv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    # Every field the schema names, no more, with the types it gives (the body is built as data).
    assert SearchOut.model_validate(body, strict=True).model_dump(mode="json") == body
    assert body["items"] and body["items"][0]["points"] and body["facets"]["municipality"]


def test_filters_and_near(api, catalogue) -> None:
    response = api.get(
        "/api/v1/search",
        params=[
            ("municipality", "398"),
            ("municipality", "098"),
            ("near", "60.9827,25.6612"),
            ("radius_km", "15"),
            ("weekday", "WE"),
            ("sort", "distance"),
        ],
    )
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [i["names"]["fi"] for i in items] == ["Kuntosali", "Vesijumppa"]
    assert items[0]["distance"] < 0.1 < items[1]["distance"]


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"near": "north"}, "near must be a latitude and a longitude"),
        ({"near": "95,25"}, "latitude must be between -90 and 90"),
        ({"radius_km": "5"}, "radius_km needs near"),
        ({"sort": "distance"}, "needs near"),
        ({"per_page": "1000"}, "per_page must be at most 100"),
        ({"page": "x"}, "page must be a whole number"),
        ({"municipality": "Lahti"}, "municipality is not in the expected format"),
        ({"weekday": "monday"}, "weekday must be one of"),
        ({"target_group": "kids"}, "target_group is not in the expected format"),
        ({"age": "-1"}, "age must be at least 0"),
        ({"radius_km": "0", "near": "60,25"}, "radius_km must be greater than 0"),
    ],
)
def test_bad_parameters_are_a_readable_422(client, params, fragment: str) -> None:
    response = client.get("/api/v1/search", params=params, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert fragment in response.json()["message"]


def test_bad_parameters_in_finnish(client) -> None:
    response = client.get("/api/v1/search", params={"near": "x"}, headers={"Accept-Language": "fi"})
    assert response.status_code == 422
    assert "leveys" in response.json()["message"]


class _DownIndex:
    name = "down"

    def health(self) -> bool:
        return False

    def search(self, query: SearchQuery) -> SearchResult:
        raise Unavailable("The search index cannot answer right now.")


def test_engine_down_answers_from_the_database(app, client, session: Session, catalogue) -> None:
    app.state.search_index = _DownIndex()
    response = client.get("/api/v1/search", params={"q": "vesijumppa"})
    assert response.status_code == 200
    body = response.json()
    assert body["degraded"] is True
    assert [i["names"]["fi"] for i in body["items"]] == ["Vesijumppa"]


def test_the_database_counts_a_chosen_facets_alternatives_too(app, client, catalogue) -> None:
    app.state.search_index = None
    body = client.get("/api/v1/search", params={"municipality": "098"}).json()
    assert body["degraded"] is True and body["total"] == 2
    counts = {v["value"]: v["count"] for v in body["facets"]["municipality"]}
    assert counts == {"398": 5, "098": 2, "106": 1, "111": 1}
    assert sum(v["count"] for v in body["facets"]["free"]) == 2


def test_no_engine_answers_from_the_database(app, client, catalogue) -> None:
    app.state.search_index = None
    body = client.get("/api/v1/search", params={"q": "lukupiiri"}).json()
    assert body["degraded"] is True and body["total"] == 1


def test_app_opens_the_embedded_engine(app) -> None:
    assert app.state.search_index is not None and app.state.search_index.name == "tantivy"


def test_a_query_that_finds_nothing_suggests_the_closest_catalogue_words(api, catalogue) -> None:
    # Too far from any name for the engines' typo tolerance, close enough for a did-you-mean.
    body = api.get("/api/v1/search", params={"q": "lukupiiiirri"}).json()
    assert body["total"] == 0
    assert body["suggestion"] == "lukupiiri"
    assert api.get("/api/v1/search", params={"q": body["suggestion"]}).json()["total"] >= 1


def test_no_suggestion_when_the_correction_would_find_nothing_either(api, catalogue) -> None:
    # 'Lukupiiri' exists, but in Heinola, not Hyvinkää (106): a suggestion must work with the filters kept.
    body = api.get("/api/v1/search", params={"q": "lukupiiiirri", "municipality": "106"}).json()
    assert body["total"] == 0
    assert body["suggestion"] is None
    assert api.get("/api/v1/search", params={"q": "zzzqqqxxx"}).json()["suggestion"] is None


def test_the_did_you_mean_words_follow_the_catalogue(session: Session, catalogue) -> None:
    from datetime import timedelta

    from search.suggest import catalogue_vocabulary

    service = catalogue["vesijumppa"]
    assert "vesijumppa" in catalogue_vocabulary(session)
    assert catalogue_vocabulary(session) is catalogue_vocabulary(session)  # kept while nothing changes

    service.name_fi = "Allasjumppa"
    service.updated_at = service.updated_at + timedelta(seconds=1)
    session.add(service)
    session.flush()

    words = catalogue_vocabulary(session)
    assert "allasjumppa" in words and "vesijumppa" not in words


def test_the_did_you_mean_words_drop_a_retired_service(session: Session, catalogue) -> None:
    from datetime import timedelta

    from app.catalogue.enums import ServiceStatus
    from search.suggest import catalogue_vocabulary

    service = catalogue["vesijumppa"]
    assert "vesijumppa" in catalogue_vocabulary(session)

    # As integrations.sync retires: the status with a new updated_at (the version the words are kept by).
    service.status = ServiceStatus.RETIRED
    service.updated_at = service.updated_at + timedelta(seconds=1)
    session.add(service)
    session.flush()

    assert "vesijumppa" not in catalogue_vocabulary(session)
