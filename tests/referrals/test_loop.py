"""The referral loop in the domain: issue with consent, choose, accept, attend, complete; and the
declined, expired, withdrawn and no-consent paths. Actors are passed directly; no web."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from app.audit.models import AuditEvent
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
from referrals.fields import visible_fields
from referrals.jobs import tick
from referrals.models import (
    ContactChannel,
    InformationGiven,
    NoticeAudience,
    NoticeKind,
    Referral,
    ReferralNotice,
)
from referrals.policy import parties_of, visible_to
from referrals.queries import ListView, ReferralFilter, get_referral, list_referrals, list_timeline
from referrals.retention import anonymise_closed
from referrals.service import (
    FieldErrors,
    act,
    choose_service,
    enter_in_error,
    give_activity_card,
    record_attendance,
    verify_code,
    withdraw_consent,
)
from referrals.status import Action, Party, ReferralKind, ReferralStatus
from tests.referrals.world import (
    ACTORS,
    NOW,
    RESIDENT_NAME,
    SECRET,
    World,
    issue,
    make_world,
    referral_input,
    savepoint_sessions,
)

S = ReferralStatus


@pytest.fixture
def world(session: Session) -> World:
    return make_world(session)


def _notices(session: Session, referral: Referral) -> list[tuple[NoticeKind, NoticeAudience]]:
    rows = session.scalars(
        select(ReferralNotice)
        .where(col(ReferralNotice.referral_id) == referral.id)
        .order_by(col(ReferralNotice.id))
    ).all()
    return [(n.kind, n.audience) for n in rows]


def test_the_whole_loop(session: Session, world: World) -> None:
    issued = issue(session, world, services=(world.service, world.second_service))
    referral = issued.referral
    assert referral.status is S.SENT and referral.version == 2
    assert referral.provider_access is False  # two activities: nobody sees it before the resident chooses
    assert _notices(session, referral) == [(NoticeKind.RESIDENT_LINK, NoticeAudience.RESIDENT)]
    with pytest.raises(ReferralNotFound):
        get_referral(session, referral.id, actor=world.provider)

    # The resident opens the link and gives the code.
    assert links.referral_id_from_token(issued.link_token, SECRET, max_age_seconds=3600) == referral.id
    resident = verify_code(session, referral, issued.short_code.lower(), now=NOW, secret=SECRET)
    choose_service(session, referral, actor=resident, service_id=world.service.id, now=NOW)
    assert referral.provider_organisation_id == world.ngo.id and referral.provider_access

    seen = get_referral(session, referral.id, actor=world.provider, for_update=True)
    act(session, seen, Action.RECEIVE, actor=world.provider, now=NOW)
    act(session, seen, Action.ACCEPT, actor=world.provider, now=NOW, expected_version=seen.version)
    act(session, seen, Action.CONTACT, actor=world.provider, now=NOW)
    record_attendance(
        session, seen, actor=world.provider, session_on=NOW.date() - timedelta(days=7), attended=True, now=NOW
    )
    record_attendance(session, seen, actor=world.provider, session_on=NOW.date(), attended=True, now=NOW)
    act(session, seen, Action.COMPLETE, actor=world.provider, now=NOW, reason="continues_independently")

    assert (
        seen.status is S.COMPLETED
        and seen.sessions_attended == 2
        and seen.outcome == "continues_independently"
    )
    timeline = list_timeline(session, seen)
    assert [e.to_status for e in timeline] == [
        S.SENT,
        S.SENT,
        S.RECEIVED,
        S.ACCEPTED,
        S.CONTACTED,
        S.IN_PROGRESS,
        S.IN_PROGRESS,
        S.COMPLETED,
    ]
    assert timeline[-1].version == seen.version
    # The referrer sees the outcome; every change is in the audit trail, with identifiers only.
    mine = list_referrals(session, actor=world.referrer, filters=ReferralFilter(view=ListView.MINE))
    assert mine.total == 1 and [r.status for r in mine.rows] == [S.COMPLETED]
    audits = session.scalars(select(AuditEvent).where(col(AuditEvent.entity_id) == str(referral.id))).all()
    assert len(audits) == len(timeline)
    assert RESIDENT_NAME not in repr([a.details for a in audits])
    assert (NoticeKind.STATUS_CHANGED, NoticeAudience.USER) in _notices(session, referral)


def test_provider_sees_only_consented_fields(session: Session, world: World) -> None:
    referral = issue(session, world, fields=("name", "phone")).referral
    assert visible_fields(parties_of(session, world.provider, referral), ["name", "phone"]) == {
        "name",
        "phone",
    }
    assert parties_of(session, world.referrer, referral) == {Party.REFERRER}
    assert parties_of(session, world.colleague, referral) == {Party.REFERRER}
    assert parties_of(session, world.stranger_referrer, referral) == frozenset()
    assert parties_of(session, world.other_provider, referral) == frozenset()
    assert parties_of(session, world.analyst, referral) == frozenset()
    assert parties_of(session, world.admin, referral) == {Party.ADMIN}


@pytest.mark.parametrize(
    "who", ["stranger_referrer", "other_provider", "analyst", "admin", "other_client", "coordinator"]
)
def test_not_a_party_cannot_find_it(session: Session, world: World, who: str) -> None:
    referral = issue(session, world).referral
    with pytest.raises(ReferralNotFound):
        get_referral(session, referral.id, actor=getattr(world, who))


def test_visible_to_agrees_with_parties_of(session: Session, world: World) -> None:
    referrals = [
        issue(session, world).referral,
        issue(session, world, services=()).referral,
        issue(session, world, kind=ReferralKind.EXERCISE, services=()).referral,
        issue(session, world, actor=world.client).referral,
    ]
    for name in ACTORS:
        actor = getattr(world, name)
        seen = set(session.scalars(select(col(Referral.id)).where(visible_to(actor))).all())
        for referral in referrals:
            visible = bool(parties_of(session, actor, referral) - {Party.ADMIN})
            assert (referral.id in seen) is visible, (name, referral.kind, referral.addressed_to_coordinator)


def test_coordinator_chooses_with_the_resident(session: Session, world: World) -> None:
    referral = issue(session, world, services=(), organisations=(world.ngo.id,)).referral
    assert referral.addressed_to_coordinator
    assert (NoticeKind.NEW_REFERRAL, NoticeAudience.COORDINATORS) in _notices(session, referral)
    act(session, referral, Action.RECEIVE, actor=world.coordinator, now=NOW)
    with pytest.raises(ConsentRequired):
        choose_service(session, referral, actor=world.coordinator, service_id=world.other_service.id, now=NOW)
    choose_service(session, referral, actor=world.coordinator, service_id=world.service.id, now=NOW)
    assert referral.status is S.SENT and Party.PROVIDER in parties_of(session, world.provider, referral)
    assert Party.COORDINATOR not in parties_of(session, world.coordinator, referral)


def test_exercise_referral_goes_to_the_counsellor(session: Session, world: World) -> None:
    referral = issue(session, world, kind=ReferralKind.EXERCISE, services=()).referral
    assert parties_of(session, world.counsellor, referral) == {Party.COORDINATOR}
    assert parties_of(session, world.coordinator, referral) == frozenset()
    act(session, referral, Action.ACCEPT, actor=world.counsellor, now=NOW)
    assert referral.status is S.ACCEPTED


def test_decline_needs_a_reason_and_other_a_note(session: Session, world: World) -> None:
    referral = issue(session, world).referral
    with pytest.raises(ReasonRequired):
        act(session, referral, Action.DECLINE, actor=world.provider, now=NOW)
    with pytest.raises(NoteRequired):
        act(session, referral, Action.DECLINE, actor=world.provider, now=NOW, reason="other")
    act(session, referral, Action.DECLINE, actor=world.provider, now=NOW, reason="no_capacity")
    assert referral.status is S.DECLINED and referral.outcome == "no_capacity" and referral.closed_at == NOW
    with pytest.raises(TransitionNotAllowed):
        act(session, referral, Action.ACCEPT, actor=world.provider, now=NOW)
    # Reopen with a note returns to the state it was closed from.
    with pytest.raises(NoteRequired):
        act(session, referral, Action.REOPEN, actor=world.provider, now=NOW)
    event = act(session, referral, Action.REOPEN, actor=world.provider, now=NOW, note="Paikka vapautui")
    assert event.to_status is S.SENT and referral.closed_at is None


def test_wrong_party_gets_403_and_stale_version_409(session: Session, world: World) -> None:
    referral = issue(session, world).referral
    with pytest.raises(NotAParty):
        act(session, referral, Action.ACCEPT, actor=world.referrer, now=NOW)
    with pytest.raises(StaleVersion):
        act(
            session,
            referral,
            Action.ACCEPT,
            actor=world.provider,
            now=NOW,
            expected_version=referral.version - 1,
        )


def test_resident_refuses_and_withdraws(session: Session, world: World) -> None:
    first = issue(session, world)
    resident = verify_code(session, first.referral, first.short_code, now=NOW, secret=SECRET)
    act(session, first.referral, Action.REFUSE, actor=resident, now=NOW)
    assert first.referral.status is S.DECLINED and first.referral.outcome == "not_interested"

    second = issue(session, world)
    resident = verify_code(session, second.referral, second.short_code, now=NOW, secret=SECRET)
    act(session, second.referral, Action.ACCEPT, actor=world.provider, now=NOW)
    withdraw_consent(session, second.referral, actor=resident, now=NOW)
    assert second.referral.status is S.CANCELLED and not second.referral.provider_access
    with pytest.raises(ReferralNotFound):
        get_referral(session, second.referral.id, actor=world.provider)
    kinds = _notices(session, second.referral)
    assert (NoticeKind.CONSENT_WITHDRAWN, NoticeAudience.USER) in kinds
    assert (NoticeKind.CONSENT_WITHDRAWN, NoticeAudience.ORGANISATION) in kinds
    assert (NoticeKind.CONSENT_WITHDRAWN, NoticeAudience.RESIDENT) in kinds


def test_code_attempts_are_limited(session: Session, world: World) -> None:
    issued = issue(session, world)
    for left in (4, 3, 2, 1):
        with pytest.raises(CodeRejected) as caught:
            verify_code(session, issued.referral, "WRONG-CODE", now=NOW, secret=SECRET)
        assert caught.value.params["attempts"] == str(left)
    with pytest.raises(CodeLocked):
        verify_code(session, issued.referral, "WRONG-CODE", now=NOW, secret=SECRET)
    with pytest.raises(CodeLocked):  # even the right code waits out the lock
        verify_code(session, issued.referral, issued.short_code, now=NOW, secret=SECRET)
    later = NOW + timedelta(minutes=31)
    assert (
        verify_code(session, issued.referral, issued.short_code, now=later, secret=SECRET).referral_id
        == issued.referral.id
    )


def test_no_consent_means_no_referral(session: Session, world: World) -> None:
    data = referral_input(world)
    data = replace(data, consent=replace(data.consent, informed=False))
    with pytest.raises(FieldErrors) as caught:
        from referrals.service import issue_referral

        issue_referral(session, actor=world.referrer, data=data, now=NOW, secret=SECRET)
    assert "informed" in caught.value.errors
    with pytest.raises(FieldErrors) as caught:
        issue(session, world, organisations=(world.other_ngo.id,))
    assert "consent_organisations" in caught.value.errors
    # The no-data handover stores nothing personal and counts as information given.
    card = give_activity_card(
        session,
        actor=world.referrer,
        kind=ReferralKind.WELFARE,
        service_ids=[world.service.id],
        reasons=["loneliness"],
        municipality_code="398",
        sms_to="040 123 4567",
        now=NOW,
    )
    assert session.get(InformationGiven, card.id) is not None
    assert session.scalars(select(Referral)).first() is None
    notice = session.scalars(
        select(ReferralNotice).where(col(ReferralNotice.kind) == NoticeKind.ACTIVITY_CARD)
    ).one()
    assert notice.direct_address == "+358401234567" and notice.referral_id is None


def test_validation_reports_each_field(session: Session, world: World) -> None:
    data = referral_input(world, channel=ContactChannel.SMS)
    resident = replace(data.resident, phone="12", name=" ")
    data = replace(data, resident=resident, hopes="x" * 601, reasons=())
    from referrals.service import issue_referral

    with pytest.raises(FieldErrors) as caught:
        issue_referral(session, actor=world.referrer, data=data, now=NOW, secret=SECRET)
    assert set(caught.value.errors) >= {"name", "phone", "hopes", "reasons"}
    with pytest.raises(Exception) as denied:
        issue(session, world, actor=world.provider)
    assert getattr(denied.value, "code", "") == "referrer_required"


def test_tick_expires_reminds_and_is_idempotent(session: Session, world: World) -> None:
    referral = issue(session, world).referral
    factory = savepoint_sessions(session)
    reminder_day = NOW + timedelta(days=8)
    report = tick(factory, now=reminder_day, reminder_days=7, senders=None, link_for=None)
    assert (report.expired, report.reminded) == (0, 1)
    assert tick(factory, now=reminder_day, reminder_days=7, senders=None, link_for=None).reminded == 0
    after_deadline = NOW + timedelta(days=15)
    report = tick(factory, now=after_deadline, reminder_days=7, senders=None, link_for=None)
    assert report.expired == 1 and report.failed == 0
    assert tick(factory, now=after_deadline, reminder_days=7, senders=None, link_for=None).expired == 0
    session.refresh(referral)
    assert referral.status is S.EXPIRED
    kinds = _notices(session, referral)
    assert (NoticeKind.REMINDER, NoticeAudience.ORGANISATION) in kinds
    assert (NoticeKind.EXPIRED, NoticeAudience.USER) in kinds


def test_follow_ups_are_reminded_once(session: Session, world: World) -> None:
    referral = issue(session, world, kind=ReferralKind.EXERCISE, services=()).referral
    factory = savepoint_sessions(session)
    act(session, referral, Action.ACCEPT, actor=world.counsellor, now=NOW)
    session.flush()
    from datetime import UTC, datetime

    due = datetime(2027, 3, 1, 8, tzinfo=UTC)
    assert tick(factory, now=due, reminder_days=7, senders=None, link_for=None).follow_ups == 1
    assert tick(factory, now=due, reminder_days=7, senders=None, link_for=None).follow_ups == 0


def test_anonymise_keeps_statistics(session: Session, world: World) -> None:
    referral = issue(session, world).referral
    act(
        session,
        referral,
        Action.DECLINE,
        actor=world.provider,
        now=NOW,
        reason="other",
        note="Ei tavoitettu puhelimitse",
    )
    assert anonymise_closed(session, closed_before=NOW + timedelta(days=1), now=NOW) == 1
    session.refresh(referral)
    assert referral.resident_name is None and referral.resident_phone is None and referral.hopes is None
    assert (
        referral.birth_year is None
        and referral.age_band == "70-79"
        and referral.reasons == ["fall_risk", "loneliness"]
    )
    assert all(e.note is None for e in list_timeline(session, referral))
    assert anonymise_closed(session, closed_before=NOW + timedelta(days=1), now=NOW) == 0


def test_admin_enters_in_error_only_early(session: Session, world: World) -> None:
    referral = issue(session, world).referral
    with pytest.raises(ReferralNotFound):
        enter_in_error(session, referral, actor=world.referrer, note="vahinko", now=NOW)
    enter_in_error(session, referral, actor=world.admin, note="Lähetetty väärälle henkilölle", now=NOW)
    assert referral.status is S.ENTERED_IN_ERROR and referral.resident_name is None
    with pytest.raises(ReferralNotFound):
        get_referral(session, referral.id, actor=world.referrer)


def test_attendance_only_for_past_sessions(session: Session, world: World) -> None:
    referral = issue(session, world).referral
    act(session, referral, Action.ACCEPT, actor=world.provider, now=NOW)
    from app.errors import InvalidInput

    with pytest.raises(InvalidInput):
        record_attendance(
            session, referral, actor=world.provider, session_on=date(2026, 12, 31), attended=True, now=NOW
        )
    with pytest.raises(NotAParty):
        record_attendance(
            session, referral, actor=world.referrer, session_on=NOW.date(), attended=True, now=NOW
        )
