"""Use cases of the referral loop, and the one `transition()` every change of state goes through.

Use cases take an Actor and keyword-only arguments, flush and never commit. `transition()` checks the
party and the state against RULES, moves the referral, and writes the timeline event, the audit event
(identifiers only) and the outbox rows, all in the caller's transaction.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import phonenumbers
from dateutil.relativedelta import relativedelta
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.attributes import instance_state, set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col

from app.accounts.actor import Actor, ActorKind
from app.accounts.models import Role
from app.audit.trail import record_event
from app.catalogue.enums import ServiceStatus
from app.catalogue.models import Municipality, Service
from app.errors import N_, InvalidInput, PermissionDenied
from app.timeutil import local_date
from referrals import links
from referrals.errors import (
    CodeLocked,
    CodeRejected,
    ConsentRequired,
    NotAParty,
    NoteRequired,
    ReasonRequired,
    ReferralNotFound,
    StaleVersion,
    TransitionNotAllowed,
)
from referrals.fields import CONSENT_FIELDS, PracticalNeed, Reason, age_band, visible_fields
from referrals.followup_facts import note_event, targets_key
from referrals.models import (
    ActivityLevel,
    Attendance,
    Consent,
    ConsentMethod,
    ContactChannel,
    FollowUp,
    InformationGiven,
    NoticeAudience,
    NoticeChannel,
    NoticeKind,
    Referral,
    ReferralEvent,
    ReferralNotice,
    ReferralSource,
    ReferralTarget,
)
from referrals.notifications import queue_message_notice, queue_notices
from referrals.policy import can_see, parties_of
from referrals.queries import get_consent
from referrals.status import (
    CLOSED,
    REASONS,
    REASONS_NEEDING_NOTE,
    RECEIVERS,
    RULES,
    SELF_REFERRAL_ONLY,
    STATUS_LABELS,
    UNANSWERED,
    Action,
    Party,
    ReferralKind,
    ReferralStatus,
)

HOPES_MAX = 600
NOTE_MAX = 2000
DEFAULT_RESPONSE_DAYS = 14
MAX_RESPONSE_DAYS = 90
CODE_MAX_FAILURES = 5
CODE_LOCK = timedelta(minutes=30)
# The order in which an actor holding several relations acts (a provider who is also the referrer).
_PARTY_ORDER = (Party.SYSTEM, Party.ADMIN, Party.RESIDENT, Party.REFERRER, Party.COORDINATOR, Party.PROVIDER)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def local_today(now: datetime) -> date:
    return local_date(now)


# --- the one transition -----------------------------------------------------------------------------------------


def reopen_target(session: Session, referral: Referral) -> ReferralStatus:
    """The open state the referral was in when it was closed."""
    event = session.scalars(
        select(ReferralEvent)
        .where(col(ReferralEvent.referral_id) == referral.id, col(ReferralEvent.to_status) == referral.status)
        .order_by(col(ReferralEvent.id).desc())
    ).first()
    if event is None or event.from_status in CLOSED:
        return ReferralStatus.SENT
    return event.from_status


@dataclass(frozen=True, slots=True)
class _Step:
    """One allowed move, once `_check` has said yes: from where to where, by which party, why."""

    source: ReferralStatus
    target: ReferralStatus
    party: Party
    reason: str | None
    note: str | None


def _check(
    session: Session,
    referral: Referral,
    action: Action,
    *,
    parties: frozenset[Party],
    reason: str | None,
    note: str | None,
    expected_version: int | None,
) -> _Step:
    """RULES for this referral, these parties, now: the step, or the error that refuses it."""
    rule = RULES[action]
    # An administrator sees no referral, yet takes the actions RULES give the administrator (the callers
    # load the referral for them without the visibility filter, in referrals/subject_requests.py).
    if not can_see(parties) and not (Party.ADMIN in parties and Party.ADMIN in rule.by):
        raise ReferralNotFound()
    acting = parties & rule.by
    if not acting or (action in SELF_REFERRAL_ONLY and referral.source is not ReferralSource.SELF):
        raise NotAParty()
    if expected_version is not None and expected_version != referral.version:
        raise StaleVersion()
    if referral.status not in rule.sources:
        raise TransitionNotAllowed(status_label=STATUS_LABELS[referral.status])
    note = (note or "").strip() or None
    if note is not None and len(note) > NOTE_MAX:
        raise InvalidInput(N_("The note is too long (at most %(limit)s characters)."), limit=str(NOTE_MAX))
    if rule.reason_required:
        allowed = REASONS[action]
        if reason not in {member.value for member in allowed}:
            raise ReasonRequired()
        if reason in REASONS_NEEDING_NOTE and note is None:
            raise NoteRequired()
    elif action is Action.REFUSE:
        reason = "not_interested"
    elif action is Action.WITHDRAW_CONSENT:
        reason = "consent_withdrawn"
    else:
        reason = None
    if rule.note_required and note is None:
        raise NoteRequired()
    source = referral.status
    target = reopen_target(session, referral) if action is Action.REOPEN else (rule.target or source)
    party = next(p for p in _PARTY_ORDER if p in acting)
    return _Step(source=source, target=target, party=party, reason=reason, note=note)


def _changes(referral: Referral, action: Action, step: _Step, now: datetime) -> dict[str, Any]:
    """The columns the step changes, with their new values (the version aside: the caller's write)."""
    values: dict[str, Any] = {"status": step.target, "updated_at": now}
    if action is Action.SEND:
        values["sent_at"] = now
    if (
        step.party in RECEIVERS
        and referral.answered_at is None
        and action not in (Action.RECEIVE, Action.MESSAGE)
    ):
        values["answered_at"] = now
    if step.target in CLOSED and step.source not in CLOSED:
        values["closed_at"] = now
        if action in REASONS or action is Action.REFUSE:
            values["outcome"] = step.reason
    if action is Action.REOPEN:
        values["closed_at"] = None
        values["outcome"] = None
        if step.target in UNANSWERED:
            values["respond_by"] = max(
                referral.respond_by, local_today(now) + timedelta(days=DEFAULT_RESPONSE_DAYS)
            )
            values["reminded_at"] = None
    return values


def _apply(referral: Referral, action: Action, step: _Step, now: datetime) -> None:
    """The step's changes, made on the referral (the caller's flush or UPDATE writes them)."""
    for name, value in _changes(referral, action, step, now).items():
        setattr(referral, name, value)
    note_event(
        referral, step.target, step.reason
    )  # the follow-up report's facts, in the same versioned UPDATE


def _record(
    session: Session,
    referral: Referral,
    action: Action,
    step: _Step,
    *,
    actor: Actor,
    now: datetime,
    details: dict[str, Any] | None,
) -> ReferralEvent:
    """The timeline event, the audit event and the outbox rows of a step written to the referral."""
    event = ReferralEvent(
        referral_id=referral.id,
        occurred_at=now,
        actor_label=actor.label,
        actor_name=actor.display_name if actor.kind is ActorKind.PERSON else None,
        party=step.party,
        action=action.value,
        from_status=step.source,
        to_status=step.target,
        reason=step.reason,
        note=step.note,
        version=referral.version,
        details=dict(details or {}),
    )
    session.add(event)
    record_event(
        session,
        action=f"referral.{action.value}",
        entity_type="referral",
        entity_id=referral.id,
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        organisation_id=referral.provider_organisation_id
        if step.party is Party.PROVIDER
        else referral.referrer_organisation_id,
        details={
            "from": step.source.value,
            "to": step.target.value,
            "reason": step.reason,
            "version": referral.version,
            **(details or {}),
        },
    )
    if action is Action.MESSAGE:
        queue_message_notice(session, referral, from_receiver=step.party in RECEIVERS)
    else:
        queue_notices(session, referral, action)
    return event


def transition(
    session: Session,
    referral: Referral,
    action: Action,
    *,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
    note: str | None = None,
    expected_version: int | None = None,
    details: dict[str, Any] | None = None,
    parties: frozenset[Party] | None = None,
    apply: Callable[[Referral], None] | None = None,
) -> ReferralEvent:
    """Apply one action to one referral if RULES allow it for this actor now; refuse anything else."""
    step = _check(
        session,
        referral,
        action,
        parties=parties if parties is not None else parties_of(session, actor, referral),
        reason=reason,
        note=note,
        expected_version=expected_version,
    )
    if apply is not None:
        apply(referral)  # the action's own changes, in the same versioned UPDATE
    _apply(referral, action, step, now)
    session.add(referral)
    try:
        session.flush()
    except StaleDataError as exc:
        raise StaleVersion() from exc
    except OperationalError as exc:
        # SQLite cannot upgrade a read snapshot another writer has overtaken ("database is locked" at once,
        # whatever the busy timeout): the same situation as a stale version.
        if session.get_bind().dialect.name == "sqlite" and "locked" in str(exc.orig):
            raise StaleVersion() from exc
        raise
    event = _record(session, referral, action, step, actor=actor, now=now, details=details)
    session.flush()
    return event


def transition_many(
    session: Session,
    referrals: Sequence[Referral],
    action: Action,
    *,
    actor: Actor,
    now: datetime,
    parties: frozenset[Party] | None = None,
) -> list[ReferralEvent]:
    """`transition` of many referrals by one actor at once, for the tick's steps over thousands: the same
    checks, changes and records for each, written by one versioned UPDATE (an executemany) and one INSERT
    a table for all of them, instead of four statements a referral. Any refusal or stale version fails
    them all (the caller redoes them one by one). Only for actions that take no reason, note or changes of
    their own and whose changes need nothing read (not a reopening)."""
    if action is Action.REOPEN or RULES[action].reason_required or RULES[action].note_required:
        raise ValueError(f"transition_many does not take {action.value}")
    session.flush()  # nothing else of these referrals left for the ORM to write after the UPDATE below
    steps = [
        (
            referral,
            _check(
                session,
                referral,
                action,
                parties=parties if parties is not None else parties_of(session, actor, referral),
                reason=None,
                note=None,
                expected_version=None,
            ),
        )
        for referral in referrals
    ]
    table = Referral.__table__  # type: ignore[attr-defined]
    writes: list[tuple[Referral, dict[str, Any]]] = []
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for referral, step in steps:
        _apply(referral, action, step, now)
        state = instance_state(referral)
        values = {attr.key: attr.value for attr in state.attrs if attr.history.has_changes()}
        values["version"] = referral.version + 1
        writes.append((referral, values))
        groups.setdefault(tuple(values), []).append(
            {"b_id": referral.id, "b_version": referral.version, **{f"v_{k}": v for k, v in values.items()}}
        )
    for names, rows in groups.items():
        statement = (
            update(table)
            .where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version"))
            .values({name: bindparam(f"v_{name}") for name in names})
        )
        if session.execute(statement, rows).rowcount != len(rows):  # type: ignore[attr-defined]
            raise StaleVersion()  # the mapper's version check, for all rows of the statement at once
    events = []
    for (referral, values), (_, step) in zip(writes, steps, strict=True):
        for name, value in values.items():
            set_committed_value(referral, name, value)  # as written: nothing left for the ORM to UPDATE
        events.append(_record(session, referral, action, step, actor=actor, now=now, details=None))
    session.flush()
    return events


# --- issuing -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResidentInput:
    name: str
    contact_channel: ContactChannel
    municipality_code: str
    phone: str | None = None
    email: str | None = None
    contact_time: str | None = None
    birth_year: int | None = None
    locale: str = "fi"


@dataclass(frozen=True, slots=True)
class ConsentInput:
    method: ConsentMethod
    organisation_ids: tuple[uuid.UUID, ...]
    fields: tuple[str, ...]
    informed: bool
    valid_until: date | None = None


@dataclass(frozen=True, slots=True)
class ExercisePlan:
    activity_level: ActivityLevel | None = None
    goal: str | None = None
    recommendations: str | None = None
    follow_up_dates: tuple[date, ...] = ()


@dataclass(frozen=True, slots=True)
class ReferralInput:
    kind: ReferralKind
    resident: ResidentInput
    reasons: tuple[str, ...]
    consent: ConsentInput
    hopes: str | None = None
    practical_needs: tuple[str, ...] = ()
    service_ids: tuple[uuid.UUID, ...] = ()
    respond_by: date | None = None
    exercise: ExercisePlan | None = None
    organisation_id: uuid.UUID | None = None  # which of the referrer's organisations refers
    is_demo: bool = False


@dataclass(frozen=True, slots=True)
class Issued:
    referral: Referral
    short_code: str  # shown once, to print or read out; stored only as an HMAC
    link_token: str
    # What was written with it, so the answer needs not read it back: the consent, the recommended
    # services in order, and the timeline (its one event, the sending).
    consent: Consent
    targets: list[tuple[ReferralTarget, Service]]
    timeline: list[ReferralEvent]


class FieldErrors(InvalidInput):
    """Several problems with a form at once, each under its field (messages marked for translation)."""

    code = "invalid_referral"

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(next(iter(errors.values())))
        self.errors = errors


def normalise_phone(raw: str) -> str | None:
    """E.164 (+358401234567) for a valid number, Finnish by default; None when it is not a number."""
    try:
        number = phonenumbers.parse(raw, "FI")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def referrer_grant(actor: Actor, organisation_id: uuid.UUID | None) -> tuple[uuid.UUID, uuid.UUID | None]:
    """The organisation (and unit) the actor refers for."""
    grants = [g for g in actor.grants if g.role is Role.REFERRER]
    if organisation_id is not None:
        grants = [g for g in grants if g.organisation_id == organisation_id]
    if not grants or actor.kind not in (ActorKind.PERSON, ActorKind.API_CLIENT):
        raise PermissionDenied(
            N_("Only a referring professional can issue referrals."), code="referrer_required"
        )
    return grants[0].organisation_id, grants[0].unit_id


def _validate(
    session: Session, data: ReferralInput, today: date
) -> tuple[dict[str, str], str | None, list[Service]]:
    errors: dict[str, str] = {}
    resident = data.resident
    if not resident.name.strip():
        errors["name"] = N_("Write the resident's name.")
    elif len(resident.name) > 200:
        errors["name"] = N_("The name is too long.")
    phone: str | None = None
    if resident.phone and resident.phone.strip():
        phone = normalise_phone(resident.phone)
        if phone is None:
            errors["phone"] = N_("This is not a valid phone number.")
    if (
        resident.contact_channel in (ContactChannel.PHONE, ContactChannel.SMS)
        and not (resident.phone or "").strip()
    ):
        errors["phone"] = N_("A phone number is needed for contact by phone or text message.")
    if resident.email and not _EMAIL.match(resident.email.strip()):
        errors["email"] = N_("This is not a valid e-mail address.")
    if resident.contact_channel is ContactChannel.EMAIL and not (resident.email or "").strip():
        errors["email"] = N_("An e-mail address is needed for contact by e-mail.")
    if resident.contact_time and len(resident.contact_time) > 200:
        errors["contact_time"] = N_("The contact time is too long.")
    if resident.birth_year is not None and not (today.year - 120 <= resident.birth_year <= today.year):
        errors["birth_year"] = N_("Give a year of birth like 1950.")
    if data.kind is ReferralKind.EXERCISE and resident.birth_year is None:
        errors["birth_year"] = N_("An exercise referral needs the year of birth.")
    if session.get(Municipality, resident.municipality_code) is None:
        errors["municipality"] = N_("Choose the resident's municipality.")
    if resident.locale not in ("fi", "sv", "en"):
        errors["locale"] = N_("Choose the language of the messages.")
    if not data.reasons:
        errors["reasons"] = N_("Choose at least one reason.")
    elif not set(data.reasons) <= {r.value for r in Reason}:
        errors["reasons"] = N_("Choose the reasons from the list.")
    if data.hopes and len(data.hopes) > HOPES_MAX:
        errors["hopes"] = N_("Write at most 600 characters.")
    if not set(data.practical_needs) <= {n.value for n in PracticalNeed}:
        errors["practical_needs"] = N_("Choose the practical needs from the list.")
    services: list[Service] = []
    if len(set(data.service_ids)) != len(data.service_ids) or len(data.service_ids) > 5:
        errors["service_ids"] = N_("Choose at most five different activities.")
    elif data.service_ids:
        found = {
            service.id: service
            for service in session.scalars(select(Service).where(col(Service.id).in_(data.service_ids)))
        }
        for service_id in data.service_ids:
            service = found.get(service_id)
            if service is None or service.status is not ServiceStatus.ACTIVE:
                errors["service_ids"] = N_("One of the chosen activities is not in the catalogue any more.")
                break
            services.append(service)
    if data.kind is ReferralKind.EXERCISE and data.exercise is not None:
        for name, text in (("goal", data.exercise.goal), ("recommendations", data.exercise.recommendations)):
            if text and len(text) > HOPES_MAX:
                errors[name] = N_("Write at most 600 characters.")
        if any(d <= today for d in data.exercise.follow_up_dates):
            errors["follow_up_dates"] = N_("Follow-up dates must be in the future.")
    if data.respond_by is not None and not (
        today < data.respond_by <= today + timedelta(days=MAX_RESPONSE_DAYS)
    ):
        errors["respond_by"] = N_("The response deadline must be within the next 90 days.")
    consent = data.consent
    if not consent.informed:
        errors["informed"] = N_("Tell the resident how their data is processed, and tick the box.")
    if not set(consent.fields) <= set(CONSENT_FIELDS):
        errors["consent_fields"] = N_("Choose the shared fields from the list.")
    if consent.valid_until is not None and consent.valid_until <= today:
        errors["valid_until"] = N_("Consent must be valid for some time after today.")
    if data.kind is ReferralKind.WELFARE and services:
        uncovered = {s.organisation_id for s in services} - set(consent.organisation_ids)
        if uncovered:
            errors["consent_organisations"] = N_(
                "The consent must name the organisation of every chosen activity."
            )
    return errors, phone, services


def issue_referral(
    session: Session,
    *,
    actor: Actor,
    data: ReferralInput,
    now: datetime,
    secret: str,
    response_days: int = DEFAULT_RESPONSE_DAYS,
) -> Issued:
    """Issue a referral with the resident's consent and send it (to the resident and the receivers)."""
    organisation_id, unit_id = referrer_grant(actor, data.organisation_id)
    today = local_today(now)
    errors, phone, services = _validate(session, data, today)
    if errors:
        raise FieldErrors(errors)
    resident = data.resident
    exercise = data.exercise or ExercisePlan()
    is_exercise = data.kind is ReferralKind.EXERCISE
    referral = Referral(
        kind=data.kind,
        status=ReferralStatus.DRAFT,
        created_at=now,
        updated_at=now,
        respond_by=data.respond_by or today + timedelta(days=response_days),
        referrer_user_id=actor.user_id,
        referrer_client_id=actor.client_id,
        referrer_organisation_id=organisation_id,
        referrer_unit_id=unit_id,
        # An exercise referral always goes to exercise counselling; a welfare one without activities to the
        # coordinator, who chooses with the resident.
        addressed_to_coordinator=is_exercise or not services,
        municipality_code=resident.municipality_code,
        resident_name=resident.name.strip(),
        resident_phone=phone,
        resident_email=(resident.email or "").strip() or None,
        resident_locale=resident.locale,
        contact_channel=resident.contact_channel,
        contact_time=(resident.contact_time or "").strip() or None,
        birth_year=resident.birth_year,
        age_band=age_band(resident.birth_year, today.year),
        reasons=list(dict.fromkeys(data.reasons)),
        hopes=(data.hopes or "").strip() or None,
        practical_needs=list(dict.fromkeys(data.practical_needs)),
        activity_level=exercise.activity_level if is_exercise else None,
        goal=(exercise.goal or "").strip() or None if is_exercise else None,
        recommendations=(exercise.recommendations or "").strip() or None if is_exercise else None,
        is_demo=data.is_demo,
    )
    referral.targets_key = targets_key(s.id for s in services)  # a follow-up report fact
    if len(services) == 1 and not is_exercise:
        referral.chosen_service_id = services[0].id
        referral.provider_organisation_id = services[0].organisation_id
        referral.provider_access = True
    code = links.new_short_code()
    referral.code_hash = links.code_digest(referral.id, code, secret)
    session.add(referral)
    session.flush()  # the draft first: the models declare no relationships to order the inserts by
    targets = [
        (
            ReferralTarget(
                referral_id=referral.id,
                service_id=service.id,
                organisation_id=service.organisation_id,
                sort_order=order,
            ),
            service,
        )
        for order, service in enumerate(services)
    ]
    session.add_all([target for target, _ in targets])
    consent = Consent(
        referral_id=referral.id,
        given_at=now,
        method=data.consent.method,
        organisation_ids=[str(o) for o in dict.fromkeys(data.consent.organisation_ids)],
        fields=[f for f in CONSENT_FIELDS if f in set(data.consent.fields)],
        valid_until=data.consent.valid_until or today + relativedelta(months=12),
        informed=True,
        recorded_by=actor.label,
    )
    session.add(consent)
    if is_exercise:
        for due in sorted(set(exercise.follow_up_dates)):
            session.add(FollowUp(referral_id=referral.id, due_on=due))
    session.flush()
    event = transition(
        session,
        referral,
        Action.SEND,
        actor=actor,
        now=now,
        parties=frozenset({Party.REFERRER}),
        details={"services": len(services), "kind": data.kind.value},
    )
    return Issued(
        referral=referral,
        short_code=code,
        link_token=links.link_token(referral.id, secret),
        consent=consent,
        targets=targets,
        timeline=[event],
    )


def reissue_code(session: Session, referral: Referral, *, actor: Actor, secret: str) -> str:
    """A new short code (the old one stops working), for the referrer or coordinator to give the resident."""
    parties = parties_of(session, actor, referral)
    if not can_see(parties):
        raise ReferralNotFound()
    if not parties & {Party.REFERRER, Party.COORDINATOR}:
        raise NotAParty()
    code = links.new_short_code()
    referral.code_hash = links.code_digest(referral.id, code, secret)
    referral.code_failures = 0
    referral.code_locked_until = None
    session.add(referral)
    record_event(
        session,
        action="referral.code_reissued",
        entity_type="referral",
        entity_id=referral.id,
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        organisation_id=referral.referrer_organisation_id,
    )
    session.flush()
    return code


def give_activity_card(
    session: Session,
    *,
    actor: Actor,
    kind: ReferralKind,
    service_ids: Sequence[uuid.UUID],
    reasons: Sequence[str],
    municipality_code: str | None,
    sms_to: str | None,
    now: datetime,
    organisation_id: uuid.UUID | None = None,
) -> InformationGiven:
    """The no-data handover: without consent nothing personal is stored; the card is printed or texted."""
    organisation, unit = referrer_grant(actor, organisation_id)
    if not service_ids:
        raise InvalidInput(N_("Choose at least one activity for the card."))
    for service_id in service_ids:
        service = session.get(Service, service_id)
        if service is None or service.status is not ServiceStatus.ACTIVE:
            raise InvalidInput(N_("One of the chosen activities is not in the catalogue any more."))
    phone = None
    if sms_to:
        phone = normalise_phone(sms_to)
        if phone is None:
            raise InvalidInput(N_("This is not a valid phone number."))
    record = InformationGiven(
        given_at=now,
        kind=kind,
        referrer_organisation_id=organisation,
        referrer_unit_id=unit,
        municipality_code=municipality_code or None,
        service_ids=[str(s) for s in service_ids],
        reasons=[r for r in reasons if r in {x.value for x in Reason}],
        channel="sms" if phone else "paper",
    )
    session.add(record)
    if phone:
        for service_id in service_ids:
            session.add(
                ReferralNotice(
                    kind=NoticeKind.ACTIVITY_CARD,
                    channel=NoticeChannel.SMS,
                    audience=NoticeAudience.RESIDENT,
                    service_id=service_id,
                    direct_address=phone,
                )
            )
    record_event(
        session,
        action="referral.activity_card",
        entity_type="information_given",
        entity_id=record.id,
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        organisation_id=organisation,
        details={"services": len(service_ids), "channel": record.channel},
    )
    session.flush()
    return record


# --- the resident's code ---------------------------------------------------------------------------------------


def verify_code(session: Session, referral: Referral, code: str, *, now: datetime, secret: str) -> Actor:
    """The resident actor for this referral when the code is right; attempts are limited.

    The caller commits even when this raises CodeRejected, so that the failed attempt counts.
    """
    if referral.code_locked_until is not None and referral.code_locked_until > now:
        raise CodeLocked()
    # Bookkeeping of attempts is a plain UPDATE, outside the optimistic lock: a resident mistyping the code
    # must not make a provider's concurrent answer stale.
    if links.code_matches(referral.id, code, referral.code_hash, secret):
        if referral.code_failures:
            _set_code_state(session, referral, failures=0, locked_until=None)
        return Actor.resident(referral.id, locale=referral.resident_locale)
    failures = referral.code_failures + 1
    left = CODE_MAX_FAILURES - failures
    if left <= 0:
        _set_code_state(session, referral, failures=0, locked_until=now + CODE_LOCK)
        raise CodeLocked()
    _set_code_state(session, referral, failures=failures, locked_until=None)
    raise CodeRejected(attempts_left=left)


def _set_code_state(
    session: Session, referral: Referral, *, failures: int, locked_until: datetime | None
) -> None:
    session.execute(
        update(Referral)
        .where(col(Referral.id) == referral.id)
        .values(code_failures=failures, code_locked_until=locked_until)
        .execution_options(synchronize_session=False)
    )
    set_committed_value(referral, "code_failures", failures)
    set_committed_value(referral, "code_locked_until", locked_until)


# --- actions with more than a state change ------------------------------------------------------------------


def choose_service(
    session: Session,
    referral: Referral,
    *,
    actor: Actor,
    service_id: uuid.UUID,
    now: datetime,
    expected_version: int | None = None,
) -> ReferralEvent:
    """Choose the activity: the resident among the recommended ones, a coordinator or referrer also others
    whose organisation the consent names. A welfare referral then goes to that provider."""
    parties = parties_of(session, actor, referral)
    if not can_see(parties):
        raise ReferralNotFound()
    recommended = {
        t.service_id: t
        for t in session.scalars(select(ReferralTarget).where(col(ReferralTarget.referral_id) == referral.id))
    }
    service = session.get(Service, service_id)
    if service is None or service.status is not ServiceStatus.ACTIVE:
        raise InvalidInput(N_("This activity is not in the catalogue any more."))
    if service_id not in recommended and not parties & {Party.COORDINATOR, Party.REFERRER}:
        raise InvalidInput(N_("Choose one of the recommended activities."))
    consent = get_consent(session, referral)
    shares = referral.kind is ReferralKind.WELFARE
    if shares and (
        consent is None
        or consent.withdrawn_at is not None
        or str(service.organisation_id) not in consent.organisation_ids
    ):
        raise ConsentRequired()

    def chosen(r: Referral) -> None:
        r.chosen_service_id = service_id
        r.targets_key = targets_key([*recommended, service_id])  # a follow-up report fact
        if shares:
            r.provider_organisation_id = service.organisation_id
            r.provider_access = True
            # A coordinator-addressed welfare referral becomes the provider's to answer once one is chosen.
            r.addressed_to_coordinator = False

    event = transition(
        session,
        referral,
        Action.CHOOSE,
        actor=actor,
        now=now,
        expected_version=expected_version,
        parties=parties,
        apply=chosen,
        details={"service_id": str(service_id)},
    )
    if service_id not in recommended:
        session.add(
            ReferralTarget(
                referral_id=referral.id,
                service_id=service_id,
                organisation_id=service.organisation_id,
                sort_order=len(recommended),
            )
        )
        session.flush()
    return event


def record_attendance(
    session: Session,
    referral: Referral,
    *,
    actor: Actor,
    session_on: date,
    attended: bool,
    now: datetime,
    expected_version: int | None = None,
) -> ReferralEvent:
    """Record one session (present or absent); a second record for the same day replaces the first."""
    if session_on > local_today(now):
        raise InvalidInput(N_("Attendance can be recorded only for sessions that have taken place."))
    parties = parties_of(session, actor, referral)
    existing = session.scalars(
        select(Attendance).where(
            col(Attendance.referral_id) == referral.id, col(Attendance.session_on) == session_on
        )
    ).first()
    # Check the rule before writing the row, so a refused action leaves nothing behind.
    rule = RULES[Action.ATTEND]
    if can_see(parties) and parties & rule.by and referral.status in rule.sources:
        if existing is None:
            session.add(
                Attendance(
                    referral_id=referral.id,
                    session_on=session_on,
                    attended=attended,
                    recorded_at=now,
                    recorded_by=actor.label,
                )
            )
        else:
            existing.attended, existing.recorded_at, existing.recorded_by = attended, now, actor.label
            session.add(existing)
        session.flush()
        referral.sessions_attended = len(
            session.scalars(
                select(col(Attendance.id)).where(
                    col(Attendance.referral_id) == referral.id, col(Attendance.attended).is_(True)
                )
            ).all()
        )
    return transition(
        session,
        referral,
        Action.ATTEND,
        actor=actor,
        now=now,
        expected_version=expected_version,
        parties=parties,
        details={"session_on": session_on.isoformat(), "attended": attended},
    )


def withdraw_consent(
    session: Session,
    referral: Referral,
    *,
    actor: Actor,
    now: datetime,
    note: str | None = None,
    expected_version: int | None = None,
) -> ReferralEvent:
    """The resident withdraws consent (themselves, or through any party): closes the referral, ends the
    provider's access and tells every party."""
    parties = parties_of(session, actor, referral)

    def end_access(r: Referral) -> None:
        r.provider_access = False

    event = transition(
        session,
        referral,
        Action.WITHDRAW_CONSENT,
        actor=actor,
        now=now,
        note=note,
        expected_version=expected_version,
        parties=parties,
        apply=end_access,
    )
    consent = get_consent(session, referral)
    if consent is not None:
        consent.withdrawn_at = now
        consent.withdrawn_by = event.party
        session.add(consent)
        session.flush()
    return event


def enter_in_error(
    session: Session, referral: Referral, *, actor: Actor, note: str, now: datetime
) -> ReferralEvent:
    """An administrator removes an accidental draft or send: marked entered in error, personal data erased.

    The data goes first, so the administrator's comment on the timeline event outlives the erasure (it is
    the audit comment: why this referral was removed). Refused before anything is erased when the state or
    the comment does not allow it.
    """
    if not actor.is_admin:
        raise ReferralNotFound()
    check_admin_action(referral, Action.ENTER_IN_ERROR, note)
    from referrals.retention import strip_personal_data

    strip_personal_data(session, referral, now=now)
    return transition(
        session,
        referral,
        Action.ENTER_IN_ERROR,
        actor=actor,
        now=now,
        note=note,
        parties=frozenset({Party.ADMIN}),
    )


def check_admin_action(referral: Referral, action: Action, note: str | None) -> None:
    """RULES' checks of an administrator's action, made before its irreversible part (the erasure)."""
    rule = RULES[action]
    if referral.status not in rule.sources:
        raise TransitionNotAllowed(status_label=STATUS_LABELS[referral.status])
    note = (note or "").strip()
    if rule.note_required and not note:
        raise NoteRequired()
    if len(note) > NOTE_MAX:
        raise InvalidInput(N_("The note is too long (at most %(limit)s characters)."), limit=str(NOTE_MAX))


def mark_follow_up_done(
    session: Session, referral: Referral, *, actor: Actor, follow_up_id: uuid.UUID, now: datetime
) -> FollowUp:
    """The referrer or the counsellor records that a follow-up took place, so it leaves the lists of due
    ones. Bookkeeping, not a change of state: audited, outside the optimistic lock; a second time is a no-op."""
    parties = parties_of(session, actor, referral)
    if not can_see(parties):
        raise ReferralNotFound()
    if not parties & {Party.REFERRER, Party.COORDINATOR}:
        raise NotAParty()
    follow_up = session.scalars(
        select(FollowUp).where(col(FollowUp.id) == follow_up_id, col(FollowUp.referral_id) == referral.id)
    ).first()
    if follow_up is None:
        raise ReferralNotFound()
    if follow_up.done_at is None:
        follow_up.done_at, follow_up.done_by = now, actor.label
        session.add(follow_up)
        record_event(
            session,
            action="referral.follow_up_done",
            entity_type="referral",
            entity_id=referral.id,
            actor_user_id=actor.user_id,
            actor_label=actor.label,
            organisation_id=referral.referrer_organisation_id,
            details={"follow_up_id": str(follow_up.id), "due_on": follow_up.due_on.isoformat()},
        )
        session.flush()
    return follow_up


def act(
    session: Session,
    referral: Referral,
    action: Action,
    *,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
    note: str | None = None,
    expected_version: int | None = None,
) -> ReferralEvent:
    """A plain action (accept, decline, waitlist, contact, complete, discontinue, cancel, refuse, reopen,
    message, receive); the ones with more to them have their own use case."""
    if action is Action.WITHDRAW_CONSENT:
        return withdraw_consent(
            session, referral, actor=actor, now=now, note=note, expected_version=expected_version
        )
    if action in (Action.CHOOSE, Action.ATTEND, Action.ENTER_IN_ERROR, Action.SEND, Action.EXPIRE):
        raise InvalidInput(N_("This action needs more details than a reason and a note."))

    def end_access(r: Referral) -> None:
        r.provider_access = False

    return transition(
        session,
        referral,
        action,
        actor=actor,
        now=now,
        reason=reason,
        note=note,
        expected_version=expected_version,
        apply=end_access if action is Action.CANCEL else None,
    )


def visible_fields_for(session: Session, actor: Actor, referral: Referral) -> frozenset[str]:
    parties = parties_of(session, actor, referral)
    consent = get_consent(session, referral)
    return visible_fields(parties, consent.fields if consent else [])
