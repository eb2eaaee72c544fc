"""An "add to calendar" file (RFC 5545) for a recurring activity: one VEVENT per weekly meeting row,
its RRULE as the source gives it, the holidays and breaks it skips as EXDATEs, local times in
Europe/Helsinki with the VTIMEZONE calendars need. Pure: the caller passes the rows and the time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from icalendar import Calendar, Event, vRecur

from app.catalogue.meeting_times import ScheduleLike, occurrences, rule_text

PRODID = "-//Palvelutarjotin//hyte catalogue//FI"
# A season's every meeting, to tell which of them the exceptions remove (two years of weekly dates).
_SEASON_LIMIT = 110


@dataclass(frozen=True)
class MeetingEvent:
    uid: str
    summary: str
    rows: Sequence[ScheduleLike]  # the weekly meeting rows at one place
    exceptions: Sequence[ScheduleLike] = field(default_factory=tuple)
    location: str | None = None
    description: str | None = None
    url: str | None = None


def _first_day(row: ScheduleLike, today: date) -> date:
    return row.dtstart or row.valid_from or today


def calendar_file(events: Sequence[MeetingEvent], *, now: datetime, today: date) -> bytes:
    """The .ics bytes; rows with no weekday or start time (nothing a calendar can repeat) are left out."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    for event_info in events:
        for number, row in enumerate(event_info.rows):
            start = _first_day(row, today)
            every = occurrences(row, (), start, count=_SEASON_LIMIT, horizon_days=800)
            if not every:
                continue
            kept = {
                o.starts
                for o in occurrences(row, event_info.exceptions, start, count=_SEASON_LIMIT, horizon_days=800)
            }
            event = Event()
            event.add("uid", f"{event_info.uid}-{number}")
            event.add("dtstamp", now)
            event.add("summary", event_info.summary)
            event.add("dtstart", every[0].starts)
            if every[0].ends is not None:
                event.add("dtend", every[0].ends)
            event.add("rrule", vRecur.from_ical(_rule(row)))
            skipped = [o.starts for o in every if o.starts not in kept]
            if skipped:
                event.add("exdate", skipped)
            if event_info.location:
                event.add("location", event_info.location)
            if event_info.description:
                event.add("description", event_info.description)
            if event_info.url:
                event.add("url", event_info.url)
            calendar.add_component(event)
    # The zone's rules from a year back to three years on: enough for a season, small to download.
    calendar.add_missing_timezones(
        first_date=today.replace(year=today.year - 1, month=1, day=1),
        last_date=today.replace(year=today.year + 3, month=1, day=1),
    )
    return calendar.to_ical()


def _rule(row: ScheduleLike) -> str:
    text = rule_text(row)
    assert text is not None  # occurrences() found dates, so the row has a rule
    return text
