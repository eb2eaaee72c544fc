"""In a real browser: a resident asks a provider to contact them from the service's page with JavaScript off,
and withdraws the request with the link and code the thanks page gave;
an administrator finds that resident's referrals, shows and erases them on request, and removes an accidental
one; a counsellor sees the follow-ups due and marks one done. Every new page type axe-clean at 360 and
1280 px."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlmodel import col

from app.catalogue.overlay import ServiceOverlay
from app.timeutil import utcnow
from referrals.demo import load_demo_referrals
from referrals.models import FollowUp, Referral
from referrals.self_referral import ContactRequest, send_contact_request
from referrals.service import local_today
from referrals.status import OPEN, ReferralKind
from tests.servers import free_port, require
from tests.staff.browser.live_app import SECRET, live_app, provider_services, staff_site
from tests.web.browser.conftest import CHROMIUM, CHROMIUM_ARGS, run_axe

KNOWN = ContactRequest(
    name="Outi Oikeudenhaltija",
    contact_channel="email",
    contact="outi.oikeus@example.org",
    message="Kiinnostaa.",
    consent=True,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    require(CHROMIUM.exists(), "Chromium", f"install Debian's chromium (expected at {CHROMIUM})")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with staff_site(tmp_path_factory, "resident-requests-live") as (data_dir, session):
        accepting = str(provider_services(session)[0].id)
        session.add(ServiceOverlay(service_id=uuid.UUID(accepting), accepts_referrals=True))
        now = utcnow()
        load_demo_referrals(session, secret=SECRET, now=now, count=150)
        session.flush()
        # Two requests of one known resident, for the administrator to find and erase.
        for _ in range(2):
            send_contact_request(session, service_id=uuid.UUID(accepting), data=KNOWN, now=now, secret=SECRET)
        # Follow-ups of open exercise referrals in Lahti fall due.
        due = session.scalars(
            select(FollowUp)
            .join(Referral, col(Referral.id) == col(FollowUp.referral_id))
            .where(
                col(Referral.status).in_(OPEN),
                col(Referral.kind) == ReferralKind.EXERCISE,
                col(Referral.addressed_to_coordinator).is_(True),
                col(Referral.municipality_code) == "398",
            )
        ).all()
        first_of_each = list({f.referral_id: f for f in reversed(due)}.values())
        assert first_of_each, "the demo has no open exercise referral in Lahti"
        for follow_up in first_of_each[:3]:
            follow_up.due_on = local_today(now) - timedelta(days=2)
            follow_up.done_at = None
            session.add(follow_up)
    with live_app(data_dir, port):
        yield url, accepting


def _context(server: tuple[str, str], *, javascript: bool = True):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    url, _ = server
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    context = chromium.new_context(locale="fi-FI", java_script_enabled=javascript)
    context.set_default_timeout(30_000)
    context.route(
        "**/*", lambda route: route.continue_() if route.request.url.startswith(url) else route.abort()
    )
    return playwright, chromium, context


def _axe_both_widths(page) -> None:  # type: ignore[no-untyped-def]
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        assert run_axe(page) == [], page.url


def _sign_in(page, url: str, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/staff/sign-in")
    page.locator(f"form:has(input[value='{email}']) button").click()
    page.wait_for_url(f"{url}/staff/")


def _fill_in(page, channel: str, contact: str) -> None:  # type: ignore[no-untyped-def]
    shown = time.monotonic()
    page.get_by_label("Nimesi").fill("Reetta Resident")
    page.get_by_label(channel).check()
    page.get_by_label("Puhelinnumerosi tai sähköpostiosoitteesi").fill(contact)
    page.get_by_label("Lyhyt viesti järjestäjälle", exact=False).fill("Voinko tulla kokeilemaan?")
    time.sleep(max(0.0, 3.5 - (time.monotonic() - shown)))  # a person is slower than the time stamp


def _withdraw(page, link: str, code: str, *, axe: bool = False) -> None:  # type: ignore[no-untyped-def]
    """Open the request with its code, withdraw it after the confirmation, see it withdrawn."""
    page.goto(link)
    page.get_by_label("Koodi").fill(code)
    page.get_by_role("button", name="Näytä lähetteeni").click()
    page.wait_for_url(link)
    assert page.locator("h1").inner_text() == "Yhteydenottopyyntösi"
    if axe:
        _axe_both_widths(page)
    page.get_by_role("button", name="Peru pyyntöni").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Perutaanko yhteydenottopyyntösi?"
    if axe:
        _axe_both_widths(page)
    page.get_by_role("button", name="Kyllä, peru pyyntöni").click()
    page.wait_for_url(f"{link}?done=withdraw")
    assert "Peruttu" in page.locator("main").inner_text()
    assert page.get_by_role("button", name="Peru pyyntöni").count() == 0
    if axe:
        _axe_both_widths(page)


def test_resident_asks_to_be_contacted_without_javascript(server: tuple[str, str]) -> None:
    url, service_id = server
    form = f"{url}/fi/services/{service_id}/contact-request"
    playwright, chromium, context = _context(server, javascript=False)
    try:
        page = context.new_page()
        page.goto(f"{url}/fi/services/{service_id}")
        page.get_by_role("link", name="Pyydä järjestäjää ottamaan yhteyttä").click()
        page.wait_for_url(form)
        _fill_in(page, "Tekstiviestillä", "050 765 4321")
        page.get_by_role("button", name="Lähetä pyyntö").click()  # the consent is not ticked
        page.wait_for_load_state()
        assert page.locator("[aria-invalid=true]").count() == 1
        page.get_by_label("Hyväksyn", exact=False).check()
        page.get_by_role("button", name="Lähetä pyyntö").click()
        page.wait_for_url(f"{form}/sent?via=sms")
        assert "tekstiviestillä" in page.locator("main").inner_text()
        # The thanks page gives the link and the code; with them the resident withdraws the request.
        link = page.locator(".receipt a").get_attribute("href")
        code = page.locator(".short-code").inner_text()
        assert link and link.startswith(f"{url}/fi/r/")
        _withdraw(page, link, code)
    finally:
        context.close()
        chromium.close()
        playwright.stop()
    # axe needs JavaScript in the page: the same three page types again, checked with it on.
    playwright, chromium, context = _context(server)
    try:
        page = context.new_page()
        page.goto(form)
        _axe_both_widths(page)
        _fill_in(page, "Sähköpostilla", "reetta@example.org")
        page.get_by_role("button", name="Lähetä pyyntö").click()
        page.wait_for_load_state()
        assert page.locator("[aria-invalid=true]").count() == 1
        _axe_both_widths(page)
        page.goto(f"{form}/sent?via=email")
        _axe_both_widths(page)
        # The same request again (the browser holds its receipt): the thanks page with the link and code,
        # the request page, the confirmation and the withdrawn request, with JavaScript on.
        page.goto(form)
        _fill_in(page, "Sähköpostilla", "reetta@example.org")
        page.get_by_label("Hyväksyn", exact=False).check()
        page.get_by_role("button", name="Lähetä pyyntö").click()
        page.wait_for_url(f"{form}/sent?via=email")
        _axe_both_widths(page)
        link = page.locator(".receipt a").get_attribute("href")
        assert link
        _withdraw(page, link, page.locator(".short-code").inner_text(), axe=True)
    finally:
        context.close()
        chromium.close()
        playwright.stop()


def test_administrator_answers_a_residents_request(server: tuple[str, str]) -> None:
    url, _ = server
    playwright, chromium, context = _context(server)
    try:
        page = context.new_page()
        _sign_in(page, url, "yllapitaja@demo.example")
        page.get_by_role("link", name="Asukkaiden tietopyynnöt").first.click()
        page.wait_for_url(f"{url}/staff/admin/residents")
        _axe_both_widths(page)
        page.get_by_label("Asukkaan nimi").fill(KNOWN.name.upper())
        page.get_by_label("Puhelinnumero tai sähköpostiosoite").fill(KNOWN.contact)
        page.locator("form:has(#name)").get_by_role("button", name="Hae").click()
        page.wait_for_url(f"{url}/staff/admin/residents/find")
        assert page.locator("input[name=referral]").count() == 2
        _axe_both_widths(page)

        page.get_by_role("button", name="Näytä kaikki tallennettu").click()
        page.wait_for_url(f"{url}/staff/admin/residents/export")
        assert KNOWN.contact in page.locator("main").inner_text()
        _axe_both_widths(page)

        # One of the two is removed as sent by mistake, after a confirmation.
        page.go_back()
        page.locator("table a").first.click()
        page.wait_for_url(f"{url}/staff/admin/residents/*")
        _axe_both_widths(page)
        page.get_by_label("Syy (säilyy lähetteen aikajanalla)").fill("Lähetetty kahteen kertaan")
        page.get_by_role("button", name="Jatka").click()
        page.wait_for_load_state()
        _axe_both_widths(page)
        page.get_by_role("button", name="Kyllä, merkitse virheellisesti kirjatuksi").click()
        page.wait_for_url(f"{url}/staff/admin/residents?done=entered_in_error")
        _axe_both_widths(page)

        # The other is erased on the resident's request.
        page.get_by_label("Asukkaan nimi").fill(KNOWN.name)
        page.get_by_label("Puhelinnumero tai sähköpostiosoite").fill(KNOWN.contact)
        page.locator("form:has(#name)").get_by_role("button", name="Hae").click()
        page.wait_for_url(f"{url}/staff/admin/residents/find")
        assert page.locator("input[name=referral]").count() == 1
        page.get_by_role("button", name="Poista pyynnöstä…").click()
        page.wait_for_url(f"{url}/staff/admin/residents/erase")
        _axe_both_widths(page)
        page.get_by_label("Syy (säilyy jokaisen lähetteen aikajanalla)").fill("Asukkaan pyyntö puhelimitse")
        page.get_by_role("button", name="Poista henkilötiedot").click()
        page.wait_for_load_state()
        assert "1 lähetteestä" in page.locator("main").inner_text()
        _axe_both_widths(page)
    finally:
        context.close()
        chromium.close()
        playwright.stop()


def test_counsellor_sees_follow_ups_due(server: tuple[str, str]) -> None:
    url, _ = server
    playwright, chromium, context = _context(server)
    try:
        page = context.new_page()
        _sign_in(page, url, "liikuntaneuvoja.lahti@demo.example")
        page.goto(f"{url}/staff/referrals?view=inbox")
        page.get_by_label("Vain ajankohtaiset seurannat").check()
        page.get_by_role("button", name="Rajaa").click()
        page.wait_for_url(f"{url}/staff/referrals?*followups=true*")
        badges = page.locator(".badge", has_text="Seuranta myöhässä")
        assert badges.count() >= 1
        before = page.locator("table.referral-list tbody tr").count()
        _axe_both_widths(page)
        page.locator("table.referral-list tbody tr.overdue a").first.click()
        page.wait_for_url(f"{url}/staff/referrals/*")
        _axe_both_widths(page)
        page.get_by_role("button", name="Merkitse seuranta tehdyksi").first.click()
        page.wait_for_load_state()
        page.goto(f"{url}/staff/referrals?view=inbox&followups=true")
        assert page.locator("table.referral-list tbody tr").count() <= before
    finally:
        context.close()
        chromium.close()
        playwright.stop()
