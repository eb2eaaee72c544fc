"""Writing to the audit trail. Callers flush or commit with their own unit of work."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session

from app.audit.models import AuditEvent
from app.timeutil import utcnow

# Keys that must never reach the audit trail; a guard against careless callers.
_FORBIDDEN_DETAIL_KEYS = frozenset(
    {"name", "first_name", "last_name", "email", "phone", "hetu", "ssn", "address", "note", "notes"}
)


def record_event(
    session: Session,
    *,
    action: str,
    entity_type: str,
    entity_id: str | uuid.UUID,
    actor_user_id: uuid.UUID | None = None,
    actor_label: str = "system",
    organisation_id: uuid.UUID | None = None,
    request_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event to the session (not committed here)."""
    details = dict(details or {})
    leaked = _FORBIDDEN_DETAIL_KEYS & {key.lower() for key in details}
    if leaked:
        raise ValueError(f"audit details must not carry personal data: {sorted(leaked)}")
    event = AuditEvent(
        occurred_at=utcnow(),
        actor_user_id=actor_user_id,
        actor_label=actor_label,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        organisation_id=organisation_id,
        request_id=request_id,
        details=details,
    )
    session.add(event)
    return event
