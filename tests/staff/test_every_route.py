"""Sweeps over every route of the app: sign-in is enforced on every staff route, and every answer
carries the security headers."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.settings import Settings
from tests.staff.routes import PUBLIC_STAFF_PATHS, app_routes

HEADERS = ("content-security-policy", "x-content-type-options", "referrer-policy", "permissions-policy")


def test_every_staff_route_requires_sign_in(app: FastAPI) -> None:
    routes = app_routes(app)
    assert any(route.path == "/api/v1/me" for route in routes)  # the walk sees included routers
    unguarded = [
        route.path
        for route in routes
        if route.path.startswith("/staff")
        and route.path not in PUBLIC_STAFF_PATHS
        and not route.requires_sign_in
    ]
    assert not unguarded, f"staff routes without require_actor: {unguarded}"


def test_anonymous_requests_to_staff_routes_get_401_or_a_sign_in_redirect(
    client: TestClient, app: FastAPI
) -> None:
    checked = 0
    for route in app_routes(app):
        if not route.requires_sign_in:
            continue
        for method in sorted(route.methods):
            response = client.request(method, route.example_path(), follow_redirects=False)
            where = f"{method} {route.path}"
            if route.path.startswith("/api/"):
                assert response.status_code == 401, where
                assert response.json()["error"] == "sign_in_required", where
            else:
                assert response.status_code == 303, where
                assert response.headers["location"].startswith("/staff/sign-in"), where
            checked += 1
    assert checked >= 15


def test_every_route_answers_with_the_security_headers(client: TestClient, app: FastAPI) -> None:
    paths = {route.example_path() for route in app_routes(app) if "GET" in route.methods}
    paths |= {"/static/app.css", "/no-such-page", "/api/v1/no-such-endpoint"}
    for path in sorted(paths):
        response = client.get(path, follow_redirects=False)
        for header in HEADERS:
            assert header in response.headers, f"{path}: no {header}"
        policy = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy, path
        assert "'unsafe-inline'" not in policy, path
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "geolocation=(self)" in response.headers["permissions-policy"]
        assert "strict-transport-security" not in response.headers  # only in production
        if path.startswith("/staff"):
            assert response.headers["cache-control"] == "no-store", path


def production_settings(settings: Settings) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=settings.data_dir,
        environment="production",
        secret_key="x" * 40,
        oidc_issuer="https://idp.example",
        oidc_client_id="c",
        oidc_client_secret="s",
        allowed_hosts=["testserver"],
    )


def test_production_adds_hsts(session, settings) -> None:  # type: ignore[no-untyped-def]
    from app.db import get_session
    from tarjotin.asgi import create_app

    production = production_settings(settings)
    application = create_app(production)

    def _session():  # type: ignore[no-untyped-def]
        yield session

    application.dependency_overrides[get_session] = _session
    with TestClient(application) as client:
        response = client.get("/healthz")
    assert response.headers["strict-transport-security"].startswith("max-age=")


@pytest.mark.parametrize("path", ["/", "/fi/", "/docs"])
def test_pages_have_no_inline_script(client: TestClient, path: str) -> None:
    import re

    body = client.get(path).text
    inline = [m for m in re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", body) if "application/json" not in m]
    # /docs too: the vendored Swagger UI is started by a static script (web/static/docs.js).
    assert not inline, f"{path}: inline script {inline}"
    assert not re.search(r"\sstyle=\"", body), f"{path}: inline style attribute"


def test_an_unexpected_error_still_carries_the_headers(app: FastAPI) -> None:
    from app.db import get_session

    def broken_session():  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")
        yield

    app.dependency_overrides[get_session] = broken_session
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/v1/services")
    assert response.status_code == 500
    for header in HEADERS:
        assert header in response.headers
