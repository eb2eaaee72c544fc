"""The tick works in chunks of referrals, one transaction a chunk; one bad referral still costs only itself.
A chunk's referrals change state together (`transition_many`), exactly as one at a time would."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlmodel import Session, col

from app.audit.models import AuditEvent
from referrals import jobs
from referrals.errors import StaleVersion, TransitionNotAllowed
from referrals.models import Referral, ReferralEvent, ReferralNotice
from referrals.service import transition, transition_many
from referrals.status import Action
from referrals.status import ReferralStatus as S
from tests.referrals.world import NOW, World, issue, make_world, savepoint_sessions


@pytest.fixture
def world(session: Session) -> World:
    return make_world(session)


def test_one_bad_referral_costs_only_itself(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    due = [issue(session, world).referral for _ in range(3)]
    bad = due[1]
    real = jobs.transition_many

    def failing(session: Session, referrals: list[Referral], *args: Any, **kwargs: Any) -> Any:
        if any(referral.id == bad.id for referral in referrals):
            raise RuntimeError("a referral the tick cannot handle")
        return real(session, referrals, *args, **kwargs)

    monkeypatch.setattr(jobs, "transition_many", failing)
    after_deadline = NOW + timedelta(days=15)
    factory = savepoint_sessions(session)
    report = jobs.tick(factory, now=after_deadline, reminder_days=7, senders=None, link_for=None)
    # The bad one is tried once a pass: on its own after its chunk failed, and again in the next pass.
    assert report.expired == 2 and report.failed >= 1
    for referral in due:
        session.refresh(referral)
    assert [r.status for r in due] == [S.EXPIRED, S.SENT, S.EXPIRED]

    monkeypatch.setattr(jobs, "transition_many", real)  # mended: the next tick expires it, and only it
    report = jobs.tick(factory, now=after_deadline, reminder_days=7, senders=None, link_for=None)
    assert (report.expired, report.failed) == (1, 0)


def test_a_chunk_boundary_loses_nothing(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "CHUNK", 2)
    due = [issue(session, world).referral for _ in range(5)]
    factory = savepoint_sessions(session)
    report = jobs.tick(factory, now=NOW + timedelta(days=8), reminder_days=7, senders=None, link_for=None)
    assert (report.expired, report.reminded, report.failed) == (0, 5, 0)
    report = jobs.tick(factory, now=NOW + timedelta(days=15), reminder_days=7, senders=None, link_for=None)
    assert (report.expired, report.reminded, report.failed) == (5, 0, 0)
    for referral in due:
        session.refresh(referral)
    assert {r.status for r in due} == {S.EXPIRED}


def _written(session: Session, referral: Referral) -> tuple[object, ...]:
    """What a step wrote of one referral, without its own identifiers."""
    session.refresh(referral)
    events = session.scalars(
        select(ReferralEvent)
        .where(col(ReferralEvent.referral_id) == referral.id)
        .order_by(col(ReferralEvent.id))
    ).all()
    audits = session.scalars(
        select(AuditEvent).where(col(AuditEvent.entity_id) == str(referral.id)).order_by(col(AuditEvent.id))
    ).all()
    notices = session.scalars(
        select(ReferralNotice).where(col(ReferralNotice.referral_id) == referral.id)
    ).all()
    return (
        referral.status,
        referral.version,
        referral.updated_at,
        referral.closed_at,
        referral.outcome,
        referral.answered_at,
        referral.respond_by,
        tuple((e.party, e.action, e.from_status, e.to_status, e.reason, e.note, e.version) for e in events),
        tuple((a.action, a.actor_label, a.organisation_id, str(sorted(a.details.items()))) for a in audits),
        tuple(sorted((n.kind, n.audience, str(n.user_id), str(n.organisation_id)) for n in notices)),
    )


def test_many_at_once_write_what_one_at_a_time_writes(session: Session, world: World) -> None:
    one_by_one = [issue(session, world).referral for _ in range(2)]
    at_once = [issue(session, world).referral for _ in range(3)]
    later = NOW + timedelta(days=15)
    for referral in one_by_one:
        transition(session, referral, Action.EXPIRE, actor=jobs.TICK_ACTOR, now=later)
    events = transition_many(session, at_once, Action.EXPIRE, actor=jobs.TICK_ACTOR, now=later)
    assert [e.referral_id for e in events] == [r.id for r in at_once]
    written = {_written(session, referral) for referral in one_by_one + at_once}
    assert len(written) == 1
    (status, version, *_rest) = written.pop()
    assert status is S.EXPIRED and version == 3


def test_many_at_once_all_or_none(session: Session, world: World) -> None:
    due = [issue(session, world).referral for _ in range(3)]
    later = NOW + timedelta(days=15)
    # Someone else moved the second on after these were read: its version no longer matches.
    session.execute(
        update(Referral)
        .where(col(Referral.id) == due[1].id)
        .values(version=Referral.version + 1)
        .execution_options(synchronize_session=False)  # the loaded object keeps the version it was read at
    )
    savepoint = session.begin_nested()
    with pytest.raises(StaleVersion):
        transition_many(session, due, Action.EXPIRE, actor=jobs.TICK_ACTOR, now=later)
    savepoint.rollback()
    assert {_written(session, referral)[0] for referral in due} == {S.SENT}
    # A refusal for one refuses them all, before anything is written.
    refused = [issue(session, world).referral for _ in range(2)]
    transition(session, due[0], Action.EXPIRE, actor=jobs.TICK_ACTOR, now=later)
    with pytest.raises(TransitionNotAllowed):
        transition_many(session, [*refused, due[0]], Action.ACCEPT, actor=world.provider, now=later)
    with pytest.raises(ValueError):
        transition_many(session, refused, Action.DECLINE, actor=world.provider, now=later)
    assert {_written(session, referral)[:2] for referral in refused} == {(S.SENT, 2)}
