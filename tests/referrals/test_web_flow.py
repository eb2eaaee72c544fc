"""The whole loop through the web: the API issues, the resident answers on their pages, the provider works
on the staff pages, the referrer sees the outcome; and nothing of the resident reaches the logs."""

from __future__ import annotations

import logging
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from app.audit.models import AccessLogEntry
from app.settings import Settings
from tests.referrals.world import RESIDENT_EMAIL, RESIDENT_NAME, RESIDENT_PHONE, World, bearer, make_world

_CSRF = re.compile(r'name="csrftoken" value="([^"]+)"')


def _body(world: World) -> dict[str, object]:
    return {
        "kind": "welfare",
        "resident": {
            "name": RESIDENT_NAME,
            "phone": "040 123 4567",
            "email": RESIDENT_EMAIL,
            "contact_channel": "email",
            "contact_time": "aamupäivisin",
            "municipality": "398",
            "birth_year": 1948,
            "language": "sv",
        },
        "reasons": ["fall_risk"],
        "hopes": "Haluan liikkua varmemmin",
        "practical_needs": ["transport"],
        "service_ids": [str(world.service.id), str(world.second_service.id)],
        "consent": {
            "method": "spoken",
            "organisation_ids": [str(world.ngo.id)],
            "fields": ["name", "phone"],
            "informed": True,
        },
    }


def test_whole_loop_over_http(
    session: Session, client: TestClient, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    world = make_world(session)
    session.commit()
    secret = settings.secret_key.get_secret_value()
    referrer = bearer(world.referrer, secret)
    provider = bearer(world.provider, secret)

    issued = client.post("/api/v1/referrals", json=_body(world), headers=referrer)
    assert issued.status_code == 201, issued.text
    data = issued.json()
    assert data["status"] == "sent" and data["resident"]["phone"] == RESIDENT_PHONE
    link, code = data["resident_link"], data["short_code"]
    path = link.split("://", 1)[1].split("/", 1)[1]

    # The resident: the link alone shows a prompt for the code and nothing else.
    first = client.get(f"/{path}", follow_redirects=True)
    assert first.status_code == 200 and "/sv/r/" in str(first.url)
    assert "Tasapainoryhmä" not in first.text and RESIDENT_NAME not in first.text
    token = _CSRF.search(first.text).group(1)  # type: ignore[union-attr]
    page_url = str(first.url).split("testserver", 1)[1]
    wrong = client.post(page_url, data={"code": "AAAA-AAAA", "csrftoken": token})
    assert wrong.status_code == 422 and "4" in wrong.text
    right = client.post(page_url, data={"code": code, "csrftoken": token}, follow_redirects=True)
    assert right.status_code == 200 and "Tasapainoryhmä" in right.text
    version = re.search(r'name="version" value="(\d+)"', right.text).group(1)  # type: ignore[union-attr]
    chose = client.post(
        f"{page_url}/act",
        data={
            "action": "choose",
            "version": version,
            "service_id": str(world.service.id),
            "csrftoken": token,
        },
        follow_redirects=True,
    )
    assert chose.status_code == 200 and "Ditt val" in chose.text
    client.cookies.clear()

    # The provider sees only the consented fields, accepts, records two sessions and completes.
    referral_id = data["id"]
    seen = client.get(f"/api/v1/referrals/{referral_id}", headers=provider).json()
    assert set(seen["resident"]) == {"name", "phone"} and seen["hopes"] is None and seen["reasons"] is None
    assert [s["id"] for s in seen["services"]] == [str(world.service.id)]
    page = client.get(f"/staff/referrals/{referral_id}", headers=provider)
    assert page.status_code == 200 and RESIDENT_NAME in page.text and RESIDENT_EMAIL not in page.text

    def act(**form: str) -> None:
        current = client.get(f"/api/v1/referrals/{referral_id}", headers=provider).json()["version"]
        response = client.post(
            f"/staff/referrals/{referral_id}/act",
            data={**form, "version": str(current)},
            headers=provider,
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text[:500]

    act(action="accept")
    act(action="attend", other_date="2026-12-01", attended="yes")
    act(action="attend", other_date="2026-12-03", attended="yes")
    act(action="complete", reason="goal_met")

    # The referrer sees the outcome.
    outcome = client.get(f"/api/v1/referrals/{referral_id}", headers=referrer).json()
    assert (
        outcome["status"] == "completed"
        and outcome["outcome"] == "goal_met"
        and outcome["sessions_attended"] == 2
    )
    assert [e["to_status"] for e in outcome["timeline"]][-1] == "completed"
    listed = client.get("/staff/referrals?view=mine", headers=referrer)
    assert listed.status_code == 200 and RESIDENT_NAME in listed.text

    # Every staff read is in the access log, by identifiers and field names only.
    entries = session.scalars(
        select(AccessLogEntry).where(col(AccessLogEntry.entity_id) == referral_id)
    ).all()
    assert {e.action for e in entries} >= {"read", "change"}
    assert any(e.actor_id == str(world.provider.user_id) and e.action == "read" for e in entries)

    logs = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)
    for value in (RESIDENT_NAME, "Ylikangas", RESIDENT_PHONE, "401234567", RESIDENT_EMAIL, code):
        assert value not in logs, value


def test_api_validation_names_each_field(session: Session, client: TestClient, settings: Settings) -> None:
    world = make_world(session)
    session.commit()
    headers = bearer(world.referrer, settings.secret_key.get_secret_value())
    body = _body(world)
    body["resident"] = {**body["resident"], "phone": "12", "contact_channel": "sms"}  # type: ignore[dict-item]
    body["consent"] = {**body["consent"], "informed": False}  # type: ignore[dict-item]
    response = client.post("/api/v1/referrals", json=body, headers={**headers, "Accept-Language": "en"})
    assert response.status_code == 422
    fields = {d["parameter"] for d in response.json()["details"]}
    assert fields >= {"phone", "informed"}
    bad = client.post("/api/v1/referrals", json={"kind": "welfare"}, headers=headers)
    assert bad.status_code == 422
    assert (
        client.post(
            "/api/v1/referrals/not-an-id/transitions", json={"to": "accepted", "version": 1}, headers=headers
        ).status_code
        == 422
    )


def test_the_issuing_answer_is_the_referral_as_read(
    session: Session, client: TestClient, settings: Settings
) -> None:
    # The answer to issuing is built from what issuing wrote (consent, services, the sending), not read
    # back: it must be what reading the referral answers, plus the resident's link and code.
    world = make_world(session)
    session.commit()
    referrer = bearer(world.referrer, settings.secret_key.get_secret_value())
    for services in ([world.service, world.second_service], [world.service], []):
        body = {**_body(world), "service_ids": [str(s.id) for s in services]}
        issued = client.post("/api/v1/referrals", json=body, headers=referrer)
        assert issued.status_code == 201, issued.text
        answer = issued.json()
        assert answer.pop("resident_link").startswith("http") and answer.pop("short_code")
        read = client.get(f"/api/v1/referrals/{answer['id']}", headers=referrer)
        assert read.status_code == 200 and answer == read.json()
        assert [s["id"] for s in answer["services"]] == [str(s.id) for s in services]
        assert [e["to_status"] for e in answer["timeline"]] == ["sent"]
