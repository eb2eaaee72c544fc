"""Typed places become points: postal codes, post office and municipality names, known addresses."""

from __future__ import annotations

from sqlmodel import Session

from tests.factories import make_location
from web.pages.places import resolve_place


def test_postal_code(session: Session) -> None:
    place = resolve_place(session, " 15110 ")
    assert place is not None
    assert place.label.startswith("15110")
    assert 60.9 < place.latitude < 61.1 and 25.5 < place.longitude < 25.8


def test_post_office_name_in_finnish_or_swedish(session: Session) -> None:
    lahti = resolve_place(session, "lahti")
    helsingfors = resolve_place(session, "Helsingfors")
    assert lahti is not None and 60.8 < lahti.latitude < 61.1
    assert helsingfors is not None and 60.1 < helsingfors.latitude < 60.4


def test_municipality_name(session: Session) -> None:
    place = resolve_place(session, "Hollola")
    assert place is not None and 60.8 < place.latitude < 61.2


def test_street_address_known_to_the_catalogue(session: Session) -> None:
    make_location(session, street_address_fi="Kisapuistonkatu 1", latitude=60.99, longitude=25.66)
    place = resolve_place(session, "kisapuistonkatu 1, Lahti")
    assert place is not None and (place.latitude, place.longitude) == (60.99, 25.66)


def test_unknown_places_and_codes_are_none(session: Session) -> None:
    assert resolve_place(session, "Atlantis") is None
    assert resolve_place(session, "99999") is None
    assert resolve_place(session, "ab") is None
    assert resolve_place(session, "100%_") is None
