"""The access log: every staff read, change, export or erasure of a resident's personal data.

One function writes an entry (`log_access`), one a page of them at once (`log_accesses`), both through the
same checks; one reads it per resident (`list_access_for_subject`). Callers flush or commit with their own
unit of work, so an entry is stored exactly when the request's work is.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import insert
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


def _entry_values(
    actor: Actor,
    organisation_id: uuid.UUID | None,
    *,
    action: str,
    entity_type: str,
    entity_id: str | uuid.UUID,
    subject_ref: str,
    purpose: str,
    fields: Sequence[str],
) -> dict[str, Any]:
    return {
        "occurred_at": utcnow(),
        "actor_kind": actor.kind.value,
        "actor_id": actor.id,
        "actor_label": actor.label,
        "organisation_id": organisation_id,
        "action": AccessAction(action).value,
        "entity_type": _check(_FIELD_NAME, entity_type, "entity type"),
        "entity_id": str(entity_id),
        "subject_ref": _check(_SUBJECT_REF, subject_ref, "subject reference"),
        "purpose": _check(_PURPOSE, purpose, "purpose"),
        "fields": [_check(_FIELD_NAME, name, "field name") for name in fields],
    }


def _acting_for(actor: Actor) -> uuid.UUID | None:
    """The organisation the actor acted for, when it holds roles in exactly one."""
    organisations = {grant.organisation_id for grant in actor.grants}
    return next(iter(organisations)) if len(organisations) == 1 else None


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
    entry = AccessLogEntry(
        **_entry_values(
            actor,
            _acting_for(actor),
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            subject_ref=subject_ref,
            purpose=purpose,
            fields=fields,
        )
    )
    session.add(entry)
    return entry


@dataclass(frozen=True, slots=True)
class Accessed:
    """One entity of a page the actor read, for `log_accesses`."""

    entity_id: str | uuid.UUID
    subject_ref: str
    fields: Sequence[str] = ()


def log_accesses(
    session: Session, *, actor: Actor, action: str, entity_type: str, purpose: str, items: Iterable[Accessed]
) -> int:
    """One entry per item, as `log_access` writes them, inserted by one statement in the session's
    transaction (a list page logs 50 rows: building and flushing 50 ORM objects cost more than its query)."""
    organisation_id = _acting_for(actor)
    rows = [
        _entry_values(
            actor,
            organisation_id,
            action=action,
            entity_type=entity_type,
            entity_id=item.entity_id,
            subject_ref=item.subject_ref,
            purpose=purpose,
            fields=item.fields,
        )
        for item in items
    ]
    if rows:
        # Core, not the ORM's bulk path: the table's own insert, nothing to read back.
        session.execute(insert(AccessLogEntry.__table__), rows)  # type: ignore[attr-defined]
    return len(rows)


def list_access_for_subject(session: Session, subject_ref: str, *, limit: int = 1000) -> list[AccessLogEntry]:
    """Every entry about one resident, newest first."""
    statement = (
        select(AccessLogEntry)
        .where(AccessLogEntry.subject_ref == subject_ref)
        .order_by(col(AccessLogEntry.occurred_at).desc(), col(AccessLogEntry.id).desc())
        .limit(limit)
    )
    return list(session.exec(statement))
