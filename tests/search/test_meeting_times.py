"""Weekday and time-of-day filters follow when the group meets, not when its venue is open, on every
engine and on the database fallback (issue 11: Asikkala's chair exercise meets Thursdays 13.00–13.45
at a place open Monday to Friday 8–16)."""

from __future__ import annotations

import dataclasses
from datetime import date, time

import pytest
from sqlmodel import Session

from app.catalogue.enums import ScheduleKind
from app.catalogue.models import Service
from search.fallback import search_database
from search.types import SearchQuery
from tests.factories import add_place_schedule, make_location, make_service
from tests.search.test_behaviour import keys


@pytest.fixture
def catalogue(session: Session) -> dict[str, Service]:
    centre = make_location(session, name_fi="Asikkalan palvelukeskus", municipality_code="016")
    hall = make_location(session, name_fi="Liikuntahalli", municipality_code="016")
    chair = make_service(session, name_fi="Tuolijumppa", locations=(centre,))
    gym = make_service(session, name_fi="Kuntosali", locations=(hall,))
    for place in (centre, hall):
        add_place_schedule(
            session,
            chair if place is centre else gym,
            place,
            ScheduleKind.OPENING_HOURS,
            byday="MO,TU,WE,TH,FR",
            opens=time(8),
            closes=time(16) if place is centre else time(22),
            at_place=False,
        )
    add_place_schedule(
        session,
        chair,
        centre,
        ScheduleKind.SESSION,
        byday="TH",
        opens=time(13),
        closes=time(13, 45),
        valid_from=date(2026, 8, 31),
        valid_to=date(2027, 5, 16),
    )
    add_place_schedule(
        session,
        chair,
        centre,
        ScheduleKind.EXCEPTION,
        closed=True,
        valid_from=date(2026, 12, 19),
        valid_to=date(2027, 1, 6),
        description_fi="Joulutauko",
    )
    return {"chair": chair, "gym": gym}


QUERIES = [
    (SearchQuery(weekdays=("TH",), times_of_day=("afternoon",)), {"chair", "gym"}),
    (SearchQuery(weekdays=("FR",)), {"gym"}),  # the venue is open on Fridays, the group does not meet
    (SearchQuery(times_of_day=("morning",)), {"gym"}),
    (SearchQuery(times_of_day=("evening",)), {"gym"}),  # open 8-22: morning, afternoon and evening
]


@pytest.mark.parametrize(("query", "expected"), QUERIES)
def test_engines_filter_on_meeting_times(
    search_index, catalogue, query: SearchQuery, expected: set[str]
) -> None:  # type: ignore[no-untyped-def]
    assert set(keys(search_index.search(query), catalogue)) == expected


def test_engines_count_meeting_times_and_show_them_on_the_hit(search_index, catalogue) -> None:  # type: ignore[no-untyped-def]
    result = search_index.search(SearchQuery(q="tuolijumppa"))
    counts = {f: {v.value: v.count for v in values} for f, values in result.facets.items()}
    assert counts["weekday"] == {"TH": 1}
    assert counts["time_of_day"] == {"afternoon": 1}
    assert result.items[0].when == {
        "fi": ["torstaisin klo 13.00–13.45 · Asikkalan palvelukeskus"],
        "sv": ["torsdagar kl. 13.00–13.45 · Asikkalan palvelukeskus"],
        "en": ["Thursdays 1:00–1:45 pm · Asikkalan palvelukeskus"],
    }


@pytest.mark.parametrize(("query", "expected"), QUERIES)
def test_database_fallback_filters_on_meeting_times(
    session: Session, catalogue: dict[str, Service], query: SearchQuery, expected: set[str]
) -> None:
    assert set(keys(search_database(session, query), catalogue)) == expected


def test_database_fallback_counts_and_shows_meeting_times(
    session: Session, catalogue: dict[str, Service]
) -> None:
    result = search_database(session, SearchQuery(weekdays=("FR",)))
    counts = {f: {v.value: v.count for v in values} for f, values in result.facets.items()}
    # The weekday facet counts its alternatives as if no weekday were chosen.
    assert counts["weekday"] == {"MO": 1, "TU": 1, "WE": 1, "TH": 2, "FR": 1}
    chair = search_database(session, dataclasses.replace(SearchQuery(), q="tuolijumppa")).items[0]
    assert chair.when["fi"] == ["torstaisin klo 13.00–13.45 · Asikkalan palvelukeskus"]
