"""The follow-up report: the funnel, breakdowns and outcome changes, with small counts suppressed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session

from app.catalogue.overlay import ServiceOverlay
from referrals.followup import SELF_REFERRAL, followup_report
from referrals.measures import Timepoint
from referrals.outcomes import record_answers, record_outcome_consent
from referrals.queries import get_referral
from referrals.self_referral import ContactRequest, send_contact_request
from referrals.service import act, record_attendance
from referrals.status import Action, ReferralKind
from tests.referrals.world import NOW, World, issue, make_world
from web.followup.views import report_rows

LOW_WELLBEING = dict.fromkeys(
    ("optimistic", "useful", "relaxed", "problems", "clearly", "close", "own_mind"), "2"
)
HIGH_WELLBEING = dict.fromkeys(LOW_WELLBEING, "4")


@pytest.fixture
def world(session: Session) -> World:
    return make_world(session)


def _loop(session: Session, world: World, *, complete: bool, follow_up: bool) -> None:
    referral = issue(session, world).referral
    seen = get_referral(session, referral.id, actor=world.provider, for_update=True)
    act(session, seen, Action.ACCEPT, actor=world.provider, now=NOW + timedelta(days=2))
    act(session, seen, Action.CONTACT, actor=world.provider, now=NOW + timedelta(days=2))
    record_attendance(
        session, seen, actor=world.provider, session_on=NOW.date(), attended=True, now=NOW + timedelta(days=3)
    )
    if follow_up:
        record_outcome_consent(session, referral, method="spoken", actor=world.referrer, now=NOW)
        record_answers(
            session,
            referral,
            Timepoint.BASELINE,
            {
                **LOW_WELLBEING,
                "lonely": "4",
                "moderate_minutes": "30",
                "vigorous_minutes": "0",
                "strength_days": "0",
            },
            actor=world.referrer,
            now=NOW,
        )
        record_answers(
            session,
            referral,
            Timepoint.M3,
            {
                **HIGH_WELLBEING,
                "still_attending": "yes",
                "lonely": "2",
                "moderate_minutes": "200",
                "vigorous_minutes": "0",
                "strength_days": "2",
            },
            actor=world.referrer,
            now=NOW + timedelta(days=92),
        )
    if complete:
        act(
            session,
            seen,
            Action.COMPLETE,
            actor=world.provider,
            now=NOW + timedelta(days=100),
            reason="goal_met",
        )


def test_report_counts_the_funnel_and_outcomes(session: Session, world: World) -> None:
    for index in range(12):
        _loop(session, world, complete=index < 6, follow_up=index < 7)
    for _ in range(3):  # three declined for lack of room: a small count, hidden
        seen = get_referral(session, issue(session, world).referral.id, actor=world.provider, for_update=True)
        act(session, seen, Action.DECLINE, actor=world.provider, now=NOW, reason="no_capacity")
    issue(session, world, kind=ReferralKind.EXERCISE, services=(world.other_service,))
    issue(session, world)
    issue(session, world)  # two more not yet answered

    report = followup_report(
        session, municipality_codes=["398"], start=date(2026, 12, 1), end=date(2026, 12, 31)
    )
    assert report.total == 18
    funnel = dict(report.funnel)
    assert funnel["sent"] == 18
    assert funnel["accepted"] == 12 and funnel["contacted"] == 12 and funnel["started"] == 12
    assert funnel["attending_m3"] == 7
    assert funnel["completed"] == 6
    # 17 welfare and 1 exercise: the 1 is hidden, and so is its partner (the total would give it away).
    assert report.by_kind.cells == {"exercise": None, "welfare": None}
    assert report.declines.cells == {"no_capacity": None}
    assert report.outcomes.pairs == 7
    assert report.outcomes.active_baseline == 0.0  # none of the seven met the recommendation at first
    assert report.outcomes.active_follow_up == 1.0
    assert report.outcomes.lonely_baseline == 1.0 and report.outcomes.lonely_follow_up == 0.0
    assert report.outcomes.swemwbs_change == 14.0
    assert report.uptake == pytest.approx(12 / 18)
    assert report.median_days_to_answer == pytest.approx(2.0)
    # Another municipality's analyst sees none of it.
    other = followup_report(
        session, municipality_codes=["098"], start=date(2026, 12, 1), end=date(2026, 12, 31)
    )
    assert other.total == 0 and dict(other.funnel)["sent"] == 0


def test_every_exported_count_is_zero_or_at_least_five(session: Session, world: World) -> None:
    for index in range(8):
        _loop(session, world, complete=index < 3, follow_up=index < 2)
    report = followup_report(
        session, municipality_codes=["398"], start=date(2026, 12, 1), end=date(2026, 12, 31)
    )
    counts = [v for _, v in report.funnel]
    for table in (
        report.by_kind,
        report.by_month,
        report.by_unit,
        report.by_theme,
        report.by_provider,
        report.by_age_band,
        report.declines,
        report.discontinuations,
        report.capacity_shortfalls,
    ):
        counts += [*table.cells.values(), table.total]
    assert all(c is None or c == 0 or c >= 5 for c in counts), counts
    assert dict(report.funnel)["completed"] is None
    assert report.outcomes.pairs is None and report.outcomes.swemwbs_change is None


def _self_referrals(session: Session, world: World, n: int) -> None:
    """n residents' own contact requests from the page of the world's service (its provider takes them)."""
    if session.get(ServiceOverlay, world.service.id) is None:
        session.add(ServiceOverlay(service_id=world.service.id, accepts_referrals=True))
        session.flush()
    for index in range(n):
        request = ContactRequest(
            name=f"Asukas {index}", contact_channel="phone", contact="+358401234567", consent=True
        )
        send_contact_request(session, service_id=world.service.id, data=request, now=NOW, secret="secret")


def test_self_referrals_are_their_own_group_not_the_providers_unit(session: Session, world: World) -> None:
    for _ in range(6):
        issue(session, world)
    _self_referrals(session, world, 5)
    session.commit()

    report = followup_report(
        session, municipality_codes=["398"], start=date(2026, 12, 1), end=date(2026, 12, 31)
    )
    assert report.total == 11
    # Stored with the provider's organisation as referrer and no unit, they are neither "unit not recorded"
    # nor anyone's unit: a group of their own beside the referring unit's six.
    assert report.by_unit.cells == {str(world.unit): 6, SELF_REFERRAL: 5}
    assert report.by_unit.total == 11
    names = {"unit": {str(world.unit): "Lahden terveysasema, hoitajat"}}
    for locale, label in (("fi", "Oma yhteydenotto"), ("sv", "Egen kontakt"), ("en", "Self-referral")):
        units = {row.key: (row.label, row.value) for row in report_rows(report, locale, names)}
        assert units["by_unit.self"] == (label, "5")
        assert units[f"by_unit.{world.unit}"] == ("Lahden terveysasema, hoitajat", "6")
        assert "by_unit.unknown" not in units


def test_a_few_self_referrals_stay_hidden_with_their_partner(session: Session, world: World) -> None:
    for _ in range(7):
        issue(session, world)
    _self_referrals(session, world, 2)
    session.commit()

    report = followup_report(
        session, municipality_codes=["398"], start=date(2026, 12, 1), end=date(2026, 12, 31)
    )
    assert report.total == 9
    # Two self-referrals are a small count; the unit's seven would give them away against the total.
    assert report.by_unit.cells == {str(world.unit): None, SELF_REFERRAL: None}
