"""Revisions of local listings: every proposed version kept, a moderator's decision on each.

No `from __future__ import annotations`: SQLModel resolves relationship types at runtime.
"""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models_base import StrEnumType, new_id
from app.timeutil import UTCDateTime, utcnow


class RevisionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # replaced by a newer proposal before anyone decided


class ListingRevision(SQLModel, table=True):
    __tablename__ = "listing_revision"
    __table_args__ = (UniqueConstraint("listing_id", "number"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    # One listing's revisions share listing_id; it becomes the service's external id (source "local").
    listing_id: uuid.UUID = Field(index=True)
    number: int
    organisation_id: uuid.UUID = Field(foreign_key="organisation.id", index=True)
    fields: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: RevisionStatus = Field(
        default=RevisionStatus.PENDING, sa_type=StrEnumType(RevisionStatus, 16), index=True
    )
    submitted_by: str = Field(max_length=120)
    submitted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    decided_by: str | None = Field(default=None, max_length=120)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decision_note: str | None = Field(default=None, sa_type=Text)
