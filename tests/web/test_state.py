"""The search page's URL state: parsing, building, removing a filter. Pure functions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as s

from app.errors import InvalidInput
from search.types import Facet, Sort
from web.pages import state as st


def parse(query: str) -> st.SearchState:
    params: dict[str, list[str]] = {}
    for pair in query.split("&"):
        if pair:
            key, _, value = pair.partition("=")
            params.setdefault(key, []).append(value)
    return st.state_from_params(params)


def test_parse_and_build_round_trip() -> None:
    state = parse("q=jumppa&theme=liikunta&theme=luonto&free=true&target=KR1.1&where=15110&radius=25&page=2")
    assert state.themes == ("liikunta", "luonto")
    assert state.free is True
    assert state.radius_km == 25
    assert st.query_string(state) == (
        "?q=jumppa&theme=liikunta&theme=luonto&free=true&target=KR1.1&where=15110&radius=25&page=2"
    )


def test_empty_values_mean_any_and_duplicates_collapse() -> None:
    state = parse("theme=&theme=liikunta&theme=liikunta&free=&lat=&lon=")
    assert state.themes == ("liikunta",)
    assert state.free is None
    assert state.lat is None
    assert st.query_string(state) == "?theme=liikunta"


def test_default_radius_is_left_out_and_only_kept_with_a_place() -> None:
    assert st.query_string(parse("radius=10&where=Lahti")) == "?where=Lahti"
    assert st.query_string(parse("radius=25")) == ""


def test_removing_a_value_keeps_the_rest_and_resets_the_page() -> None:
    state = parse("theme=liikunta&theme=luonto&free=false&page=3")
    assert st.query_string(st.without_value(state, Facet.THEME, "luonto")) == "?theme=liikunta&free=false"
    assert st.query_string(st.without_value(state, Facet.FREE, "false")) == "?theme=liikunta&theme=luonto"
    assert st.query_string(st.without_filters(parse("q=a&theme=liikunta&where=Lahti"))) == "?q=a"
    assert st.query_string(st.without_place(parse("q=a&where=Lahti&radius=5"))) == "?q=a"


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=1001",
        "page=-1",
        "free=yes",
        "radius=3",
        "theme=Liikunta!",
        "municipality=98",
        "target=XX1",
        "access=wings",
        "weekday=MON",
        "time=night",
        "provider=alien",
        "lat=91&lon=0",
        "lat=60",
        "lat=abc&lon=1",
        "view=globe",
        "q=" + "x" * 201,
    ],
)
def test_bad_values_raise_invalid_input(query: str) -> None:
    with pytest.raises(InvalidInput):
        parse(query)


def test_query_for_the_engine() -> None:
    state = parse("q=kuoro&municipality=398&access=wheelchair&weekday=TU&time=morning&language=sv")
    query = st.to_query(state, lang="sv", near=None)
    assert query.municipalities == ("398",)
    assert query.accessibility == ("wheelchair",)
    assert query.weekdays == ("TU",)
    assert query.times_of_day == ("morning",)
    assert query.languages == ("sv",)
    assert query.sort is Sort.RELEVANCE and query.radius_km is None
    near = st.to_query(parse("where=15110&radius=5"), lang="fi", near=(60.98, 25.66))
    assert near.sort is Sort.DISTANCE and near.radius_km == 5.0 and near.near == (60.98, 25.66)


@given(
    # Parsing drops control characters (test_hostile_input.py), so a state never holds them.
    q=s.text(s.characters(exclude_categories=("Cc", "Cs")), max_size=40),
    themes=s.lists(s.sampled_from(["liikunta", "luonto", "kulttuuri"]), max_size=3, unique=True),
    free=s.sampled_from([None, True, False]),
    page=s.integers(min_value=1, max_value=50),
)
def test_any_state_survives_its_own_url(q: str, themes: list[str], free: bool | None, page: int) -> None:
    from urllib.parse import parse_qs

    state = st.SearchState(q=q.strip(), themes=tuple(themes), free=free, page=page)
    url = st.query_string(state)
    again = st.state_from_params(parse_qs(url[1:], keep_blank_values=True))
    assert again.themes == state.themes and again.free == state.free and again.page == state.page
    assert again.q == " ".join(state.q.split()) or again.q == state.q.strip()


def test_a_position_in_the_url_is_kept_to_about_100_m() -> None:
    state = parse("lat=60.983472&lon=25.660129")
    assert (state.lat, state.lon) == (60.983, 25.66)
    assert st.query_string(state) == "?lat=60.983&lon=25.660"


@pytest.mark.parametrize(
    "query",
    [
        "",
        "page=3",
        "list=K7Q2M",
        "q=jumppa&theme=liikunta&free=true&where=15110&radius=25&age=70&list=K7Q2M&list=AB3CD&view=map&plain=1&page=2",
        "lat=60.98&lon=25.66&view=map",
        "q=%C3%A4&weekday=TU&time=morning",
    ],
)
def test_shortlist_links_are_the_states_own_addresses(query: str) -> None:
    """A result card's add or remove link: the same query string as the whole state with that list."""
    state = parse(query)
    lists = [(), ("ZZZZZ",), (*state.shortlist, "XY3ZW"), state.shortlist[1:]]
    expected = [st.query_string(st.with_changes(state, shortlist=codes, page=state.page)) for codes in lists]
    assert st.shortlist_query_strings(state, lists) == expected
