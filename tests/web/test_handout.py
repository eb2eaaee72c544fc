"""Handouts: address, contact and short address on cards and print views; short addresses; the
shortlist that lives in the URL; phone numbers and post offices as residents write them."""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from datetime import time
from pathlib import Path

import pytest
import segno
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlmodel import Session, col, select

from app.catalogue.enums import ContactKind, OrganisationKind
from app.catalogue.models import Contact, Service
from app.catalogue.short_links import ALPHABET, ShortLink, candidate, normalise_code, short_codes
from app.settings import Settings
from search.indexer import rebuild
from tests.factories import make_location, make_organisation, make_service
from tests.hsds.conftest import load_demo
from web.pages.handout import format_phone, handouts, title_case
from web.pages.templating import environment


def test_phone_numbers_in_national_format() -> None:
    assert format_phone("+358401234567") == ("040 1234567", "tel:+358401234567")
    assert format_phone("+358 3 8141") == ("03 8141", "tel:+35838141")
    assert format_phone("029 5016000")[0] == "029 5016000"
    # A foreign number keeps its country code; junk is shown as written.
    assert format_phone("+46701234567") == ("+46 70 123 45 67", "tel:+46701234567")
    assert format_phone("ask at the desk")[0] == "ask at the desk"
    # A number the library does not know loses only the country code.
    assert format_phone("+358008943878")[0] == "0008943878"


def test_post_offices_in_title_case() -> None:
    assert title_case("HIRVIHAARA") == "Hirvihaara"
    assert title_case("ÄÄNEKOSKI") == "Äänekoski"
    assert title_case("PORVOO-BORGÅ") == "Porvoo-Borgå"
    assert title_case("NORRA HAGA") == "Norra Haga"
    assert title_case("Kausala") == "Kausala"


def test_short_code_candidates_are_stable_and_readable() -> None:
    first = candidate("ptv:abc", 0)
    assert first == candidate("ptv:abc", 0) and first != candidate("ptv:abc", 1)
    assert len(first) == 5 and set(first) <= set(ALPHABET)
    assert not set("01ILOUV") & set(ALPHABET)
    assert normalise_code(" k7q-2m ") == "K7Q2M"
    assert normalise_code("K7Q2") is None and normalise_code("K7Q2O") is None


def _seed(session: Session) -> dict[str, uuid.UUID]:
    ngo = make_organisation(
        session, name_fi="Lahden Seniorit ry", kind=OrganisationKind.NGO, phone="+358 3 000 0000"
    )
    hall = make_location(
        session,
        name_fi="Kisapuisto",
        street_address_fi="Kisapuistonkatu 1",
        postal_code="15110",
        post_office_fi="LAHTI",
        municipality_code="398",
        latitude=60.98,
        longitude=25.66,
    )
    ids = {
        "gym": make_service(
            session,
            organisation=ngo,
            name_fi="Senioreiden kuntosaliryhmä",
            themes=("liikunta",),
            locations=(hall,),
            contacts=((ContactKind.PHONE, "+358401234567"), (ContactKind.EMAIL, "sali@example.fi")),
            weekly=(("TU", time(10), time(11, 30)),),
            is_free=True,
        ).id,
        "walk": make_service(
            session, organisation=ngo, name_fi="Kävelyryhmä", themes=("liikunta",), locations=(hall,)
        ).id,
    }
    return ids


def _seed_indexed(session: Session, app: FastAPI) -> dict[str, uuid.UUID]:
    ids = _seed(session)
    if app.state.search_index is not None:
        rebuild(session, app.state.search_index)
    return ids


def test_short_codes_are_kept_and_unique(session: Session) -> None:
    ids = _seed(session)
    seeds = [(ids["gym"], "ptv:same"), (ids["walk"], "ptv:same")]  # the same first candidate
    codes = short_codes(session, seeds)
    assert len(set(codes.values())) == 2
    # Asked again (a later page view, after any number of syncs): the same codes, no new rows.
    assert short_codes(session, reversed(seeds)) == codes
    rows = session.exec(select(ShortLink).where(ShortLink.service_id.in_(list(ids.values())))).all()  # type: ignore[attr-defined]
    assert len(rows) == 2


def _code_in(body: str) -> str:
    match = re.search(r'class="short-address">[^<]*/s/([A-Z0-9]{5})<', body)
    assert match, body[:2000]
    return match.group(1)


def test_result_card_shows_address_contact_and_short_address(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    _seed_indexed(session, app)
    body = client.get("/fi/search?q=kuntosaliryhmä").text
    assert "Kisapuisto, Kisapuistonkatu 1, 15110 Lahti" in body  # the post office as a name
    assert '<a href="tel:+358401234567">040 1234567</a>' in body  # the activity's own phone first
    assert "sali@example.fi" in body
    assert "+358 3 000 0000" not in body  # the provider's number only when the activity has none
    code = _code_in(body)
    response = client.get(f"/s/{code.lower()}", headers={"Accept-Language": "sv"}, follow_redirects=False)
    assert response.status_code == 302
    assert re.fullmatch(r"/sv/services/[0-9a-f-]{36}", response.headers["location"])
    assert client.get("/s/ZZZZZ", headers={"Accept-Language": "fi"}).status_code == 404


def test_shortlist_lives_in_the_url(app: FastAPI, client: TestClient, session: Session) -> None:
    ids = _seed_indexed(session, app)
    body = client.get("/fi/search?theme=liikunta").text
    add = re.findall(r'id="list-[^"]+" href="([^"]+)"[^>]*>Lisää listalleni', body)
    assert len(add) == 2
    first = client.get(add[0].replace("&amp;", "&")).text
    assert "Oma lista (1)" in first and "Poista listaltani" in first
    # The filter form carries the list, so changing a filter keeps it.
    assert re.search(r'<input type="hidden" name="list" value="[A-Z0-9]{5}">', first)
    second_add = re.findall(r'href="([^"]+)"[^>]*>Lisää listalleni', first)[0].replace("&amp;", "&")
    both = client.get(second_add).text
    assert "Oma lista (2)" in both
    list_url = re.search(r'<a href="(/fi/shortlist\?[^"]+)"', both).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    page = client.get(list_url).text
    assert page.count('class="short-address"') == 2
    assert "Kisapuistonkatu 1" in page and "040 1234567" in page
    assert "tiistaisin" in page  # the meeting time (app.catalogue.meeting_times)
    assert f'href="/fi/services/{ids["gym"]}"' in page
    printed = client.get(list_url.replace("/shortlist", "/shortlist/print")).text
    assert printed.count("<svg") == 2 and "Sinulle sopivia toimintoja" in printed
    # A code that is no longer in the catalogue is said so; a malformed one is a clear 422.
    assert client.get("/fi/shortlist?list=ZZZZZ").status_code == 200
    assert client.get("/fi/shortlist?list=<script>").status_code == 422


def test_printed_qr_code_is_the_listings_address(app: FastAPI, client: TestClient, session: Session) -> None:
    ids = _seed_indexed(session, app)
    body = client.get(f"/fi/services/{ids['gym']}/print").text
    svg = re.search(r"<svg[^>]*>.*?</svg>", body, re.S).group(0)  # type: ignore[union-attr]
    expected_url = f"{str(app.state.settings.base_url).rstrip('/')}/fi/services/{ids['gym']}"
    expected = segno.make(expected_url, error="m", micro=False).svg_inline(
        scale=1, border=2, omitsize=True, svgclass="qr", lineclass=None
    )
    assert re.search(r' d="([^"]+)"', svg).group(1) == re.search(r' d="([^"]+)"', expected).group(1)  # type: ignore[union-attr]
    assert 'aria-hidden="true"' in svg
    assert "Lyhyt osoite" in body and _code_in(body)


@pytest.mark.parametrize("lang,expected", [("fi", "Lahti"), ("sv", "Lahti"), ("en", "Lahti")])
def test_post_office_on_the_service_page(
    app: FastAPI, client: TestClient, session: Session, lang: str, expected: str
) -> None:
    ids = _seed(session)
    body = client.get(f"/{lang}/services/{ids['gym']}").text
    assert f"15110 {expected}" in body, re.findall(r"15110.{0,80}", body)
    assert "LAHTI" not in body


def test_result_cards_read_only_what_a_card_shows(session: Session) -> None:
    """A results page's handouts (meeting times from the hits) read a fixed number of statements,
    build no ORM objects, and give the same addresses, contacts and short addresses as a whole
    listing's."""
    ids = [str(i) for i in _seed(session).values()]
    full = handouts(session, ids, "fi", "https://palvelut.example")
    session.expunge_all()  # nothing loaded before: every column a card reads must be selected
    statements: list[str] = []
    bind = session.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(bind, "before_cursor_execute", listener)
    try:
        cards = handouts(session, ids, "fi", "https://palvelut.example", when={i: full[i].when for i in ids})
        assert cards == full
    finally:
        event.remove(bind, "before_cursor_execute", listener)
    assert full[ids[0]].when and full[ids[0]].addresses and full[ids[0]].contacts
    # services with their organisations and short codes, place links, places, contacts
    assert len(statements) == 4, statements
    assert not any("schedule" in s for s in statements)
    assert not session.identity_map  # plain rows, no listings or places built


def _card_and_listing_html(session: Session, ids: list[str], locale: str) -> tuple[list[str], list[str]]:
    """Each listing's handout as a result card renders it, from plain rows and from the whole
    listing (the semantics cards had when they read ORM listings). The cards first: a listing
    shown for the first time gets its short code from them."""
    session.expunge_all()
    when = {i: [f"line {i}"] for i in ids}  # the hits' meeting times, passed through
    cards = handouts(session, ids, locale, "https://palvelut.example", when=when)
    full = handouts(session, ids, locale, "https://palvelut.example")
    assert cards == {i: replace(h, when=when[i]) for i, h in full.items()}
    template = environment(locale).get_template("_handout_facts.html")
    return (
        [template.render(h=cards[i]) for i in ids if i in cards],
        [template.render(h=full[i]) for i in ids if i in full],
    )


def test_result_cards_equal_whole_listings_in_every_case(session: Session) -> None:
    """The contact layers (the activity's own, its places', its provider's), several places, a
    listing without places or contacts and one without a short code yet: the same cards either way."""
    ngo = make_organisation(session, name_fi="Yhdistys", phone="+358 3 000 0000", email="info@example.fi")
    web_only = make_organisation(session, name_fi="Seura", website="seura.example.fi")
    places = [
        make_location(
            session,
            name_fi=f"Paikka {n}",
            name_sv=f"Platsen {n}" if n % 2 else None,
            street_address_fi=f"Katu {n}",
            postal_code="15110",
            post_office_fi="LAHTI",
            municipality_code="398",
        )
        for n in range(4)
    ]
    hall = places[0]
    session.add(Contact(location_id=hall.id, kind=ContactKind.EMAIL, value="halli@example.fi", sort_order=1))
    session.add(Contact(location_id=hall.id, kind=ContactKind.PHONE, value="+358 40 111 2222", sort_order=0))
    session.add(Contact(location_id=places[2].id, kind=ContactKind.WEB, value="www.paikka.fi", sort_order=0))
    own = make_service(
        session,
        organisation=ngo,
        locations=(hall,),
        contacts=((ContactKind.WEB, "https://oma.example.fi"), (ContactKind.PHONE, "0401234567")),
    )
    session.add(
        Contact(
            service_id=own.id,
            kind=ContactKind.EMAIL,
            value="oma@example.fi",
            label_fi="Ohjaaja",
            label_sv="Ledare",
            sort_order=5,
        )
    )
    ids = [
        str(own.id),
        str(make_service(session, organisation=ngo, locations=tuple(places)).id),  # the places' contacts
        str(make_service(session, organisation=ngo, locations=(places[2], places[3])).id),  # a web page only
        str(
            make_service(session, organisation=web_only, locations=(places[3],)).id
        ),  # the provider's web page
        str(make_service(session, organisation=web_only).id),  # no places
        str(uuid.uuid4()),  # not in the catalogue: left out
        "not-an-id",
    ]
    session.flush()
    short_codes(session, [(own.id, "ptv:own")])  # the others get theirs on the card
    for locale in ("fi", "sv", "en"):
        cards, listings = _card_and_listing_html(session, ids, locale)
        assert cards == listings and len(cards) == 5
    fi, _ = _card_and_listing_html(session, ids, "fi")
    assert "Paikka 0, Katu 0, 15110 Lahti; Paikka 1, Katu 1, 15110 Lahti (muita paikkoja: 2)" in fi[1]
    assert "tel:+358401112222" in fi[1] and "halli@example.fi" in fi[1]
    assert "040 1234567" in fi[0] and "oma@example.fi" in fi[0] and "tel:+35830000000" not in fi[0]
    assert "tel:+35830000000" in fi[2]  # a place's web page is not a way to call: the provider's phone


def test_result_cards_of_the_demo_catalogue(session: Session, tmp_path: Path) -> None:
    """Every demo listing's card, in each language, is what the whole listing gives."""
    load_demo(session, Settings(data_dir=tmp_path, _env_file=None))  # type: ignore[call-arg]
    ids = [str(i) for i in session.exec(select(Service.id).order_by(col(Service.id)))]
    assert len(ids) > 500
    for locale in ("fi", "sv", "en"):
        for start in range(0, len(ids), 50):  # a map page's worth at a time, as the cards are read
            cards, listings = _card_and_listing_html(session, ids[start : start + 50], locale)
            assert cards == listings
