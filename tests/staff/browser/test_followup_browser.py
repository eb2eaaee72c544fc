"""Issue 17 in a real browser: a municipal analyst opens the follow-up dashboard over the demo months, sees
the charts and hidden small counts, and downloads the CSV and XLSX; the self-service, moderation, problem
report and catalogue-health pages are axe-clean at 360 and 1280 px."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from openpyxl import load_workbook

from app.timeutil import utcnow
from referrals.demo import load_demo_referrals
from tests.servers import free_port, require
from tests.staff.browser.live_app import SECRET, live_app, provider_services, staff_site
from tests.web.browser.conftest import CHROMIUM, CHROMIUM_ARGS, run_axe


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    require(CHROMIUM.exists(), "Chromium", f"install Debian's chromium (expected at {CHROMIUM})")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with staff_site(tmp_path_factory, "followup-live") as (data_dir, session):
        service_id = str(provider_services(session)[-1].id)
        load_demo_referrals(session, secret=SECRET, now=utcnow(), count=150)
    with live_app(data_dir, port):
        yield url, service_id


@pytest.fixture
def browser(server: tuple[str, str], tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    url, _ = server
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        context = chromium.new_context(locale="fi-FI", accept_downloads=True)
        context.set_default_timeout(30_000)
        context.route(
            "**/*", lambda route: route.continue_() if route.request.url.startswith(url) else route.abort()
        )
        try:
            yield context
        finally:
            context.close()
            chromium.close()


def _sign_in(page, url: str, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/staff/sign-in")
    page.locator(f"form:has(input[value='{email}']) button").click()
    page.wait_for_url(f"{url}/staff/")


def _no_small_counts(values: list[object]) -> None:
    for value in values:
        text = str(value)
        assert not (text.isdigit() and 0 < int(text) < 5), values


def test_analyst_sees_charts_and_downloads_the_figures(server: tuple[str, str], browser) -> None:  # type: ignore[no-untyped-def]
    url, _ = server
    page = browser.new_page()
    page.set_viewport_size({"width": 360, "height": 800})
    _sign_in(page, url, "analyytikko.lahti@demo.example")
    page.get_by_role("link", name="Lähetteiden seuranta").first.click()
    page.wait_for_url(f"{url}/staff/followup")
    assert page.locator("figure.chart svg[role=img]").count() >= 1
    table = page.locator("table.data-table").inner_text()
    assert "<5" in table  # some breakdowns of a few months' demo data are small
    assert "Lähetteestä toimintaan" in table
    assert run_axe(page) == []
    page.set_viewport_size({"width": 1280, "height": 900})
    assert run_axe(page) == []

    with page.expect_download() as csv_download:
        page.get_by_role("link", name="Lataa CSV-tiedostona").click()
    rows = list(csv.reader(io.StringIO(csv_download.value.path().read_text(encoding="utf-8"))))
    assert rows[0][:2] == ["Osio", "Koodi"] and any(r[1] == "funnel.sent" for r in rows)
    _no_small_counts([r[3] for r in rows[1:]])

    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="Lataa Excel-tiedostona (XLSX)").click()
    sheet = load_workbook(io.BytesIO(xlsx_download.value.path().read_bytes())).active
    cells = [cell for row in sheet.iter_rows(min_row=2, values_only=True) for cell in row if cell is not None]
    assert any(isinstance(cell, int) and cell >= 5 for cell in cells)
    _no_small_counts(cells)
    page.close()


@pytest.mark.parametrize(
    "email,path",
    [
        ("vire@demo.example", "/staff/listings"),
        ("vire@demo.example", "/staff/listings/{service}"),
        ("vire@demo.example", "/staff/listings/local/new"),
        ("moderaattori@demo.example", "/staff/moderation"),
        ("moderaattori@demo.example", "/staff/problems"),
        ("maakunta.analyytikko@demo.example", "/staff/catalogue-health"),
        (None, "/fi/services/{service}/problem"),
    ],
)
def test_issue_17_pages_are_axe_clean(server: tuple[str, str], browser, email: str | None, path: str) -> None:  # type: ignore[no-untyped-def]
    url, service_id = server
    page = browser.new_page()
    if email:
        _sign_in(page, url, email)
    target = path.replace("{service}", service_id)
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        response = page.goto(url + target)
        assert response is not None and response.status in (200, 403), (
            target,
            response.status if response else None,
        )
        if "vire" in (email or "") and "{service}" in path:
            assert response.status in (200, 403)
        assert run_axe(page) == [], target
    page.close()
