"""Mixins shared by tables: timestamps and provenance. Kept apart from app.db so models import no engine."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

import app.db  # noqa: F401  (installs the constraint naming convention before any table is declared)
from app.timeutil import UTCDateTime, utcnow


def new_id() -> uuid.UUID:
    return uuid.uuid4()


class TimestampMixin(SQLModel):
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ProvenanceMixin(SQLModel):
    """Where a synced row came from. (source, external_id) is unique per table.

    Rows created in this service (provider self-service) use source "local" and their own id.
    """

    source: str = Field(max_length=32, nullable=False)
    external_id: str = Field(max_length=255, nullable=False)
    source_url: str | None = Field(default=None, max_length=2048)
    source_modified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    first_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_synced_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # Hash of the mapped record: an identical record on the next run counts as unchanged.
    content_hash: str | None = Field(default=None, max_length=64)
    # The sync run that last saw this row in its source; mark-and-sweep retires the rest.
    last_seen_run_id: int | None = Field(default=None, index=False)
    is_demo: bool = Field(default=False, nullable=False)


class StrEnumType(TypeDecorator[StrEnum]):
    """Store a StrEnum as its plain string value (no database enum types to migrate)."""

    impl = String
    cache_ok = True

    def __init__(self, enum_class: type[StrEnum], length: int = 32) -> None:
        super().__init__(length)
        self.enum_class = enum_class
        self.length = length

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return self.enum_class(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> StrEnum | None:
        if value is None:
            return None
        return self.enum_class(value)

    def __repr__(self) -> str:
        # Alembic renders types with repr(); a plain String keeps migrations free of app imports.
        return f"sa.String(length={self.length})"
