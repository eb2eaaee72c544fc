"""A resident's request to see or to erase their data (GDPR articles 15 and 17), answered by an administrator.

An administrator runs the service and is a party to no referral (referrals/policy.py): these use cases are
the one way an administrator reaches a resident's data. The web layer writes every look-up, export and
erasure to the access log; erasure also goes through `transition()` (timeline with the administrator's
comment, audit event). Built on referrals/retention.py: erasure strips exactly what anonymisation strips, so
the statistics stay.
"""

from __future__ import annotations

import hmac
import re
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.accounts.actor import Actor
from app.audit.access import list_access_for_subject
from app.errors import N_, Conflict, InvalidInput
from referrals import links
from referrals.errors import LinkInvalid, NoteRequired, ReferralNotFound
from referrals.models import FollowUp, Referral, ReferralEvent
from referrals.outcome_models import OutcomeConsent, OutcomeResponse
from referrals.queries import get_referral_unchecked
from referrals.retention import export_referral, find_resident_referrals, strip_personal_data
from referrals.service import check_admin_action, normalise_phone, transition, withdraw_consent
from referrals.status import OPEN, Action, Party, ReferralStatus

MAX_FOUND = 50
COMMENT_MAX = 500
# A resident's link: /r/<token> or /fi/r/<token>, pasted whole or as the token alone.
_LINK = re.compile(r"/r/([A-Za-z0-9_.\-]{10,200})")
_TOKEN = re.compile(r"^[A-Za-z0-9_\-]{10,200}\.[A-Za-z0-9_.\-]+$")
# Links expire for the resident; the administrator still recognises an old one.
_ANY_AGE = 100 * 365 * 86400


class AlreadyErased(Conflict):
    code = "already_erased"

    def __init__(self) -> None:
        super().__init__(N_("The personal data of this referral has already been erased."))


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise ReferralNotFound()


def _findable(referrals: Sequence[Referral]) -> list[Referral]:
    # A referral entered in error holds no personal data and is no one's to see.
    return [r for r in referrals if r.status is not ReferralStatus.ENTERED_IN_ERROR][:MAX_FOUND]


def find_by_reference(session: Session, *, actor: Actor, reference: str, secret: str) -> list[Referral]:
    """The referral a reference names: its id, the resident's link (or the token in it), or the short code
    printed on the referral. A code is stored only as an HMAC keyed by the referral, so finding it means
    computing the HMAC for each referral that still has one (a fraction of a second at 100,000)."""
    _require_admin(actor)
    text = reference.strip()
    if not text or len(text) > 300:
        return []
    try:
        return _one(session, uuid.UUID(text))
    except ValueError:
        pass
    match = _LINK.search(text)
    token = match.group(1) if match else text if _TOKEN.match(text) else None
    if token is not None:
        try:
            return _one(session, links.referral_id_from_token(token, secret, max_age_seconds=_ANY_AGE))
        except LinkInvalid:
            return []
    code = links.normalise_code(text)
    if len(code) != links.CODE_LENGTH or not set(code) <= set(links.CODE_ALPHABET):
        return []
    found = []
    for referral_id, digest in session.execute(
        select(col(Referral.id), col(Referral.code_hash)).where(col(Referral.code_hash).is_not(None))
    ):
        if digest and hmac.compare_digest(links.code_digest(referral_id, code, secret), digest):
            found.append(referral_id)
    return _findable([get_referral_unchecked(session, referral_id) for referral_id in found])


def _one(session: Session, referral_id: uuid.UUID) -> list[Referral]:
    try:
        return _findable([get_referral_unchecked(session, referral_id)])
    except ReferralNotFound:
        return []


def _same_name(a: str | None, b: str) -> bool:
    def key(value: str) -> str:
        return " ".join(value.casefold().split())

    return a is not None and key(a) == key(b)


def find_by_contact(session: Session, *, actor: Actor, name: str, contact: str) -> list[Referral]:
    """The referrals of a resident by their name and their phone number or e-mail address, both as given on
    the referral: a contact shared by two people (a family's e-mail) does not bring the other's."""
    _require_admin(actor)
    name, contact = name.strip(), contact.strip()
    if not name or not contact:
        raise InvalidInput(N_("Give the resident's name and their phone number or e-mail address."))
    if "@" in contact:
        phone, email = None, contact
    else:
        phone, email = normalise_phone(contact), None
        if phone is None:
            raise InvalidInput(N_("This is not a valid phone number."))
    found = find_resident_referrals(session, actor=actor, phone=phone, email=email)
    return _findable([r for r in found if _same_name(r.resident_name, name)])


def get_for_request(
    session: Session, referral_id: uuid.UUID, *, actor: Actor, for_update: bool = False
) -> Referral:
    """One referral for an administrator answering a request; entered in error: as if it did not exist."""
    _require_admin(actor)
    referral = get_referral_unchecked(session, referral_id, for_update=for_update)
    if referral.status is ReferralStatus.ENTERED_IN_ERROR:
        raise ReferralNotFound()
    return referral


def export_everything(session: Session, referral: Referral) -> dict[str, Any]:
    """Everything stored about the resident in one referral: retention's export, plus the follow-up dates and
    answers and who handled the data (the access log's entries, without the staff members' identities)."""
    data = export_referral(session, referral)
    data["anonymised_at"] = referral.anonymised_at.isoformat() if referral.anonymised_at else None
    data["follow_ups"] = [
        f.due_on.isoformat()
        for f in session.scalars(
            select(FollowUp).where(col(FollowUp.referral_id) == referral.id).order_by(col(FollowUp.due_on))
        )
    ]
    outcome_consent = session.get(OutcomeConsent, referral.id)
    data["follow_up_questions"] = {
        "consent_given_at": outcome_consent.given_at.isoformat() if outcome_consent else None,
        "consent_withdrawn_at": outcome_consent.withdrawn_at.isoformat()
        if outcome_consent and outcome_consent.withdrawn_at
        else None,
        "answers": [
            {"timepoint": r.timepoint.value, "answered_at": r.answered_at.isoformat(), "answers": r.answers}
            for r in session.scalars(
                select(OutcomeResponse)
                .where(col(OutcomeResponse.referral_id) == referral.id)
                .order_by(col(OutcomeResponse.answered_at))
            )
        ],
    }
    data["handled_by"] = [
        {
            "at": entry.occurred_at.isoformat(),
            "action": entry.action,
            "by": entry.actor_kind,
            "organisation_id": str(entry.organisation_id) if entry.organisation_id else None,
            "purpose": entry.purpose,
            "fields": entry.fields,
        }
        for entry in list_access_for_subject(session, f"referral:{referral.id}")
    ]
    return data


def erase_on_request(
    session: Session, referral: Referral, *, actor: Actor, comment: str, now: datetime
) -> ReferralEvent:
    """Erase the resident's personal data from one referral on their request.

    An open referral is first closed by withdrawing consent on the resident's behalf (the other parties are
    told, with no personal data); the data goes next, then the erasure itself is recorded with the
    administrator's comment, which outlives it. The referral keeps its codes, states and times, so the
    statistics stay, exactly as after `tarjotin referrals anonymise`.
    """
    _require_admin(actor)
    if referral.status is ReferralStatus.ENTERED_IN_ERROR:
        raise ReferralNotFound()
    if referral.anonymised_at is not None:
        raise AlreadyErased()
    comment = comment.strip()
    if not comment:
        raise NoteRequired()
    if len(comment) > COMMENT_MAX:
        raise InvalidInput(N_("Write at most 500 characters."))
    if referral.status not in OPEN:
        check_admin_action(referral, Action.ERASE, comment)
    strip_personal_data(session, referral, now=now)
    if referral.status in OPEN:
        withdraw_consent(session, referral, actor=actor, now=now)
    return transition(
        session, referral, Action.ERASE, actor=actor, now=now, note=comment, parties=frozenset({Party.ADMIN})
    )
