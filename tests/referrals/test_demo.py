"""Demo referrals: driven through the real use cases, every ending represented, nobody e-mailed, idempotent."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.accounts.demo import seed_demo_staff
from app.accounts.models import Membership, Role
from app.settings import Settings
from referrals.demo import load_demo_referrals
from referrals.models import Referral, ReferralNotice
from tests.factories import make_service
from tests.referrals.world import NOW, SECRET


def test_demo_referrals(session: Session, settings: Settings) -> None:
    seed_demo_staff(session, settings)
    providers = session.scalars(
        select(col(Membership.organisation_id)).where(
            col(Membership.role).in_([Role.PROVIDER_CONTACT, Role.PROVIDER_ADMIN])
        )
    ).all()
    for organisation_id in set(providers):
        for name in ("Tuolijumppa", "Kävelyryhmä"):
            from app.catalogue.models import Organisation

            organisation = session.get(Organisation, organisation_id)
            make_service(session, organisation=organisation, name_fi=name)
    report = load_demo_referrals(session, secret=SECRET, now=NOW, count=60)
    assert report.created == 60
    statuses = set(session.scalars(select(col(Referral.status))).all())
    assert len(statuses) >= 5, statuses
    assert (
        session.scalar(select(func.count()).select_from(Referral).where(col(Referral.is_demo).is_(False)))
        == 0
    )
    assert (
        session.scalar(
            select(func.count()).select_from(ReferralNotice).where(col(ReferralNotice.sent_at).is_(None))
        )
        == 0
    )
    assert load_demo_referrals(session, secret=SECRET, now=NOW, count=60).skipped
    # About two in three agreed to follow-up questions; those three months into an activity answered again.
    from referrals.outcome_models import OutcomeResponse

    baselines = session.scalar(
        select(func.count()).select_from(OutcomeResponse).where(col(OutcomeResponse.timepoint) == "baseline")
    )
    follow_ups = session.scalar(
        select(func.count()).select_from(OutcomeResponse).where(col(OutcomeResponse.timepoint) == "m3")
    )
    assert 20 <= (baselines or 0) <= 55 and (follow_ups or 0) >= 1
