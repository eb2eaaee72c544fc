"""Issue 16's Done-when in a real browser: the whole referral loop, as the three people do it.

A nurse signs in through the real OpenID provider (tests/staff/browser/oidc_provider.mjs), fills in the
referral form, finds an activity with the form's own search and issues the referral with consent; the
resident opens the link from the e-mail that reached a real SMTP server on loopback (aiosmtpd), gives the
code and chooses with the keyboard alone; the NGO's contact person, signed in through the same provider,
accepts, records two sessions and completes; the nurse sees the outcome. Every e-mail of the loop carries a
link and nothing about the resident's health. Every referral page type is axe-clean at 360 and 1280 px.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session, select

from app.accounts.demo import seed_demo_staff
from app.catalogue.codes import load_code_tables
from app.catalogue.models import Organisation
from app.i18n import gettext
from app.settings import Settings
from referrals.fields import NEED_LABELS, REASON_LABELS
from tests.conftest import _postgres_engine, run_migrations
from tests.factories import make_location, make_service
from tests.servers import free_port, require
from tests.staff.browser.test_oidc_sign_in import (
    CLIENT_ID,
    CLIENT_SECRET,
    OIDC_PACKAGE,
    PROVIDER_SCRIPT,
    _stop,
    _wait_for,
)
from tests.web.browser.conftest import CHROMIUM, CHROMIUM_ARGS, run_axe

ROOT = Path(__file__).resolve().parents[3]
SECRET = "referral-loop-browser-secret-0123456789abcdef"
HOLLOLA = "9971249-6"  # the referrer's municipality (a demo organisation)
VIRE = "9911951-0"  # the NGO that runs the activities (a demo organisation)
VIRE_EMAIL = "toimisto@vire.example"
RESIDENT_NAME = "Aino Esimerkki"
RESIDENT_EMAIL = "aino.esimerkki@koti.example"
RESIDENT_PHONE = "040 765 4321"
HOPES = "Haluaisin oppia liikkumaan varmemmin ja tavata muita ihmisiä"
ACTIVITY = "Tasapainoryhmä senioreille"
OTHER_ACTIVITY = "Kävelyryhmä Hollolassa"


class Inbox:
    """What the loopback SMTP server received, parsed; thread-safe (aiosmtpd runs in its own thread)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self._arrived:
            self.messages.append(message)
            self._arrived.notify_all()
        return "250 OK"

    def wait_for(self, to: str, count: int = 1, timeout: float = 30.0) -> list[EmailMessage]:
        """The messages to `to`, once at least `count` have arrived (they are sent after the response)."""

        def matching() -> list[EmailMessage]:
            return [m for m in self.messages if str(m["To"]) == to]

        with self._arrived:
            self._arrived.wait_for(lambda: len(matching()) >= count, timeout=timeout)
            found = matching()
        assert len(found) >= count, (to, [str(m["To"]) for m in self.messages])
        return found


@dataclass
class Loop:
    app_url: str
    issuer: str
    inbox: Inbox
    axe: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@pytest.fixture(scope="module")
def loop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loop]:
    node = shutil.which("node")
    require(node is not None, "Node.js", "install nodejs (the OpenID provider of this test runs on it)")
    require(OIDC_PACKAGE.exists(), "oidc-provider", "run `make node` (npm ci)")
    require(CHROMIUM.exists(), "Chromium", f"install Debian's chromium (expected at {CHROMIUM})")
    app_port, idp_port, smtp_port = free_port(), free_port(), free_port()
    app_url, issuer = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{idp_port}"
    data_dir = tmp_path_factory.mktemp("referral-loop")
    # PostgreSQL, as in production: on SQLite a page read racing the notices being marked sent after the
    # previous request cannot upgrade its read snapshot ("database is locked", a 503).
    databases = _postgres_engine("referral_loop")
    engine = next(databases)
    database_url = engine.url.render_as_string(hide_password=False)
    run_migrations(engine)
    with Session(engine) as session:
        load_code_tables(session)
        seed_demo_staff(session, Settings(data_dir=data_dir, _env_file=None))  # type: ignore[call-arg]
        vire = session.exec(select(Organisation).where(Organisation.business_id == VIRE)).one()
        vire.email = VIRE_EMAIL  # where the NGO's referral notices go
        hall = make_location(session, name_fi="Hollolan liikuntahalli", municipality_code="098")
        for name, weekly in (
            (ACTIVITY, (("TU", time(10), time(11)), ("TH", time(10), time(11)))),
            (OTHER_ACTIVITY, (("MO", time(13), time(14, 30)),)),
        ):
            make_service(
                session,
                organisation=vire,
                name_fi=name,
                area_municipalities=("098",),
                locations=(hall,),
                weekly=weekly,
            )
        session.commit()

    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    provider = subprocess.Popen(
        [str(node), str(PROVIDER_SCRIPT)],
        cwd=ROOT,
        env={
            **os.environ,
            "OIDC_PORT": str(idp_port),
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_REDIRECT_URI": f"{app_url}/staff/auth/callback",
            "OIDC_POST_LOGOUT_URI": f"{app_url}/staff/signed-out",
        },
    )
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("SEARCH_INDEX_DIR", "DATABASE_URL")},
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url,
        "ENVIRONMENT": "development",
        "MEILISEARCH_URL": "",
        "BASE_URL": app_url,
        "SECRET_KEY": SECRET,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "SMTP_FROM": "Palvelutarjotin <noreply@tarjotin.example>",
        "OIDC_ISSUER": issuer,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_SCOPES": "openid profile email roles",
        "OIDC_ROLE_MAPPING": (
            f"hyte-lahettaja=referrer@{HOLLOLA},yhdistys-yhteyshenkilo=provider_contact@{VIRE}"
        ),
    }
    app = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "tarjotin.asgi:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(app_port),
            "--log-level",
            "warning",
        ],
        cwd=data_dir,
        env=env,
    )
    try:
        _wait_for(f"{issuer}/.well-known/openid-configuration", provider, "oidc-provider")
        _wait_for(f"{app_url}/healthz", app, "the app")
        yield Loop(app_url, issuer, inbox)
    finally:
        _stop(app)
        _stop(provider)
        smtp.stop()
        next(databases, None)  # resumed after its yield, it drops the throw-away database


@pytest.fixture
def browser(loop: Loop):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


def _person(browser, loop: Loop):  # type: ignore[no-untyped-def]
    """A page in a browser of one's own (cookies apart), only our loopback servers reachable."""
    context = browser.new_context(locale="fi-FI", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    context.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith((loop.app_url, loop.issuer)) else route.abort()
        ),
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    return page


def _sign_in(page, loop: Loop, login: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{loop.app_url}/staff/")
    page.click("a:has-text('Kirjaudu organisaatiosi tunnuksilla')")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "any")
    page.click("button[type=submit]")
    page.click("button:has-text('Continue')")  # the provider's consent page
    page.wait_for_url(f"{loop.app_url}/staff/")


def _axe(page, loop: Loop, name: str) -> None:  # type: ignore[no-untyped-def]
    """axe at a phone's and a desktop's width; the violations are collected and asserted at the end."""
    page.wait_for_load_state("load")
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        found = run_axe(page)
        if found:
            loop.axe[f"{name} @ {width}px"] = found
    page.set_viewport_size({"width": 1280, "height": 900})


def _forbidden_in_messages() -> list[str]:
    """Anything about the resident or their health, in every language a message could be in."""
    words = [RESIDENT_NAME, "Aino", RESIDENT_PHONE, "0407654321", HOPES, "varmemmin", ACTIVITY]
    for locale in ("fi", "sv", "en"):
        words += [gettext(locale, REASON_LABELS[code]) for code in ("fall_risk", "loneliness")]
        words += [gettext(locale, NEED_LABELS["transport"])]
    return words


def _links(message: EmailMessage) -> list[str]:
    body = message.get_content()
    return re.findall(r"https?://\S+", body)


def test_the_whole_loop_in_a_browser(browser, loop: Loop) -> None:  # type: ignore[no-untyped-def]
    app = loop.app_url

    # --- The nurse signs in and fills in the referral form. -------------------------------------------------
    nurse = _person(browser, loop)
    _sign_in(nurse, loop, "helmi")
    nurse.get_by_role("link", name="Lähetteet").first.click()
    nurse.wait_for_url(f"{app}/staff/referrals")
    nurse.get_by_role("link", name="Uusi lähete").click()
    nurse.wait_for_url(f"{app}/staff/referrals/new")
    _axe(nurse, loop, "referral form")

    nurse.get_by_role("textbox", name="Nimi", exact=True).fill(RESIDENT_NAME)
    nurse.get_by_role("radio", name="Sähköposti", exact=True).check()
    nurse.get_by_role("textbox", name="Puhelinnumero").fill(RESIDENT_PHONE)
    nurse.get_by_role("textbox", name="Sähköpostiosoite").fill(RESIDENT_EMAIL)
    nurse.get_by_role("combobox", name="Kunta", exact=True).select_option(label="Hollola")
    nurse.get_by_label(gettext("fi", REASON_LABELS["fall_risk"])).check()
    nurse.get_by_label(gettext("fi", REASON_LABELS["loneliness"])).check()
    nurse.get_by_role("textbox", name="Mitä asukas toivoo, omin sanoin").fill(HOPES)
    nurse.get_by_label(gettext("fi", NEED_LABELS["transport"])).check()

    # The activity, found with the form's own search; what was typed survives the round trip.
    nurse.get_by_role("searchbox", name="Hae tarjottimelta").fill("tasapaino")
    with nurse.expect_navigation():
        nurse.get_by_role("button", name="Hae toimintoja").click()
    assert nurse.get_by_role("textbox", name="Nimi", exact=True).input_value() == RESIDENT_NAME
    assert nurse.get_by_role("textbox", name="Mitä asukas toivoo, omin sanoin").input_value() == HOPES
    found = nurse.get_by_role("checkbox", name=re.compile(ACTIVITY))
    _axe(nurse, loop, "referral form with search results")
    found.check()
    nurse.get_by_role("searchbox", name="Hae tarjottimelta").fill("kävely")
    with nurse.expect_navigation():
        nurse.get_by_role("button", name="Hae toimintoja").click()
    assert nurse.get_by_role("checkbox", name=re.compile(ACTIVITY)).is_checked()  # kept as chosen
    nurse.get_by_role("checkbox", name=re.compile(OTHER_ACTIVITY)).check()

    # Consent: spoken, to the NGO of the chosen activities, the default fields, and told how data is used.
    nurse.get_by_label("Suullisesti").check()
    nurse.get_by_role("checkbox", name="Urheiluseura Hollola Vire ry", exact=True).check()
    nurse.get_by_role("checkbox", name="Käytännön tarpeet", exact=True).uncheck()  # not for the NGO
    nurse.locator("#informed").check()
    with nurse.expect_navigation():
        nurse.get_by_role("button", name="Tee lähete").click()
    assert nurse.locator("h1").inner_text() == "Lähete tehty", nurse.content()[:3000]
    code = nurse.locator(".slip-code").first.inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code), code
    _axe(nurse, loop, "referral issued")

    # --- The resident: the e-mail holds only a link; the link alone shows only a prompt for the code. -----
    (invitation,) = loop.inbox.wait_for(RESIDENT_EMAIL)
    (link,) = _links(invitation)
    assert link.startswith(f"{app}/r/")
    resident = _person(browser, loop)
    resident.goto(link)
    assert re.search(r"/fi/r/", resident.url)
    assert ACTIVITY not in resident.content() and RESIDENT_NAME not in resident.content()
    _axe(resident, loop, "resident: code prompt")
    resident.get_by_label("Koodi").fill("AAAA-AAAA")
    with resident.expect_navigation():
        resident.get_by_role("button", name="Näytä lähetteeni").click()
    assert resident.get_by_role("alert").count() == 1
    _axe(resident, loop, "resident: wrong code")

    # With the keyboard only: the code, then the activity.
    resident.goto(resident.url)
    _tab_to(resident, "#code")
    resident.keyboard.type(code)
    with resident.expect_navigation():
        resident.keyboard.press("Enter")
    assert ACTIVITY in resident.locator("main").inner_text()
    _axe(resident, loop, "resident: referral")
    choose = resident.locator(f"li.card:has(h3:has-text('{ACTIVITY}')) button")
    _tab_to(resident, choose)
    assert _focus_is_visible(resident), "the focused button shows no focus indicator"
    with resident.expect_navigation():
        resident.keyboard.press("Enter")
    assert "tallennettu" in resident.locator("main [role=status]").inner_text()
    assert "Valintasi" in resident.locator(f"li.card:has(h3:has-text('{ACTIVITY}'))").inner_text()
    _axe(resident, loop, "resident: after choosing")
    assert not resident.js_errors

    # --- The NGO's contact person: inbox, accept, two sessions, complete. ------------------------------------
    (new_referral,) = loop.inbox.wait_for(VIRE_EMAIL)
    assert [link.split("/staff/", 1)[0] for link in _links(new_referral)] == [app]
    ngo = _person(browser, loop)
    _sign_in(ngo, loop, "pirjo")
    ngo.get_by_role("link", name="Lähetteet").first.click()
    ngo.wait_for_url(re.compile(r"/staff/referrals"))
    _axe(ngo, loop, "provider inbox")
    ngo.get_by_role("combobox", name="Tila", exact=True).select_option(label="Lähetetty")
    with ngo.expect_navigation():
        ngo.get_by_role("button", name="Rajaa").click()
    _axe(ngo, loop, "provider inbox, filtered")
    ngo.locator("table.referral-list a").first.click()
    ngo.wait_for_url(re.compile(r"/staff/referrals/[0-9a-f-]{36}$"))
    detail_url = ngo.url
    main = ngo.locator("main").inner_text()
    assert RESIDENT_NAME in main and RESIDENT_EMAIL in main and HOPES in main
    assert "Kuljetus" not in main  # the practical needs were left out of the consent
    assert "Sähköposti" in ngo.locator("main dl.facts").nth(1).inner_text()  # the channel, in words
    _axe(ngo, loop, "provider: referral")
    _act(ngo, "accept")
    assert "Hyväksytty" in ngo.locator("main dl.facts").first.inner_text()
    for nth in (1, 0):  # two of the activity's recent session dates, older first
        form = ngo.locator("form.action-form:has(input[name=action][value=attend])")
        dates = form.locator("select[name=session_on] option:not([value=''])")
        assert dates.count() >= 2
        form.locator("select[name=session_on]").select_option(dates.nth(nth).get_attribute("value"))
        with ngo.expect_navigation():
            form.get_by_role("button").click()
    assert ngo.locator("main h2:has-text('Osallistuminen') + ul li").count() == 2
    _axe(ngo, loop, "provider: referral in progress")
    complete = ngo.locator("form.action-form:has(input[name=action][value=complete])")
    complete.locator("select[name=reason]").select_option("goal_met")
    with ngo.expect_navigation():
        complete.get_by_role("button").click()
    assert "Päättynyt" in ngo.locator("main dl.facts").first.inner_text()
    assert not ngo.js_errors

    # --- The nurse sees the outcome. ---------------------------------------------------------------------
    nurse.goto(f"{app}/staff/referrals")
    _axe(nurse, loop, "referrer: my referrals")
    with nurse.expect_navigation():
        nurse.get_by_role("link", name=RESIDENT_NAME).click()
    assert nurse.url == detail_url
    facts = nurse.locator("main dl.facts").first.inner_text()
    assert "Päättynyt" in facts and "2" in facts, facts
    _axe(nurse, loop, "referrer: referral completed")
    assert not nurse.js_errors

    # --- Every e-mail of the loop: a link to us and nothing about the resident. ---------------------------
    nurse_mail = loop.inbox.wait_for("helmi@idp.example", count=3)  # chosen, accepted, completed
    forbidden = _forbidden_in_messages()
    for message in loop.inbox.messages:
        text = f"{message['Subject']}\n{message.get_content()}"
        leaked = [word for word in forbidden if word.lower() in text.lower()]
        assert not leaked, (message["To"], leaked)
        assert all(link.startswith(app) for link in _links(message)) and len(_links(message)) == 1, text
    assert len(nurse_mail) >= 3
    assert not loop.axe, loop.axe


def _act(page, action: str) -> None:  # type: ignore[no-untyped-def]
    url = page.url
    with page.expect_navigation():  # a POST answered with a redirect back to the same page
        page.locator(f"form.action-form:has(input[name=action][value={action}])").get_by_role(
            "button"
        ).click()
    assert page.url == url


def _tab_to(page, target, limit: int = 80) -> None:  # type: ignore[no-untyped-def]
    """Press Tab from the top of the page until `target` (a selector or a locator) has the focus."""
    locator = page.locator(target) if isinstance(target, str) else target
    handle = locator.element_handle()
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(el) => document.activeElement === el", handle):
            return
    raise AssertionError(f"{target} was not reached with Tab")


def _focus_is_visible(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(
        page.evaluate(
            """() => {
                const style = getComputedStyle(document.activeElement);
                return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
                    || style.boxShadow !== 'none';
            }"""
        )
    )
