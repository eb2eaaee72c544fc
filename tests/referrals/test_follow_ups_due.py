"""Follow-ups due: the professional's and the counsellor's lists filter and mark exercise referrals whose
follow-up date is near or past, until one of them marks it done (audited); no one else may."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from app.audit.models import AuditEvent
from app.settings import Settings
from app.timeutil import utcnow
from referrals.models import FollowUp, Referral
from referrals.queries import follow_ups_due
from referrals.service import local_today
from referrals.status import ReferralKind
from tests.referrals.world import World, bearer, issue, make_world


def _exercise(session: Session, world: World, days_from_today: int) -> tuple[Referral, FollowUp]:
    referral = issue(session, world, kind=ReferralKind.EXERCISE).referral
    follow_up = session.scalars(select(FollowUp).where(col(FollowUp.referral_id) == referral.id)).one()
    follow_up.due_on = local_today(utcnow()) + timedelta(days=days_from_today)
    session.add(follow_up)
    return referral, follow_up


def _listed(client: TestClient, headers: dict[str, str], view: str) -> str:
    # As the filter form sends it: "All" statuses is an empty status.
    response = client.get(f"/staff/referrals?view={view}&status=&followups=true", headers=headers)
    assert response.status_code == 200, response.text
    return response.text


def test_lists_show_follow_ups_due_until_marked_done(
    session: Session, client: TestClient, settings: Settings
) -> None:
    world = make_world(session)
    overdue, overdue_follow_up = _exercise(session, world, -3)
    due, _ = _exercise(session, world, 3)
    later, _ = _exercise(session, world, 60)
    welfare = issue(session, world).referral
    session.commit()
    secret = settings.secret_key.get_secret_value()
    counsellor, referrer = bearer(world.counsellor, secret), bearer(world.referrer, secret)

    for headers, view in ((counsellor, "inbox"), (referrer, "mine")):
        page = _listed(client, headers, view)
        assert f"/staff/referrals/{overdue.id}" in page and f"/staff/referrals/{due.id}" in page
        assert f"/staff/referrals/{later.id}" not in page and f"/staff/referrals/{welfare.id}" not in page
        assert 'class="overdue"' in page and 'class="follow-up-due"' in page
        assert "Seuranta myöhässä" in page and "Seuranta ajankohtainen" in page
    assert client.get("/staff/referrals?status=bogus", headers=referrer).status_code == 422
    # Without the filter every referral is listed, and the due ones are still marked.
    everything = client.get("/staff/referrals?view=mine", headers=referrer).text
    assert f"/staff/referrals/{later.id}" in everything and "Seuranta myöhässä" in everything

    detail = client.get(f"/staff/referrals/{overdue.id}", headers=counsellor).text
    assert "Merkitse seuranta tehdyksi" in detail
    done_path = f"/staff/referrals/{overdue.id}/follow-ups/{overdue_follow_up.id}/done"
    # The provider of another organisation and a referrer of another unit do not learn it exists.
    assert client.post(done_path, headers=bearer(world.other_provider, secret)).status_code == 404
    assert client.post(done_path, headers=bearer(world.stranger_referrer, secret)).status_code == 404
    # A follow-up of another referral is not found through this one.
    wrong = f"/staff/referrals/{due.id}/follow-ups/{overdue_follow_up.id}/done"
    assert client.post(wrong, headers=counsellor).status_code == 404

    response = client.post(done_path, headers=counsellor, follow_redirects=False)
    assert response.status_code == 303
    assert client.post(done_path, headers=counsellor, follow_redirects=False).status_code == 303  # once
    page = _listed(client, counsellor, "inbox")
    assert f"/staff/referrals/{overdue.id}" not in page and f"/staff/referrals/{due.id}" in page
    session.expire_all()
    marked = session.get(FollowUp, overdue_follow_up.id)
    assert marked is not None and marked.done_at is not None
    assert marked.done_by == world.counsellor.label
    events = session.scalars(
        select(AuditEvent).where(
            col(AuditEvent.action) == "referral.follow_up_done", col(AuditEvent.entity_id) == str(overdue.id)
        )
    ).all()
    assert len(events) == 1 and events[0].actor_label == world.counsellor.label


def test_closed_referrals_have_no_follow_up_due(session: Session) -> None:
    world = make_world(session)
    referral, _ = _exercise(session, world, -1)
    today = local_today(utcnow())
    assert follow_ups_due(session, [referral], today)[referral.id].overdue
    referral.status = referral.status.__class__("completed")
    assert follow_ups_due(session, [referral], today) == {}
