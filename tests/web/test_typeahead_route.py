"""GET /{lang}/search/suggest: listbox options in fi, sv and en; odd input is a 4xx or nothing, never a 500;
what was typed reaches no log."""

from __future__ import annotations

import html
import logging
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.catalogue.models import Service
from search.indexer import rebuild
from search.typeahead import MAX_QUERY_LENGTH
from tests.search.catalogue import build_catalogue
from tests.search.test_typeahead import _twins

OPTION = re.compile(r'<li role="option"[^>]*data-href="([^"]*)"[^>]*>(.*?)</li>', re.S)
TAG = re.compile(r"<[^>]+>")


@pytest.fixture
def catalogue(session: Session, app: FastAPI) -> dict[str, Service]:
    services = build_catalogue(session)
    rebuild(session, app.state.search_index)
    return services


def options(body: str) -> list[tuple[str, str]]:
    """(href, text) of each option, the text as a screen reader reads it."""
    return [
        (html.unescape(href), " ".join(html.unescape(TAG.sub(" ", inner)).split()))
        for href, inner in OPTION.findall(body)
    ]


def status(body: str) -> str:
    match = re.search(r'data-status="([^"]*)"', body)
    assert match is not None, body
    return html.unescape(match.group(1))


@pytest.mark.parametrize(
    ("lang", "typed", "theme", "announced"),
    [
        ("fi", "vertaist", "Vertaistuki Teema, 2 toimintaa", "2 ehdotusta."),
        ("sv", "kamrat", "Kamratstöd Tema, 2 verksamheter", "1 förslag."),
        ("en", "peer", "Peer support Theme, 2 activities", "1 suggestion."),
    ],
)
def test_a_theme_in_each_language(
    client: TestClient, catalogue: dict[str, Service], lang: str, typed: str, theme: str, announced: str
) -> None:
    response = client.get(f"/{lang}/search/suggest", params={"q": typed})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    found = options(response.text)
    assert found[0] == (f"/{lang}/search?theme=vertaistuki", theme)
    assert 'data-param="theme" data-value="vertaistuki"' in response.text
    assert status(response.text).startswith(announced)
    if lang == "fi":  # the Finnish name of a peer-support group begins the same way
        assert found[1:] == [
            (
                f"/fi/services/{catalogue['vertaistuki'].id}",
                "Omaishoitajien vertaistukiryhmä Lahden Seudun Liikunta ry",
            )
        ]


def test_places_and_services_with_their_addresses(client: TestClient, catalogue: dict[str, Service]) -> None:
    places = client.get("/fi/search/suggest", params={"q": "hyvink"})
    assert options(places.text) == [("/fi/search?municipality=106", "Hyvinkää Kunta, 1 toiminta")]
    assert 'data-param="municipality" data-value="106"' in places.text
    services = client.get("/fi/search/suggest", params={"q": "kunto"})
    assert options(services.text) == [
        (f"/fi/services/{catalogue['kuntosali'].id}", "Kuntosali Lahden kaupunki"),
        (f"/fi/services/{catalogue['nuorten'].id}", "Nuorten kuntosalivuoro Lahden kaupunki"),
    ]
    assert "data-param" not in services.text
    assert status(services.text) == "2 ehdotusta. Valitse nuolinäppäimillä ylös ja alas ja Enterillä."


def test_a_finnish_name_on_the_swedish_page_says_its_language(
    client: TestClient, catalogue: dict[str, Service]
) -> None:
    body = client.get("/sv/search/suggest", params={"q": "kuntosali"}).text
    assert '<span class="suggestion-label" lang="fi">Kuntosali</span>' in body
    swedish = client.get("/sv/search/suggest", params={"q": "seniorgym"}).text
    assert '<span class="suggestion-label">Seniorgymnastik på svenska</span>' in swedish


def test_nothing_found_is_announced(client: TestClient, catalogue: dict[str, Service]) -> None:
    body = client.get("/en/search/suggest", params={"q": "zzqxv"}).text
    assert options(body) == []
    assert status(body) == "No suggestions."
    # Nothing typed: nothing to say either.
    assert status(client.get("/en/search/suggest").text) == ""


@pytest.mark.parametrize(
    "typed",
    [
        '"',
        "*",
        "kunto*",
        "name_fi:kuntosali",
        "(kunto OR 1=1)",
        "'; DROP TABLE service; --",
        "%",
        "_",
        "\\",
        "\x00kunto",
        "kunto\x1b[31m",
        "<script>alert(1)</script>",
        "\u202ekunto",
        "🏋️ kunto",
        "a" * MAX_QUERY_LENGTH,
    ],
)
def test_odd_input_answers_options_or_nothing(
    client: TestClient, catalogue: dict[str, Service], typed: str
) -> None:
    response = client.get("/fi/search/suggest", params={"q": typed})
    assert response.status_code == 200
    assert "<script>" not in response.text
    for href, _text in options(response.text):
        assert href.startswith("/fi/search?") or href.startswith("/fi/services/")


def test_too_long_input_and_unknown_languages_are_client_errors(
    client: TestClient, catalogue: dict[str, Service]
) -> None:
    too_long = client.get("/fi/search/suggest", params={"q": "a" * (MAX_QUERY_LENGTH + 1)})
    assert too_long.status_code == 422
    assert client.get("/xx/search/suggest", params={"q": "kunto"}).status_code == 404
    assert client.get("/fi/search/suggest", params=[("q", "kunto"), ("q", "sali")]).status_code == 200


def test_what_was_typed_reaches_no_log(
    client: TestClient, catalogue: dict[str, Service], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        client.get("/fi/search/suggest", params={"q": "kuntosalisalaisuus"})
        client.get("/fi/search/suggest", params={"q": "x" * (MAX_QUERY_LENGTH + 1) + "salaisuus"})
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "GET /fi/search/suggest 200" in logged  # the access log has the path
    assert "GET /fi/search/suggest 422" in logged
    assert "salaisuus" not in logged


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "fi",
            {
                "Muistikahvila Kaksoiskaupunki, Lahti",
                "Muistikahvila Kaksoiskaupunki, Heinola",
                "Muistikahvila Muistiyhdistys ry",
            },
        ),
        (
            "sv",
            {
                "Muistikahvila Tvillingstad, Lahtis",
                "Muistikahvila Tvillingstad, Heinola",
                "Muistikahvila Muistiyhdistys ry",
            },
        ),
    ],
)
def test_one_name_from_one_provider_in_two_places_reads_apart(
    session: Session, app: FastAPI, client: TestClient, lang: str, expected: set[str]
) -> None:
    """Every option reads differently, as a screen reader reads it (the place is in the option's text)."""
    _twins(session)
    rebuild(session, app.state.search_index)
    found = options(client.get(f"/{lang}/search/suggest", params={"q": "muistikah"}).text)
    assert {text for _href, text in found} == expected
    assert len({href for href, _text in found}) == 3
