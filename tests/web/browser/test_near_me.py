"""'Near me' on a 360 px phone: a street in several towns asks which, a place not found filters nothing
and shows no location chip, a place outside the area says so; the map shows the searched place and
the radius."""

from __future__ import annotations

import re

from tests.web.browser.conftest import LiveServer, screenshot, settled
from tests.web.browser.test_flows import DISTANCE, hit_names, swapping


def _phone(page) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 360, "height": 740})


def _fits(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"))


def test_street_in_several_towns_then_street_and_town(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    _phone(page)
    page.goto(live_server.url + "/fi/search?where=Urheilukatu")
    settled(page)
    notice = page.locator(".notice[role=alert]")
    assert "Urheilukatu löytyy useammasta kunnasta" in notice.inner_text()
    assert not page.locator(".active-filters .chip:has-text('km')").count()  # nothing filtered by place
    assert _fits(page)
    screenshot(page, "near-me-ambiguous-360")
    swapping(page, lambda: notice.locator("a:has-text('Urheilukatu, Lahti')").click())
    assert re.search(r"where=Urheilukatu%2C\+Lahti", page.url)
    assert "Enintään 10 km päässä: Urheilukatu, Lahti" in page.inner_text(".active-filters")
    distances = [
        float(d.split()[0]) for d in page.locator(".hit dd").filter(has_text=DISTANCE).all_inner_texts()
    ]
    assert distances and max(distances) <= 10


def test_a_place_not_found_and_a_place_outside_the_area(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    _phone(page)
    page.goto(live_server.url + "/fi/search?where=Aleksanterinkatu+1")
    settled(page)
    assert "Paikkaa Aleksanterinkatu 1 ei löytynyt" in page.inner_text(".notice[role=alert]")
    assert not page.locator(".active-filters .chip:has-text('km')").count()
    assert (
        not page.locator(".hit dd").filter(has_text=DISTANCE).count()
    )  # no distances from a place never found
    page.goto(live_server.url + "/en/search?where=Helsinki")
    settled(page)
    assert "Helsinki is outside the area this catalogue covers" in page.inner_text(".notice[role=status]")
    distances = [
        float(d.split()[0]) for d in page.locator(".hit dd").filter(has_text=DISTANCE).all_inner_texts()
    ]
    assert hit_names(page) and distances == sorted(distances) and distances[0] > 30
    assert "Nearest to Helsinki" in page.inner_text(".active-filters")
    assert _fits(page)
    screenshot(page, "near-me-outside-360")


def test_the_map_shows_the_searched_place_and_the_radius(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    _phone(page)
    page.goto(live_server.url + "/fi/search?where=15110&radius=25&view=map")
    settled(page)
    # The ring and the searched place are drawn as vector paths next to the markers.
    page.wait_for_selector("path.leaflet-interactive")
    assert page.locator("path.leaflet-interactive").count() >= 1
    assert page.locator("#results-map").get_attribute("data-radius-km") == "25"
    assert _fits(page)
    screenshot(page, "near-me-map-360")
