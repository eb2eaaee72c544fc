"""The faults a new user found (walkthrough 2026-12-07, issue 12 item 3), each with its test."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.catalogue.enums import OrganisationKind
from search.indexer import rebuild
from tests.factories import make_location, make_organisation, make_service

ROOT_CSS = "web/static/app.css"


def _seed(session: Session, app: FastAPI) -> dict[str, uuid.UUID]:
    ngo = make_organisation(session, name_fi="Asikkalan Liikkuvat Seniorit ry", kind=OrganisationKind.NGO)
    lahti = make_location(
        session,
        name_fi="Urheilutalo",
        street_address_fi="Urheilutie 52",
        postal_code="15110",
        post_office_fi="LAHTI",
        municipality_code="398",
        latitude=60.98,
        longitude=25.66,
    )
    joutsa = make_location(
        session, name_fi="Joutsan koulu", municipality_code="172", latitude=61.74, longitude=26.11
    )
    ids = {
        "seniors": make_service(
            session,
            organisation=ngo,
            name_fi="Tuolijumppa",
            description_fi="Jumppaa tuolilla.",
            themes=("liikunta",),
            target_groups=("KR1", "KR1.1", "KR1.6"),
            locations=(lahti, joutsa),
            min_age=65,
        ).id,
        "youth": make_service(
            session,
            organisation=ngo,
            name_fi="Nuorten sähly",
            themes=("liikunta",),
            target_groups=("KR1.3",),
            locations=(lahti,),
            min_age=13,
            max_age=20,
        ).id,
        "all": make_service(
            session, organisation=ngo, name_fi="Kävelyryhmä", themes=("liikunta",), locations=(lahti,)
        ).id,
    }
    if app.state.search_index is not None:
        rebuild(session, app.state.search_index)
    return ids


def test_favicon_robots_and_sitemap(app: FastAPI, client: TestClient, session: Session) -> None:
    ids = _seed(session, app)
    icon = client.get("/favicon.ico", follow_redirects=False)
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    robots = client.get("/robots.txt", follow_redirects=False)
    assert robots.status_code == 200 and robots.headers["content-type"].startswith("text/plain")
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in robots.text
    assert "Disallow: /fi/search" in robots.text
    index = client.get("/sitemap.xml", follow_redirects=False)
    assert index.status_code == 200 and "<sitemapindex" in index.text
    assert "http://127.0.0.1:8000/sitemap-services-1.xml" in index.text
    services = client.get("/sitemap-services-1.xml").text
    for lang in ("fi", "sv", "en"):
        assert f"<loc>http://127.0.0.1:8000/{lang}/services/{ids['seniors']}</loc>" in services
    assert "<loc>http://127.0.0.1:8000/sv/accessibility</loc>" in client.get("/sitemap-pages.xml").text


@pytest.mark.parametrize(
    "path,language,message",
    [
        ("/favicon.ico/", "fi", "Sivua tai tietoa ei löytynyt."),
        ("/wp-login.php", "sv", "Sidan eller resursen hittades inte."),
        ("/mistyped-long-address", "en", "The page or resource was not found."),
        ("/xx/search", "sv", "Sidan eller resursen hittades inte."),
        ("/en/no-such-page", "fi", "The page or resource was not found."),  # the path's language wins
    ],
)
def test_unknown_paths_are_404_in_the_visitors_language(
    client: TestClient, path: str, language: str, message: str
) -> None:
    response = client.get(path, headers={"Accept-Language": language}, follow_redirects=True)
    assert response.status_code == 404
    assert message in response.text
    assert "merkkiä" not in response.text and "characters" not in response.text


def test_a_language_without_its_slash_still_finds_the_front_page(client: TestClient) -> None:
    response = client.get("/sv", follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"].endswith("/sv/")


@pytest.mark.parametrize("hx", [False, True])
def test_a_page_past_the_last_goes_to_the_last(
    app: FastAPI, client: TestClient, session: Session, hx: bool
) -> None:
    _seed(session, app)
    headers = {"HX-Request": "true"} if hx else {}
    response = client.get("/fi/search?theme=liikunta&page=999", headers=headers, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/fi/search?theme=liikunta"  # 3 results: page 1 is the last
    assert "Sivu 999" not in client.get("/fi/search?theme=liikunta&page=999").text


def test_error_pages_speak_to_residents_and_the_api_to_developers(client: TestClient) -> None:
    malformed = client.get("/sv/services/abc")
    assert malformed.status_code == 404
    assert "service_id" not in malformed.text and "3fa85f64" not in malformed.text
    assert "Sidan eller resursen hittades inte." in malformed.text
    bad = client.get("/en/search?free=maybe")
    assert bad.status_code == 422
    assert "The address of this page has a mistake in it" in bad.text
    assert "The value maybe of free" not in bad.text
    api = client.get("/api/v1/search?free=maybe")
    assert api.status_code == 422 and api.json()["details"][0]["parameter"] == "free"


def test_hidden_controls_stay_hidden_without_javascript() -> None:
    """`button { display: inline-flex }` overrode the hidden attribute (browser test:
    tests/web/browser/test_without_js.py)."""
    css = Path(ROOT_CSS).read_text(encoding="utf-8")
    assert re.search(r"\[hidden\]\s*\{\s*display:\s*none\s*!important;\s*\}", css)


def test_target_groups_in_words_residents_use(app: FastAPI, client: TestClient, session: Session) -> None:
    ids = _seed(session, app)
    sv = client.get("/sv/search?theme=liikunta").text
    assert re.search(r">Äldre <span class=\"count\">", sv) and "För alla" in sv
    assert "De äldre" not in sv and "Medborgare" not in sv and "Handikappade" not in sv
    fi = client.get(f"/fi/services/{ids['seniors']}").text
    assert "Kaikille, Ikäihmiset, Vammaiset ihmiset" in fi and "Kansalaiset" not in fi
    en = client.get("/en/search?theme=liikunta").text
    assert "Everyone" in en and "Citizens" not in en


def test_age_filter_in_the_search_form(app: FastAPI, client: TestClient, session: Session) -> None:
    _seed(session, app)
    body = client.get("/fi/search?theme=liikunta&age=70").text
    assert re.search(r'<input type="number" id="age" name="age"[^>]*value="70"', body)
    names = re.findall(r'<h3><a href="/fi/services/[^"]+">([^<]+)', body)
    assert "Nuorten sähly" not in names and "Tuolijumppa" in names
    assert "Ikä 70" in body  # a removable chip
    assert client.get("/fi/search?age=abc").status_code == 422


def test_municipality_facet_lists_only_the_area_served(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    _seed(session, app)
    body = client.get("/fi/search?theme=liikunta").text
    assert 'name="municipality" value="398"' in body
    assert 'name="municipality" value="172"' not in body  # Joutsa is outside Päijät-Häme and Keski-Uusimaa


def test_proper_names_carry_no_language_marker(app: FastAPI, client: TestClient, session: Session) -> None:
    ids = _seed(session, app)
    body = client.get(f"/sv/services/{ids['seniors']}").text
    assert re.search(
        r'<span lang="fi">Asikkalan Liikkuvat Seniorit ry</span>(?! <span class="fallback">)', body
    )
    assert re.search(r'<span lang="fi">Urheilutie 52</span>(?! <span class="fallback">)', body)
    assert "(på finska)" in body  # the description in Finnish is still marked
    hits = client.get("/sv/search?theme=liikunta").text
    assert 'Seniorit ry</span> <span class="fallback">' not in hits


@pytest.mark.parametrize("suffix", ["", "/print"])
def test_a_retired_listing_says_so_and_offers_a_search(
    app: FastAPI, client: TestClient, session: Session, suffix: str
) -> None:
    from app.catalogue.enums import ServiceStatus
    from app.catalogue.models import Service

    ids = _seed(session, app)
    service = session.get(Service, ids["seniors"])
    assert service is not None
    service.status = ServiceStatus.RETIRED
    session.flush()
    response = client.get(f"/fi/services/{ids['seniors']}{suffix}")
    assert response.status_code == 410
    assert '<h1 id="unavailable-heading">Tätä toimintaa ei enää järjestetä.</h1>' in response.text
    assert "Tuolijumppa" in response.text
    assert 'action="/fi/search"' in response.text  # a search offered
    assert 'href="/fi/search?theme=liikunta&amp;municipality=172"' in response.text  # similar, same place
    unknown = client.get(f"/sv/services/{uuid.UUID(int=7)}")
    assert unknown.status_code == 404 and "Verksamheten hittades inte." in unknown.text
    assert 'action="/sv/search"' in unknown.text


def test_ptv_source_links_to_suomi_fi_except_for_invented_listings(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    from integrations.ptv.common import suomi_fi_service_url

    url = suomi_fi_service_url("D93BE162-07A2-45F2-84B3-F794DA852B58", "Tasapainoryhmä kaatumisten ehkäisyyn")
    assert url == (
        "https://www.suomi.fi/palvelut/tasapainoryhma-kaatumisten-ehkaisyyn/d93be162-07a2-45f2-84b3-f794da852b58"
    )
    real = make_service(session, name_fi="Kuntosali", source_url=url)
    demo = make_service(session, name_fi="Keksitty", source_url=url, is_demo=True)
    assert f'(<a href="{url}">alkuperäinen ilmoitus</a>)' in client.get(f"/fi/services/{real.id}").text
    assert url not in client.get(f"/fi/services/{demo.id}").text


def test_api_docs_use_the_vendored_swagger_ui(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert "cdn.jsdelivr.net" not in response.text and "<script>" not in response.text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in response.text
    assert "script-src 'self';" in response.headers["content-security-policy"]
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
