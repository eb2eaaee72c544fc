"""The administrator's operations pages in a real browser: sync runs, one run's errors, the retention
settings and the theme mapping, axe-clean at 360 and 1280 px; the retention form saves through the page (CSRF and all)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from app.catalogue.models import SyncError, SyncRun
from tests.servers import free_port, require
from tests.staff.browser.live_app import live_app, staff_site
from tests.web.browser.conftest import CHROMIUM, CHROMIUM_ARGS, run_axe


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    require(CHROMIUM.exists(), "Chromium", f"install Debian's chromium (expected at {CHROMIUM})")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    started = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    with staff_site(tmp_path_factory, "admin-live") as (data_dir, session):
        for n in range(30):
            session.add(
                SyncRun(
                    source="ptv" if n % 2 else "lahella",
                    mode="incremental",
                    status="succeeded" if n % 5 else "abandoned",
                    started_at=started - timedelta(hours=n),
                    finished_at=started - timedelta(hours=n) + timedelta(minutes=3),
                    created=n,
                    unchanged=900,
                )
            )
        failed = SyncRun(
            source="ptv",
            mode="full",
            status="incomplete",
            started_at=started,
            failed=2,
            message="incomplete crawl",
        )
        session.add(failed)
        session.flush()
        assert failed.id is not None
        for n in range(2):
            session.add(
                SyncError(
                    run_id=failed.id, stage="map", external_id=f"svc-{n}", message="MappingError: no name"
                )
            )
        run_id = failed.id
    with live_app(data_dir, port):
        yield url, run_id


@pytest.fixture
def page(server: tuple[str, int]):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    url, _ = server
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        context = chromium.new_context(locale="fi-FI")
        context.set_default_timeout(30_000)
        context.route(
            "**/*", lambda route: route.continue_() if route.request.url.startswith(url) else route.abort()
        )
        page = context.new_page()
        page.goto(f"{url}/staff/sign-in")
        page.locator("form:has(input[value='yllapitaja@demo.example']) button").click()
        page.wait_for_url(f"{url}/staff/")
        try:
            yield page
        finally:
            context.close()
            chromium.close()


@pytest.mark.parametrize(
    "path",
    [
        "/staff/admin/sync-runs",
        "/staff/admin/sync-runs/{run}",
        "/staff/admin/retention",
        "/staff/admin/theme-mapping",
        "/staff/admin/theme-mapping/edit?taxonomy=ptv_service_class&code=P27.1",
    ],
)
def test_operations_pages_are_axe_clean(server: tuple[str, int], page, path: str) -> None:  # type: ignore[no-untyped-def]
    url, run_id = server
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        response = page.goto(url + path.replace("{run}", str(run_id)))
        assert response is not None and response.status == 200, path
        assert run_axe(page) == [], (path, width)


def test_administrator_reaches_the_pages_from_the_navigation_and_saves_retention(  # type: ignore[no-untyped-def]
    server: tuple[str, int], page
) -> None:
    url, _ = server
    page.get_by_role("link", name="Synkronointiajot").first.click()
    page.wait_for_url(f"{url}/staff/admin/sync-runs")
    assert "Keskeytynyt: sen prosessi päättyi" in page.locator("main").inner_text()
    page.get_by_role("link", name="Vanhemmat ajot").click()
    page.wait_for_url(f"{url}/staff/admin/sync-runs?page=2")
    page.get_by_role("link", name="Säilytys ja seuranta").first.click()
    page.get_by_label("Kuukaudet, joiden jälkeen päättynyt lähete anonymisoidaan").fill("36")
    page.get_by_label("12 kuukauden kohdalla").uncheck()
    page.get_by_role("button", name="Tallenna asetukset").click()
    page.wait_for_url(f"{url}/staff/admin/retention?saved=true")
    assert page.get_by_role("status").first.inner_text() == "Asetukset tallennettiin."
    assert (
        page.get_by_label("Kuukaudet, joiden jälkeen päättynyt lähete anonymisoidaan").input_value() == "36"
    )
    assert not page.get_by_label("12 kuukauden kohdalla").is_checked()
    assert run_axe(page) == []
