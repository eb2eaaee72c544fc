"""The resident pages, each with and without the HX-Request header (htmx fragments vs full pages)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date, time

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.catalogue.enums import ContactKind, OrganisationKind, RecordStatus, ScheduleKind
from app.catalogue.models import Schedule, ServiceSourceLink
from app.errors import Unavailable
from search.indexer import rebuild
from search.types import SearchQuery, SearchResult
from tests.factories import make_location, make_organisation, make_service


@pytest.fixture(params=[False, True], ids=["page", "htmx"])
def hx(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


def get(client: TestClient, url: str, hx: bool) -> tuple[int, str]:
    response = client.get(url, headers={"HX-Request": "true"} if hx else {}, follow_redirects=False)
    assert response.headers.get("content-type", "").startswith("text/html"), response.text[:200]
    return response.status_code, response.text


def is_full_page(body: str) -> bool:
    return body.lstrip().lower().startswith("<!doctype html>")


def seed(session: Session, app: FastAPI) -> dict[str, uuid.UUID]:
    """Three services in the database and in the app's search engine."""
    ids = _seed(session)
    if app.state.search_index is not None:
        rebuild(session, app.state.search_index)
    return ids


def _seed(session: Session) -> dict[str, uuid.UUID]:
    ngo = make_organisation(session, name_fi="Lahden Seniorit ry", kind=OrganisationKind.NGO)
    city = make_organisation(session, name_fi="Hollolan kunta", name_sv="Hollola kommun")
    lahti = make_location(
        session,
        name_fi="Kisapuisto",
        street_address_fi="Kisapuistonkatu 1",
        postal_code="15110",
        post_office_fi="Lahti",
        municipality_code="398",
        latitude=60.9827,
        longitude=25.6612,
        accessibility_fi="Esteetön sisäänkäynti.",
        accessibility_features=["wheelchair"],
    )
    hollola = make_location(
        session, name_fi="Hollolan sali", municipality_code="098", latitude=60.9886, longitude=25.5126
    )
    ids = {}
    ids["gym"] = make_service(
        session,
        organisation=ngo,
        name_fi="Senioreiden kuntosaliryhmä",
        name_sv="Gymgrupp för seniorer",
        summary_fi="Ohjattua kuntosaliharjoittelua ikäihmisille.",
        summary_sv="Ledd gymträning för äldre.",
        description_fi="Ryhmä kokoontuu tiistaisin.\n\nMukaan mahtuu 12 henkeä.",
        how_to_join_fi="Ilmoittaudu puhelimitse.",
        themes=("liikunta",),
        target_groups=("KR1.1",),
        locations=(lahti,),
        weekly=(("TU", time(10), time(11, 30)),),
        contacts=((ContactKind.PHONE, "+358 3 000 1234"),),
        is_free=True,
        languages=["fi", "sv"],
        is_demo=True,
    ).id
    ids["choir"] = make_service(
        session,
        organisation=city,
        name_fi="Kuoro",
        summary_fi="Laulua yhdessä.",
        themes=("kulttuuri",),
        locations=(hollola,),
        is_free=False,
        price_text_fi="20 € / kausi",
    ).id
    ids["swim"] = make_service(
        session,
        organisation=ngo,
        name_fi="Vesijumppa",
        themes=("liikunta",),
        target_groups=("KR1.1",),
        locations=(hollola,),
        is_free=False,
    ).id
    return ids


def names_in(body: str) -> list[str]:
    return re.findall(r'<h3><a href="/\w\w/services/[^"]+">(?:<span lang="\w\w">)?([^<]+)', body)


def test_root_redirects_to_the_browsers_language(client: TestClient) -> None:
    response = client.get("/", headers={"Accept-Language": "sv-FI,sv;q=0.9"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sv/"


def test_front_page_has_search_themes_and_near_me(
    app: FastAPI, client: TestClient, session: Session, hx: bool
) -> None:
    status, body = get(client, "/sv/", hx)
    assert status == 200
    assert '<html lang="sv">' in body
    assert 'action="/sv/search"' in body
    assert 'name="where"' in body
    assert 'href="/sv/search?theme=liikunta"' in body
    assert ">Motion<" in body  # the theme's Swedish name
    assert "Hitta verksamhet som gör dig gott" in body
    assert 'hreflang="fi" href' not in body and 'href="/fi/"' in body


def test_search_lists_hits_and_facets(app: FastAPI, client: TestClient, session: Session, hx: bool) -> None:
    seed(session, app)
    status, body = get(client, "/fi/search?theme=liikunta", hx)
    assert status == 200
    assert sorted(names_in(body)) == ["Senioreiden kuntosaliryhmä", "Vesijumppa"]
    assert "Tuloksia: 2" in body
    # Facets with counts, the chosen theme checked, a way to remove it.
    assert re.search(r'id="f-theme-liikunta" name="theme" value="liikunta" checked', body)
    assert re.search(r'id="f-target-KR1_1" name="target" value="KR1.1"', body)
    assert 'Ikäihmiset <span class="count">(2)</span>' in body
    assert 'href="/fi/search"' in body  # removing the only filter
    assert is_full_page(body) is not hx
    if hx:
        # The fragment replaces the form's content, and the language links follow the new URL.
        assert 'hx-swap-oob="true"' in body
        assert 'href="/sv/search?theme=liikunta"' in body
        assert "<title>" in body
    else:
        assert 'hx-push-url="true"' in body
        assert 'action="/fi/search"' in body


def test_filters_combine_and_the_url_is_the_state(
    app: FastAPI, client: TestClient, session: Session, hx: bool
) -> None:
    seed(session, app)
    status, body = get(client, "/sv/search?theme=liikunta&free=true&target=KR1.1", hx)
    assert status == 200
    assert names_in(body) == ["Gymgrupp för seniorer"]
    # Each chosen filter can be removed on its own; the link keeps the others.
    assert 'href="/sv/search?theme=liikunta&amp;target=KR1.1"' in body
    assert 'href="/sv/search?free=true&amp;target=KR1.1"' in body
    assert "Ta bort alla filter" in body


def test_near_a_postal_code_sorts_by_distance(
    app: FastAPI, client: TestClient, session: Session, hx: bool
) -> None:
    seed(session, app)
    status, body = get(client, "/en/search?where=15110&radius=25", hx)
    assert status == 200
    assert names_in(body)[0] == "Senioreiden kuntosaliryhmä"
    assert "Within 25 km of 15110" in body
    assert re.search(r"<dt>Distance</dt><dd>\d+\.\d km</dd>", body)


def test_an_unknown_place_is_said_not_guessed(
    app: FastAPI, client: TestClient, session: Session, hx: bool
) -> None:
    seed(session, app)
    status, body = get(client, "/fi/search?where=Atlantis", hx)
    assert status == 200
    assert "Paikkaa Atlantis ei löytynyt" in body
    assert len(names_in(body)) == 3


def test_map_view_carries_the_points(app: FastAPI, client: TestClient, session: Session, hx: bool) -> None:
    seed(session, app)
    status, body = get(client, "/fi/search?theme=liikunta&view=map", hx)
    assert status == 200
    assert "data-map " in body or "data-map\n" in body or 'data-map data-tiles="https://' in body
    points = re.search(r"<script type=\"application/json\" data-map-points>(.*?)</script>", body, re.S)
    assert points is not None
    assert {"lat": 60.9827, "lon": 25.6612} in [
        {"lat": p["lat"], "lon": p["lon"]} for p in json.loads(points.group(1))
    ]
    # Without JavaScript the same activities are listed under the map.
    assert len(names_in(body)) == 2


def test_empty_state_offers_ways_out(app: FastAPI, client: TestClient, session: Session, hx: bool) -> None:
    seed(session, app)
    status, body = get(client, "/sv/search?q=zzzxq&theme=kulttuuri&free=true", hx)
    assert status == 200
    assert "Din sökning gav ingen verksamhet." in body
    assert "Ta bort filtret" in body
    assert 'href="/sv/search?q=zzzxq&amp;free=true"' in body  # without the theme
    assert 'href="/sv/search?q=zzzxq"' in body  # without any filter


class SuggestingIndex:
    """An engine that finds nothing but knows what was meant."""

    name = "suggesting"

    def health(self) -> bool:
        return True

    def search(self, query: SearchQuery) -> SearchResult:
        return SearchResult(
            items=[], total=0, facets={}, page=query.page, per_page=query.per_page, suggestion="kuntosali"
        )


class BrokenIndex:
    name = "broken"

    def health(self) -> bool:
        return False

    def search(self, query: SearchQuery) -> SearchResult:
        raise Unavailable("Search is not available.")


def test_did_you_mean(app: FastAPI, client: TestClient, session: Session, hx: bool) -> None:
    app.state.search_index = SuggestingIndex()
    status, body = get(client, "/fi/search?q=kuntosli", hx)
    assert status == 200
    assert "Tarkoititko" in body
    assert 'href="/fi/search?q=kuntosali"' in body


def test_a_broken_engine_degrades_to_the_database(
    app: FastAPI, client: TestClient, session: Session, hx: bool
) -> None:
    seed(session, app)
    app.state.search_index = BrokenIndex()
    status, body = get(client, "/en/search?q=kuoro", hx)
    assert status == 200
    assert names_in(body) == ["Kuoro"]
    assert "simplified mode" in body


def test_service_page_has_every_section(app: FastAPI, client: TestClient, session: Session, hx: bool) -> None:
    ids = seed(session, app)
    status, body = get(client, f"/fi/services/{ids['gym']}", hx)
    assert status == 200
    for heading in (
        "Mitä",
        "Kenelle",
        "Milloin",
        "Missä",
        "Miten mukaan",
        "Hinta",
        "Esteettömyys",
        "Yhteystiedot",
        "Järjestäjä",
        "Kielet",
        "Lähde",
    ):
        assert f">{heading}</h2>" in body, heading
    assert "ESIMERKKITIETO" in body  # demo data is marked
    assert "tiistaisin klo 10.00–11.30" in body
    assert "<p>Ryhmä kokoontuu tiistaisin.</p><p>Mukaan mahtuu 12 henkeä.</p>" in body
    assert "Kisapuistonkatu 1, 15110 Lahti" in body
    assert "Pyörätuolilla esteetön" in body
    assert 'href="tel:+35830001234"' in body
    assert "Lahden Seniorit ry (Yhdistys tai säätiö)" in body
    assert "suomi, ruotsi" in body
    assert "Palvelutietovaranto (PTV)" in body
    assert "Päivitetty viimeksi" in body
    assert "Ikäihmiset" in body
    assert "data-map-points" in body
    assert is_full_page(body) is not hx


def test_missing_language_falls_back_with_a_marker(
    app: FastAPI, client: TestClient, session: Session, hx: bool
) -> None:
    ids = seed(session, app)
    status, body = get(client, f"/sv/services/{ids['choir']}", hx)
    assert status == 200
    assert '<span lang="fi">Kuoro</span> <span class="fallback">(på finska)</span>' in body
    assert 'Avgiftsbelagd – <span lang="fi">20 € / kausi</span>' in body
    # A post office name is a place name: from the postal code table, never "Lahti (på finska)".
    _, body = get(client, f"/sv/services/{ids['gym']}", hx)
    assert re.search(r"15110 Lahti\s*</li>", body)
    assert "15110 <span lang" not in body
    # English reader, Swedish text present for the gym: Finnish is still the first fallback.
    status, body = get(client, f"/en/services/{ids['gym']}", hx)
    assert (
        '<span lang="fi">Senioreiden kuntosaliryhmä</span> <span class="fallback">(in Finnish)</span>' in body
    )


def test_print_views(app: FastAPI, client: TestClient, session: Session, hx: bool) -> None:
    ids = seed(session, app)
    status, body = get(client, f"/sv/services/{ids['gym']}/print", hx)
    assert status == 200
    assert "print.css" in body
    assert "Gymgrupp för seniorer" in body
    assert "Skriv ut" in body
    assert "data-map-points" not in body  # no map on paper
    status, body = get(client, "/sv/search/print?theme=liikunta", hx)
    assert status == 200
    assert "print.css" in body
    assert "Resultat: 2" in body
    assert "Gymgrupp för seniorer" in body and "Vesijumppa" in body


def test_language_links_keep_the_page(app: FastAPI, client: TestClient, session: Session, hx: bool) -> None:
    ids = seed(session, app)
    _, body = get(client, f"/fi/services/{ids['gym']}", hx)
    assert f'href="/sv/services/{ids["gym"]}"' in body
    assert f'href="/en/services/{ids["gym"]}"' in body


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        # Residents see what to do, not the parameter's name (the JSON API keeps that).
        ("/sv/search?page=0", 422, "Sidans adress innehåller ett fel"),
        ("/sv/search?free=maybe", 422, "Sidans adress innehåller ett fel"),
        ("/sv/search?theme=<script>", 422, "Sidans adress innehåller ett fel"),
        ("/fi/search?radius=7", 422, "Sivun osoitteessa on virhe"),
        ("/en/search?lat=61.0", 422, "The address of this page has a mistake in it"),
        (f"/sv/services/{uuid.UUID(int=1)}", 404, "Verksamheten hittades inte."),
        ("/sv/services/not-an-id", 404, "Sidan eller resursen hittades inte."),
        ("/xx/", 404, ""),
    ],
)
def test_bad_input_is_a_readable_page_in_the_readers_language(
    client: TestClient, hx: bool, url: str, status: int, message: str
) -> None:
    got, body = get(client, url, hx)
    assert got == status
    assert message in body
    assert 'role="alert"' in body
    assert is_full_page(body) is not hx


def test_a_submitted_form_lands_on_the_canonical_url(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    seed(session, app)
    url = "/fi/search?q=&view=list&where=&radius=10&theme=liikunta&lat=&lon="
    response = client.get(url, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/fi/search?theme=liikunta"
    # htmx gets the fragment at once and is told which address to show.
    response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.headers["HX-Push-Url"] == "/fi/search?theme=liikunta"
    assert 'href="/sv/search?theme=liikunta"' in response.text
    assert response.headers["Vary"].startswith("HX-Request, HX-History-Restore-Request")


def test_a_history_restore_gets_the_whole_page(app: FastAPI, client: TestClient, session: Session) -> None:
    response = client.get(
        "/fi/search?theme=liikunta", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert is_full_page(response.text)


def test_pages_and_static_files_are_compressed_the_api_is_not(client: TestClient) -> None:
    page = client.get("/fi/", headers={"Accept-Encoding": "gzip"})
    assert page.headers.get("content-encoding") == "gzip"
    script = client.get("/static/vendor/htmx/htmx.min.js", headers={"Accept-Encoding": "gzip"})
    assert script.headers.get("content-encoding") == "gzip"
    assert script.num_bytes_downloaded < len(script.content) / 2
    api = client.get("/api/v1/services?per_page=100", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in api.headers


def test_accessibility_needs_filter(app: FastAPI, client: TestClient, session: Session, hx: bool) -> None:
    seed(session, app)
    status, body = get(client, "/en/search", hx)
    # Offered because the data has it: one place is stated to be wheelchair accessible.
    assert re.search(r'id="f-access-wheelchair" name="access" value="wheelchair"', body)
    assert 'Wheelchair accessible <span class="count">(1)</span>' in body
    assert 'value="hearing"' not in body  # no listing says anything about hearing
    status, body = get(client, "/en/search?access=wheelchair", hx)
    assert status == 200
    assert names_in(body) == ["Senioreiden kuntosaliryhmä"]


def test_a_one_day_exception_shows_its_date(app: FastAPI, client: TestClient, session: Session) -> None:
    service = make_service(session, name_fi="Jouluna kiinni")
    session.add(
        Schedule(
            service_id=service.id,
            kind=ScheduleKind.EXCEPTION,
            closed=True,
            valid_from=date(2026, 12, 24),
            valid_to=date(2026, 12, 24),
            description_fi="Jouluaatto",
            description_sv="Julafton",
            sort_order=9,
        )
    )
    session.flush()

    body = client.get(f"/fi/services/{service.id}").text
    assert "Jouluaatto 24.12.2026: suljettu" in " ".join(body.split())
    assert "alkaen" not in body


def test_a_listing_two_sources_publish_names_both(app: FastAPI, client: TestClient, session: Session) -> None:
    service = make_service(session, name_fi="Yhteinen", source_url="https://www.lahella.fi/activity/1")
    service.source = "lahella"
    for source, status in (("ptv", RecordStatus.ACTIVE), ("linkedevents", RecordStatus.RETIRED)):
        session.add(
            ServiceSourceLink(
                service_id=service.id,
                source=source,
                external_id=f"{source}-1",
                source_url=f"https://example.org/{source}/1",
                status=status,
            )
        )
    session.add(service)
    session.flush()

    body = client.get(f"/fi/services/{service.id}").text
    assert "Lähde: Lähellä.fi" in body
    assert 'Sama ilmoitus myös: Palvelutietovaranto (PTV) (<a href="https://example.org/ptv/1">' in body
    assert "example.org/linkedevents" not in body  # that provenance is retired
    assert "Also listed in:" in client.get(f"/en/services/{service.id}").text


def test_a_script_link_in_source_data_is_not_a_link(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    service = make_service(
        session,
        name_fi="Outo",
        registration_url="javascript:alert(1)",
        source_url="javascript:alert(2)",
        contacts=((ContactKind.WEB, "javascript:alert(3)"),),
    )
    body = client.get(f"/fi/services/{service.id}").text
    assert "javascript:" not in body.replace("javascript:alert(3)</li>", "")
    assert "<li>javascript:alert(3)</li>" in body  # shown as text, not as a link
