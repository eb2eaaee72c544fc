"""Retention and follow-up settings an administrator changed; a key without a row uses its default."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from app.timeutil import UTCDateTime, utcnow


class RetentionSetting(SQLModel, table=True):
    __tablename__ = "retention_setting"

    key: str = Field(primary_key=True, max_length=40)
    # An int, or a list of ints (the follow-up months); JSON keeps both without a column per key.
    value: Any = Field(sa_column=Column(JSON, nullable=False))
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    changed_by: str = Field(max_length=120)  # an actor label
