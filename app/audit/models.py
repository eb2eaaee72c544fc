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


class AccessLogEntry(SQLModel, table=True):
    """Who read, changed, exported or erased which resident's personal data, when and for what purpose.

    Kept apart from the audit trail (changes to the system) and from the application log, so the answer
    to a resident's request to know who handled their data (Act 703/2023 §11) is one query. Identifiers
    and field names only, never the data itself.
    """

    __tablename__ = "access_log_entry"
    __table_args__ = (Index("ix_access_log_entry_subject", "subject_ref", "occurred_at"),)

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor_kind: str = Field(max_length=16)  # person, api_client, resident, system
    actor_id: str = Field(max_length=64)
    actor_label: str = Field(max_length=120)
    # The organisation the actor acted for, when it held roles in exactly one. No foreign key: the log
    # outlives what it names and must never stop a change elsewhere.
    organisation_id: uuid.UUID | None = Field(default=None)
    action: str = Field(max_length=16)  # read, change, export, erase
    entity_type: str = Field(max_length=40)
    entity_id: str = Field(max_length=64)
    subject_ref: str = Field(max_length=80)  # opaque reference to the resident, e.g. "resident:<uuid>"
    purpose: str = Field(max_length=80)
    fields: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
