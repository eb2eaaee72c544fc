"""Administration pages: roles, units, local organisations, API clients (token shown once) and the access log."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.accounts.actor import Actor, Grant
from app.accounts.models import ApiClient, Membership, Role, UserAccount
from app.audit.access import log_access
from app.audit.models import AuditEvent
from app.timeutil import utcnow
from tests.staff.conftest import csrf_token, sign_in

ADMIN = "yllapitaja@demo.example"


def _pending_user(session: Session) -> UserAccount:
    user = UserAccount(oidc_issuer="https://idp.example", oidc_subject="s-1", display_name="Uusi Työntekijä")
    session.add(user)
    session.commit()
    return user


def test_non_admin_gets_403_on_admin_pages(client: TestClient, demo_staff: dict) -> None:
    sign_in(client, "hoitaja@demo.example")
    assert client.get("/staff/admin/users").status_code == 403
    page = client.get("/staff/")
    assert "/staff/admin/users" not in page.text  # the navigation shows only what the role allows


def test_admin_gives_a_waiting_user_a_role_in_a_unit(
    client: TestClient, demo_staff: dict, session: Session
) -> None:
    user = _pending_user(session)
    sign_in(client, ADMIN)
    users_page = client.get("/staff/admin/users")
    assert users_page.status_code == 200
    assert "Uusi Työntekijä" in users_page.text.split("<table")[0]  # listed as waiting for access
    nurse = session.exec(
        select(Membership).where(Membership.user_id == uuid.UUID(demo_staff["hoitaja@demo.example"]))
    ).one()
    token = csrf_token(client, f"/staff/admin/users/{user.id}")
    response = client.post(
        f"/staff/admin/users/{user.id}/roles",
        data={
            "organisation_id": str(nurse.organisation_id),
            "role": "referrer",
            "unit_id": str(nurse.unit_id),
            "csrftoken": token,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    granted = session.exec(select(Membership).where(Membership.user_id == user.id)).one()
    assert (granted.role, granted.unit_id) == (Role.REFERRER, nurse.unit_id)
    event = session.exec(
        select(AuditEvent).where(
            AuditEvent.action == "membership.granted", AuditEvent.entity_id == str(user.id)
        )
    ).one()
    assert event.actor_label == f"user:{demo_staff[ADMIN]}"
    assert event.details["role"] == "referrer"
    # A unit of another organisation is refused in the user's language.
    other_org = session.exec(
        select(Membership).where(Membership.user_id == uuid.UUID(demo_staff["vire@demo.example"]))
    ).one()
    bad = client.post(
        f"/staff/admin/users/{user.id}/roles",
        data={
            "organisation_id": str(other_org.organisation_id),
            "role": "referrer",
            "unit_id": str(nurse.unit_id),
            "csrftoken": token,
        },
    )
    assert bad.status_code == 422
    assert "unit" in bad.text.lower() or "yksikkö" in bad.text.lower()
    revoke = client.post(
        f"/staff/admin/users/{user.id}/roles/{granted.id}/revoke",
        data={"csrftoken": token},
        follow_redirects=False,
    )
    assert revoke.status_code == 303
    assert session.exec(select(Membership).where(Membership.user_id == user.id)).first() is None


def test_deactivated_user_is_signed_out_at_the_next_request(
    client: TestClient, demo_staff: dict, session: Session, app
) -> None:
    other = TestClient(app)
    sign_in(other, "hoitaja@demo.example")
    assert other.get("/staff/", follow_redirects=False).status_code == 200
    sign_in(client, ADMIN)
    token = csrf_token(client, "/staff/admin/users")
    nurse_id = demo_staff["hoitaja@demo.example"]
    client.post(f"/staff/admin/users/{nurse_id}/active", data={"active": "false", "csrftoken": token})
    assert other.get("/staff/", follow_redirects=False).status_code == 303


def test_local_organisation_and_unit(client: TestClient, demo_staff: dict) -> None:
    sign_in(client, ADMIN)
    token = csrf_token(client, "/staff/admin/organisations")
    created = client.post(
        "/staff/admin/organisations",
        data={
            "name": "Hollolan terveysasema",
            "kind": "wellbeing_county",
            "business_id": "",
            "csrftoken": token,
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    page = created.headers["location"]
    added = client.post(
        f"{page}/units", data={"name": "Neuvola", "code": "NEU", "csrftoken": token}, follow_redirects=True
    )
    assert "Neuvola" in added.text
    duplicate = client.post(f"{page}/units", data={"name": "Neuvola", "csrftoken": token})
    assert duplicate.status_code == 422
    assert "Hollolan terveysasema" in client.get("/staff/admin/organisations?q=terveysasema").text


def test_api_client_token_is_shown_once_and_works_until_revoked(
    client: TestClient, demo_staff: dict, session: Session
) -> None:
    sign_in(client, ADMIN)
    token = csrf_token(client, "/staff/admin/api-clients")
    nurse = session.exec(
        select(Membership).where(Membership.user_id == uuid.UUID(demo_staff["hoitaja@demo.example"]))
    ).one()
    created = client.post(
        "/staff/admin/api-clients",
        data={
            "name": "Potilastietojärjestelmä",
            "organisation_id": str(nurse.organisation_id),
            "role": "referrer",
            "unit_id": "",
            "csrftoken": token,
        },
    )
    assert created.status_code == 201
    bearer = re.search(r'id="new-token">(tjc_[^<]+)<', created.text).group(1)  # type: ignore[union-attr]
    stored = session.exec(select(ApiClient)).one()
    assert bearer.split("_")[-1] not in stored.secret_hash and len(stored.secret_hash) == 64
    assert bearer not in client.get("/staff/admin/api-clients").text  # never shown again
    api = TestClient(client.app)
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {bearer}"})
    assert me.status_code == 200
    assert me.json()["kind"] == "api_client"
    assert me.json()["roles"][0]["role"] == "referrer"
    client.post(f"/staff/admin/api-clients/{stored.id}/revoke", data={"csrftoken": token})
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {bearer}"}).status_code == 401
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.entity_id == str(stored.id))).all()
    assert set(actions) == {"api_client.created", "api_client.revoked"}


def test_expired_client_is_refused_and_busy_client_is_rate_limited(
    session: Session, demo_staff: dict, settings, app
) -> None:
    from app.accounts.service import create_api_client

    nurse = session.exec(
        select(Membership).where(Membership.user_id == uuid.UUID(demo_staff["hoitaja@demo.example"]))
    ).one()
    system = Actor.system("test")
    _old, expired = create_api_client(
        session,
        actor=system,
        name="old",
        organisation_id=nurse.organisation_id,
        role=Role.REFERRER,
        now=utcnow() - timedelta(days=2),
        valid_days=1,
    )
    _busy, busy = create_api_client(
        session,
        actor=system,
        name="busy",
        organisation_id=nurse.organisation_id,
        role=Role.REFERRER,
        now=utcnow(),
        valid_days=1,
    )
    session.commit()
    app.state.settings = settings.model_copy(update={"api_rate_limit": "3/minute"})
    api = TestClient(app)
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {expired}"}).status_code == 401
    statuses = [
        api.get("/api/v1/me", headers={"Authorization": f"Bearer {busy}"}).status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    limited = api.get("/api/v1/me", headers={"Authorization": f"Bearer {busy}"})
    assert limited.json()["error"] == "too_many_requests"
    assert int(limited.headers["retry-after"]) >= 1


def test_access_log_per_person(client: TestClient, demo_staff: dict, session: Session) -> None:
    nurse_id = uuid.UUID(demo_staff["hoitaja@demo.example"])
    nurse = session.exec(select(Membership).where(col(Membership.user_id) == nurse_id)).one()
    resident = uuid.uuid4()
    log_access(
        session,
        actor=Actor.person(nurse_id, [Grant(nurse.organisation_id, Role.REFERRER)]),
        action="read",
        entity_type="referral",
        entity_id=uuid.uuid4(),
        subject_ref=f"resident:{resident}",
        purpose="referral.view",
        fields=("phone",),
    )
    session.commit()
    sign_in(client, ADMIN)
    page = client.get(f"/staff/admin/access-log?subject={resident}")
    assert page.status_code == 200
    assert "Sanna Sairaanhoitaja" in page.text
    assert "referral.view" in page.text
    empty = client.get(f"/staff/admin/access-log?subject=resident:{uuid.uuid4()}")
    assert "Sanna" not in empty.text.split("<h2")[-1]


def test_non_admin_learns_nothing_from_an_admin_url(client: TestClient, demo_staff: dict) -> None:
    """The same 403 for a user who exists and one who does not: the answer does not confirm existence."""
    sign_in(client, "hoitaja@demo.example")
    real = client.get(f"/staff/admin/users/{demo_staff[ADMIN]}")
    made_up = client.get(f"/staff/admin/users/{uuid.uuid4()}")
    assert real.status_code == made_up.status_code == 403
    assert real.text == made_up.text


def test_admin_gets_404_for_what_does_not_exist(client: TestClient, demo_staff: dict) -> None:
    sign_in(client, ADMIN)
    assert client.get(f"/staff/admin/users/{uuid.uuid4()}").status_code == 404
    assert client.get(f"/staff/admin/organisations/{uuid.uuid4()}").status_code == 404
    token = csrf_token(client, "/staff/admin/api-clients")
    assert (
        client.post(f"/staff/admin/api-clients/{uuid.uuid4()}/revoke", data={"csrftoken": token}).status_code
        == 404
    )
    # A malformed id in a page address is a page that does not exist (as on the resident pages).
    assert client.get("/staff/admin/users/not-an-id").status_code == 404
