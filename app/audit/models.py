"""The audit event table. Rows are only ever inserted (anonymisation rewrites `details` only)."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from app.timeutil import UTCDateTime, utcnow


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_entity", "entity_type", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    # A signed-in person, or None for the system (then actor_label says which job).
    actor_user_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id", index=True)
    actor_label: str = Field(max_length=120)
    action: str = Field(max_length=80, index=True)  # e.g. "referral.accepted", "sync.retired"
    entity_type: str = Field(max_length=40)
    entity_id: str = Field(max_length=64)
    organisation_id: uuid.UUID | None = Field(default=None, foreign_key="organisation.id", index=True)
    request_id: str | None = Field(default=None, max_length=64)
    # Identifiers and codes only: never names, contact details or free text about a person.
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
