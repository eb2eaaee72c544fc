"""Done when (issue 12): on a 360 px phone, three listings go on a shortlist, the list is printed,
and each printed listing carries its address, contact, QR code and short address; the QR code reads
back as the listing's address and the short address leads there."""

from __future__ import annotations

import io
import re

import pytest

from tests.web.browser.conftest import ARTIFACTS, LiveServer, screenshot, settled

pytestmark = pytest.mark.browser


def _add_to_list(page, index: int) -> None:  # type: ignore[no-untyped-def]
    link = page.locator(".hit .list-toggle a").nth(index)
    with page.expect_response(lambda r: "/search" in r.url and r.request.headers.get("hx-request") == "true"):
        link.click()
    settled(page)
    page.wait_for_timeout(100)


def test_done_when_a_shortlist_of_three_is_printed_with_qr_and_short_addresses(
    page,  # type: ignore[no-untyped-def]
    live_server: LiveServer,
) -> None:
    import zxingcpp
    from PIL import Image

    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server.url + "/fi/search?theme=liikunta")
    for index in range(3):
        _add_to_list(page, index)
        assert f"Oma lista ({index + 1})" in page.inner_text(".shortlist-bar")
    # The list is in the address: a reload (or a shared link) shows the same list.
    assert page.url.count("list=") == 3
    page.reload()
    assert page.locator(".list-toggle a:has-text('Poista listaltani')").count() == 3
    screenshot(page, "shortlist-1-results-360")

    page.locator(".shortlist-bar a").first.click()
    page.wait_for_url(re.compile(r"/fi/shortlist\?list="))
    ids = [
        href.rsplit("/", 1)[-1]
        for href in page.locator(".shortlist h2 a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
    ]
    assert len(ids) == 3
    screenshot(page, "shortlist-2-list-360")

    page.get_by_role("link", name="Tulosta lista").click()
    page.wait_for_url(re.compile(r"/fi/shortlist/print\?list="))
    page.emulate_media(media="print")
    pdf = page.pdf(width="360px", height="740px")
    assert pdf.startswith(b"%PDF")
    (ARTIFACTS / "print").mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "print" / "shortlist-fi-360.pdf").write_bytes(pdf)
    screenshot(page, "shortlist-3-print-360")

    entries = page.locator(".print-hits > li")
    assert entries.count() == 3
    for index, service_id in enumerate(ids):
        entry = entries.nth(index)
        text = entry.inner_text()
        listing = f"{live_server.url}/fi/services/{service_id}"
        # The group's own meeting time (issue 11), then the place, the contact and the codes.
        assert re.search(r"Milloin: \w+(na|sin) (klo )?\d{1,2}\.\d{2}–\d{1,2}\.\d{2}", text), text
        assert "Osoite:" in text and re.search(r"Urheilukatu \d, \d{5} \w+", text), text
        assert "Yhteystiedot:" in text and re.search(r"0\d{1,2} \d{4,7}", text), text
        # The QR code as printed, read back by a barcode reader.
        qr = entry.locator(".qr-code svg")
        assert qr.is_visible()
        image = Image.open(io.BytesIO(qr.screenshot(scale="device")))
        decoded = [result.text for result in zxingcpp.read_barcodes(image)]
        assert decoded == [listing]
        # The short address, typed in from paper, leads to the same listing.
        short = entry.locator(".short-address").inner_text().strip()
        assert re.fullmatch(r"127\.0\.0\.1:\d+/s/[A-Z2-9]{5}", short)
        response = page.request.get("http://" + short, max_redirects=0, headers={"Accept-Language": "fi"})
        assert response.status == 302
        assert live_server.url + response.headers["location"] == listing
