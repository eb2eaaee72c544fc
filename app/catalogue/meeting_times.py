"""When an activity meets, as people read it: pure functions over schedule rows, no database.

Each language follows its own conventions: fi "torstaisin klo 13.00–13.45", sv "torsdagar
kl. 13.00–13.45", en "Thursdays 1:00–1:45 pm"; an exception reads "Juhannus 25.–27.6.2027: suljettu".
Finnish weekday forms (the -isin adverb, elative and illative for ranges) are not in CLDR, so they
are tabled here; Babel gives lists, day names and English dates.

Meeting times are the group's own sessions (ScheduleKind.SESSION, usually at the service-at-place
level with an RFC 5545 RRULE); opening hours are the venue's. The facet functions decide which of
the two describe a service (sessions where there are any).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo

from babel.dates import format_date, get_day_names
from babel.lists import format_list
from dateutil.rrule import rrulestr

WEEKDAYS: tuple[str, ...] = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
LOCALES = ("fi", "sv", "en")
HELSINKI = ZoneInfo("Europe/Helsinki")

_FI_EVERY = (
    "maanantaisin",
    "tiistaisin",
    "keskiviikkoisin",
    "torstaisin",
    "perjantaisin",
    "lauantaisin",
    "sunnuntaisin",
)
_FI_FROM = (
    "maanantaista",
    "tiistaista",
    "keskiviikosta",
    "torstaista",
    "perjantaista",
    "lauantaista",
    "sunnuntaista",
)
_FI_TO = (
    "maanantaihin",
    "tiistaihin",
    "keskiviikkoon",
    "torstaihin",
    "perjantaihin",
    "lauantaihin",
    "sunnuntaihin",
)
_FI_SINGLE = ("maanantai", "tiistai", "keskiviikko", "torstai", "perjantai", "lauantai", "sunnuntai")
_SV_EVERY = ("måndagar", "tisdagar", "onsdagar", "torsdagar", "fredagar", "lördagar", "söndagar")
_EN_EVERY = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")

# Fixed phrases of each language (grammar, not interface text: they sit inside generated sentences).
_PHRASES: dict[str, dict[str, str]] = {
    "daily": {"fi": "päivittäin", "sv": "dagligen", "en": "Daily"},
    "weekdays": {"fi": "arkisin", "sv": "vardagar", "en": "Weekdays"},
    "weekends": {"fi": "viikonloppuisin", "sv": "veckoslut", "en": "Weekends"},
    "every_other_week": {"fi": "joka toinen viikko", "sv": "varannan vecka", "en": "every other week"},
    "round_the_clock": {"fi": "ympäri vuorokauden", "sv": "dygnet runt", "en": "24 hours"},
    "closed": {"fi": "suljettu", "sv": "stängt", "en": "closed"},
    "no_sessions": {"fi": "ei kokoontumisia", "sv": "inga träffar", "en": "no sessions"},
    "by_appointment": {"fi": "ajanvarauksella", "sv": "med tidsbokning", "en": "by appointment"},
}

_BYDAY = re.compile(r"BYDAY=([A-Z0-9,+-]+)")
_INTERVAL = re.compile(r"INTERVAL=(\d+)")


class ScheduleLike(Protocol):
    """The fields of app.catalogue.models.Schedule these functions read (read-only)."""

    @property
    def kind(self) -> str: ...

    @property
    def byday(self) -> str | None: ...

    @property
    def opens_at(self) -> time | None: ...

    @property
    def closes_at(self) -> time | None: ...

    @property
    def closes_next_day(self) -> bool: ...

    @property
    def valid_from(self) -> date | None: ...

    @property
    def valid_to(self) -> date | None: ...

    @property
    def closed(self) -> bool: ...

    @property
    def by_appointment(self) -> bool: ...

    @property
    def rrule(self) -> str | None: ...

    @property
    def dtstart(self) -> date | None: ...

    @property
    def until(self) -> date | None: ...

    @property
    def exdates(self) -> list[str]: ...


S = TypeVar("S", bound=ScheduleLike)


def _locale(locale: str) -> str:
    return locale if locale in LOCALES else "fi"


def _phrase(key: str, locale: str) -> str:
    return _PHRASES[key][_locale(locale)]


# ---------------------------------------------------------------------------------------------
# Weekdays
# ---------------------------------------------------------------------------------------------


def weekday_codes(schedule: ScheduleLike) -> list[str]:
    """The weekdays of a weekly row or RRULE, in week order ("1MO" and "-1FR" count as MO and FR)."""
    days: set[str] = set()
    sources = [schedule.byday or ""]
    if schedule.rrule and (match := _BYDAY.search(schedule.rrule)):
        sources.append(match.group(1))
    for source in sources:
        for day in source.split(","):
            code = day.strip()[-2:]
            if code in WEEKDAYS:
                days.add(code)
    return [d for d in WEEKDAYS if d in days]


def interval_of(schedule: ScheduleLike) -> int:
    match = _INTERVAL.search(schedule.rrule or "")
    return int(match.group(1)) if match else 1


def _runs(indexes: Sequence[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for index in indexes:
        if runs and runs[-1][1] == index - 1:
            runs[-1] = (runs[-1][0], index)
        else:
            runs.append((index, index))
    return runs


def _day_range(first: int, last: int, locale: str) -> str:
    if locale == "fi":
        return f"{_FI_FROM[first]} {_FI_TO[last]}"
    names = get_day_names("wide", context="format", locale=locale)
    if locale == "sv":
        return f"{names[first]}–{names[last]}"
    return f"{names[first]} to {names[last]}"


def _every(index: int, locale: str) -> str:
    return {"fi": _FI_EVERY, "sv": _SV_EVERY, "en": _EN_EVERY}[locale][index]


def days_text(codes: Iterable[str], locale: str, interval: int = 1) -> str:
    """ "torstaisin", "maanantaista torstaihin", "Mondays and Thursdays", "arkisin", ..."""
    locale = _locale(locale)
    indexes = sorted({WEEKDAYS.index(c) for c in codes if c in WEEKDAYS})
    if not indexes:
        return ""
    if interval == 2 and len(indexes) == 1:
        one = indexes[0]
        return {
            "fi": f"joka toinen {_FI_SINGLE[one]}",
            "sv": f"varannan {get_day_names('wide', context='format', locale='sv')[one]}",
            "en": f"Every other {get_day_names('wide', context='format', locale='en')[one]}",
        }[locale]
    if indexes == list(range(7)):
        text = _phrase("daily", locale)
    elif indexes == list(range(5)):
        text = _phrase("weekdays", locale)
    elif indexes == [5, 6]:
        text = _phrase("weekends", locale)
    else:
        parts: list[str] = []
        for first, last in _runs(indexes):
            if last - first >= 2:
                parts.append(_day_range(first, last, locale))
            else:
                parts.extend(_every(i, locale) for i in range(first, last + 1))
        text = format_list(parts, locale=locale)
    if interval > 1:
        lead = _phrase("every_other_week", locale) if interval == 2 else _every_nth_week(interval, locale)
        if locale == "en":
            return f"{lead[0].upper()}{lead[1:]}: {text}"
        return f"{lead}: {text}"
    return text


def _every_nth_week(interval: int, locale: str) -> str:
    return {
        "fi": f"joka {interval}. viikko",
        "sv": f"var {interval}:e vecka",
        "en": f"every {interval} weeks",
    }[locale]


# ---------------------------------------------------------------------------------------------
# Times and dates
# ---------------------------------------------------------------------------------------------


def _clock(value: time, locale: str) -> str:
    """fi/sv 13.00 (no leading zero: 7.00), en 1:00 (the am/pm goes after the range)."""
    if locale == "en":
        hour = value.hour % 12 or 12
        return f"{hour}:{value.minute:02d}"
    return f"{value.hour}.{value.minute:02d}"


def _meridiem(value: time) -> str:
    return "am" if value.hour < 12 else "pm"


def time_range_text(opens: time | None, closes: time | None, locale: str, next_day: bool = False) -> str:
    """fi "klo 13.00–13.45", sv "kl. 13.00–13.45", en "1:00–1:45 pm" or "11:30 am–12:15 pm"."""
    locale = _locale(locale)
    if opens is None:
        return ""
    if closes is not None and next_day and opens == closes == time(0, 0):
        return _phrase("round_the_clock", locale)
    if locale == "en":
        if closes is None:
            return f"from {_clock(opens, locale)} {_meridiem(opens)}"
        if _meridiem(opens) == _meridiem(closes) and not next_day:
            return f"{_clock(opens, locale)}–{_clock(closes, locale)} {_meridiem(closes)}"
        return f"{_clock(opens, locale)} {_meridiem(opens)}–{_clock(closes, locale)} {_meridiem(closes)}"
    lead = "klo" if locale == "fi" else "kl."
    if closes is None:
        return (
            f"{lead} {_clock(opens, locale)} alkaen"
            if locale == "fi"
            else f"från {lead} {_clock(opens, locale)}"
        )
    return f"{lead} {_clock(opens, locale)}–{_clock(closes, locale)}"


def date_range_text(start: date | None, end: date | None, locale: str) -> str:
    """fi/sv "25.–27.6.2027", "19.12.2026–6.1.2027", "25.6.2027"; en "25–27 June 2027"."""
    locale = _locale(locale)
    if start is None and end is None:
        return ""
    if start is None or end is None or start == end:
        single = start or end
        assert single is not None
        if locale == "en":
            return format_date(single, "d MMMM y", locale="en")
        return f"{single.day}.{single.month}.{single.year}"
    if locale == "en":
        if start.year == end.year and start.month == end.month:
            return f"{start.day}–{format_date(end, 'd MMMM y', locale='en')}"
        if start.year == end.year:
            return (
                f"{format_date(start, 'd MMMM', locale='en')} – {format_date(end, 'd MMMM y', locale='en')}"
            )
        return f"{format_date(start, 'd MMMM y', locale='en')} – {format_date(end, 'd MMMM y', locale='en')}"
    if start.year == end.year and start.month == end.month:
        return f"{start.day}.–{end.day}.{end.month}.{end.year}"
    if start.year == end.year:
        return f"{start.day}.{start.month}.–{end.day}.{end.month}.{end.year}"
    return f"{start.day}.{start.month}.{start.year}–{end.day}.{end.month}.{end.year}"


# ---------------------------------------------------------------------------------------------
# Whole lines
# ---------------------------------------------------------------------------------------------


def is_exception(schedule: ScheduleLike) -> bool:
    return str(schedule.kind) == "exception"


def is_session(schedule: ScheduleLike) -> bool:
    return str(schedule.kind) == "session"


def weekly_text(schedule: ScheduleLike, locale: str) -> str:
    """One weekly row: "torstaisin klo 13.00–13.45", "Weekdays 7:00 am–10:00 pm", "sunnuntaisin suljettu"."""
    locale = _locale(locale)
    parts = [days_text(weekday_codes(schedule), locale, interval_of(schedule))]
    if schedule.closed:
        parts.append(_phrase("closed", locale))
    else:
        parts.append(time_range_text(schedule.opens_at, schedule.closes_at, locale, schedule.closes_next_day))
    if schedule.by_appointment:
        parts.append(_phrase("by_appointment", locale))
    text = " ".join(p for p in parts if p)
    return text[:1].upper() + text[1:] if locale == "en" else text


def exception_text(schedule: ScheduleLike, name: str | None, locale: str, *, session: bool = False) -> str:
    """A date-range exception: "Juhannus 25.–27.6.2027: suljettu", "Joulutauko 19.12.2026–6.1.2027:
    ei kokoontumisia", "24.12.2026: klo 10.00–14.00"."""
    locale = _locale(locale)
    when = date_range_text(schedule.valid_from, schedule.valid_to, locale)
    head = f"{name} {when}".strip() if name else when
    if schedule.closed or schedule.opens_at is None:
        what = _phrase("no_sessions" if session else "closed", locale)
    else:
        what = time_range_text(schedule.opens_at, schedule.closes_at, locale, schedule.closes_next_day)
    if schedule.by_appointment:
        what += " " + _phrase("by_appointment", locale)
    return f"{head}: {what}"


def season_text(schedule: ScheduleLike, name: str | None, locale: str) -> str:
    """The period a weekly row is valid: "Syys- ja kevätkausi 31.8.2026–16.5.2027"."""
    start = schedule.valid_from or schedule.dtstart
    end = schedule.valid_to or schedule.until
    if start is None and end is None:
        return name or ""
    locale = _locale(locale)
    if start is not None and end is None:
        when = {
            "fi": f"{date_range_text(start, None, locale)} alkaen",
            "sv": f"från {date_range_text(start, None, locale)}",
            "en": f"from {date_range_text(start, None, locale)}",
        }[locale]
    elif start is None:
        when = {
            "fi": f"{date_range_text(None, end, locale)} asti",
            "sv": f"till {date_range_text(None, end, locale)}",
            "en": f"until {date_range_text(None, end, locale)}",
        }[locale]
    else:
        when = date_range_text(start, end, locale)
    return f"{name} {when}" if name else when


def schedule_text(schedule: ScheduleLike, name: str | None, locale: str, *, meeting: bool = False) -> str:
    """The whole line of any row, as the JSON API gives it (weekly rows with their season);
    `meeting`: the row belongs to a group's meeting times, so a closed exception has no sessions."""
    if is_exception(schedule):
        return exception_text(schedule, name, locale, session=meeting)
    text = weekly_text(schedule, locale)
    season = season_text(schedule, name, locale)
    return f"{text} ({season})" if season else text


# ---------------------------------------------------------------------------------------------
# Which rows describe when a service takes place
# ---------------------------------------------------------------------------------------------


def meeting_rows(schedules: Iterable[S]) -> list[S]:
    """Weekly session rows (the group's own times), closed ones left out."""
    return [s for s in schedules if is_session(s) and not is_exception(s) and not s.closed]


def parts_of_day(opens: time | None, closes: time | None, next_day: bool = False) -> list[str]:
    """The parts of the day a time range overlaps: morning (before 12), afternoon (12–17), evening
    (from 17). A gym open 7–22 is all three; a range without an end counts where it starts."""
    if opens is None:
        return []
    start = opens.hour * 60 + opens.minute
    if closes is None:
        end = start + 1
    elif next_day or (closes.hour * 60 + closes.minute) <= start:
        end = 24 * 60
    else:
        end = closes.hour * 60 + closes.minute
    bounds = (("morning", 0, 12 * 60), ("afternoon", 12 * 60, 17 * 60), ("evening", 17 * 60, 24 * 60))
    return [name for name, low, high in bounds if start < high and end > low]


def when_facets(
    meetings: Iterable[ScheduleLike], hours: Iterable[ScheduleLike]
) -> tuple[list[str], list[str]]:
    """(weekdays, parts of day) a service takes place: its meeting times where it has any, else the
    opening hours of its places (and its own)."""
    rows = meeting_rows(meetings)
    if not rows:
        rows = [s for s in hours if not is_exception(s) and not s.closed]
    days: set[str] = set()
    parts: set[str] = set()
    for row in rows:
        days.update(weekday_codes(row))
        parts.update(parts_of_day(row.opens_at, row.closes_at, row.closes_next_day))
    return [d for d in WEEKDAYS if d in days], [p for p in ("morning", "afternoon", "evening") if p in parts]


# ---------------------------------------------------------------------------------------------
# Upcoming dates
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Occurrence:
    starts: datetime  # aware, Europe/Helsinki
    ends: datetime | None


def rule_text(schedule: ScheduleLike) -> str | None:
    if schedule.rrule:
        return schedule.rrule
    codes = weekday_codes(schedule)
    if not codes:
        return None
    rule = f"FREQ=WEEKLY;BYDAY={','.join(codes)}"
    if schedule.valid_to:
        rule += f";UNTIL={schedule.valid_to:%Y%m%d}T235959Z"
    return rule


def _closed_ranges(exceptions: Iterable[ScheduleLike]) -> list[tuple[date, date]]:
    return [
        (e.valid_from, e.valid_to or e.valid_from)
        for e in exceptions
        if is_exception(e) and e.closed and e.valid_from is not None
    ]


def occurrences(
    schedule: ScheduleLike,
    exceptions: Iterable[ScheduleLike],
    start: date,
    *,
    count: int = 5,
    horizon_days: int = 400,
) -> list[Occurrence]:
    """The next `count` dates of a weekly session from `start` on: within its season, without its
    EXDATEs and the dates a closed exception covers (holidays, breaks)."""
    rule = rule_text(schedule)
    if rule is None or schedule.opens_at is None:
        return []
    first_day = max(d for d in (schedule.dtstart, schedule.valid_from, start) if d is not None)
    last_day = min(
        d for d in (schedule.until, schedule.valid_to, start + timedelta(days=horizon_days)) if d is not None
    )
    if first_day > last_day:
        return []
    season_start = schedule.dtstart or schedule.valid_from or start
    try:
        recurrence = rrulestr(
            rule, dtstart=datetime.combine(season_start, schedule.opens_at, tzinfo=HELSINKI), ignoretz=False
        )
    except (ValueError, TypeError):
        return []
    skipped = {d for d in (_parse_date(x) for x in schedule.exdates or ()) if d is not None}
    closed = _closed_ranges(exceptions)
    found: list[Occurrence] = []
    after = datetime.combine(first_day, time(0, 0), tzinfo=HELSINKI)
    for moment in recurrence.xafter(after, inc=True):  # type: ignore[union-attr]
        day = moment.date()
        if day > last_day:
            break
        if day in skipped or any(low <= day <= high for low, high in closed):
            continue
        found.append(Occurrence(moment, _end_of(moment, schedule)))
        if len(found) >= count:
            break
    return found


def _end_of(moment: datetime, schedule: ScheduleLike) -> datetime | None:
    if schedule.closes_at is None:
        return None
    end = datetime.combine(moment.date(), schedule.closes_at, tzinfo=HELSINKI)
    return end + timedelta(days=1) if end <= moment else end


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10])
    except (TypeError, ValueError):
        return None


def occurrence_text(occurrence: Occurrence, locale: str) -> str:
    """fi "to 10.12.2026 klo 13.00–13.45", sv "tors 10.12.2026 kl. 13.00–13.45",
    en "Thu 10 December 2026, 1:00–1:45 pm"."""
    locale = _locale(locale)
    day = occurrence.starts.date()
    ends = occurrence.ends.time() if occurrence.ends else None
    times = time_range_text(occurrence.starts.time(), ends, locale)
    weekday = format_date(day, "EEE", locale=locale).rstrip(".")
    if locale == "en":
        return f"{weekday} {format_date(day, 'd MMMM y', locale='en')}, {times}"
    return f"{weekday} {day.day}.{day.month}.{day.year} {times}"


# ---------------------------------------------------------------------------------------------
# Result cards
# ---------------------------------------------------------------------------------------------


def _pick(names: dict[str, str], locale: str) -> str:
    return names.get(locale) or names.get("fi") or names.get("sv") or names.get("en") or ""


def card_lines(
    places: Iterable[tuple[dict[str, str], Iterable[ScheduleLike]]],
    own: Iterable[ScheduleLike] = (),
    *,
    limit: int = 3,
) -> dict[str, list[str]]:
    """The weekly pattern per place for a result card, in each language:
    {"fi": ["torstaisin klo 13.00–13.45 · Asikkalan palvelukeskus"], ...}.

    `places` pairs a place's name (by language) with the meeting rows at that place; `own` are the
    service's meeting rows that name no place. At most `limit` lines; a last "…" says there are more.
    """
    entries: list[tuple[dict[str, str], list[ScheduleLike]]] = []
    own_rows = meeting_rows(own)
    if own_rows:
        entries.append(({}, own_rows))
    for names, rows in places:
        meeting = meeting_rows(rows)
        if meeting:
            entries.append((names, meeting))
    lines: dict[str, list[str]] = {}
    for locale in LOCALES:
        texts: list[str] = []
        for names, rows in entries:
            when = ", ".join(dict.fromkeys(weekly_text(row, locale) for row in rows))
            place = _pick(names, locale)
            texts.append(f"{when} · {place}" if place else when)
        unique = list(dict.fromkeys(texts))
        if len(unique) > limit:
            unique = [*unique[:limit], "…"]
        if unique:
            lines[locale] = unique
    return lines
