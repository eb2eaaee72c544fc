"""Demo sign-in, the session, sign-out, CSRF and bearer tokens, through the real app."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.accounts.tokens import person_token
from app.settings import Settings
from tests.staff.conftest import csrf_token, sign_in


def test_anonymous_staff_page_redirects_to_sign_in_with_next(client: TestClient) -> None:
    response = client.get("/staff/?x=1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/sign-in?next=%2Fstaff%2F%3Fx%3D1"


def test_anonymous_api_gets_401_json(client: TestClient) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"] == "sign_in_required"
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_demo_sign_in_lands_on_start_page_in_the_users_language(client: TestClient, demo_staff: dict) -> None:
    sign_in(client, "tules@demo.example")  # a Swedish-speaking demo user
    page = client.get("/staff/")
    assert page.status_code == 200
    assert 'lang="sv"' in page.text
    assert "Tuomas Tuki" in page.text
    assert page.headers["cache-control"] == "no-store"
    me = client.get("/api/v1/me").json()
    assert me["kind"] == "person"
    assert me["roles"][0]["role"] == "provider_contact"
    assert me["roles"][0]["organisation"]["name"] == "Nastolan Tules-ryhmä ry"


def test_sign_in_redirects_to_next_but_never_off_site(client: TestClient, demo_staff: dict) -> None:
    token = csrf_token(client)
    response = client.post(
        "/staff/sign-in/demo",
        data={"email": "hoitaja@demo.example", "next": "//evil.example/x", "csrftoken": token},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/staff/"


def test_sign_out_ends_the_session(client: TestClient, demo_staff: dict) -> None:
    sign_in(client, "hoitaja@demo.example")
    token = csrf_token(client, "/staff/")
    response = client.post("/staff/sign-out", data={"csrftoken": token}, follow_redirects=False)
    assert response.headers["location"] == "/staff/signed-out"
    assert client.get("/staff/", follow_redirects=False).status_code == 303
    assert client.get("/api/v1/me").status_code == 401


def test_a_form_without_the_csrf_token_is_refused(client: TestClient, demo_staff: dict) -> None:
    sign_in(client, "hoitaja@demo.example")
    response = client.post("/staff/sign-out", data={}, follow_redirects=False)
    assert response.status_code == 403
    assert client.get("/staff/", follow_redirects=False).status_code == 200  # still signed in
    wrong = client.post("/staff/sign-out", data={"csrftoken": "forged"}, follow_redirects=False)
    assert wrong.status_code == 403


def test_htmx_requests_send_the_token_in_a_header(client: TestClient, demo_staff: dict) -> None:
    sign_in(client, "hoitaja@demo.example")
    page = client.get("/staff/")
    assert 'hx-headers=\'{"x-csrftoken": "' in page.text
    token = csrf_token(client, "/staff/")
    response = client.post(
        "/staff/language", data={"lang": "en"}, headers={"x-csrftoken": token}, follow_redirects=False
    )
    assert response.status_code == 303
    assert 'lang="en"' in client.get("/staff/").text


def test_unknown_demo_user_is_404(client: TestClient, demo_staff: dict) -> None:
    token = csrf_token(client)
    response = client.post("/staff/sign-in/demo", data={"email": "nobody@demo.example", "csrftoken": token})
    assert response.status_code == 404


def test_personal_bearer_token_works_and_is_exempt_from_csrf(
    client: TestClient, demo_staff: dict, settings: Settings
) -> None:
    token = person_token(
        __import__("uuid").UUID(demo_staff["yllapitaja@demo.example"]), settings.secret_key.get_secret_value()
    )
    headers = {"Authorization": f"Bearer {token}"}
    me = client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["roles"][0]["role"] == "admin"
    assert me.headers["cache-control"] == "no-store"
    bad = client.get("/api/v1/me", headers={"Authorization": "Bearer tjp_forged"})
    assert bad.status_code == 401
    assert 'error="invalid_token"' in bad.headers["www-authenticate"]
    # A bearer POST with cookies present is not a CSRF risk (no ambient credential is read).
    client.cookies.set("unrelated", "1")
    response = client.post("/staff/language", data={"lang": "sv"}, headers=headers, follow_redirects=False)
    assert response.status_code == 303
