"""Meeting times in each language's conventions, parts of the day, upcoming dates and the .ics file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

import icalendar
import pytest

from app.catalogue import meeting_times as mt
from app.catalogue.ical import MeetingEvent, calendar_file


@dataclass
class Row:
    kind: str = "session"
    byday: str | None = None
    opens_at: time | None = None
    closes_at: time | None = None
    closes_next_day: bool = False
    valid_from: date | None = None
    valid_to: date | None = None
    closed: bool = False
    by_appointment: bool = False
    rrule: str | None = None
    dtstart: date | None = None
    until: date | None = None
    exdates: list[str] = field(default_factory=list)


CHAIR = Row(
    byday="TH",
    opens_at=time(13),
    closes_at=time(13, 45),
    valid_from=date(2026, 8, 31),
    valid_to=date(2027, 5, 16),
    rrule="FREQ=WEEKLY;BYDAY=TH;UNTIL=20270516T235959Z",
    dtstart=date(2026, 8, 31),
    until=date(2027, 5, 16),
)
CHRISTMAS = Row(kind="exception", closed=True, valid_from=date(2026, 12, 19), valid_to=date(2027, 1, 6))


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("fi", "torstaisin klo 13.00–13.45"),
        ("sv", "torsdagar kl. 13.00–13.45"),
        ("en", "Thursdays 1:00–1:45 pm"),
    ],
)
def test_weekly_text_follows_each_languages_conventions(locale: str, expected: str) -> None:
    assert mt.weekly_text(CHAIR, locale) == expected


@pytest.mark.parametrize(
    ("codes", "interval", "fi", "sv", "en"),
    [
        (["MO", "TH"], 1, "maanantaisin ja torstaisin", "måndagar och torsdagar", "Mondays and Thursdays"),
        (["MO", "TU", "WE", "TH"], 1, "maanantaista torstaihin", "måndag–torsdag", "Monday to Thursday"),
        (["MO", "TU", "WE", "TH", "FR"], 1, "arkisin", "vardagar", "Weekdays"),
        (["SA", "SU"], 1, "viikonloppuisin", "veckoslut", "Weekends"),
        (list(mt.WEEKDAYS), 1, "päivittäin", "dagligen", "Daily"),
        (["TU"], 2, "joka toinen tiistai", "varannan tisdag", "Every other Tuesday"),
        (
            ["MO", "WE"],
            2,
            "joka toinen viikko: maanantaisin ja keskiviikkoisin",
            "varannan vecka: måndagar och onsdagar",
            "Every other week: Mondays and Wednesdays",
        ),
    ],
)
def test_days_text(codes: list[str], interval: int, fi: str, sv: str, en: str) -> None:
    assert [mt.days_text(codes, lang, interval) for lang in ("fi", "sv", "en")] == [fi, sv, en]


def test_times_across_noon_midnight_and_without_an_end() -> None:
    assert mt.time_range_text(time(7), time(22), "en") == "7:00 am–10:00 pm"
    assert mt.time_range_text(time(11, 30), time(12, 15), "en") == "11:30 am–12:15 pm"
    assert mt.time_range_text(time(7), time(22), "fi") == "klo 7.00–22.00"
    assert mt.time_range_text(time(18), None, "fi") == "klo 18.00 alkaen"
    assert mt.time_range_text(time(18), None, "sv") == "från kl. 18.00"
    assert mt.time_range_text(time(0), time(0), "fi", next_day=True) == "ympäri vuorokauden"


def test_holiday_exceptions_read_naturally() -> None:
    midsummer = Row(kind="exception", closed=True, valid_from=date(2027, 6, 25), valid_to=date(2027, 6, 27))
    assert mt.exception_text(midsummer, "Juhannus", "fi") == "Juhannus 25.–27.6.2027: suljettu"
    assert mt.exception_text(midsummer, "Midsommar", "sv") == "Midsommar 25.–27.6.2027: stängt"
    assert mt.exception_text(midsummer, "Midsummer", "en") == "Midsummer 25–27 June 2027: closed"
    assert mt.exception_text(CHRISTMAS, "Joulutauko", "fi", session=True) == (
        "Joulutauko 19.12.2026–6.1.2027: ei kokoontumisia"
    )
    eve = Row(kind="exception", opens_at=time(10), closes_at=time(14), valid_from=date(2026, 12, 24))
    assert mt.exception_text(eve, None, "sv") == "24.12.2026: kl. 10.00–14.00"


def test_schedule_text_carries_the_season() -> None:
    assert mt.schedule_text(CHAIR, "Syys- ja kevätkausi", "fi") == (
        "torstaisin klo 13.00–13.45 (Syys- ja kevätkausi 31.8.2026–16.5.2027)"
    )
    assert mt.schedule_text(CHAIR, None, "en") == "Thursdays 1:00–1:45 pm (31 August 2026 – 16 May 2027)"


@pytest.mark.parametrize(
    ("opens", "closes", "next_day", "parts"),
    [
        (time(13), time(13, 45), False, ["afternoon"]),
        (time(7), time(22), False, ["morning", "afternoon", "evening"]),
        (time(11, 30), time(12, 30), False, ["morning", "afternoon"]),
        (time(10), time(12), False, ["morning"]),  # ends as the afternoon begins
        (time(17), None, False, ["evening"]),
        (time(22), time(2), True, ["evening"]),
    ],
)
def test_parts_of_day_overlap(opens: time, closes: time | None, next_day: bool, parts: list[str]) -> None:
    assert mt.parts_of_day(opens, closes, next_day) == parts


def test_facets_use_meeting_times_where_there_are_any() -> None:
    hours = Row(kind="opening_hours", byday="MO,TU,WE,TH,FR", opens_at=time(8), closes_at=time(16))
    assert mt.when_facets([CHAIR, CHRISTMAS], [hours]) == (["TH"], ["afternoon"])
    assert mt.when_facets([CHRISTMAS], [hours]) == (["MO", "TU", "WE", "TH", "FR"], ["morning", "afternoon"])


def test_upcoming_dates_skip_breaks_and_exdates_and_stop_with_the_season() -> None:
    row = Row(**{**CHAIR.__dict__, "exdates": ["2027-01-14"]})
    dates = [o.starts.date() for o in mt.occurrences(row, [CHRISTMAS], date(2026, 12, 7), count=4)]
    assert dates == [date(2026, 12, 10), date(2026, 12, 17), date(2027, 1, 7), date(2027, 1, 21)]
    first = mt.occurrences(row, [], date(2026, 12, 7), count=1)[0]
    assert first.starts.isoformat() == "2026-12-10T13:00:00+02:00"
    assert first.ends is not None and first.ends.time() == time(13, 45)
    assert mt.occurrences(row, [], date(2027, 5, 17)) == []  # the season is over
    assert [mt.occurrence_text(first, lang) for lang in ("fi", "sv", "en")] == [
        "to 10.12.2026 klo 13.00–13.45",
        "tors 10.12.2026 kl. 13.00–13.45",
        "Thu 10 December 2026, 1:00–1:45 pm",
    ]


def test_card_lines_name_the_place() -> None:
    lines = mt.card_lines([({"fi": "Asikkalan palvelukeskus"}, [CHAIR, CHRISTMAS])])
    assert lines["fi"] == ["torstaisin klo 13.00–13.45 · Asikkalan palvelukeskus"]
    assert lines["en"] == ["Thursdays 1:00–1:45 pm · Asikkalan palvelukeskus"]
    assert mt.card_lines([({"fi": "Halli"}, [CHRISTMAS])]) == {}


def test_calendar_file_parses_with_the_rule_and_the_breaks() -> None:
    body = calendar_file(
        [
            MeetingEvent(
                "x",
                "Tuolijumppa",
                [CHAIR],
                [CHRISTMAS],
                "Asikkalan palvelukeskus",
                "Tervetuloa",
                "https://x/",
            )
        ],
        now=datetime(2026, 12, 7, tzinfo=UTC),
        today=date(2026, 12, 7),
    )
    calendar = icalendar.Calendar.from_ical(body)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Helsinki"]
    events: list[Any] = calendar.walk("VEVENT")
    (event,) = events
    assert event.decoded("dtstart").isoformat() == "2026-09-03T13:00:00+03:00"
    assert event.decoded("dtend").isoformat() == "2026-09-03T13:45:00+03:00"
    assert event["rrule"]["BYDAY"] == ["TH"]
    skipped = {d.dt.date() for d in event["exdate"].dts}
    assert skipped == {date(2026, 12, 24), date(2026, 12, 31)}
    assert str(event["location"]) == "Asikkalan palvelukeskus"
