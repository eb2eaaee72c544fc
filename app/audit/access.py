"""The access log: every staff read, change, export or erasure of a resident's personal data.

One function writes it (`log_access`) and one reads it per resident (`list_access_for_subject`). Callers
flush or commit with their own unit of work, so an entry is stored exactly when the request's work is.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from enum import StrEnum

from sqlmodel import Session, col, select

from app.accounts.actor import Actor
from app.audit.models import AccessLogEntry
from app.timeutil import utcnow


class AccessAction(StrEnum):
    READ = "read"
    CHANGE = "change"
    EXPORT = "export"
    ERASE = "erase"


# An opaque reference ("resident:<uuid>", "referral:<uuid>"): a kind and an identifier, never a name.
_SUBJECT_REF = re.compile(r"^[a-z][a-z_]{0,30}:[A-Za-z0-9_.-]{1,48}$")
_FIELD_NAME = re.compile(r"^[a-z][a-z0-9_.]{0,63}$")
_PURPOSE = re.compile(r"^[a-z][a-z0-9_.:-]{0,79}$")


def _check(pattern: re.Pattern[str], value: str, what: str) -> str:
    if not pattern.fullmatch(value):
        # A guard against careless callers: free text here could carry personal data.
        raise ValueError(f"access log {what} must be an identifier, got {value!r}")
    return value


def log_access(
    session: Session,
    *,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: str | uuid.UUID,
    subject_ref: str,
    purpose: str,
    fields: Sequence[str] = (),
) -> AccessLogEntry:
    """Append one access log entry to the session (not committed here)."""
    organisations = {grant.organisation_id for grant in actor.grants}
    entry = AccessLogEntry(
        occurred_at=utcnow(),
        actor_kind=actor.kind.value,
        actor_id=actor.id,
        actor_label=actor.label,
        organisation_id=next(iter(organisations)) if len(organisations) == 1 else None,
        action=AccessAction(action).value,
        entity_type=_check(_FIELD_NAME, entity_type, "entity type"),
        entity_id=str(entity_id),
        subject_ref=_check(_SUBJECT_REF, subject_ref, "subject reference"),
        purpose=_check(_PURPOSE, purpose, "purpose"),
        fields=[_check(_FIELD_NAME, name, "field name") for name in fields],
    )
    session.add(entry)
    return entry


def list_access_for_subject(session: Session, subject_ref: str, *, limit: int = 1000) -> list[AccessLogEntry]:
    """Every entry about one resident, newest first."""
    statement = (
        select(AccessLogEntry)
        .where(AccessLogEntry.subject_ref == subject_ref)
        .order_by(col(AccessLogEntry.occurred_at).desc(), col(AccessLogEntry.id).desc())
        .limit(limit)
    )
    return list(session.exec(statement))
