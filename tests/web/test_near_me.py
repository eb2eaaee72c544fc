"""'Near me' never misleads: "street, town" within that town, a place not found filters nothing and shows
no location chip, a street in several towns asks which, a place outside the area says so and lists the
nearest results in the area."""

from __future__ import annotations

import json
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from search.indexer import rebuild
from tests.factories import make_location, make_organisation, make_service
from tests.web.test_pages import get, names_in
from web.pages import state as st


@pytest.fixture(params=[False, True], ids=["page", "htmx"])
def hx(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture
def towns(session: Session, app: FastAPI) -> None:
    organisation = make_organisation(session, name_fi="Seura ry")
    for name, street, municipality, latitude, longitude in (
        ("Lahden tuolijumppa", "Hämeenkatu 27", "398", 60.9858, 25.6432),
        ("Hyvinkään tuolijumppa", "Hämeenkatu 42", "106", 60.6347, 24.8541),
        ("Järvenpään tuolijumppa", "Sibeliuksenkatu 20", "186", 60.4740, 25.0907),
    ):
        place = make_location(
            session,
            name_fi=name.split()[0],
            street_address_fi=street,
            municipality_code=municipality,
            latitude=latitude,
            longitude=longitude,
        )
        make_service(session, organisation=organisation, name_fi=name, locations=(place,))
    if app.state.search_index is not None:
        rebuild(session, app.state.search_index)


def test_street_and_town_lands_in_that_town(client: TestClient, towns: None, hx: bool) -> None:
    status, body = get(client, "/fi/search?where=H%C3%A4meenkatu%2C+Lahti", hx)
    assert status == 200
    assert names_in(body) == ["Lahden tuolijumppa"]
    assert "Enintään 10 km päässä: Hämeenkatu, Lahti" in body


def test_a_street_in_several_towns_asks_which(client: TestClient, towns: None, hx: bool) -> None:
    status, body = get(client, "/en/search?where=H%C3%A4meenkatu+10", hx)
    assert status == 200
    assert "There is a Hämeenkatu 10 in more than one town" in body
    assert 'href="/en/search?where=H%C3%A4meenkatu%2C+Hyvink%C3%A4%C3%A4"' in body
    assert len(names_in(body)) == 3 and "Within 10 km" not in body


def test_a_place_not_found_filters_nothing_and_shows_no_chip(
    client: TestClient, towns: None, hx: bool
) -> None:
    status, body = get(client, "/fi/search?where=Aleksanterinkatu+1", hx)
    assert status == 200
    assert "Paikkaa Aleksanterinkatu 1 ei löytynyt, joten tuloksia ei ole rajattu sijainnin mukaan" in body
    assert "postinumeroa" in body
    assert len(names_in(body)) == 3
    assert "km päässä" not in body and "sijaintisi" not in body


def test_an_approximate_place_says_what_it_used(client: TestClient, towns: None, hx: bool) -> None:
    status, body = get(client, "/en/search?where=H%C3%A4meenkatu+99%2C+Lahti", hx)
    assert status == 200
    assert (
        "We could not find Hämeenkatu 99, Lahti exactly, so the results are near Hämeenkatu, Lahti." in body
    )
    assert names_in(body) == ["Lahden tuolijumppa"]


def test_a_place_outside_the_area_offers_the_nearest_in_the_area(
    client: TestClient, towns: None, hx: bool
) -> None:
    status, body = get(client, "/sv/search?where=Helsingfors", hx)
    assert status == 200
    assert "Helsingfors ligger utanför det område som katalogen täcker" in body
    # No distance limit: every result of the area, nearest first.
    assert names_in(body) == ["Järvenpään tuolijumppa", "Hyvinkään tuolijumppa", "Lahden tuolijumppa"]
    assert "Närmast först: Helsingfors" in body and "Inom 10 km" not in body


def _map_points(body: str) -> list[dict[str, object]]:
    found = re.search(r"<script type=\"application/json\" data-map-points>(.*?)</script>", body, re.S)
    assert found is not None
    return json.loads(found[1])


def test_the_map_shows_every_hit_the_place_and_the_radius(
    client: TestClient, towns: None, hx: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(st, "MAP_PER_PAGE", 1)  # one hit per page: the map must still show all three
    status, body = get(client, "/fi/search?q=tuolijumppa&view=map", hx)
    assert status == 200
    assert len(names_in(body)) == 1 and "Sivu 1 / 3" in body
    assert len(_map_points(body)) == 3 and "data-origin-lat" not in body
    status, body = get(client, "/fi/search?where=15110&radius=50&view=map", hx)
    assert status == 200 and len(_map_points(body)) == 1
    assert 'data-origin-lat="60.9845" data-origin-lon="25.6492"' in body
    assert 'data-origin-label="Haettu paikka: 15110 Lahti"' in body and 'data-radius-km="50"' in body
    # Outside the area: the place, and no ring (no distance limit).
    status, body = get(client, "/fi/search?where=Helsinki&view=map", hx)
    assert 'data-origin-label="Haettu paikka: Helsinki"' in body and "data-radius-km" not in body
    assert len(_map_points(body)) == 3
