"""Sign-in end to end: headless Chromium, our app under uvicorn and a real OpenID provider on loopback.

The provider is the npm package oidc-provider (tests/staff/browser/oidc_provider.mjs), started here on a free
port; the app is configured for it only through the documented OIDC_* settings.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from app.accounts.demo import seed_demo_staff
from app.catalogue.codes import load_code_tables
from app.db import make_engine
from app.settings import Settings
from tests.conftest import run_migrations
from tests.servers import free_port, require
from tests.web.browser.conftest import CHROMIUM, CHROMIUM_ARGS, run_axe

ROOT = Path(__file__).resolve().parents[3]
PROVIDER_SCRIPT = Path(__file__).with_name("oidc_provider.mjs")
OIDC_PACKAGE = ROOT / "node_modules" / "oidc-provider"
CLIENT_ID, CLIENT_SECRET = "tarjotin-test", "loopback-secret-not-for-production"
HOLLOLA_BUSINESS_ID = "9971249-6"  # a demo organisation; the IdP's role maps to a referrer there


def _wait_for(url: str, process: subprocess.Popen[bytes], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not start within {timeout:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    node = shutil.which("node")
    require(node is not None, "Node.js", "install nodejs (the OpenID provider of this test runs on it)")
    require(OIDC_PACKAGE.exists(), "oidc-provider", "run `make node` (npm ci)")
    require(CHROMIUM.exists(), "Chromium", f"install Debian's chromium (expected at {CHROMIUM})")
    app_port, idp_port = free_port(), free_port()
    app_url, issuer = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{idp_port}"
    data_dir = tmp_path_factory.mktemp("oidc-live")
    engine = make_engine(f"sqlite:///{data_dir / 'tarjotin.sqlite3'}")
    run_migrations(engine)
    with Session(engine) as session:
        load_code_tables(session)
        seed_demo_staff(session, Settings(data_dir=data_dir, _env_file=None))  # type: ignore[call-arg]
        session.commit()
    engine.dispose()
    provider = subprocess.Popen(
        [str(node), str(PROVIDER_SCRIPT)],
        cwd=ROOT,
        env={
            **os.environ,
            "OIDC_PORT": str(idp_port),
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_REDIRECT_URI": f"{app_url}/staff/auth/callback",
            "OIDC_POST_LOGOUT_URI": f"{app_url}/staff/signed-out",
        },
    )
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("SEARCH_INDEX_DIR", "DATABASE_URL")},
        "DATA_DIR": str(data_dir),
        "ENVIRONMENT": "development",
        "MEILISEARCH_URL": "",
        "BASE_URL": app_url,
        "OIDC_ISSUER": issuer,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_SCOPES": "openid profile email roles",
        "OIDC_ROLE_MAPPING": f"hyte-lahettaja=referrer@{HOLLOLA_BUSINESS_ID}",
    }
    app = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "tarjotin.asgi:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(app_port),
            "--log-level",
            "warning",
        ],
        cwd=data_dir,
        env=env,
    )
    try:
        _wait_for(f"{issuer}/.well-known/openid-configuration", provider, "oidc-provider")
        _wait_for(f"{app_url}/healthz", app, "the app")
        yield app_url, issuer
    finally:
        _stop(app)
        _stop(provider)


@pytest.fixture
def page(servers: tuple[str, str], tmp_path: Path):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    app_url, issuer = servers
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="fi-FI")
        context.set_default_timeout(30_000)
        # Only our two loopback servers: the provider's pages ask for web fonts, which are refused.
        context.route(
            "**/*",
            lambda route: (
                route.continue_() if route.request.url.startswith((app_url, issuer)) else route.abort()
            ),
        )
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            browser.close()


def _sign_in_at_provider(page, login: str) -> None:  # type: ignore[no-untyped-def]
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "any")
    page.click("button[type=submit]")
    page.click("button:has-text('Continue')")  # the provider's consent page


def test_referrer_signs_in_through_the_provider_and_out_again(page, servers) -> None:  # type: ignore[no-untyped-def]
    app_url, issuer = servers
    page.goto(f"{app_url}/staff/")
    assert "/staff/sign-in" in page.url  # not signed in: sent to the sign-in page, `next` kept
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.click("a:has-text('Kirjaudu organisaatiosi tunnuksilla')")
    assert page.url.startswith(issuer)
    authorize = next(url for url in requested if url.startswith(f"{issuer}/auth?"))
    assert "code_challenge_method=S256" in authorize  # PKCE (the provider also requires it)
    _sign_in_at_provider(page, "rita")
    page.wait_for_url(f"{app_url}/staff/")
    # Her start page, in her language (the locale claim), with the role the claims mapping gives her.
    assert page.get_attribute("html", "lang") == "sv"
    assert page.locator("h1").inner_text() == "Välkommen, Rita Remissgivare"
    assert "Remitterande" in page.locator(".grants").inner_text()
    assert "Hollolan kunta" in page.locator(".grants").inner_text()

    page.click("button:has-text('Logga ut')")
    assert page.url.startswith(issuer)  # RP-initiated sign-out at the provider
    page.click("button[name=logout]")
    page.wait_for_url(f"{app_url}/staff/signed-out")
    page.goto(f"{app_url}/staff/")
    assert "/staff/sign-in" in page.url
    response = page.request.get(f"{app_url}/api/v1/me")
    assert response.status == 401


def test_someone_without_roles_waits_for_access(page, servers) -> None:  # type: ignore[no-untyped-def]
    app_url, _issuer = servers
    page.goto(f"{app_url}/staff/sign-in/oidc")
    _sign_in_at_provider(page, "uusi")
    page.wait_for_url(f"{app_url}/staff/waiting")
    assert page.locator("h1").inner_text() == "Odotetaan käyttöoikeutta"
    page.goto(f"{app_url}/staff/")
    assert page.url == f"{app_url}/staff/waiting"


def test_staff_pages_pass_axe(page, servers) -> None:  # type: ignore[no-untyped-def]
    """Every staff page type, signed in on the demo sign-in page as the administrator."""
    app_url, _issuer = servers
    checked: dict[str, list] = {}

    def check(name: str) -> None:
        page.wait_for_load_state("load")
        checked[name] = run_axe(page)

    page.goto(f"{app_url}/staff/sign-in")
    check("sign-in")
    page.click("button:has-text('Ylva Ylläpitäjä')")
    page.wait_for_url(f"{app_url}/staff/")
    check("start")
    for path in (
        "/staff/admin/users",
        "/staff/admin/organisations",
        "/staff/admin/api-clients",
        "/staff/admin/access-log?subject=resident:0",
    ):
        page.goto(app_url + path)
        check(path)
    page.goto(f"{app_url}/staff/admin/users")
    page.click("table a >> nth=0")
    check("user")
    page.goto(f"{app_url}/staff/admin/organisations?q=Hollola")
    page.click("table a >> nth=0")
    check("organisation")
    page.click("button:has-text('Kirjaudu ulos')")
    page.wait_for_url(f"{app_url}/staff/signed-out")
    check("signed-out")
    violations = {name: found for name, found in checked.items() if found}
    assert not violations, violations
