"""Request-side helpers of the referral routes: the clock, the secret, the access log, sending after commit."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from fastapi import Request
from sqlmodel import Session

from app.accounts.actor import Actor, ActorKind
from app.audit.access import Accessed, log_access, log_accesses
from app.retention.values import RetentionValues, effective
from app.settings import Settings, get_settings
from app.timeutil import utcnow
from referrals.links import notice_link_for
from referrals.models import Referral
from referrals.notifications import dispatch_pending, senders_from_settings
from referrals.queries import ReferralRow

log = logging.getLogger(__name__)


def settings_of(request: Request) -> Settings:
    return getattr(request.app.state, "settings", None) or get_settings()


def retention_of(request: Request, session: Session) -> RetentionValues:
    """Timers and follow-up months in force: an administrator's values, else the settings' (app/retention)."""
    return effective(session, settings_of(request))


def secret_of(request: Request) -> str:
    return settings_of(request).secret_key.get_secret_value()


def now() -> datetime:
    return utcnow()


def log_referral_access(
    session: Session, actor: Actor, referral: Referral, *, action: str, purpose: str, fields: Iterable[str]
) -> None:
    """Every staff read or change of a resident's data, in the access log (identifiers and field names)."""
    if actor.kind not in (ActorKind.PERSON, ActorKind.API_CLIENT) or referral.anonymised_at is not None:
        return
    log_access(
        session,
        actor=actor,
        action=action,
        entity_type="referral",
        entity_id=referral.id,
        subject_ref=f"referral:{referral.id}",
        purpose=purpose,
        fields=sorted(fields),
    )


def log_list_access(
    session: Session, actor: Actor, shown: Iterable[tuple[ReferralRow, Iterable[str]]], *, purpose: str
) -> None:
    """`log_referral_access(..., action="read")` for each referral of a page and the fields shown of it,
    in one insert."""
    if actor.kind not in (ActorKind.PERSON, ActorKind.API_CLIENT):
        return
    log_accesses(
        session,
        actor=actor,
        action="read",
        entity_type="referral",
        purpose=purpose,
        items=[
            Accessed(entity_id=r.id, subject_ref=f"referral:{r.id}", fields=sorted(fields))
            for r, fields in shown
            if r.anonymised_at is None
        ],
    )


def send_notices(request: Request) -> None:
    """After the response (and the request's commit): send what the outbox holds. The tick retries failures."""
    settings = settings_of(request)
    engine = getattr(request.app.state, "engine", None)
    if engine is None:
        return
    try:
        dispatch_pending(
            lambda: Session(engine, expire_on_commit=False),
            senders=senders_from_settings(settings),
            link_for=notice_link_for(str(settings.base_url), settings.secret_key.get_secret_value()),
            limit=50,
        )
    except Exception as exc:  # the outbox keeps them; `tarjotin referrals tick` sends them later
        log.warning("sending referral notices after a request failed: %s", type(exc).__name__)


def commit_now(session: Session) -> None:
    """Commit before the response goes out. The request session's own commit runs after the response is sent
    (a yield dependency's exit), so a browser following our redirect, or an integrator reading right after a
    write, could otherwise see the state before the change; and the notices sent after the response need it."""
    session.commit()
