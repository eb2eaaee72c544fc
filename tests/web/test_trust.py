"""Trust: a demo notice naming the area on every page while the catalogue holds demo data; the
accessibility statement and the privacy notice in fi/sv/en, linked from every page."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.settings import Settings
from tests.factories import make_location, make_service


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        data_dir=tmp_path,
        _env_file=None,
        site_operator="Päijät-Hämeen hyvinvointialue",
        accessibility_feedback_email="saavutettavuus@phhyky.example",
        privacy_controller="Päijät-Hämeen hyvinvointialue",
        privacy_contact="kirjaamo@phhyky.example",
    )


def _service(session: Session, *, demo: bool) -> uuid.UUID:
    place = make_location(session, name_fi="Kisapuisto", municipality_code="398", postal_code="15110")
    return make_service(session, name_fi="Tuolijumppa", locations=(place,), is_demo=demo).id


def test_demo_notice_names_the_area_on_every_page_type(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    service_id = _service(session, demo=True)
    for path in (
        "/fi/",
        "/fi/search",
        f"/fi/services/{service_id}",
        "/fi/accessibility",
        "/fi/shortlist",
    ):
        body = client.get(path).text
        notice = re.search(r'<section class="site-notice" id="demo-notice"[^>]*><p>(.*?)</p>', body, re.S)
        assert notice, path
        assert "Esittelyversio." in notice.group(1)
        assert "Päijät-Hämeen hyvinvointialue ja Keski-Uudenmaan hyvinvointialue (16 kuntaa)" in notice.group(
            1
        )
        # The footer no longer claims the listings come from PTV.
        assert "esittelyaineistoa" in body.split('<footer class="site-footer">')[1]
    assert "Mellersta Nylands välfärdsområde (16 kommuner)" in client.get("/sv/").text


def test_no_demo_notice_for_a_real_catalogue(app: FastAPI, client: TestClient, session: Session) -> None:
    _service(session, demo=False)
    body = client.get("/fi/").text
    assert "demo-notice" not in body
    assert (
        "Toiminta-alue: Päijät-Hämeen hyvinvointialue ja Keski-Uudenmaan hyvinvointialue (16 kuntaa)." in body
    )


@pytest.mark.parametrize(
    "lang,heading,authority",
    [
        ("fi", "Saavutettavuusseloste", "Lupa- ja valvontavirasto"),
        ("sv", "Tillgänglighetsutlåtande", "Tillstånds- och tillsynsverket"),
        ("en", "Accessibility statement", "Finnish Supervisory Agency"),
    ],
)
def test_accessibility_statement_has_what_the_act_requires(
    client: TestClient, lang: str, heading: str, authority: str
) -> None:
    response = client.get(f"/{lang}/accessibility")
    assert response.status_code == 200
    body = response.text
    assert f"<h1>{heading}</h1>" in body and f'<html lang="{lang}">' in body
    # Compliance status, what is not accessible, how it was assessed, feedback, enforcement.
    for section in ("status", "gaps", "method", "feedback", "enforcement"):
        assert f'<h2 id="{section}">' in body, section
    assert "306/2019" in body and "WCAG 2.1" in body
    assert 'href="mailto:saavutettavuus@phhyky.example"' in body  # the configured feedback channel
    assert authority in body and 'href="https://www.saavutettavuusvaatimukset.fi"' in body
    assert "Päijät-Hämeen hyvinvointialue" in body
    assert re.search(r"2026", body)  # the date of the statement


@pytest.mark.parametrize(
    "lang,heading", [("fi", "Tietosuojaseloste"), ("sv", "Dataskyddsbeskrivning"), ("en", "Privacy notice")]
)
def test_privacy_notice_names_the_controller(client: TestClient, lang: str, heading: str) -> None:
    body = client.get(f"/{lang}/privacy").text
    assert f"<h1>{heading}</h1>" in body
    assert "Päijät-Hämeen hyvinvointialue" in body and "kirjaamo@phhyky.example" in body
    for section in ("controller", "data", "rights"):
        assert f'<h2 id="{section}">' in body, section
    assert "tile.openstreetmap.org" in body  # who else sees the reader's address when a map is open
    assert "tietosuoja.fi" in body


def test_statements_are_linked_from_every_page(app: FastAPI, client: TestClient, session: Session) -> None:
    service_id = _service(session, demo=True)
    for path in (
        "/sv/",
        "/sv/search?q=jumppa",
        f"/sv/services/{service_id}",
        f"/sv/services/{service_id}/print",
        "/sv/search/print",
        "/sv/shortlist",
        "/sv/shortlist/print",
        "/sv/privacy",
        "/sv/services/00000000-0000-0000-0000-000000000001",  # an error page
    ):
        body = client.get(path).text
        assert 'href="/sv/accessibility">Tillgänglighetsutlåtande</a>' in body, path
        assert 'href="/sv/privacy">Dataskyddsbeskrivning</a>' in body, path


def test_public_pages_set_no_cookies(client: TestClient) -> None:
    """The privacy notice says so."""
    for path in ("/fi/", "/fi/search?q=jumppa", "/fi/accessibility", "/fi/shortlist"):
        assert "set-cookie" not in client.get(path).headers, path


def test_statement_says_when_no_feedback_channel_is_set(tmp_path: Path, session: Session) -> None:
    from app.db import get_session
    from tarjotin.asgi import create_app

    bare = create_app(Settings(data_dir=tmp_path, _env_file=None))  # type: ignore[call-arg]
    bare.dependency_overrides[get_session] = lambda: session
    with TestClient(bare) as client:
        body = client.get("/en/accessibility").text
    assert "has not yet given an address for feedback" in body
    assert "Finnish Supervisory Agency" in body
