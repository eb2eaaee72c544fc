"""Days shown to people are Finnish days: a time stored in UTC just before midnight UTC is already the
next day in Finland (22:30 UTC on 6 December is 00:30 on 7 December in Helsinki)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.timeutil import local_date
from web.pages.content import long_date
from web.selfservice.labels import selfservice_globals

LATE = datetime(2026, 12, 6, 22, 30, tzinfo=UTC)


def test_a_stored_time_is_shown_on_its_finnish_day() -> None:
    assert local_date(LATE) == date(2026, 12, 7)
    assert local_date(LATE.replace(tzinfo=None)) == date(2026, 12, 7)  # SQLite's naive UTC
    assert local_date(datetime(2026, 7, 1, 20, 59, tzinfo=UTC)) == date(2026, 7, 1)  # summer time, +3
    assert local_date(datetime(2026, 7, 1, 21, 0, tzinfo=UTC)) == date(2026, 7, 2)
    assert local_date(date(2026, 12, 6)) == date(2026, 12, 6)


def test_pages_write_the_finnish_day() -> None:
    assert long_date(LATE, "fi") == "7. joulukuuta 2026"
    assert long_date(LATE, "en") == "December 7, 2026"
    assert selfservice_globals("sv")["date_text"](LATE) == "7 dec. 2026"
