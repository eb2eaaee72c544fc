"""The state table swept: every action in every state, against a matrix written here by hand.

The matrix is not derived from referrals.status.RULES, so a change to RULES must be made twice, on
purpose; a new state or action fails test_matrix_covers_every_state_and_action until someone decides.
"""

from __future__ import annotations

import pytest
from sqlmodel import Session

from app.accounts.actor import Actor
from referrals.errors import NotAParty, TransitionNotAllowed
from referrals.models import ContactChannel, Referral, ReferralSource
from referrals.service import transition
from referrals.status import (
    FHIR_TASK_STATUS,
    RULES,
    SELF_REFERRAL_ONLY,
    Action,
    Party,
    ReferralKind,
    ReferralStatus,
)
from tests.referrals.world import NOW, make_world

# ok: allowed from that state; -: refused. Columns in ReferralStatus order.
ALLOWED = """
action            draft sent received accepted declined waitlisted contacted in_progress completed discontinued cancelled expired entered_in_error
send                ok   -      -        -        -         -          -          -          -          -           -         -          -
receive             -    ok     -        -        -         -          -          -          -          -           -         -          -
choose              -    ok     ok       -        -         -          -          -          -          -           -         -          -
accept              -    ok     ok       -        -         ok         -          -          -          -           -         -          -
decline             -    ok     ok       ok       -         ok         ok         ok         -          -           -         -          -
refuse              -    ok     ok       ok       -         ok         ok         ok         -          -           -         -          -
waitlist            -    ok     ok       ok       -         -          -          -          -          -           -         -          -
contact             -    -      -        ok       -         ok         -          -          -          -           -         -          -
attend              -    -      -        ok       -         -          ok         ok         -          -           -         -          -
complete            -    -      -        -        -         -          ok         ok         -          -           -         -          -
discontinue         -    -      -        ok       -         ok         ok         ok         -          -           -         -          -
cancel              ok   ok     ok       ok       -         ok         ok         ok         -          -           -         -          -
withdraw            -    ok     ok       ok       -         ok         ok         ok         -          -           -         -          -
withdraw_consent    -    ok     ok       ok       -         ok         ok         ok         -          -           -         -          -
expire              -    ok     ok       -        -         -          -          -          -          -           -         -          -
reopen              -    -      -        -        ok        -          -          -          ok         ok          -         ok         -
message             -    ok     ok       ok       ok        ok         ok         ok         ok         ok          ok        ok         -
enter_in_error      ok   ok     ok       -        -         -          -          -          -          -           -         -          -
erase               ok   -      -        -        ok        -          -          -          ok         ok          ok        ok         -
"""

# Who may take each action, also by hand (R referrer, P provider, C coordinator/counsellor, X resident,
# S system, A administrator).
BY = """
send R X
receive P C
choose X R C
accept P C
decline P C
refuse X
waitlist P C
contact P C
attend P C
complete P C
discontinue P C
cancel R
withdraw X
withdraw_consent X R P C A
expire S
reopen R P C
message R P C
enter_in_error A
erase A
"""
LETTERS = {
    "R": Party.REFERRER,
    "P": Party.PROVIDER,
    "C": Party.COORDINATOR,
    "X": Party.RESIDENT,
    "S": Party.SYSTEM,
    "A": Party.ADMIN,
}


def _matrix() -> dict[tuple[Action, ReferralStatus], bool]:
    lines = [line.split() for line in ALLOWED.strip().splitlines()]
    states = [ReferralStatus(name) for name in lines[0][1:]]
    return {
        (Action(row[0]), state): cell == "ok"
        for row in lines[1:]
        for state, cell in zip(states, row[1:], strict=True)
    }


def test_matrix_covers_every_state_and_action() -> None:
    matrix = _matrix()
    assert {a for a, _ in matrix} == set(Action)
    assert {s for _, s in matrix} == set(ReferralStatus)
    assert set(RULES) == set(Action)
    assert set(FHIR_TASK_STATUS) == set(ReferralStatus)


def test_who_may_act_is_as_written() -> None:
    expected = {
        Action(parts[0]): {LETTERS[p] for p in parts[1:]}
        for parts in (line.split() for line in BY.strip().splitlines())
    }
    assert {action: set(rule.by) for action, rule in RULES.items()} == expected


REASON = {Action.DECLINE: "no_capacity", Action.COMPLETE: "goal_met", Action.DISCONTINUE: "illness"}


@pytest.mark.parametrize("action", list(Action))
def test_every_action_in_every_state(session: Session, action: Action) -> None:
    world = make_world(session)
    everyone = frozenset(Party)
    for (matrix_action, state), allowed in _matrix().items():
        if matrix_action is not action:
            continue
        referral = Referral(
            kind=ReferralKind.WELFARE,
            # An action on self-referrals only is tried on one (test_withdrawing_is_for_self_referrals).
            source=ReferralSource.SELF if action in SELF_REFERRAL_ONLY else ReferralSource.PROFESSIONAL,
            status=state,
            respond_by=NOW.date(),
            referrer_organisation_id=world.county.id,
            municipality_code="398",
            contact_channel=ContactChannel.PAPER,
        )
        session.add(referral)
        session.flush()
        call = lambda r=referral: transition(  # noqa: E731
            session,
            r,
            action,
            actor=Actor.system("test"),
            now=NOW,
            reason=REASON.get(action),
            note="x",
            parties=everyone,
        )
        if allowed:
            event = call()
            assert event.from_status is state
            assert referral.status is (RULES[action].target or event.to_status)
        else:
            with pytest.raises(TransitionNotAllowed):
                call()
            assert referral.status is state


def test_withdrawing_is_for_self_referrals(session: Session) -> None:
    """The resident of a professional's referral says no or withdraws consent; only a resident's own
    contact request can be withdrawn as such."""
    world = make_world(session)
    referral = Referral(
        kind=ReferralKind.WELFARE,
        status=ReferralStatus.SENT,
        respond_by=NOW.date(),
        referrer_organisation_id=world.county.id,
        municipality_code="398",
        contact_channel=ContactChannel.PAPER,
    )
    session.add(referral)
    session.flush()
    with pytest.raises(NotAParty):
        transition(
            session,
            referral,
            Action.WITHDRAW,
            actor=Actor.resident(referral.id),
            now=NOW,
            parties=frozenset({Party.RESIDENT}),
        )
    assert referral.status is ReferralStatus.SENT
