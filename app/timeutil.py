"""Timezone-aware time: every timestamp we store or compare is UTC with tzinfo."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# Recurring sessions and opening hours are local wall-clock times in Finland.
HELSINKI = ZoneInfo("Europe/Helsinki")


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_date(value: date | datetime) -> date:
    """The day in Finland: a stored time is UTC, so its own date is the day before between midnight and
    2-3 a.m. Finnish time. A naive datetime is taken as UTC, as the database gives it on SQLite."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(HELSINKI).date()
    return value


def ensure_utc(value: datetime) -> datetime:
    """Return an aware UTC datetime; naive input is refused because its zone is unknowable."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: pass an aware datetime (UTC or with an offset)")
    return value.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every engine.

    PostgreSQL stores `timestamptz`; SQLite has no time zones, so values are stored as naive UTC
    and given their tzinfo back on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = ensure_utc(value)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
