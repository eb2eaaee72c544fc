"""Issue 11's done-when at 360 px: Asikkala's chair exercise is found under Thursday afternoon and
not under Friday, shows its meeting times on the card, the service page and its print view, and its
"add to calendar" file parses as a recurring event."""

from __future__ import annotations

import re
from typing import Any

import icalendar
import pytest

from tests.web.browser.conftest import LiveServer, screenshot, settled

pytestmark = pytest.mark.browser

WHEN_FI = "torstaisin klo 13.00–13.45"


def test_chair_exercise_meets_on_thursday_afternoons(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server.url + "/fi/search?q=tuolijumppa&weekday=TH&time=afternoon")
    settled(page)
    card = page.locator(".hit", has_text="Tuolijumppa")
    assert card.count() == 1
    assert card.locator(".when dd").inner_text() == f"{WHEN_FI} · Asikkalan palvelukeskus"
    assert card.locator(".when").is_visible()
    screenshot(page, "meeting-times-card-360")

    # The venue is open on Fridays; the group does not meet then.
    page.goto(live_server.url + "/fi/search?q=tuolijumppa&weekday=FR")
    settled(page)
    assert page.locator(".hit", has_text="Tuolijumppa").count() == 0

    page.goto(live_server.url + f"/fi/services/{live_server.ids['chair_exercise']}")
    settled(page)
    when = page.locator("section.when")
    assert when.locator(".meeting h3").inner_text() == "Asikkalan palvelukeskus"
    assert WHEN_FI in when.locator(".meeting").inner_text()
    assert re.search(r"Seuraavat kerrat: to \d+\.\d+\.\d{4} klo 13\.00–13\.45", when.inner_text())
    # The centre's own hours come second, folded.
    hours = when.locator("details.hours")
    assert not hours.locator("li").first.is_visible()
    hours.locator("summary").click()
    assert hours.locator("li").first.inner_text() == "arkisin klo 8.00–16.00"
    screenshot(page, "meeting-times-service-360")

    with page.expect_download() as download_info:
        page.click("a:has-text('Lisää kalenteriin')")
    calendar = icalendar.Calendar.from_ical(download_info.value.path().read_bytes())
    events: list[Any] = calendar.walk("VEVENT")
    (event,) = events
    assert str(event["summary"]) == "Tuolijumppa"
    assert event["rrule"]["FREQ"] == ["WEEKLY"] and event["rrule"]["BYDAY"] == ["TH"]
    assert event.decoded("dtstart").strftime("%H:%M") == "13:00"
    assert event.decoded("dtend").strftime("%H:%M") == "13:45"
    assert str(event["location"]).startswith("Asikkalan palvelukeskus, Keskustie 1, 17200")

    page.goto(live_server.url + f"/fi/services/{live_server.ids['chair_exercise']}/print")
    settled(page)
    printed = page.locator("main").inner_text()
    assert WHEN_FI in printed
    assert "Paikan Asikkalan palvelukeskus aukioloajat" in printed
