"""Type-ahead in Chromium: typing opens a listbox of suggestions (the ARIA 1.2 combobox pattern), the
arrow keys move through it, Enter chooses, Escape closes; a polite live region says how many there are;
axe finds nothing wrong with the open combobox."""

from __future__ import annotations

import re

import pytest

from tests.web.browser.conftest import LiveServer, run_axe, screenshot, settled

pytestmark = pytest.mark.browser


def type_slowly(page, text: str) -> None:  # type: ignore[no-untyped-def]
    page.locator("#q").press_sequentially(text, delay=60)


def open_listbox(page):  # type: ignore[no-untyped-def]
    """The listbox the search box controls, once it is open."""
    page.wait_for_selector("#q[aria-expanded=true]")
    listbox = page.locator("#" + page.get_attribute("#q", "aria-controls"))
    assert listbox.get_attribute("role") == "listbox"
    assert listbox.is_visible()
    return listbox


def option_texts(listbox) -> list[str]:  # type: ignore[no-untyped-def]
    return [" ".join(text.split()) for text in listbox.locator("[role=option]").all_inner_texts()]


def active_option(page) -> str:  # type: ignore[no-untyped-def]
    """The text of the option aria-activedescendant points at (and that says it is selected)."""
    active = page.get_attribute("#q", "aria-activedescendant")
    assert active, "no active option"
    option = page.locator(f"#{active}")
    assert option.get_attribute("aria-selected") == "true"
    return " ".join(option.inner_text().split())


def test_arrow_keys_and_enter_open_a_service(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/fi/")
    settled(page)
    box = page.locator("#q")
    assert box.get_attribute("role") == "combobox"
    assert box.get_attribute("aria-expanded") == "false"
    assert box.get_attribute("aria-autocomplete") == "list"
    type_slowly(page, "vesij")
    listbox = open_listbox(page)
    assert option_texts(listbox) == [
        "Vesijumppa 1 Lahden kaupunki",
        "Vesijumppa 2 Lahden kaupunki",
        "Vesijumppa 3 Lahden kaupunki",
    ]
    # The live region next to the box says how many, politely.
    status = page.locator(".typeahead [role=status]")
    assert status.get_attribute("aria-live") == "polite"
    page.wait_for_function(
        "() => document.querySelector('.typeahead [role=status]').textContent.startsWith('3 ehdotusta')"
    )
    assert box.get_attribute("aria-activedescendant") is None
    box.press("ArrowDown")
    assert active_option(page) == "Vesijumppa 1 Lahden kaupunki"
    box.press("ArrowDown")
    box.press("ArrowDown")
    assert active_option(page) == "Vesijumppa 3 Lahden kaupunki"
    box.press("ArrowDown")  # round to the first
    assert active_option(page) == "Vesijumppa 1 Lahden kaupunki"
    box.press("ArrowUp")  # and back to the last
    assert active_option(page) == "Vesijumppa 3 Lahden kaupunki"
    box.press("ArrowUp")
    assert active_option(page) == "Vesijumppa 2 Lahden kaupunki"
    # Focus never left the box.
    assert page.evaluate("document.activeElement.id") == "q"
    box.press("Enter")
    page.wait_for_url(re.compile(r"/fi/services/[0-9a-f-]{36}$"))
    assert page.inner_text("h1") == "Vesijumppa 2"


def test_escape_closes_and_enter_searches_what_was_typed(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/en/")
    settled(page)
    type_slowly(page, "kuoro")
    open_listbox(page)
    box = page.locator("#q")
    box.press("ArrowDown")
    box.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"
    assert box.get_attribute("aria-activedescendant") is None
    assert box.input_value() == "kuoro"  # Escape closes the list, the words stay
    box.press("Enter")
    page.wait_for_url(re.compile(r"/en/search\?q=kuoro"))
    assert "Kuorolaulu" in page.inner_text(".results")


def test_a_theme_sets_the_filter_in_place(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/sv/search?free=true")
    settled(page)
    type_slowly(page, "kamrat")
    listbox = open_listbox(page)
    assert option_texts(listbox)[0] == "Kamratstöd Tema, 3 verksamheter"
    box = page.locator("#q")
    box.press("ArrowDown")
    with page.expect_response(lambda r: "/search" in r.url and r.request.headers.get("hx-request") == "true"):
        box.press("Enter")
    settled(page)
    page.wait_for_url(re.compile(r"theme=vertaistuki"))
    assert "free=true" in page.url  # the filters chosen before stay
    assert "q=" not in page.url  # the words were the theme's name, not a search
    assert page.is_checked("input[name=theme][value=vertaistuki]")
    # The new search box (htmx swapped the form) offers suggestions again.
    page.locator("#q").focus()
    type_slowly(page, "vatten")
    assert option_texts(open_listbox(page))[0].startswith("Vattengympa")


def test_a_place_sets_the_municipality(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/en/")
    settled(page)
    type_slowly(page, "hyvin")
    listbox = open_listbox(page)
    [place] = [text for text in option_texts(listbox) if "Municipality" in text]
    assert re.fullmatch(r"Hyvinkää Municipality, \d+ activit(y|ies)", place)
    page.locator("#q").press("ArrowDown")
    assert active_option(page) == place
    page.locator("#q").press("Enter")
    page.wait_for_url(re.compile(r"/en/search\?municipality=106$"))
    settled(page)
    assert page.locator(".hit").count() > 0


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_open_combobox_is_axe_clean(page, live_server: LiveServer, lang: str, width: int) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(live_server.url + f"/{lang}/search?q=jumppa")
    settled(page)
    page.locator("#q").fill("")
    type_slowly(page, "jump")
    open_listbox(page)
    page.locator("#q").press("ArrowDown")
    active_option(page)
    violations = run_axe(page)
    if width == 360:
        screenshot(page, f"typeahead-{lang}-{width}")
    assert violations == [], f"type-ahead in {lang} at {width}px: {violations}"
