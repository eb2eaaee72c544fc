"""The tick works in chunks of referrals, one transaction a chunk; one bad referral still costs only itself."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session

from referrals import jobs
from referrals.models import Referral
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
    real = jobs.transition

    def failing(session: Session, referral: Referral, *args: Any, **kwargs: Any) -> Any:
        if referral.id == bad.id:
            raise RuntimeError("a referral the tick cannot handle")
        return real(session, referral, *args, **kwargs)

    monkeypatch.setattr(jobs, "transition", failing)
    after_deadline = NOW + timedelta(days=15)
    factory = savepoint_sessions(session)
    report = jobs.tick(factory, now=after_deadline, reminder_days=7, senders=None, link_for=None)
    # The bad one is tried once a pass: on its own after its chunk failed, and again in the next pass.
    assert report.expired == 2 and report.failed >= 1
    for referral in due:
        session.refresh(referral)
    assert [r.status for r in due] == [S.EXPIRED, S.SENT, S.EXPIRED]

    monkeypatch.setattr(jobs, "transition", real)  # mended: the next tick expires it, and only it
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
