"""Production refuses demo sign-in, demo users and demo tokens, each with a one-line reason."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session
from typer.testing import CliRunner

from app.accounts.tokens import person_token
from app.db import get_session
from app.settings import Settings
from tests.staff.test_every_route import production_settings


@pytest.fixture
def production_client(session: Session, settings: Settings, demo_staff: dict) -> Iterator[TestClient]:
    from tarjotin.asgi import create_app

    application = create_app(production_settings(settings))

    def _session() -> Iterator[Session]:
        yield session

    application.dependency_overrides[get_session] = _session
    with TestClient(application, base_url="https://testserver") as client:
        yield client


def test_no_demo_sign_in_in_production(production_client: TestClient) -> None:
    page = production_client.get("/staff/sign-in")
    assert page.status_code == 200
    assert "/staff/sign-in/demo" not in page.text
    assert "/staff/sign-in/oidc" in page.text
    token = page.text.split('name="csrftoken" value="')[1].split('"')[0]
    response = production_client.post(
        "/staff/sign-in/demo", data={"email": "yllapitaja@demo.example", "csrftoken": token}
    )
    assert response.status_code == 403
    assert "ENVIRONMENT=production" in response.text
    assert production_client.get("/staff/", follow_redirects=False).status_code == 303


def test_no_personal_tokens_in_production(production_client: TestClient, demo_staff: dict) -> None:
    token = person_token(uuid.UUID(demo_staff["yllapitaja@demo.example"]), "x" * 40)
    response = production_client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_session_cookie_is_secure_http_only_and_lax_behind_https(
    session: Session, settings: Settings, demo_staff: dict
) -> None:
    from tarjotin.asgi import create_app

    https = Settings(_env_file=None, data_dir=settings.data_dir, base_url="https://tarjotin.example")  # type: ignore[call-arg]
    application = create_app(https)

    def _session():  # type: ignore[no-untyped-def]
        yield session

    application.dependency_overrides[get_session] = _session
    with TestClient(application, base_url="https://testserver") as client:
        page = client.get("/staff/sign-in")
        assert "secure" in page.headers["set-cookie"].lower()  # the CSRF cookie
        token = page.text.split('name="csrftoken" value="')[1].split('"')[0]
        response = client.post(
            "/staff/sign-in/demo",
            data={"email": "hoitaja@demo.example", "csrftoken": token},
            follow_redirects=False,
        )
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("tarjotin_session="))
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"secure", "httponly", "samesite=lax"} <= flags
    assert "max-age=36000" in flags  # the absolute timeout, 10 hours


@pytest.mark.parametrize(
    "args", [["demo", "users"], ["demo", "token", "yllapitaja@demo.example"], ["demo", "staff"]]
)
def test_cli_refuses_demo_commands_in_production(
    args: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from app.settings import get_settings
    from tarjotin.cli import cli

    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, args)
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "not available in production" in result.output
    assert len(result.output.strip().splitlines()) == 1
