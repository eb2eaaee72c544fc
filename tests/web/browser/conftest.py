"""Browser tests: a real uvicorn server with a seeded SQLite catalogue and search index, and headless
Chromium (Debian's /usr/bin/chromium, never a downloaded browser) driven by Playwright.

On a laptop without Chromium the tests skip; with CI=true they fail (tests/servers.require).
Every request the page makes outside the test server is aborted: the tests never touch the network
(map tiles included).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlmodel import Session

from app.catalogue.codes import load_code_tables
from app.db import make_engine
from search.indexer import rebuild
from search.tantivy_index import TantivyIndex
from tests.conftest import run_migrations
from tests.servers import free_port, require
from tests.web.browser.seed import seed_catalogue

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True)
class LiveServer:
    url: str
    ids: dict[str, str]


def _wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the test server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the test server did not start within 60 s")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("live")
    engine = make_engine(f"sqlite:///{data_dir / 'tarjotin.sqlite3'}")
    run_migrations(engine)
    with Session(engine) as session:
        load_code_tables(session)
        ids = seed_catalogue(session)
        session.commit()
        rebuild(session, TantivyIndex(data_dir / "search-index"))
    engine.dispose()
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("SEARCH_INDEX_DIR", "DATABASE_URL")},
        "DATA_DIR": str(data_dir),
        "ENVIRONMENT": "development",
        "MEILISEARCH_URL": "",
        # Printed addresses and QR codes point to the test server.
        "BASE_URL": f"http://127.0.0.1:{port}",
        # Tiles from the test server itself: a 404 there is fine, a request to the Internet is not.
        "MAP_TILE_URL": f"http://127.0.0.1:{port}/tiles/{{z}}/{{x}}/{{y}}.png",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "tarjotin.asgi:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=data_dir,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process)
        yield LiveServer(url, ids)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory: pytest.TempPathFactory, live_server: LiveServer):  # type: ignore[no-untyped-def]
    require(CHROMIUM.exists(), "Chromium", f"install Debian's chromium (expected at {CHROMIUM})")
    from playwright.sync_api import sync_playwright

    user_data_dir = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(user_data_dir),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
            geolocation={"latitude": 60.98347, "longitude": 25.66012},  # sent on rounded to 60.983, 25.660
            permissions=["geolocation"],
            locale="fi-FI",
        )
        context.set_default_timeout(30_000)  # generous: CI machines are shared

        def only_the_test_server(route):  # type: ignore[no-untyped-def]
            if route.request.url.startswith(live_server.url) or route.request.url.startswith("data:"):
                return route.continue_()
            return route.abort()

        context.route("**/*", only_the_test_server)
        try:
            yield context
        finally:
            context.close()
    shutil.rmtree(user_data_dir, ignore_errors=True)


@pytest.fixture
def page(browser_context):  # type: ignore[no-untyped-def]
    page = browser_context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    page.close()
    assert not errors, f"JavaScript errors: {errors}"


def settled(page) -> None:  # type: ignore[no-untyped-def]
    """The page is loaded, htmx is idle, and any map has drawn its markers.

    Deterministic, unlike "network idle", which a busy shared machine can miss for long stretches."""
    page.wait_for_load_state("load")
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    if page.locator("[data-map]").count() and page.evaluate(
        "() => JSON.parse((document.querySelector('[data-map-points]') || {textContent: '[]'}).textContent).length"
    ):
        page.wait_for_selector(".leaflet-marker-icon, .marker-cluster")


def run_axe(page) -> list[dict]:  # type: ignore[no-untyped-def]
    """axe-core's WCAG 2.1 A/AA and best-practice rules on the current page; the violations."""
    require(AXE.exists(), "axe-core", "run `make node` (npm ci)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, not as a <script> element: the pages' CSP
        # (script-src 'self') rightly refuses inline scripts.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
            });
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary),
            }));
        }"""
    )


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    directory = ARTIFACTS / "screenshots"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
