"""Fixtures of the staff side: demo staff seeded in the test's transaction, and signing in as one."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.accounts.demo import seed_demo_staff
from app.settings import Settings

_CSRF = re.compile(r'name="csrftoken" value="([^"]+)"')


@pytest.fixture
def demo_staff(session: Session, settings: Settings) -> dict[str, str]:
    """The demo staff by e-mail -> user id."""
    users = seed_demo_staff(session, settings)
    session.commit()
    return {str(user.email): str(user.id) for user in users}


def csrf_token(client: TestClient, path: str = "/staff/sign-in") -> str:
    page = client.get(path)
    match = _CSRF.search(page.text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def sign_in(client: TestClient, email: str, next_path: str = "/staff/") -> None:
    token = csrf_token(client)
    response = client.post(
        "/staff/sign-in/demo",
        data={"email": email, "next": next_path, "csrftoken": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
