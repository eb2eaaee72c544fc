"""Demo follow-up answers for the demo referrals, so the follow-up dashboard shows outcome figures.

Driven through the real use cases (consent, answers by the referrer as if typed in from a phone call):
about two in three residents agree to follow-up; each gets a baseline, and those whose referral reached the
activity and is three months old answer again, mostly a little better off. Only demo referrals are touched.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from app.accounts.models import UserAccount
from app.accounts.service import actor_for_user
from referrals.measures import SWEMWBS_ITEMS, Timepoint
from referrals.models import Referral, ReferralEvent
from referrals.outcomes import record_answers, record_outcome_consent
from referrals.status import ReferralStatus

STARTED = (ReferralStatus.CONTACTED, ReferralStatus.IN_PROGRESS)


def _answers(rng: random.Random, *, better: int) -> dict[str, str]:
    answers = {item: str(min(5, max(1, rng.choice((2, 2, 3, 3, 4)) + better))) for item in SWEMWBS_ITEMS}
    answers["lonely"] = str(max(1, min(5, rng.choice((3, 4, 4, 5)) - better)))
    answers["health"] = str(rng.choice((2, 3, 3, 4)))
    answers["moderate_minutes"] = str(rng.choice((0, 30, 60, 90, 120)) + 60 * better)
    answers["vigorous_minutes"] = str(rng.choice((0, 0, 20)))
    answers["strength_days"] = str(rng.choice((0, 1, 1, 2)) + better)
    return answers


def add_demo_outcomes(session: Session, *, now: datetime, seed: int = 17) -> int:
    rng = random.Random(seed)
    referrals = session.scalars(
        select(Referral).where(col(Referral.is_demo).is_(True)).order_by(col(Referral.sent_at))
    ).all()
    answered = 0
    for referral in referrals:
        if referral.sent_at is None or referral.referrer_user_id is None or rng.random() > 0.65:
            continue
        user = session.get(UserAccount, referral.referrer_user_id)
        if user is None:
            continue
        referrer = actor_for_user(session, user)
        start = referral.sent_at
        record_outcome_consent(session, referral, method="spoken", actor=referrer, now=start)
        record_answers(
            session, referral, Timepoint.BASELINE, _answers(rng, better=0), actor=referrer, now=start
        )
        answered += 1
        reached = session.scalar(
            select(col(ReferralEvent.id)).where(
                col(ReferralEvent.referral_id) == referral.id, col(ReferralEvent.to_status).in_(STARTED)
            )
        )
        at = start + timedelta(days=92)
        if reached is not None and at < now:
            follow_up = _answers(rng, better=rng.choice((0, 1, 1, 1)))
            follow_up["still_attending"] = (
                "yes" if referral.status is not ReferralStatus.DISCONTINUED else "no"
            )
            record_answers(session, referral, Timepoint.M3, follow_up, actor=referrer, now=at)
    session.flush()
    return answered
