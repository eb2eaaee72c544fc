"""Outcome follow-up: separate consent, questionnaires planned and due, answers by the resident or staff."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session

from app.accounts.actor import Actor
from app.errors import InvalidInput, PermissionDenied
from referrals.errors import ReferralNotFound
from referrals.measures import Timepoint, answers_from_form, load_definitions, scores_from_answers
from referrals.outcomes import (
    list_due_requests,
    list_responses,
    open_timepoints,
    record_answers,
    record_outcome_consent,
    withdraw_outcome_consent,
)
from referrals.status import ReferralKind
from tests.referrals.world import NOW, World, issue, make_world

SWEMWBS = {
    "optimistic": "4",
    "useful": "4",
    "relaxed": "3",
    "problems": "3",
    "clearly": "4",
    "close": "2",
    "own_mind": "5",
}


@pytest.fixture
def world(session: Session) -> World:
    return make_world(session)


def test_definitions_are_complete_in_every_language() -> None:
    definitions = load_definitions()
    for instrument in definitions.raw["instruments"]:
        for item in instrument["items"]:
            assert set(item["text"]) == {"fi", "sv", "en"}, item["code"]
            for option in item.get("options", []):
                assert all(option["label"][lang] for lang in ("fi", "sv", "en")), item["code"]
    swemwbs = next(i for i in definitions.raw["instruments"] if i["code"] == "swemwbs")
    assert len(swemwbs["items"]) == 7 and "THL" in swemwbs["licence"]
    # Weight and waist belong to the counsellor's register: never asked of the resident.
    asked = definitions.instruments(ReferralKind.EXERCISE, Timepoint.M12, staff=False)
    assert "fitness" not in {i["code"] for i in asked}
    assert "fitness" in {
        i["code"] for i in definitions.instruments(ReferralKind.EXERCISE, Timepoint.M12, staff=True)
    }
    assert "fitness" not in {
        i["code"] for i in definitions.instruments(ReferralKind.WELFARE, Timepoint.BASELINE, staff=True)
    }


def test_scoring() -> None:
    scores = scores_from_answers(
        {
            **{k: int(v) for k, v in SWEMWBS.items()},
            "moderate_minutes": 100,
            "vigorous_minutes": 30,
            "strength_days": 2,
            "lonely": 4,
            "health": 2,
        }
    )
    assert scores.swemwbs == 25
    assert scores.meets_activity is True  # 100 + 2 x 30 = 160 >= 150, strength twice
    assert scores.lonely is True and scores.good_health is True
    partial = scores_from_answers(
        {"optimistic": 4, "moderate_minutes": 200, "vigorous_minutes": 0, "strength_days": 1}
    )
    assert partial.swemwbs is None and partial.meets_activity is False and partial.lonely is None


@pytest.mark.parametrize(
    "form",
    [{"lonely": "9"}, {"moderate_minutes": "lots"}, {"moderate_minutes": "-5"}, {"strength_days": "8"}, {}],
)
def test_bad_answers_are_refused(form: dict[str, str]) -> None:
    instruments = load_definitions().instruments(ReferralKind.EXERCISE, Timepoint.BASELINE, staff=True)
    with pytest.raises(InvalidInput):
        answers_from_form(instruments, form)


def test_follow_up_needs_its_own_consent_and_reaches_the_resident_when_due(
    session: Session, world: World
) -> None:
    referral = issue(session, world, kind=ReferralKind.EXERCISE).referral
    resident = Actor.resident(referral.id)
    with pytest.raises(InvalidInput):
        record_answers(session, referral, Timepoint.BASELINE, {"lonely": "2"}, actor=world.referrer, now=NOW)
    record_outcome_consent(
        session, referral, method="spoken", actor=world.referrer, now=NOW, months=(3, 6, 12)
    )
    baseline = record_answers(
        session,
        referral,
        Timepoint.BASELINE,
        {**SWEMWBS, "lonely": "4", "weight_kg": "81,5"},
        actor=world.referrer,
        now=NOW,
    )
    assert baseline.entered_by_staff and baseline.swemwbs == 25 and baseline.answers["weight_kg"] == 81.5

    today = NOW.date()
    assert list_due_requests(session, today=today) == []
    assert open_timepoints(session, referral, today=today) == []
    with pytest.raises(InvalidInput):  # not open yet for the resident
        record_answers(session, referral, Timepoint.M3, {"still_attending": "yes"}, actor=resident, now=NOW)

    later = NOW + timedelta(days=95)
    due = list_due_requests(session, today=later.date())
    assert [(r.referral_id, r.timepoint) for r in due] == [(referral.id, Timepoint.M3)]
    assert open_timepoints(session, referral, today=later.date()) == [Timepoint.M3]
    answer = record_answers(
        session,
        referral,
        Timepoint.M3,
        {"still_attending": "yes", **SWEMWBS, "relaxed": "5"},
        actor=resident,
        now=later,
    )
    assert not answer.entered_by_staff and answer.still_attending is True and answer.swemwbs == 27
    with pytest.raises(InvalidInput):  # the resident is never asked for weight
        record_answers(
            session,
            referral,
            Timepoint.M12,
            {"weight_kg": "80"},
            actor=resident,
            now=later + timedelta(days=300),
        )
    assert open_timepoints(session, referral, today=later.date()) == []
    assert [r.timepoint for r in list_responses(session, referral, actor=world.referrer)] == [
        Timepoint.BASELINE,
        Timepoint.M3,
    ]

    withdraw_outcome_consent(session, referral, actor=resident, now=later)
    assert list_due_requests(session, today=date(2028, 1, 1)) == []


def test_the_provider_never_sees_outcome_answers(session: Session, world: World) -> None:
    referral = issue(session, world).referral
    record_outcome_consent(session, referral, method="written", actor=world.referrer, now=NOW)
    with pytest.raises((PermissionDenied, ReferralNotFound)):
        list_responses(session, referral, actor=world.provider)
    with pytest.raises(ReferralNotFound):
        list_responses(session, referral, actor=world.other_provider)
    with pytest.raises(ReferralNotFound):
        record_outcome_consent(session, referral, method="written", actor=world.analyst, now=NOW)
    with pytest.raises(InvalidInput):
        record_outcome_consent(session, referral, method="telepathy", actor=world.referrer, now=NOW)
    # A welfare referral is followed up at 3 and 6 months only.
    due = list_due_requests(session, today=date(2028, 1, 1))
    assert sorted(r.timepoint.months for r in due if r.referral_id == referral.id) == [3, 6]


def test_anonymisation_keeps_scores_and_drops_answers(session: Session, world: World) -> None:
    from referrals.retention import strip_personal_data

    referral = issue(session, world).referral
    record_outcome_consent(session, referral, method="spoken", actor=world.referrer, now=NOW)
    answer = record_answers(
        session, referral, Timepoint.BASELINE, {**SWEMWBS, "lonely": "5"}, actor=world.referrer, now=NOW
    )
    strip_personal_data(session, referral, now=NOW)
    session.refresh(answer)
    assert answer.answers == {} and answer.swemwbs == 25 and answer.lonely is True
