"""Retention: personal data leaves closed referrals after a set time; the statistics stay.

What stays: kind, states and their times, reasons as codes, age band, municipality, the services, the
organisations and units, attendance dates, the outcome and follow-up scores. What goes: the resident's name, contact
details, year of birth, their own words, the exercise plan's free text, timeline notes, follow-up answers
and the code.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from app.accounts.actor import Actor
from app.audit.trail import record_event
from referrals.errors import ReferralNotFound
from referrals.models import Referral, ReferralEvent, ReferralNotice
from referrals.outcome_models import OutcomeResponse
from referrals.queries import get_consent, list_attendance, list_targets, list_timeline
from referrals.status import CLOSED


def strip_personal_data(session: Session, referral: Referral, *, now: datetime) -> None:
    referral.resident_name = None
    referral.resident_phone = None
    referral.resident_email = None
    referral.contact_time = None
    referral.birth_year = None
    referral.hopes = None
    referral.goal = None
    referral.recommendations = None
    referral.code_hash = None
    referral.provider_access = False
    referral.anonymised_at = now
    session.add(referral)
    session.execute(
        update(ReferralEvent).where(col(ReferralEvent.referral_id) == referral.id).values(note=None)
    )
    # Follow-up answers are health data: the scores stay for the statistics, the answers go.
    session.execute(
        update(OutcomeResponse).where(col(OutcomeResponse.referral_id) == referral.id).values(answers={})
    )
    # Nothing still waiting in the outbox reaches anyone about it.
    session.execute(
        update(ReferralNotice)
        .where(col(ReferralNotice.referral_id) == referral.id, col(ReferralNotice.sent_at).is_(None))
        .values(sent_at=now, result="skipped:anonymised", direct_address=None)
    )
    session.flush()


def closed_referral_ids(session: Session, *, closed_before: datetime, limit: int = 1000) -> list[uuid.UUID]:
    return list(
        session.scalars(
            select(col(Referral.id))
            .where(
                col(Referral.status).in_(CLOSED),
                col(Referral.closed_at) < closed_before,
                col(Referral.anonymised_at).is_(None),
            )
            .order_by(col(Referral.closed_at))
            .limit(limit)
        ).all()
    )


def anonymise_closed(session: Session, *, closed_before: datetime, now: datetime) -> int:
    """Strip personal data from referrals closed before `closed_before`; returns how many."""
    count = 0
    while True:
        ids = closed_referral_ids(session, closed_before=closed_before)
        if not ids:
            return count
        for referral_id in ids:
            referral = session.get(Referral, referral_id)
            if referral is not None:
                strip_personal_data(session, referral, now=now)
                count += 1
        record_event(
            session,
            action="referral.anonymised",
            entity_type="referral",
            entity_id="batch",
            actor_label="system:referral-anonymise",
            details={"count": len(ids), "closed_before": closed_before.isoformat()},
        )
        session.flush()


def anonymise_closed_in_batches(
    sessions: Callable[[], Session], *, closed_before: datetime, now: datetime
) -> int:
    """The CLI's runner: one transaction per thousand referrals, so a long run holds no long locks."""
    total = 0
    while True:
        with sessions() as session:
            ids = closed_referral_ids(session, closed_before=closed_before)
            if not ids:
                return total
            for referral_id in ids:
                referral = session.get(Referral, referral_id)
                if referral is not None:
                    strip_personal_data(session, referral, now=now)
            record_event(
                session,
                action="referral.anonymised",
                entity_type="referral",
                entity_id="batch",
                actor_label="system:referral-anonymise",
                details={"count": len(ids), "closed_before": closed_before.isoformat()},
            )
            session.commit()
            total += len(ids)


def find_resident_referrals(
    session: Session, *, actor: Actor, phone: str | None, email: str | None
) -> list[Referral]:
    """An administrator looks up a resident's referrals by phone or e-mail to answer a request to see or
    erase their data (GDPR articles 15 and 17). The look-up itself is audited."""
    if not actor.is_admin:
        raise ReferralNotFound()
    clauses = []
    if phone:
        clauses.append(col(Referral.resident_phone) == phone)
    if email:
        clauses.append(func.lower(col(Referral.resident_email)) == email.strip().lower())
    if not clauses:
        return []
    from sqlalchemy import or_

    return list(
        session.scalars(select(Referral).where(or_(*clauses)).order_by(col(Referral.created_at))).all()
    )


def export_referral(session: Session, referral: Referral) -> dict[str, Any]:
    """Everything stored about the resident in one referral, for a subject access request."""
    consent = get_consent(session, referral)
    return {
        "id": str(referral.id),
        "kind": referral.kind.value,
        "status": referral.status.value,
        "created_at": referral.created_at.isoformat(),
        "resident": {
            "name": referral.resident_name,
            "phone": referral.resident_phone,
            "email": referral.resident_email,
            "contact_channel": referral.contact_channel.value,
            "contact_time": referral.contact_time,
            "birth_year": referral.birth_year,
            "municipality": referral.municipality_code,
        },
        "reasons": referral.reasons,
        "hopes": referral.hopes,
        "practical_needs": referral.practical_needs,
        "exercise_plan": {
            "activity_level": referral.activity_level.value if referral.activity_level else None,
            "goal": referral.goal,
            "recommendations": referral.recommendations,
        },
        "services": [str(target.service_id) for target, _service in list_targets(session, referral)],
        "chosen_service_id": str(referral.chosen_service_id) if referral.chosen_service_id else None,
        "consent": None
        if consent is None
        else {
            "given_at": consent.given_at.isoformat(),
            "method": consent.method.value,
            "organisation_ids": consent.organisation_ids,
            "fields": consent.fields,
            "valid_until": consent.valid_until.isoformat(),
            "withdrawn_at": consent.withdrawn_at.isoformat() if consent.withdrawn_at else None,
        },
        "attendance": [
            {"date": a.session_on.isoformat(), "attended": a.attended}
            for a in list_attendance(session, referral)
        ],
        "timeline": [
            {
                "at": e.occurred_at.isoformat(),
                "by": e.party.value,
                "from": e.from_status.value,
                "to": e.to_status.value,
                "reason": e.reason,
                "note": e.note,
            }
            for e in list_timeline(session, referral)
        ],
    }
