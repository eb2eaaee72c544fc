"""The main flows in headless Chromium: search, filter, open a service, switch language, near me,
print; keyboard only; focus and announcements after htmx swaps; 360 px and 200 % text."""

from __future__ import annotations

import re

import pytest

from tests.web.browser.conftest import ARTIFACTS, LiveServer, screenshot, settled

# A card's distance ("0.4 km"). Not :has-text(' km'): that matched, case and space ignored, a short
# address such as 127.0.0.1:40483/s/FKM8R too (short codes are random with the test data's ids).
DISTANCE = re.compile(r"^\d+\.\d km$")

pytestmark = pytest.mark.browser


def wait_for_swap(page) -> None:  # type: ignore[no-untyped-def]
    settled(page)


def swapping(page, action) -> None:  # type: ignore[no-untyped-def]
    """Do `action` and wait until htmx has fetched and settled the new results."""
    with page.expect_response(lambda r: "/search" in r.url and r.request.headers.get("hx-request") == "true"):
        action()
    wait_for_swap(page)
    page.wait_for_timeout(100)  # htmx settles 20 ms after the swap


def hit_names(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [name.strip() for name in page.locator(".hit h3 a").all_inner_texts()]


def test_search_filter_and_open_a_service(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/fi/")
    page.fill("#q", "jumppa")
    page.click("button[type=submit] >> nth=0")
    page.wait_for_url(re.compile(r"/fi/search\?q=jumppa"))
    assert "Vesijumppa 1" in hit_names(page)
    everything = len(hit_names(page))
    # A filter updates the results in place and the address follows.
    swapping(page, lambda: page.check("#f-free-true"))
    assert "free=true" in page.url
    assert 0 < len(hit_names(page)) < everything
    assert all(
        p == "Maksuton" for p in page.locator(".hit dd").all_inner_texts() if p in ("Maksuton", "Maksullinen")
    )
    assert "Tuloksia" in page.inner_text("#announcer")
    # Reload shows the same state; back returns to the unfiltered results.
    page.reload()
    assert page.is_checked("#f-free-true")
    page.go_back()
    settled(page)
    assert "free=true" not in page.url
    assert not page.is_checked("#f-free-true")
    page.click("text=Vesijumppa 1")
    page.wait_for_url(re.compile(r"/fi/services/"))
    assert page.inner_text("h1") == "Vesijumppa 1"


def test_removing_a_filter_moves_focus_to_the_results(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/en/search?theme=liikunta&free=true")
    swapping(page, lambda: page.click(".chip >> nth=0"))
    assert "theme=liikunta" not in page.url
    assert page.evaluate("document.activeElement.id") == "results-heading"


def test_switch_language_keeps_the_page(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/fi/search?theme=liikunta")
    swapping(page, lambda: page.check("#f-target-KR1_1"))
    page.click("#lang-switch a[lang=sv]")
    page.wait_for_url(re.compile(r"/sv/search\?theme=liikunta&target=KR1.1"))
    assert page.get_attribute("html", "lang") == "sv"
    assert page.is_checked("#f-target-KR1_1")
    assert "Hitta verksamhet" in page.inner_text("h1")


def test_fallback_language_is_marked(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + f"/en/services/{live_server.ids['finnish_only']}")
    heading = page.locator("h1 span[lang=fi]")
    assert heading.inner_text() == "Kuorolaulu"
    assert page.inner_text("h1 .fallback") == "(in Finnish)"


def test_near_me_from_the_browsers_location(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/fi/")
    button = page.locator("[data-geolocate]")
    assert button.is_visible()
    button.click()
    page.wait_for_url(re.compile(r"lat=60\.983&lon=25\.660(&|$)"))  # about 100 m, not 1 m
    assert "Enintään 10 km päässä: sijaintisi" in page.inner_text(".active-filters")
    distances = [
        float(d.split()[0]) for d in page.locator(".hit dd").filter(has_text=DISTANCE).all_inner_texts()
    ]
    assert distances == sorted(distances) and distances[0] < 1


def test_near_a_typed_postal_code_and_the_map(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/fi/")
    page.fill("#where", "18100")
    page.click(".near-form button[type=submit]")
    page.wait_for_url(re.compile(r"where=18100"))
    assert hit_names(page)[0].startswith(
        (
            "Vesijumppa",
            "Tuolijumppa",
            "Kävelyryhmä",
            "Lukupiiri",
            "Vertaistuki",
            "Perhekahvila",
            "Nuorten",
            "Luontoretki",
        )
    )
    swapping(page, lambda: page.click(".view-switch a:has-text('Kartta')"))
    assert "view=map" in page.url
    page.wait_for_selector(".leaflet-marker-icon, .marker-cluster")
    assert page.locator(".leaflet-container").count() == 1


def test_print_a_service_and_a_list(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + f"/fi/services/{live_server.ids['senior_gym']}")
    page.click("a:has-text('Tulosta')")
    page.wait_for_url(re.compile(r"/print$"))
    assert page.locator("[data-print]").is_visible()
    page.emulate_media(media="print")
    assert not page.locator(".print-actions").is_visible()
    pdf = page.pdf()
    assert pdf.startswith(b"%PDF")
    (ARTIFACTS / "print").mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "print" / "service-fi.pdf").write_bytes(pdf)
    page.emulate_media(media="screen")
    page.goto(live_server.url + "/fi/search?theme=liikunta")
    page.click("a.print-link")
    page.wait_for_url(re.compile(r"/fi/search/print\?theme=liikunta"))
    assert page.locator(".print-hits > li").count() == 14
    page.emulate_media(media="print")
    assert page.pdf().startswith(b"%PDF")


def focused(page) -> dict:  # type: ignore[no-untyped-def]
    return page.evaluate(
        "() => { const e = document.activeElement; return {id: e.id, tag: e.tagName, text: e.innerText || '',"
        " href: e.getAttribute('href') || '', name: e.name || ''}; }"
    )


def tab_to(page, predicate, limit: int = 80) -> dict:  # type: ignore[no-untyped-def]
    for _ in range(limit):
        page.keyboard.press("Tab")
        current = focused(page)
        if predicate(current):
            return current
    raise AssertionError("the element was not reached with the Tab key")


def test_keyboard_only_search_filter_service(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/fi/")
    tab_to(page, lambda e: e["id"] == "q")
    page.keyboard.type("jumppa")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/fi/search\?q=jumppa"))
    # Filters are open on a wide screen; a checkbox is toggled with the space bar.
    tab_to(page, lambda e: e["id"] == "f-target-KR1_1")
    swapping(page, lambda: page.keyboard.press("Space"))
    assert "target=KR1.1" in page.url
    assert focused(page)["id"] == "f-target-KR1_1", "focus stays on the filter after the swap"
    assert re.search(r"Tuloksia: \d+", page.inner_text("#announcer"))
    # A new search from the box moves focus to the results heading.
    for _ in range(200):
        if focused(page)["id"] == "q":
            break
        page.keyboard.press("Shift+Tab")
    page.keyboard.type(" ")
    swapping(page, lambda: page.keyboard.press("Enter"))
    assert focused(page)["id"] == "results-heading"
    link = tab_to(page, lambda e: e["tag"] == "A" and "/fi/services/" in e["href"])
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/fi/services/"))
    assert page.inner_text("h1") == link["text"].strip()


def no_horizontal_scroll(page) -> bool:  # type: ignore[no-untyped-def]
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")


def small_targets(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Visible interactive elements smaller than 44 x 44 CSS px (checkboxes count by their row)."""
    return page.evaluate(
        """() => {
            const small = [];
            for (const e of document.querySelectorAll('a[href], button, select, input, summary')) {
                if (e.type === 'hidden' || e.closest('.leaflet-container')) continue;
                const target = (e.type === 'checkbox' || e.type === 'radio') ? e.closest('.option') : e;
                const box = target.getBoundingClientRect();
                if (box.width === 0 && box.height === 0) continue;
                if (getComputedStyle(e).visibility === 'hidden') continue;
                if (box.height < 44 || box.width < 44) small.push(e.outerHTML.slice(0, 80) + ` ${box.width}x${box.height}`);
            }
            return small;
        }"""
    )


def test_mobile_360_facets_fold_and_targets_are_large(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 360, "height": 740})
    for path in (
        "/sv/",
        "/sv/search?theme=liikunta&where=15110",
        f"/sv/services/{live_server.ids['senior_gym']}",
    ):
        page.goto(live_server.url + path)
        settled(page)
        assert no_horizontal_scroll(page), path
        if "search" in path:
            assert not page.locator("#filters").evaluate("d => d.open"), "filters are folded on a phone"
            page.click("#filters summary")
        assert small_targets(page) == [], path


def test_text_at_200_percent(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 1280, "height": 900})
    for path in ("/en/", "/en/search?theme=liikunta", f"/en/services/{live_server.ids['senior_gym']}"):
        page.goto(live_server.url + path)
        size = "parseFloat(getComputedStyle(document.querySelector('main h1')).fontSize)"
        before = page.evaluate(size)
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        assert no_horizontal_scroll(page), path
        assert page.evaluate(size) >= 2 * before - 0.5, "text scales with the reader's setting"
        screenshot(page, f"zoom200-{path.strip('/').split('/')[1] if '/' in path.strip('/') else 'front'}")


def test_done_when_swedish_phone_free_senior_exercise_near_a_postal_code_printed(
    page,  # type: ignore[no-untyped-def]
    live_server: LiveServer,
) -> None:
    """A first-time user on a 360 px phone, in Swedish, finds a free senior exercise group near
    postal code 15110 and prints its details."""
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server.url + "/")
    page.click("#lang-switch a[lang=sv]")
    page.wait_for_url(re.compile(r"/sv/$"))
    page.get_by_label("Postnummer, ort eller gatuadress").fill("15110")
    page.get_by_role("button", name="Visa verksamhet i närheten").click()
    page.wait_for_url(re.compile(r"/sv/search\?where=15110"))
    screenshot(page, "done-when-1-near-15110-360")
    page.locator("#filters summary").click()
    swapping(page, lambda: page.get_by_label(re.compile(r"^Motion")).check())
    swapping(page, lambda: page.get_by_label(re.compile(r"^Avgiftsfri")).check())
    swapping(page, lambda: page.get_by_label(re.compile(r"^Äldre")).check())
    assert all(part in page.url for part in ("theme=liikunta", "free=true", "target=KR1.1", "where=15110"))
    screenshot(page, "done-when-2-filtered-360")
    assert all(p == "Avgiftsfri" for p in page.locator(".hit dt:has-text('Pris') + dd").all_inner_texts())
    page.get_by_role("link", name="Avgiftsfri gymgrupp för seniorer", exact=True).click()
    page.wait_for_url(re.compile(r"/sv/services/"))
    assert "Avgiftsfri" in page.inner_text("#price-heading + p")
    assert "tisdagar kl." in page.inner_text("section.when")
    page.get_by_role("link", name="Skriv ut").click()
    page.wait_for_url(re.compile(r"/sv/services/.+/print$"))
    screenshot(page, "done-when-3-print-360")
    page.emulate_media(media="print")
    pdf = page.pdf(width="360px", height="740px")
    assert pdf.startswith(b"%PDF")
    (ARTIFACTS / "print").mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "print" / "done-when-sv.pdf").write_bytes(pdf)
    text = page.inner_text("main")
    for expected in (
        "Avgiftsfri gymgrupp för seniorer",
        "Idrottsgatan 1",
        "15110",
        "03 8141234",  # the national format
        "tisdag",
    ):
        assert expected in text
