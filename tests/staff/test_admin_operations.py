"""Administration of operations: sync runs (list, errors, run again) and retention settings, admins only."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.audit.models import AuditEvent
from app.catalogue.models import SyncError, SyncRun
from app.catalogue.sync_requests import SyncRequest, SyncRequestStatus
from app.retention.models import RetentionSetting
from app.retention.values import effective
from app.settings import Settings
from app.timeutil import utcnow
from referrals.service import local_today
from tests.staff.conftest import csrf_token, sign_in

ADMIN = "yllapitaja@demo.example"
NURSE = "hoitaja@demo.example"
STARTED = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def _runs(session: Session) -> tuple[SyncRun, SyncRun]:
    done = SyncRun(
        source="ptv",
        mode="full",
        status="succeeded",
        started_at=STARTED,
        finished_at=STARTED + timedelta(minutes=4),
        created=120,
        updated=7,
        unchanged=3000,
        retired=2,
        failed=1,
        seen=3128,
        pages=32,
        options={"from_dir": None, "full": True, "demo": False},
    )
    dead = SyncRun(
        source="lahella", mode="incremental", status="abandoned", started_at=STARTED - timedelta(days=1)
    )
    session.add_all([done, dead])
    session.flush()
    assert done.id is not None
    session.add(
        SyncError(
            run_id=done.id, stage="map", external_id="svc-77", page="page 3", message="MappingError: no name"
        )
    )
    session.commit()
    return done, dead


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/staff/admin/sync-runs"),
        ("GET", "/staff/admin/sync-runs/1"),
        ("POST", "/staff/admin/sync-runs/1/again"),
        ("GET", "/staff/admin/retention"),
        ("POST", "/staff/admin/retention"),
    ],
)
def test_only_administrators_reach_the_pages(
    client: TestClient, demo_staff: dict, method: str, path: str
) -> None:
    sign_in(client, NURSE)
    token = csrf_token(client, "/staff/")
    response = client.request(method, path, data={"csrftoken": token} if method == "POST" else None)
    assert response.status_code == 403
    start = client.get("/staff/").text
    assert "/staff/admin/sync-runs" not in start and "/staff/admin/retention" not in start


def test_a_post_without_the_csrf_token_is_refused(
    client: TestClient, demo_staff: dict, session: Session
) -> None:
    done, _ = _runs(session)
    sign_in(client, ADMIN)
    assert client.post(f"/staff/admin/sync-runs/{done.id}/again", data={}).status_code == 403
    assert session.exec(select(SyncRequest)).first() is None


def test_runs_are_listed_with_status_counts_and_errors(
    client: TestClient, demo_staff: dict, session: Session
) -> None:
    done, dead = _runs(session)
    sign_in(client, ADMIN)
    assert "/staff/admin/sync-runs" in client.get("/staff/").text  # in the administrator's navigation
    page = client.get("/staff/admin/sync-runs")
    assert page.status_code == 200
    text = page.text
    assert "Keskeytynyt: sen prosessi päättyi" in text  # the abandoned run, in Finnish
    assert "Onnistui" in text
    assert "<td>120</td><td>7</td><td>3000</td>" in text
    assert "2026-12-07 10:00" in text  # started 08:00 UTC is 10:00 in Finland
    detail = client.get(f"/staff/admin/sync-runs/{done.id}")
    assert "svc-77" in detail.text and "MappingError: no name" in detail.text and "page 3" in detail.text
    assert client.get(f"/staff/admin/sync-runs/{dead.id}").status_code == 200
    assert client.get("/staff/admin/sync-runs/999999").status_code == 404
    assert client.get("/staff/admin/sync-runs?page=0").status_code == 422


def test_runs_are_paged(client: TestClient, demo_staff: dict, session: Session) -> None:
    for n in range(30):
        session.add(
            SyncRun(
                source="ptv",
                mode="incremental",
                status="succeeded",
                started_at=STARTED - timedelta(hours=n),
                created=n,
            )
        )
    session.commit()
    sign_in(client, ADMIN)
    first = client.get("/staff/admin/sync-runs").text
    second = client.get("/staff/admin/sync-runs?page=2").text
    assert 'href="?page=2"' in first
    assert len(re.findall(r'href="/staff/admin/sync-runs/\d+">\d+</a>', first)) == 25
    assert len(re.findall(r'href="/staff/admin/sync-runs/\d+">\d+</a>', second)) == 5


def test_run_again_records_a_request_and_starts_the_runner_after_the_response(
    client: TestClient, demo_staff: dict, session: Session, app: FastAPI
) -> None:
    done, _ = _runs(session)
    started: list[str] = []
    # The runner is a process (tarjotin/sync_runner.py, tested in tests/integrations/test_sync_requests.py);
    # this test's database lives in a transaction it could not see, so here the start is only counted.
    app.state.start_requested_syncs = lambda: started.append("runner")
    sign_in(client, ADMIN)
    token = csrf_token(client, "/staff/admin/sync-runs")
    response = client.post(
        f"/staff/admin/sync-runs/{done.id}/again",
        data={"csrftoken": token, "full": "true"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert started == ["runner"]
    request = session.exec(select(SyncRequest)).one()
    assert (request.source, request.full, request.status) == ("ptv", True, SyncRequestStatus.PENDING)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "sync.requested")).one()
    assert event.actor_label == f"user:{demo_staff[ADMIN]}" and event.details["source"] == "ptv"
    page = client.get(response.headers["location"]).text  # in the administrator's language, Finnish
    assert "Synkronointia pyydettiin" in page and "Odottaa alkamista" in page
    again = client.post(f"/staff/admin/sync-runs/{done.id}/again", data={"csrftoken": token})
    assert again.status_code == 409  # one waiting request per source: a double click starts one sync
    assert started == ["runner"]


def test_retention_settings_default_from_settings_and_changes_are_audited(
    client: TestClient, demo_staff: dict, session: Session, settings: Settings
) -> None:
    sign_in(client, ADMIN)
    page = client.get("/staff/admin/retention")
    assert page.status_code == 200
    assert f'value="{settings.referral_retention_months}"' in page.text
    token = csrf_token(client, "/staff/admin/retention")
    form = {
        "csrftoken": token,
        "referral_retention_months": "36",
        "referral_response_days": "21",
        "referral_reminder_days": str(settings.referral_reminder_days),
        "referral_link_days": str(settings.referral_link_days),
        "follow_up_months": ["3", "12"],
    }
    saved = client.post("/staff/admin/retention", data=form, follow_redirects=False)
    assert saved.status_code == 303
    values = effective(session, settings)
    assert values.referral_retention_months == 36 and values.referral_response_days == 21
    assert values.follow_up_months == (3, 12)
    assert values.referral_reminder_days == settings.referral_reminder_days
    assert {row.key for row in session.exec(select(RetentionSetting)).all()} == {
        "referral_retention_months",
        "referral_response_days",
        "follow_up_months",
    }
    events = {
        e.entity_id: e.details
        for e in session.exec(
            select(AuditEvent).where(AuditEvent.action == "retention_setting.changed")
        ).all()
    }
    assert events["referral_retention_months"] == {"old": settings.referral_retention_months, "new": 36}
    assert events["follow_up_months"] == {"old": [3, 6, 12], "new": [3, 12]}
    # The referral form proposes the new answer time at once.
    sign_in(client, NURSE)
    new_referral = client.get("/staff/referrals/new").text
    expected = (local_today(utcnow()) + timedelta(days=21)).isoformat()
    assert f'value="{expected}"' in new_referral


@pytest.mark.parametrize(
    ("field", "value"),
    [("referral_retention_months", "0"), ("referral_response_days", "many"), ("follow_up_months", "5")],
)
def test_a_bad_value_is_refused_in_the_language_of_the_page(
    client: TestClient, demo_staff: dict, session: Session, settings: Settings, field: str, value: str
) -> None:
    sign_in(client, ADMIN)
    token = csrf_token(client, "/staff/admin/retention")
    form: dict[str, object] = {
        "csrftoken": token,
        "referral_retention_months": "24",
        "referral_response_days": "14",
        "referral_reminder_days": "7",
        "referral_link_days": "60",
        "follow_up_months": ["3"],
    }
    form[field] = value
    response = client.post("/staff/admin/retention", data=form)
    assert response.status_code == 422
    assert "Anna kokonaisluku" in response.text or "Valitse seurantakuukaudet" in response.text
    assert session.exec(select(RetentionSetting)).first() is None


def test_follow_up_months_chosen_by_the_administrator_plan_the_questionnaires(
    session: Session, settings: Settings
) -> None:
    from referrals.measures import Timepoint
    from referrals.models import Referral
    from referrals.outcomes import timepoints_for
    from referrals.status import ReferralKind

    session.add(RetentionSetting(key="follow_up_months", value=[6], changed_by="user:x"))
    session.flush()
    months = effective(session, settings).follow_up_months
    referral = Referral(  # type: ignore[call-arg]
        kind=ReferralKind.WELFARE,
        respond_by=date(2026, 12, 21),
        referrer_organisation_id=uuid.uuid4(),
        municipality_code="398",
    )
    assert timepoints_for(referral, months) == [Timepoint.BASELINE, Timepoint.M6]
