"""The list pages read each party branch of `visible_to` on its own (referrals.queries.list_referrals): page
by page they must show exactly what the plain `visible_to` query shows, in the same order, for every actor,
view and filter; a referral reachable through two branches appears once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from referrals.models import Referral
from referrals.queries import ListView, ReferralFilter, _filtered, list_referrals
from referrals.status import ReferralKind, ReferralStatus
from tests.referrals.world import ACTORS, NOW, World, issue, make_world


@pytest.fixture
def world(session: Session) -> World:
    return make_world(session)


def _issue_many(session: Session, world: World) -> None:
    issued = [
        issue(session, world).referral,
        issue(session, world).referral,
        issue(session, world, services=()).referral,
        issue(session, world, kind=ReferralKind.EXERCISE, services=()).referral,
        issue(session, world, actor=world.colleague).referral,
        issue(session, world, actor=world.colleague, services=()).referral,
        issue(session, world, actor=world.client).referral,
        issue(session, world, actor=world.client, services=()).referral,
        issue(session, world, actor=world.stranger_referrer).referral,
    ]
    # Some share a creation time (the id breaks the tie), the others are spread over the past hours.
    for index, referral in enumerate(issued):
        if index % 3:
            referral.created_at = NOW - timedelta(hours=index)
        session.add(referral)
    session.flush()


def _expected(session: Session, world: World, name: str, filters: ReferralFilter) -> list[object]:
    actor = getattr(world, name)
    return list(
        session.scalars(
            select(col(Referral.id))
            .where(*_filtered(actor, filters))
            .order_by(col(Referral.created_at).desc(), col(Referral.id))
        ).all()
    )


@pytest.mark.parametrize(
    "filters",
    [
        ReferralFilter(),
        ReferralFilter(view=ListView.MINE),
        ReferralFilter(view=ListView.UNIT),
        ReferralFilter(view=ListView.INBOX),
        ReferralFilter(view=ListView.INBOX, statuses=(ReferralStatus.SENT,)),
        ReferralFilter(kind=ReferralKind.EXERCISE),
    ],
    ids=lambda f: f"{f.view}-{'-'.join(f.statuses)}-{f.kind}",
)
def test_pages_are_the_visible_referrals_in_order(
    session: Session, world: World, filters: ReferralFilter
) -> None:
    _issue_many(session, world)
    shown_somewhere = False
    for name in ACTORS:
        expected = _expected(session, world, name, filters)
        actor = getattr(world, name)
        for limit in (1, 2, 3, 50):
            paged: list[object] = []
            for offset in range(0, len(expected) + limit, limit):
                found = list_referrals(session, actor=actor, filters=filters, limit=limit, offset=offset)
                assert found.total == len(expected), name
                assert found.more == (offset + limit < len(expected)), (name, limit, offset)
                paged.extend(r.id for r in found.rows)
            assert paged == expected, (name, limit)
        shown_somewhere = shown_somewhere or bool(expected)
    assert shown_somewhere
