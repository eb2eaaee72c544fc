"""Session dates of a service from its schedule, for recording attendance (pure over the rows)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from dateutil.rrule import rrulestr

from app.catalogue.enums import ScheduleKind
from app.catalogue.models import Service


def recent_session_dates(service: Service, today: date, *, weeks: int = 8, limit: int = 12) -> list[date]:
    """The service's meeting dates in the last `weeks` weeks up to today, newest first."""
    start = today - timedelta(weeks=weeks)
    found: set[date] = set()
    for schedule in service.schedules:
        if schedule.kind is ScheduleKind.OPENING_HOURS and not schedule.byday:
            continue
        rule = schedule.rrule or (f"FREQ=WEEKLY;BYDAY={schedule.byday}" if schedule.byday else None)
        if not rule:
            continue
        first = schedule.dtstart or schedule.valid_from or start
        try:
            recurrence = rrulestr(
                rule,
                dtstart=datetime.combine(
                    max(first, start) if schedule.rrule is None else first, datetime.min.time()
                ),
            )
        except (ValueError, TypeError):
            continue
        excluded = set(schedule.exdates)
        for occurrence in recurrence.between(
            datetime.combine(start, datetime.min.time()),
            datetime.combine(today, datetime.max.time()),
            inc=True,
        ):
            day = occurrence.date()
            if day.isoformat() not in excluded and (schedule.until is None or day <= schedule.until):
                found.add(day)
    return sorted(found, reverse=True)[:limit]
