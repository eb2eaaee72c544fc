"""History of the theme mapping table: who changed which code's themes, when, from what to what, and why.

The latest change of a code also overrides the row of app/catalogue/data/theme_mapping.csv when the code
tables are reloaded at a deploy (app/catalogue/codes.py), so an administrator's change survives upgrades.
"""

import uuid
from datetime import datetime

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel

from app.timeutil import UTCDateTime, utcnow


class ThemeMappingChange(SQLModel, table=True):
    __tablename__ = "theme_mapping_change"
    __table_args__ = (Index("ix_theme_mapping_change_code", "taxonomy", "code", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    actor_user_id: uuid.UUID | None = None
    actor_label: str = Field(max_length=120)
    taxonomy: str = Field(max_length=40)
    code: str = Field(max_length=255)
    old_themes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    new_themes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    comment: str = Field(sa_type=Text)
    affected_services: int = 0  # services whose themes were derived again at the change
