"""The embedded geocoder: postal codes, towns, "street, town" within that town, ambiguous streets,
addresses loaded from DVV's file, and the served area."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select

from app.geo.embedded import EmbeddedGeocoder, nearest_municipality
from app.geo.geocoder import Precision, split_house_number
from app.geo.models import AddressPoint
from app.settings import Settings
from integrations.geodata.cli import load_addresses
from integrations.geodata.dvv import ParseCounts, decode, read_addresses
from tests.factories import make_location
from web.pages.places import locate

DVV_FILE = Path(__file__).parents[1] / "integrations" / "fixtures" / "dvv" / "09_osoitteet_2026-11-15.OPT"
SERVED = {"398", "098", "106", "186"}


def _catalogue_streets(session: Session) -> None:
    make_location(
        session,
        street_address_fi="Hämeenkatu 27",
        municipality_code="398",
        latitude=60.9858,
        longitude=25.6432,
    )
    make_location(
        session,
        street_address_fi="Hämeenkatu 42",
        municipality_code="106",
        latitude=60.6347,
        longitude=24.8541,
    )
    make_location(
        session, street_address_fi="Hämeenkatuntie 3", municipality_code="098", latitude=61.0, longitude=25.5
    )


def test_house_numbers_are_split_and_normalised() -> None:
    assert split_house_number("Hämeenkatu 26 B") == ("Hämeenkatu", "26b")
    assert split_house_number("Hämeenkatu 1-3") == ("Hämeenkatu", "1-3")
    assert split_house_number("Hämeenkatu") == ("Hämeenkatu", None)
    assert split_house_number("Kolmas linja 5") == ("Kolmas linja", "5")


def test_street_and_town_resolves_within_that_town(session: Session) -> None:
    _catalogue_streets(session)
    geocoder = EmbeddedGeocoder(session)
    lahti = geocoder.geocode("Hämeenkatu, Lahti").place
    assert lahti is not None and lahti.municipality_code == "398" and lahti.precision is Precision.STREET
    assert lahti.label == "Hämeenkatu, Lahti" and 60.9 < lahti.latitude < 61.1
    hyvinkaa = geocoder.geocode("hämeenkatu 42 hyvinkää").place
    assert hyvinkaa is not None and hyvinkaa.municipality_code == "106"
    assert hyvinkaa.precision is Precision.ADDRESS and not hyvinkaa.approximate


def test_a_street_in_several_towns_is_a_question_not_a_guess(session: Session) -> None:
    _catalogue_streets(session)
    found = EmbeddedGeocoder(session).geocode("Hämeenkatu 10")
    assert found.place is None
    assert found.alternatives == ("Hämeenkatu, Hyvinkää", "Hämeenkatu, Lahti")  # not "Hämeenkatuntie"


def test_an_unknown_number_or_street_says_it_is_approximate(session: Session) -> None:
    _catalogue_streets(session)
    geocoder = EmbeddedGeocoder(session)
    street = geocoder.geocode("Hämeenkatu 99, Lahti").place
    assert street is not None and street.approximate and street.precision is Precision.STREET
    town = geocoder.geocode("Tuntematonkatu 5, Lahti").place
    assert town is not None and town.approximate and town.precision is Precision.MUNICIPALITY
    postal = geocoder.geocode("Tuntematonkatu 5 15140 Lahti").place
    assert postal is not None and postal.approximate and postal.label == "15140 Lahti"
    assert geocoder.geocode("Aleksanterinkatu 1").place is None  # no such street known anywhere
    assert geocoder.geocode("Tuntematonkatu 5, Atlantis").place is None


def test_towns_in_finnish_swedish_and_post_offices(session: Session) -> None:
    geocoder = EmbeddedGeocoder(session)
    for typed, municipality in (
        ("Lahti", "398"),
        ("Lahtis", "398"),
        ("HYVINGE", "106"),
        ("Helsingfors", "091"),
    ):
        place = geocoder.geocode(typed).place
        assert place is not None and place.municipality_code == municipality, typed
    lahti, lahtis = geocoder.geocode("Lahti").place, geocoder.geocode("lahtis").place
    assert lahti is not None and lahtis is not None
    assert (lahti.latitude, lahti.longitude) == (lahtis.latitude, lahtis.longitude)  # one town, one point


def test_outside_the_served_area(session: Session, settings: Settings) -> None:
    helsinki = locate(session, settings, "Helsinki")
    assert helsinki.place is not None and helsinki.outside_area
    assert locate(session, settings, "00100").outside_area
    assert locate(session, settings, "Borgå").outside_area
    lahti = locate(session, settings, "15110")
    assert lahti.place is not None and not lahti.outside_area
    assert locate(session, settings, "Atlantis").place is None
    assert nearest_municipality(60.17, 24.94) == "091" and nearest_municipality(60.98, 25.65) == "398"


def test_dvv_file_lines(session: Session) -> None:
    counts = ParseCounts()
    rows = list(read_addresses(decode(DVV_FILE.read_bytes()), counts))
    assert (counts.read, counts.skipped, len(rows)) == (11, 1, 10)  # a Hollola line has no street
    tavast = next(r for r in rows if r.street_sv == "Tavastvägen")
    assert (tavast.municipality_code, tavast.house_number, tavast.postal_code) == ("106", "10", "05800")
    assert 60.6 < tavast.latitude < 60.7 and 24.8 < tavast.longitude < 24.9  # from ETRS-TM35FIN
    assert any(r.house_number == "26b" for r in rows)
    # A header line, UTF-8, is skipped the same way.
    header = (
        "rakennustunnus;sijaintikunta;maakunta;kayttotarkoitus;pohjoiskoordinaatti;itakoordinaatti;x;y;z;v;w"
    )
    counts = ParseCounts()
    assert list(read_addresses(header + "\n", counts)) == [] and counts.skipped == 1


def test_loaded_addresses_are_found_exactly_and_replace_earlier_ones(session: Session) -> None:
    text = decode(DVV_FILE.read_bytes())
    _, stored, outside = load_addresses(session, text, served=SERVED)
    assert (stored, outside) == (9, 1)  # Helsinki's Aleksanterinkatu is outside the area
    _, again, _ = load_addresses(session, text, served=SERVED)
    assert again == 9 and len(session.exec(select(AddressPoint)).all()) == 9  # replaced, not doubled
    geocoder = EmbeddedGeocoder(session)
    exact = geocoder.geocode("Aleksanterinkatu 1").place
    assert exact is not None and exact.precision is Precision.ADDRESS and exact.municipality_code == "398"
    assert exact.label == "Aleksanterinkatu 1, Lahti" and not exact.approximate
    assert geocoder.geocode("Hämeenkatu 26 B, Lahti").place.precision is Precision.ADDRESS  # type: ignore[union-attr]
    swedish = geocoder.geocode("Tavastvägen 12, Hyvinge").place
    assert swedish is not None and swedish.label == "Tavastvägen 12, Hyvinkää"
    assert geocoder.geocode("Hämeenkatu 10").alternatives == ("Hämeenkatu, Hyvinkää", "Hämeenkatu, Lahti")


@pytest.mark.parametrize("typed", ["", "  ", "ab", "100%_", "99999", "Atlantis"])
def test_nothing_to_find(session: Session, typed: str) -> None:
    found = EmbeddedGeocoder(session).geocode(typed)
    assert found.place is None and found.alternatives == ()
