"""Controls that need JavaScript are out of sight without it, and the print page shows either its
button or its hint, never both (walkthrough 2026-12-07: both were visible and dead)."""

from __future__ import annotations

import pytest

from tests.web.browser.conftest import LiveServer, settled

pytestmark = pytest.mark.browser


def test_javascript_controls_hidden_until_app_js_runs(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page.route("**/static/app.js*", lambda route: route.abort())  # as if JavaScript were off
    page.goto(live_server.url + "/fi/")
    assert page.locator("[data-geolocate]").count() == 1
    assert not page.locator("[data-geolocate]").is_visible()
    page.goto(live_server.url + "/fi/search?theme=liikunta")
    assert not page.locator("[data-geolocate]").is_visible()
    page.goto(live_server.url + f"/fi/services/{live_server.ids['senior_gym']}/print")
    assert not page.locator("[data-print]").is_visible()
    assert page.locator("[data-print-hint]").is_visible()
    page.unroute("**/static/app.js*")


def test_print_page_with_javascript_shows_the_button_only(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + f"/fi/services/{live_server.ids['senior_gym']}/print")
    settled(page)
    assert page.locator("[data-print]").is_visible()
    assert not page.locator("[data-print-hint]").is_visible()


def test_api_docs_render_from_vendored_swagger_ui(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    """/docs loads nothing from another site (the browser fixture aborts such requests) and its
    policy allows no inline script: the operations still render."""
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(live_server.url + "/docs")
    page.wait_for_selector(".opblock", timeout=30_000)
    assert page.locator(".opblock").count() > 5
    assert all(url.startswith(live_server.url) or url.startswith("data:") for url in requests), requests
