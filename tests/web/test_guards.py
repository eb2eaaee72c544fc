"""Request guards and outage answers: allowed hosts, HEAD, readiness, the database down."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.settings import Settings
from web.hosts import host_allowed


def make_settings(tmp_path: Path, **kwargs: object) -> Settings:
    return Settings(data_dir=tmp_path, _env_file=None, **kwargs)  # type: ignore[arg-type]


def test_host_matching() -> None:
    allowed = ["tarjotin.example.fi", "*.hyvaks.fi"]
    assert host_allowed("tarjotin.example.fi", allowed)
    assert host_allowed("Tarjotin.Example.FI:443", allowed)
    assert host_allowed("lahti.hyvaks.fi", allowed)
    assert not host_allowed("hyvaks.fi.evil.example", allowed)
    assert not host_allowed("evil.example", allowed)
    assert not host_allowed("", allowed)
    assert host_allowed("[::1]:8000", ["[::1]"])


def test_a_foreign_host_is_refused_and_never_reflected_in_a_redirect(tmp_path: Path) -> None:
    from tarjotin.asgi import create_app

    app = create_app(make_settings(tmp_path, allowed_hosts="tarjotin.example.fi"))
    with TestClient(app, base_url="http://tarjotin.example.fi", raise_server_exceptions=False) as client:
        ok = client.get("/nope/", follow_redirects=False)
        assert ok.status_code != 400  # the own host passes (what it answers is not this test's concern)
        assert "evil" not in ok.headers.get("location", "")
        for path in ("/fi/search/", "/nope", "/fi/"):
            response = client.get(path, headers={"Host": "evil.example"}, follow_redirects=False)
            assert response.status_code == 400, path
            assert "location" not in response.headers
            assert "evil" not in response.text
        # Orchestrators probe by the container's address.
        assert client.get("/healthz", headers={"Host": "10.0.0.7:8000"}).status_code == 200


def test_head_answers_like_get(client: TestClient) -> None:
    for path in ("/fi/", "/healthz", "/api/v1/services", "/fi/search?q=uinti", "/static/app.css"):
        get = client.get(path, follow_redirects=False)
        head = client.head(path, follow_redirects=False)
        assert head.status_code == get.status_code == 200, path
        assert head.content == b""
        assert head.headers["content-type"] == get.headers["content-type"]
        if "content-length" in get.headers and "content-encoding" not in get.headers:
            assert head.headers["content-length"] == get.headers["content-length"], path
    assert client.head("/nope/at/all").status_code == 404


def test_ready_when_the_database_answers_whatever_search_does(client: TestClient) -> None:
    class Broken:
        name = "broken"

        def health(self) -> bool:
            return False

    client.app.state.search_index = Broken()  # type: ignore[attr-defined]
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "search": "unavailable", "search_pending_changes": 0},
    }
    client.app.state.search_index = None  # type: ignore[attr-defined]
    assert client.get("/readyz").json()["checks"]["search"] == "not configured"


def test_readiness_commits_before_it_answers(app, session) -> None:  # type: ignore[no-untyped-def]
    """Found by the fault suite (tests/hardening/test_outages.py): /readyz committed after its answer,
    so a database lost in between broke the request (an ERROR with a traceback, the connection dropped)."""
    from sqlalchemy.exc import OperationalError

    from app.db import get_session

    def lost_at_commit():  # type: ignore[no-untyped-def]
        yield session
        raise OperationalError("COMMIT", {}, ConnectionResetError("server closed the connection"))

    app.dependency_overrides[get_session] = lost_at_commit
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["error"] == "unavailable"


@pytest.mark.parametrize(
    "url",
    # Nothing listens on port 9; a directory cannot be opened as an SQLite file.
    ["postgresql://tarjotin@127.0.0.1:9/none", "sqlite:///{}"],
    ids=["postgresql", "sqlite"],
)
def test_a_database_outage_is_a_503_with_a_readable_page(tmp_path: Path, url: str) -> None:
    from tarjotin.asgi import create_app

    app = create_app(make_settings(tmp_path, database_url=url.format(tmp_path)))
    with TestClient(app, raise_server_exceptions=False) as client:
        api = client.get("/api/v1/services")
        assert api.status_code == 503
        assert api.headers["retry-after"] == "30"
        assert api.json()["error"] == "unavailable"
        page = client.get(f"/sv/services/{uuid.uuid4()}")
        assert page.status_code == 503
        assert "Tjänsten är tillfälligt otillgänglig" in page.text
        assert 'role="alert"' in page.text
        assert client.get("/readyz").status_code == 503
        assert client.get("/healthz").status_code == 200


def _tarjotin(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("OIDC_", "SECRET_KEY"))}
    environment.update(env, COLUMNS="40")
    tarjotin = Path(sys.executable).parent / "tarjotin"
    return subprocess.run(
        [str(tarjotin), *args], capture_output=True, text=True, env=environment, timeout=60, check=False
    )


def test_production_refusals_are_one_line(tmp_path: Path) -> None:
    base = {"DATA_DIR": str(tmp_path), "ENVIRONMENT": "production"}
    unsafe = _tarjotin("serve", "--port", "8450", **base)
    assert unsafe.returncode == 2
    assert unsafe.stderr.strip().splitlines() == [
        "cannot start: SECRET_KEY must be set to a random value of at least 32 characters in production"
    ]
    no_hosts = _tarjotin(
        "check-config",
        **base,
        SECRET_KEY="k" * 40,
        OIDC_ISSUER="https://id.example",
        OIDC_CLIENT_ID="x",
        OIDC_CLIENT_SECRET="y",
    )
    assert no_hosts.returncode == 2
    assert len(no_hosts.stderr.strip().splitlines()) == 1
    assert "ALLOWED_HOSTS" in no_hosts.stderr
    typo = _tarjotin("check-config", DATA_DIR=str(tmp_path), ENVIRONMENT="prod")
    assert typo.returncode == 2
    lines = typo.stderr.strip().splitlines()
    assert len(lines) == 1, typo.stderr
    assert "ENVIRONMENT" in lines[0] and "'development'" in lines[0] and "'production'" in lines[0]
    assert "'prod'" in lines[0]
