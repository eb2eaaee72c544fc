"""What a party sees of one referral (API and pages alike), and which actions it may take now."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from app.accounts.actor import Actor
from app.catalogue.models import Service
from referrals.fields import visible_fields
from referrals.models import Consent, Referral, ReferralEvent, ReferralSource, ReferralTarget
from referrals.policy import parties_of
from referrals.queries import ReferralRow, get_consent, list_targets, list_timeline
from referrals.status import (
    CLOSED,
    RULES,
    SELF_REFERRAL_ONLY,
    UNANSWERED,
    Action,
    Party,
    ReferralKind,
    ReferralStatus,
)
from web.referrals.schemas import EventOut, ReferralOut, ReferralSummary, ServiceRef


def allowed_actions(referral: Referral, parties: frozenset[Party]) -> list[Action]:
    """The actions these parties may take in the referral's present state (for buttons and the API)."""
    return [
        action
        for action, rule in RULES.items()
        if referral.status in rule.sources
        and parties & rule.by
        and action not in (Action.EXPIRE, Action.ENTER_IN_ERROR, Action.ERASE)
        and (action not in SELF_REFERRAL_ONLY or referral.source is ReferralSource.SELF)
    ]


def action_for(
    to: ReferralStatus,
    reason: str | None,
    referral: Referral,
    parties: frozenset[Party],
    *,
    reopen_to: ReferralStatus | None = None,
) -> Action:
    """The action a requested target state means for this caller (the API names states, not actions).

    A closed referral asked back into the open state it was closed from is a reopening.
    """
    if referral.status in CLOSED and to is reopen_to:
        return Action.REOPEN
    if to is ReferralStatus.CANCELLED:
        return (
            Action.WITHDRAW_CONSENT
            if reason == "consent_withdrawn" or Party.REFERRER not in parties
            else Action.CANCEL
        )
    if to is ReferralStatus.DECLINED and Party.RESIDENT in parties:
        return Action.REFUSE
    if to is ReferralStatus.SENT:
        return Action.CHOOSE if referral.status is not ReferralStatus.DRAFT else Action.SEND
    by_target = {
        ReferralStatus.RECEIVED: Action.RECEIVE,
        ReferralStatus.ACCEPTED: Action.ACCEPT,
        ReferralStatus.DECLINED: Action.DECLINE,
        ReferralStatus.WAITLISTED: Action.WAITLIST,
        ReferralStatus.CONTACTED: Action.CONTACT,
        ReferralStatus.IN_PROGRESS: Action.ATTEND,
        ReferralStatus.COMPLETED: Action.COMPLETE,
        ReferralStatus.DISCONTINUED: Action.DISCONTINUE,
        ReferralStatus.EXPIRED: Action.EXPIRE,
        ReferralStatus.ENTERED_IN_ERROR: Action.ENTER_IN_ERROR,
        ReferralStatus.DRAFT: Action.REOPEN,
    }
    return by_target[to]


@dataclass(frozen=True, slots=True)
class Detail:
    referral: Referral
    parties: frozenset[Party]
    fields: frozenset[str]
    consent: Consent | None
    timeline: list[ReferralEvent]


def detail(session: Session, actor: Actor, referral: Referral) -> Detail:
    return detail_of(
        session, actor, referral, get_consent(session, referral), list(list_timeline(session, referral))
    )


def detail_of(
    session: Session,
    actor: Actor,
    referral: Referral,
    consent: Consent | None,
    timeline: list[ReferralEvent],
) -> Detail:
    """`detail` from a consent and timeline the caller holds (a referral just issued)."""
    parties = parties_of(session, actor, referral)
    return Detail(
        referral=referral,
        parties=parties,
        fields=visible_fields(parties, consent.fields if consent else []),
        consent=consent,
        timeline=timeline,
    )


def shown_fields(
    session: Session, actor: Actor, rows: Sequence[ReferralRow]
) -> dict[uuid.UUID, frozenset[str]]:
    """`detail(...).fields` of each referral of a page (its row carries the consent's fields)."""
    municipalities: dict[ReferralKind, frozenset[str]] = {}
    return {
        r.id: visible_fields(parties_of(session, actor, r, municipalities=municipalities), r.consent_fields)
        for r in rows
    }


def resident_out(referral: Referral, fields: frozenset[str]) -> dict[str, object]:
    values: dict[str, object] = {
        "name": referral.resident_name,
        "phone": referral.resident_phone,
        "email": referral.resident_email,
        "contact_channel": referral.contact_channel.value,
        "contact_time": referral.contact_time,
        "birth_year": referral.birth_year,
        "language": referral.resident_locale,
    }
    shown = {key: value for key, value in values.items() if key in fields}
    if "contact_channel" in fields:
        shown["language"] = referral.resident_locale
    return shown


def referral_out(
    session: Session, view: Detail, targets: Sequence[tuple[ReferralTarget, Service]] | None = None
) -> ReferralOut:
    """The referral as the API answers it; `targets` are its recommended services when the caller holds
    them (else they are read)."""
    referral, fields = view.referral, view.fields
    closed_to_provider = view.parties == frozenset({Party.PROVIDER})
    services = [
        ServiceRef(
            id=service.id,
            name=service.name_fi,
            organisation_id=target.organisation_id,
            chosen=service.id == referral.chosen_service_id,
        )
        for target, service in (targets if targets is not None else list_targets(session, referral))
        # A provider sees its own service only, not what else was recommended.
        if not closed_to_provider or service.id == referral.chosen_service_id
    ]
    consent = view.consent if view.parties else None
    timeline = view.timeline if view.parties - {Party.ADMIN} else []
    return ReferralOut(
        id=referral.id,
        kind=referral.kind,
        source=referral.source,
        status=referral.status,
        fhir_task_status=referral.status.fhir_task_status,
        version=referral.version,
        created_at=referral.created_at,
        sent_at=referral.sent_at,
        respond_by=referral.respond_by,
        closed_at=referral.closed_at,
        outcome=referral.outcome,
        sessions_attended=referral.sessions_attended,
        municipality=referral.municipality_code,
        referrer_organisation_id=referral.referrer_organisation_id,
        provider_organisation_id=referral.provider_organisation_id,
        addressed_to_coordinator=referral.addressed_to_coordinator,
        services=services,
        your_relation=sorted(p.value for p in view.parties),
        resident=resident_out(referral, fields),
        reasons=list(referral.reasons) if "reasons" in fields else None,
        hopes=referral.hopes if "hopes" in fields else None,
        practical_needs=list(referral.practical_needs) if "practical_needs" in fields else None,
        exercise_plan={
            "activity_level": referral.activity_level.value if referral.activity_level else None,
            "goal": referral.goal,
            "recommendations": referral.recommendations,
        }
        if "exercise_plan" in fields and referral.kind.value == "exercise"
        else None,
        consent=None
        if consent is None
        else {
            "given_at": consent.given_at.isoformat(),
            "method": consent.method.value,
            "organisation_ids": consent.organisation_ids,
            "fields": consent.fields,
            "valid_until": consent.valid_until.isoformat(),
            "withdrawn_at": consent.withdrawn_at.isoformat() if consent.withdrawn_at else None,
        },
        timeline=[
            EventOut(
                at=e.occurred_at,
                party=e.party.value,
                action=e.action,
                from_status=e.from_status,
                to_status=e.to_status,
                reason=e.reason,
                note=e.note,
                version=e.version,
            )
            for e in timeline
        ],
        allowed_transitions=sorted(
            {
                (RULES[a].target or ReferralStatus.SENT)
                for a in allowed_actions(referral, view.parties)
                if a is not Action.MESSAGE
            }
        ),
    )


def is_overdue(referral: Referral | ReferralRow, today: date) -> bool:
    return referral.status in UNANSWERED and referral.respond_by < today


def summary_out(referral: ReferralRow, today: date) -> ReferralSummary:
    return ReferralSummary(
        id=referral.id,
        kind=referral.kind,
        status=referral.status,
        version=referral.version,
        created_at=referral.created_at,
        respond_by=referral.respond_by,
        overdue=is_overdue(referral, today),
        municipality=referral.municipality_code,
        provider_organisation_id=referral.provider_organisation_id,
    )
