"""Two people acting on one referral at the same moment: exactly one wins, and the timeline agrees.

Runs on committed data in the session's database (each thread its own connection), and cleans up.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from app.accounts.models import ApiClient, Membership, Unit, UserAccount
from app.audit.models import AuditEvent
from app.catalogue.models import Organisation, Service
from referrals.errors import StaleVersion, TransitionNotAllowed
from referrals.models import Referral, ReferralEvent
from referrals.queries import get_referral, list_timeline
from referrals.service import act
from referrals.status import Action, ReferralStatus
from tests.referrals.world import NOW, World, issue, make_world


@pytest.fixture
def committed(engine: Engine) -> Iterator[tuple[World, Referral]]:
    with Session(engine, expire_on_commit=False) as session:
        world = make_world(session)
        referral = issue(session, world).referral
        session.commit()
    yield world, referral
    with Session(engine) as session:
        session.execute(delete(Referral).where(col(Referral.id) == referral.id))
        session.execute(delete(AuditEvent).where(col(AuditEvent.entity_id) == str(referral.id)))
        users = [
            world.referrer,
            world.colleague,
            world.stranger_referrer,
            world.provider,
            world.other_provider,
            world.coordinator,
            world.counsellor,
            world.analyst,
            world.admin,
        ]
        ids = [u.user_id for u in users]
        session.execute(delete(Membership).where(col(Membership.user_id).in_(ids)))
        session.execute(delete(UserAccount).where(col(UserAccount.id).in_(ids)))
        orgs = [world.county.id, world.ngo.id, world.other_ngo.id, world.municipality.id]
        for service in session.scalars(select(Service).where(col(Service.organisation_id).in_(orgs))).all():
            session.delete(service)
        session.flush()
        session.execute(delete(ApiClient).where(col(ApiClient.organisation_id).in_(orgs)))
        session.execute(delete(Unit).where(col(Unit.organisation_id).in_(orgs)))
        session.execute(delete(Organisation).where(col(Organisation.id).in_(orgs)))
        session.commit()


@pytest.mark.parametrize("second", [Action.ACCEPT, Action.DECLINE])
def test_concurrent_answers_have_one_winner(
    engine: Engine, committed: tuple[World, Referral], second: Action
) -> None:
    world, referral = committed
    version = referral.version
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def answer(name: str, action: Action) -> None:
        with Session(engine, expire_on_commit=False) as session:
            try:
                barrier.wait(timeout=10)
                loaded = get_referral(session, referral.id, actor=world.provider, for_update=True)
                act(
                    session,
                    loaded,
                    action,
                    actor=world.provider,
                    now=NOW,
                    reason="no_capacity" if action is Action.DECLINE else None,
                    expected_version=version,
                )
                session.commit()
                results[name] = "won"
            except (StaleVersion, TransitionNotAllowed) as exc:
                session.rollback()
                results[name] = exc.code
            except Exception as exc:  # pragma: no cover - shown in the assertion
                session.rollback()
                results[name] = f"error:{type(exc).__name__}:{exc}"

    threads = [
        threading.Thread(target=answer, args=("a", Action.ACCEPT)),
        threading.Thread(target=answer, args=("b", second)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results.values()) == ["stale_version", "won"], results

    with Session(engine) as session:
        final = session.get(Referral, referral.id)
        assert final is not None and final.version == version + 1
        timeline = list_timeline(session, final)
        assert timeline[-1].to_status is final.status and timeline[-1].version == final.version
        assert final.status in (ReferralStatus.ACCEPTED, ReferralStatus.DECLINED)
        answers = session.scalars(
            select(ReferralEvent).where(
                col(ReferralEvent.referral_id) == referral.id,
                col(ReferralEvent.from_status) == ReferralStatus.SENT,
            )
        ).all()
        assert len(answers) == 1
