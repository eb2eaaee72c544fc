"""The "When" of a service page: meeting times per place first, the places' opening hours second.

Meeting times are the group's own sessions (at the service-at-place level, or the service's own);
opening hours are the venue's and only tell when the building is open.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from app.catalogue import meeting_times as mt
from app.catalogue.models import Schedule, Service
from web.pages.content import LocalText, local

UPCOMING_COUNT = 4


@dataclass(frozen=True)
class Times:
    place: LocalText | None  # None: the service's own times, not tied to one place
    lines: list[str]  # weekly rows with their season
    exceptions: list[str] = field(default_factory=list)
    upcoming: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class WhenView:
    meetings: list[Times]  # where the group meets, place by place
    hours: list[Times]  # the places' opening hours (folded on the page)

    @property
    def has_calendar(self) -> bool:
        return any(t.upcoming for t in self.meetings)


def _note(schedule: Schedule, locale: str) -> str | None:
    """A row's note in the reader's language only: it is read as part of the sentence."""
    value = getattr(schedule, f"description_{locale}", None)
    return value.strip() if value and value.strip() else None


def _times(
    place: LocalText | None, rows: Sequence[Schedule], locale: str, today: date, *, sessions: bool
) -> Times | None:
    weekly = [r for r in rows if not mt.is_exception(r)]
    if sessions:
        weekly = [r for r in weekly if mt.is_session(r)]
    exceptions = [r for r in rows if mt.is_exception(r) and (r.valid_to or r.valid_from or today) >= today]
    if not weekly and (sessions or not exceptions):
        return None
    lines = []
    for row in weekly:
        text = mt.weekly_text(row, locale)
        season = mt.season_text(row, _note(row, locale), locale)
        lines.append(f"{text} ({season})" if season else text)
    upcoming: list[mt.Occurrence] = []
    if sessions:
        for row in mt.meeting_rows(weekly):
            upcoming.extend(mt.occurrences(row, exceptions, today, count=UPCOMING_COUNT))
        upcoming.sort(key=lambda o: o.starts)
    return Times(
        place=place,
        lines=list(dict.fromkeys(lines)),
        exceptions=list(
            dict.fromkeys(
                mt.exception_text(r, _note(r, locale), locale, session=sessions)
                for r in sorted(exceptions, key=lambda r: r.valid_from or today)
            )
        ),
        upcoming=list(dict.fromkeys(mt.occurrence_text(o, locale) for o in upcoming[:UPCOMING_COUNT])),
    )


def when_view(service: Service, locale: str, today: date) -> WhenView:
    meetings: list[Times] = []
    own = _times(None, service.schedules, locale, today, sessions=True)
    if own is not None:
        meetings.append(own)
    hours: list[Times] = []
    own_hours = [s for s in service.schedules if not mt.is_session(s) and not (own and mt.is_exception(s))]
    if own_hours and (times := _times(None, own_hours, locale, today, sessions=False)) is not None:
        hours.append(times)
    for sal in service.service_at_locations:
        name = local(sal.location, "name", locale)
        if (times := _times(name, sal.schedules, locale, today, sessions=True)) is not None:
            meetings.append(times)
        if (times := _times(name, sal.location.schedules, locale, today, sessions=False)) is not None:
            hours.append(times)
    return WhenView(meetings=meetings, hours=hours)
