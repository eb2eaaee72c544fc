"""Room and referrals as a filter of the results page and the search API, with counts like other filters."""

from __future__ import annotations

from datetime import timedelta
from typing import get_args

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.catalogue.overlay import Capacity, ServiceOverlay
from app.timeutil import utcnow
from search.indexer import rebuild
from tests.factories import make_service
from web.api.search import CapacityCode
from web.pages.state import CAPACITIES


def _seed(session: Session, app: FastAPI) -> None:
    room = make_service(session, name_fi="Tuolijumppa")
    full = make_service(session, name_fi="Vesijumppa")
    make_service(session, name_fi="Kuntosalijumppa")
    session.add(ServiceOverlay(service_id=room.id, capacity=Capacity.PLACES_FREE, accepts_referrals=True))
    session.add(ServiceOverlay(service_id=full.id, capacity=Capacity.FULL, accepts_referrals=False))
    session.flush()
    if app.state.search_index is not None:
        rebuild(session, app.state.search_index)


def _squashed(text: str) -> str:
    return " ".join(text.split())


def test_the_results_page_filters_and_counts_room_and_referrals(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    _seed(session, app)
    body = _squashed(client.get("/fi/search?q=jumppa").text)
    assert "<legend>Tilaa uusille osallistujille</legend>" in body
    assert 'Paikkoja vapaana <span class="count">(1)</span>' in body
    assert 'Tällä hetkellä täynnä <span class="count">(1)</span>' in body
    assert "<legend>Lähetteet</legend>" in body
    assert 'Ottaa vastaan lähetteitä <span class="count">(1)</span>' in body

    body = _squashed(client.get("/fi/search?q=jumppa&capacity=places_free").text)
    assert ">Tuolijumppa</a>" in body and ">Vesijumppa</a>" not in body
    assert ">Kuntosalijumppa</a>" not in body
    # The chip says what filters the results, and the other choice keeps its count.
    assert "Poista rajaus: </span>Paikkoja vapaana" in body
    assert 'Tällä hetkellä täynnä <span class="count">(1)</span>' in body

    body = _squashed(client.get("/sv/search?q=jumppa&referrals=false").text)
    assert "Vesijumppa" in body and "Tuolijumppa" not in body
    assert "Tar inte emot remisser" in body


@pytest.mark.parametrize("query", ["capacity=roomy", "referrals=maybe", "referrals=TRUE"])
def test_a_bad_room_or_referrals_value_is_a_clear_422(client: TestClient, query: str) -> None:
    assert client.get(f"/en/search?{query}").status_code == 422


def test_the_search_api_filters_and_carries_room(app: FastAPI, client: TestClient, session: Session) -> None:
    _seed(session, app)
    body = client.get("/api/v1/search", params={"capacity": "full"}).json()
    assert [(i["names"]["fi"], i["capacity"], i["accepts_referrals"]) for i in body["items"]] == [
        ("Vesijumppa", "full", False)
    ]
    body = client.get("/api/v1/search", params={"accepts_referrals": "true", "q": "jumppa"}).json()
    assert [i["names"]["fi"] for i in body["items"]] == ["Tuolijumppa"]
    assert {v["value"]: v["count"] for v in body["facets"]["referrals"]} == {"true": 1, "false": 1}
    unsaid = client.get("/api/v1/search", params={"q": "kuntosalijumppa"}).json()["items"][0]
    assert (unsaid["capacity"], unsaid["accepts_referrals"]) == (None, None)
    assert client.get("/api/v1/search", params={"capacity": "roomy"}).status_code == 422
    # Documented: the parameters and the item fields are in the OpenAPI description.
    spec = client.get("/openapi.json").json()
    parameters = {p["name"]: p for p in spec["paths"]["/api/v1/search"]["get"]["parameters"]}
    assert parameters["capacity"]["schema"]["items"]["enum"] == list(CAPACITIES)
    assert "referrals" in parameters["accepts_referrals"]["description"]
    item = spec["components"]["schemas"]["SearchItemOut"]["properties"]
    assert "capacity" in item and "accepts_referrals" in item


def test_the_api_and_the_pages_know_every_capacity() -> None:
    assert tuple(c.value for c in Capacity) == CAPACITIES == get_args(CapacityCode)


def test_cards_say_room_referrals_and_a_listing_nobody_has_confirmed_for_a_year(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    now = utcnow()
    old = make_service(session, name_fi="Kuorolaulu", source_modified_at=now - timedelta(days=500))
    fresh = make_service(session, name_fi="Kuoroharjoitus", source_modified_at=now - timedelta(days=500))
    session.add(
        ServiceOverlay(service_id=fresh.id, verified_at=now - timedelta(days=20), accepts_referrals=True)
    )
    session.flush()
    if app.state.search_index is not None:
        rebuild(session, app.state.search_index)
    body = _squashed(client.get("/fi/search?q=kuoro").text)
    cards = {
        name: body[body.index(f">{name}</a>") :].split("</article>")[0]
        for name in ("Kuorolaulu", "Kuoroharjoitus")
    }
    note = "Järjestäjä ei ole vahvistanut tietoja yli 12 kuukauteen"
    assert note in cards["Kuorolaulu"] and note not in cards["Kuoroharjoitus"]
    assert "<dt>Lähetteet</dt><dd>Ottaa vastaan lähetteitä</dd>" in cards["Kuoroharjoitus"]
    assert "Lähetteet" not in cards["Kuorolaulu"]
    sv = _squashed(client.get("/sv/search?q=kuoro").text)
    assert "Arrangören har inte bekräftat uppgifterna på över 12 månader" in sv
    en = _squashed(client.get("/en/search?q=kuoro").text)
    assert "Not confirmed by the provider for over 12 months" in en
    assert old.id != fresh.id
