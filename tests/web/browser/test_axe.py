"""axe-core finds no WCAG 2.1 A/AA (or best-practice) violation on any page type in fi, sv and en,
at a phone's and a desktop's width. Screenshots of each page type are saved to test-artifacts/."""

from __future__ import annotations

import pytest

from tests.web.browser.conftest import LiveServer, run_axe, screenshot, settled

PAGE_TYPES = {
    "front": "/{lang}/",
    "results": "/{lang}/search?theme=liikunta",
    "results-filtered": "/{lang}/search?q=jumppa&free=true&target=KR1.1&where=15110",
    "map": "/{lang}/search?theme=liikunta&view=map",
    "empty": "/{lang}/search?q=zzqxv&theme=luonto",
    "service": "/{lang}/services/{senior_gym}",
    "service-fallback": "/{lang}/services/{finnish_only}",
    "service-print": "/{lang}/services/{senior_gym}/print",
    "results-print": "/{lang}/search/print?theme=liikunta",
    "error": "/{lang}/services/00000000-0000-0000-0000-000000000001",
    "shortlist": "/{lang}/shortlist?{shortlist}",
    "shortlist-print": "/{lang}/shortlist/print?{shortlist}",
    "accessibility": "/{lang}/accessibility",
    "privacy": "/{lang}/privacy",
}

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
@pytest.mark.parametrize("kind", list(PAGE_TYPES))
def test_no_axe_violations(page, live_server: LiveServer, kind: str, lang: str, width: int) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": width, "height": 800})
    path = PAGE_TYPES[kind].format(lang=lang, **live_server.ids)
    page.goto(live_server.url + path)
    settled(page)
    if kind == "map":
        assert page.locator(".leaflet-container").count() == 1
    violations = run_axe(page)
    if lang == "sv" or kind in ("front", "results", "service"):
        screenshot(page, f"{kind}-{lang}-{width}")
    assert violations == [], f"{kind} in {lang} at {width}px: {violations}"
