"""Follow-up questions over HTTP: the resident answers through the link and code without signing in, staff
see the answers (access-logged, never the provider), the tick sends the questions once, and the dashboard's
outcome figures include the resident's answer."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from app.accounts.tokens import person_token
from app.audit.models import AccessLogEntry
from app.settings import Settings
from app.timeutil import utcnow
from referrals.followup import followup_report
from referrals.jobs import TickReport, send_outcome_questions
from referrals.measures import Timepoint
from referrals.models import NoticeKind, ReferralNotice
from referrals.outcome_models import OutcomeResponse
from referrals.outcomes import record_answers, record_outcome_consent
from referrals.service import issue_referral
from tests.referrals.world import make_world, referral_input, savepoint_sessions

_CSRF = re.compile(r'name="csrftoken" value="([^"]+)"')
WELLBEING = dict.fromkeys(
    ("optimistic", "useful", "relaxed", "problems", "clearly", "close", "own_mind"), "3"
)


def test_resident_answers_through_the_link_and_the_dashboard_counts_it(
    session: Session, client: TestClient, settings: Settings
) -> None:
    world = make_world(session)
    secret = settings.secret_key.get_secret_value()
    started = utcnow() - timedelta(days=100)
    issued_all = []
    for _ in range(5):
        issued = issue_referral(
            session, actor=world.referrer, data=referral_input(world), now=started, secret=secret
        )
        record_outcome_consent(session, issued.referral, method="spoken", actor=world.referrer, now=started)
        record_answers(
            session,
            issued.referral,
            Timepoint.BASELINE,
            {**WELLBEING, "lonely": "4"},
            actor=world.referrer,
            now=started,
        )
        issued_all.append(issued)
    for issued in issued_all[1:]:
        record_answers(
            session,
            issued.referral,
            Timepoint.M3,
            {**WELLBEING, "optimistic": "5", "lonely": "2"},
            actor=world.referrer,
            now=utcnow(),
        )
    session.commit()
    issued = issued_all[0]

    # The tick tells each resident once (four have answered through staff already; the tick does not ask
    # whether they answered: a request is sent once when due).
    report = TickReport()
    assert send_outcome_questions(savepoint_sessions(session), now=utcnow(), report=report) == 5
    assert send_outcome_questions(savepoint_sessions(session), now=utcnow(), report=report) == 0
    notices = session.scalars(
        select(ReferralNotice).where(col(ReferralNotice.kind) == NoticeKind.OUTCOME_QUESTIONS)
    ).all()
    assert len(notices) == 5

    # The resident: the link, the code, then the questions.
    prompt = client.get(f"/fi/r/{issued.link_token}")
    assert prompt.status_code == 200 and "Seurantakysymykset" not in prompt.text
    assert client.get(f"/fi/r/{issued.link_token}/followup/m3", follow_redirects=False).status_code == 303
    token = _CSRF.search(prompt.text).group(1)  # type: ignore[union-attr]
    page = client.post(
        f"/fi/r/{issued.link_token}",
        data={"code": issued.short_code, "csrftoken": token},
        follow_redirects=True,
    )
    assert "Vastaa seurantakysymyksiin" in page.text
    form = client.get(f"/fi/r/{issued.link_token}/followup/m3")
    assert form.status_code == 200 and "Kuinka usein tunnet itsesi yksinäiseksi?" in form.text
    assert "Paino" not in form.text  # the counsellor's measures are never asked of the resident
    bad = client.post(f"/fi/r/{issued.link_token}/followup/m3", data={"lonely": "7", "csrftoken": token})
    assert bad.status_code == 422
    sent = client.post(
        f"/fi/r/{issued.link_token}/followup/m3",
        data={**WELLBEING, "optimistic": "5", "lonely": "1", "still_attending": "yes", "csrftoken": token},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    answer = session.scalars(
        select(OutcomeResponse).where(
            col(OutcomeResponse.referral_id) == issued.referral.id,
            col(OutcomeResponse.timepoint) == Timepoint.M3,
        )
    ).one()
    assert not answer.entered_by_staff and answer.swemwbs == 23 and answer.still_attending is True
    client.cookies.clear()

    today = utcnow().date()
    figures = followup_report(
        session, municipality_codes=["398"], start=today - timedelta(days=200), end=today
    )
    assert figures.outcomes.pairs == 5 and figures.outcomes.swemwbs_change == 2.0
    assert figures.outcomes.lonely_baseline == 1.0 and figures.outcomes.lonely_follow_up == 0.0

    # Staff: the referrer reads the answers (logged); the provider may not; a stranger finds nothing.
    referrer = {"Authorization": f"Bearer {person_token(world.referrer.user_id, secret)}"}  # type: ignore[arg-type]
    provider = {"Authorization": f"Bearer {person_token(world.other_provider.user_id, secret)}"}  # type: ignore[arg-type]
    staff_page = client.get(f"/staff/referrals/{issued.referral.id}/followup", headers=referrer)
    assert staff_page.status_code == 200 and ">23<" in staff_page.text
    logged = session.scalars(
        select(AccessLogEntry).where(col(AccessLogEntry.entity_id) == str(issued.referral.id))
    ).all()
    assert any(entry.purpose == "follow-up" for entry in logged)
    assert client.get(f"/staff/referrals/{issued.referral.id}/followup", headers=provider).status_code == 404
