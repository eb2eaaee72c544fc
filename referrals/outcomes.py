"""Use cases of outcome follow-up: consent, due questionnaires, answers by the resident or entered by staff.

Who may do what: the resident (holding the link and code) answers their own questionnaires; the referrer
and the coordinator or exercise counsellor record consent, read answers and type in answers given by phone
or on paper. The provider never sees outcome answers (they belong to the counsellor's register).
Use cases flush, never commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from sqlmodel import Session, col, select

from app.accounts.actor import Actor
from app.audit.trail import record_event
from app.errors import InvalidInput, PermissionDenied
from app.retention.values import DEFAULT_FOLLOW_UP_MONTHS
from referrals.errors import ReferralNotFound
from referrals.followup_facts import note_answers
from referrals.measures import Timepoint, answers_from_form, load_definitions, scores_from_answers
from referrals.models import ConsentMethod, Referral
from referrals.outcome_models import OutcomeConsent, OutcomeRequest, OutcomeResponse
from referrals.policy import parties_of
from referrals.status import Party, ReferralStatus

STAFF_PARTIES = frozenset({Party.REFERRER, Party.COORDINATOR})
DEFAULT_MONTHS = DEFAULT_FOLLOW_UP_MONTHS  # an administrator may choose others (app/retention)


def _parties(session: Session, actor: Actor, referral: Referral) -> frozenset[Party]:
    parties = parties_of(session, actor, referral)
    if not parties - {Party.ADMIN}:
        raise ReferralNotFound()
    return parties


def _audit(session: Session, referral: Referral, actor: Actor, action: str, **details: str) -> None:
    record_event(
        session,
        action=action,
        entity_type="referral",
        entity_id=referral.id,
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        # A self-referral has no referring organisation; its provider is the one involved.
        organisation_id=referral.referrer_organisation_id or referral.provider_organisation_id,
        details=details,
    )


def get_outcome_consent(session: Session, referral: Referral) -> OutcomeConsent | None:
    return session.get(OutcomeConsent, referral.id)


def has_outcome_consent(session: Session, referral: Referral) -> bool:
    consent = session.get(OutcomeConsent, referral.id)
    return consent is not None and consent.withdrawn_at is None


def record_outcome_consent(
    session: Session,
    referral: Referral,
    *,
    method: str,
    actor: Actor,
    now: datetime,
    months: Sequence[int] = DEFAULT_MONTHS,
) -> OutcomeConsent:
    """The resident agrees to follow-up questionnaires; the requests are planned from the referral's date."""
    if not _parties(session, actor, referral) & STAFF_PARTIES:
        raise PermissionDenied("Only the referrer or the counsellor can record this.")
    try:
        how = ConsentMethod(method)
    except ValueError:
        raise InvalidInput("Choose how the resident gave their consent.") from None
    consent = session.get(OutcomeConsent, referral.id) or OutcomeConsent(
        referral_id=referral.id, given_at=now, method=how, recorded_by=actor.label
    )
    consent.given_at, consent.method, consent.recorded_by, consent.withdrawn_at = now, how, actor.label, None
    session.add(consent)
    plan_requests(session, referral, months=months)
    _audit(session, referral, actor, "referral.outcome_consent_given", method=how.value)
    session.flush()
    return consent


def withdraw_outcome_consent(session: Session, referral: Referral, *, actor: Actor, now: datetime) -> None:
    """No more questionnaires; answers already given stay for the statistics until anonymisation."""
    parties = _parties(session, actor, referral)
    if not parties & (STAFF_PARTIES | {Party.RESIDENT}):
        raise PermissionDenied("Only the referrer or the counsellor can record this.")
    consent = session.get(OutcomeConsent, referral.id)
    if consent is None or consent.withdrawn_at is not None:
        return
    consent.withdrawn_at = now
    session.add(consent)
    _audit(session, referral, actor, "referral.outcome_consent_withdrawn")
    session.flush()


def timepoints_for(referral: Referral, months: Sequence[int]) -> list[Timepoint]:
    """The follow-up points of this kind of referral that the municipality uses."""
    points = load_definitions().timepoints(referral.kind)
    return [p for p in points if p is Timepoint.BASELINE or p.months in months]


def plan_requests(session: Session, referral: Referral, *, months: Sequence[int]) -> list[OutcomeRequest]:
    start = (referral.sent_at or referral.created_at).date()
    existing = {
        r.timepoint: r
        for r in session.exec(select(OutcomeRequest).where(OutcomeRequest.referral_id == referral.id))
    }
    planned = []
    for point in timepoints_for(referral, months):
        if point is Timepoint.BASELINE:
            continue  # asked with the resident when the referral is made
        request = existing.get(point) or OutcomeRequest(
            referral_id=referral.id, timepoint=point, due_on=start + relativedelta(months=point.months)
        )
        session.add(request)
        planned.append(request)
    return planned


def list_due_requests(session: Session, *, today: date, limit: int = 5000) -> list[OutcomeRequest]:
    """Requests whose day has come, not yet sent, whose referral still has follow-up consent."""
    query = (
        select(OutcomeRequest)
        .join(OutcomeConsent, col(OutcomeConsent.referral_id) == OutcomeRequest.referral_id)
        .join(Referral, col(Referral.id) == OutcomeRequest.referral_id)
        .where(
            col(OutcomeRequest.due_on) <= today,
            col(OutcomeRequest.sent_at).is_(None),
            col(OutcomeConsent.withdrawn_at).is_(None),
            col(Referral.anonymised_at).is_(None),
            col(Referral.status) != ReferralStatus.ENTERED_IN_ERROR,
        )
        .order_by(col(OutcomeRequest.due_on))
        .limit(limit)
    )
    return list(session.exec(query))


def open_timepoints(session: Session, referral: Referral, *, today: date) -> list[Timepoint]:
    """What the resident may answer now: due questionnaires not yet answered."""
    if not has_outcome_consent(session, referral):
        return []
    answered = {
        r.timepoint
        for r in session.exec(select(OutcomeResponse).where(OutcomeResponse.referral_id == referral.id))
    }
    due = session.exec(
        select(OutcomeRequest).where(
            OutcomeRequest.referral_id == referral.id, col(OutcomeRequest.due_on) <= today
        )
    )
    return sorted({r.timepoint for r in due} - answered, key=lambda t: t.months)


def record_answers(
    session: Session,
    referral: Referral,
    timepoint: Timepoint,
    form: Mapping[str, str],
    *,
    actor: Actor,
    now: datetime,
) -> OutcomeResponse:
    """Store one questionnaire's answers (a second answer at the same point replaces the first)."""
    parties = _parties(session, actor, referral)
    staff = bool(parties & STAFF_PARTIES)
    if not staff and Party.RESIDENT not in parties:
        raise PermissionDenied("Only the referrer or the counsellor can record this.")
    if not has_outcome_consent(session, referral):
        raise InvalidInput("The resident has not agreed to follow-up questions.")
    if not staff and timepoint not in open_timepoints(session, referral, today=now.date()):
        raise InvalidInput("These questions are not open for answers now.")
    definitions = load_definitions()
    instruments = definitions.instruments(referral.kind, timepoint, staff=staff)
    if not instruments:
        raise InvalidInput("These questions are not open for answers now.")
    answers = answers_from_form(instruments, form)
    scores = scores_from_answers(answers)
    response = session.exec(
        select(OutcomeResponse).where(
            OutcomeResponse.referral_id == referral.id, OutcomeResponse.timepoint == timepoint
        )
    ).first() or OutcomeResponse(
        referral_id=referral.id, timepoint=timepoint, definitions_version="", entered_by=""
    )
    response.definitions_version = definitions.version
    response.answers = answers
    response.answered_at = now
    response.entered_by_staff = staff
    response.entered_by = actor.label
    for name in ("swemwbs", "meets_activity", "lonely", "good_health", "still_attending", "found_activity"):
        setattr(response, name, getattr(scores, name))
    session.add(response)
    _audit(session, referral, actor, "referral.outcome_recorded", timepoint=timepoint.value)
    session.flush()
    note_answers(session, referral, timepoint, scores)
    return response


def list_responses(session: Session, referral: Referral, *, actor: Actor) -> list[OutcomeResponse]:
    """The answers, for the referrer and the counsellor only (never the provider)."""
    if not _parties(session, actor, referral) & STAFF_PARTIES:
        raise PermissionDenied("Only the referrer or the counsellor can see the follow-up answers.")
    return list(
        session.exec(
            select(OutcomeResponse)
            .where(OutcomeResponse.referral_id == referral.id)
            .order_by(col(OutcomeResponse.answered_at))
        )
    )
