"""What people type besides the activity (search.intent): free-of-charge words and municipality names."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlmodel import Session

from app.catalogue.enums import Source
from app.catalogue.models import Location
from search import intent
from search.intent import municipality_names, read_query
from search.service import search_services
from search.types import SearchQuery
from tests.search.test_behaviour import keys

NAMES = {"hyvinkaa": "106", "hyvinge": "106", "lahti": "398", "lahtis": "398", "hollola": "098"}


@pytest.mark.parametrize(
    ("q", "rest", "free_word", "places"),
    [
        ("kuntosali hyvinkää", "kuntosali", None, (("hyvinkää", "106"),)),
        ("jooga Lahdessa", "jooga", None, (("Lahdessa", "398"),)),
        ("gym Hyvinge", "gym", None, (("Hyvinge", "106"),)),
        ("ilmainen kuntosali", "kuntosali", "ilmainen", ()),
        ("maksuttomat liikuntaryhmät", "liikuntaryhmät", "maksuttomat", ()),
        ("gratis simning", "simning", "gratis", ()),
        ("free walking group hollola", "walking group", "free", (("hollola", "098"),)),
        ("Lahti", "", None, (("Lahti", "398"),)),
        ("vesijumppa", "vesijumppa", None, ()),
        ("sugar-free lahti-kerho", "sugar-free lahti-kerho", None, ()),
    ],
)
def test_read_query(q: str, rest: str, free_word: str | None, places: tuple) -> None:
    read = read_query(q, NAMES)
    assert (read.q, read.free_word, read.places) == (rest, free_word, places)


def test_only_municipalities_with_listings_are_places(session: Session, catalogue) -> None:
    names = municipality_names(session)
    assert names["lahti"] == "398" and names["lahtis"] == "398" and names["hyvinkaa"] == "106"
    assert "helsinki" not in names  # no listing there: "Helsinki" stays a word


def test_words_read_as_filters_on_every_engine(session: Session, search_index, catalogue) -> None:
    def search(q: str, read_words: bool = True):  # type: ignore[no-untyped-def]
        return search_services(SearchQuery(q=q, read_words=read_words), session=session, index=search_index)

    free = search("ilmainen kuntosali")
    assert keys(free, catalogue) == ["nuorten"]  # the city's gym is charged
    assert free.understood is not None and free.understood.free_word == "ilmainen"
    assert set(keys(search("kuntosali", read_words=False), catalogue)) == {"kuntosali", "nuorten"}

    lahti = search("kuntosali lahdessa")
    assert set(keys(lahti, catalogue)) == {"kuntosali", "nuorten"}
    assert lahti.understood is not None and lahti.understood.places == (("lahdessa", "398"),)
    assert not lahti.understood.place_relaxed
    # No gym in Heinola: the gyms elsewhere, and the result says so.
    heinola = search("kuntosali heinola")
    assert set(keys(heinola, catalogue)) == {"kuntosali", "nuorten"}
    assert heinola.understood is not None and heinola.understood.place_relaxed
    # As typed, "heinola" is a word no gym has.
    assert search("kuntosali heinola", read_words=False).understood is None


def test_municipality_names_are_kept_for_minutes_not_read_per_search(
    session: Session, catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading them on every search scanned the service table (search.intent)."""
    now = [1000.0]
    monkeypatch.setattr(intent, "_clock", lambda: now[0])
    assert "helsinki" not in municipality_names(session)
    session.add(Location(source=Source.PTV, external_id="helsinki-place", municipality_code="091"))
    session.flush()

    statements: list[str] = []
    bind = session.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(bind, "before_cursor_execute", listener)
    try:
        now[0] += intent.NAMES_TTL_S - 1
        assert "helsinki" not in municipality_names(session)  # kept: no query
        assert statements == []
        now[0] += 1
        assert municipality_names(session)["helsinki"] == "091"  # read again after the time is up
        assert len(statements) == 1
    finally:
        event.remove(bind, "before_cursor_execute", listener)
