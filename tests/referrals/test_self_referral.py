"""Self-referral: from the page of a service whose provider takes referrals, a resident (not signed in, no
JavaScript) asks to be contacted; it arrives in that provider's inbox as a referral whose source is `self`,
the provider gets an e-mail with a link and nothing personal, and no one else sees it. Honeypot, time stamp
and rate limits hold robots off; mistakes are told in the resident's language and store nothing."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import date

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, Table, func, insert, inspect, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from app.catalogue.overlay import ServiceOverlay
from app.settings import Settings
from referrals.models import (
    Consent,
    ContactChannel,
    NoticeAudience,
    NoticeKind,
    Referral,
    ReferralEvent,
    ReferralNotice,
    ReferralSource,
)
from referrals.notifications import DevelopmentSmsSender, Senders, SmtpEmailSender, dispatch_pending
from referrals.service import issue_referral
from referrals.status import ReferralKind, ReferralStatus
from tarjotin.cli import alembic_config
from tests.factories import make_organisation
from tests.referrals.test_notifications import Inbox, smtp  # noqa: F401  (the loopback SMTP fixture)
from tests.referrals.world import NOW, World, bearer, make_world, referral_input, savepoint_sessions
from web.auth.ratelimit import _limiter
from web.referrals import self_referral

NAME = "Selma Itselähettäjä-Kivikoski"
PHONE = "+358501112233"
EMAIL = "selma.kivikoski@example.org"
MESSAGE = "Haluaisin tulla mukaan tiistaisin."
_CSRF = re.compile(r'name="csrftoken" value="([^"]+)"')
_STAMP = re.compile(r'name="stamp" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _fresh_limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(self_referral, "MIN_SECONDS", 0)
    _limiter().storage.reset()
    yield
    _limiter().storage.reset()


def _accepting(session: Session) -> World:
    world = make_world(session)
    session.add(ServiceOverlay(service_id=world.service.id, accepts_referrals=True))
    session.add(ServiceOverlay(service_id=world.other_service.id, accepts_referrals=False))
    session.commit()
    return world


def _form(client: TestClient, path: str) -> dict[str, str]:
    page = client.get(path)
    assert page.status_code == 200, page.text
    csrf, stamp = _CSRF.search(page.text), _STAMP.search(page.text)
    assert csrf and stamp
    return {"csrftoken": csrf.group(1), "stamp": stamp.group(1)}


def _valid(channel: str = "email", contact: str = EMAIL) -> dict[str, str]:
    return {
        "name": NAME,
        "contact_channel": channel,
        "contact": contact,
        "contact_time": "aamupäivisin",
        "message": MESSAGE,
        "consent": "yes",
        "website": "",
    }


def _count(session: Session) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(Referral)) or 0)


def test_offered_only_where_the_provider_takes_referrals(session: Session, client: TestClient) -> None:
    world = _accepting(session)
    link = f"/fi/services/{world.service.id}/contact-request"
    assert link in client.get(f"/fi/services/{world.service.id}").text
    for other in (world.other_service, world.second_service):  # says no; has not said
        assert "/contact-request" not in client.get(f"/fi/services/{other.id}").text
        assert client.get(f"/fi/services/{other.id}/contact-request").status_code == 404
    form = client.get(f"/sv/services/{world.service.id}/contact-request")
    assert form.status_code == 200 and 'lang="sv"' in form.text
    assert "hälsa" in form.text  # the warning against health details, in Swedish


def test_the_request_reaches_the_providers_inbox_and_no_one_else(
    session: Session,
    client: TestClient,
    settings: Settings,
    smtp: tuple[Inbox, int],  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    world = _accepting(session)
    path = f"/fi/services/{world.service.id}/contact-request"
    response = client.post(path, data={**_form(client, path), **_valid()}, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"{path}/sent?via=email"
    thanks = client.get(response.headers["location"])
    assert (
        thanks.status_code == 200 and "sähköpostitse" in thanks.text and "Lahden Seniorit ry" in thanks.text
    )

    session.expire_all()
    referral = session.scalars(select(Referral).where(col(Referral.source) == ReferralSource.SELF)).one()
    assert referral.status is ReferralStatus.SENT and referral.provider_access
    assert (referral.chosen_service_id, referral.provider_organisation_id) == (world.service.id, world.ngo.id)
    assert referral.referrer_user_id is None and referral.code_hash is not None  # shown on the thanks page
    # No one referred the resident: the provider receives, it is not the referrer.
    assert referral.referrer_organisation_id is None
    assert (referral.resident_name, referral.resident_email, referral.hopes) == (NAME, EMAIL, MESSAGE)
    consent = session.scalars(select(Consent).where(col(Consent.referral_id) == referral.id)).one()
    assert consent.organisation_ids == [str(world.ngo.id)] and "hopes" in consent.fields

    secret = settings.secret_key.get_secret_value()
    provider = bearer(world.provider, secret)
    inbox = client.get("/staff/referrals?view=inbox", headers=provider).text
    assert f"/staff/referrals/{referral.id}" in inbox and "Yhteydenottopyyntö asukkaalta" in inbox
    detail = client.get(f"/staff/referrals/{referral.id}", headers=provider).text
    assert NAME in detail and MESSAGE in detail and EMAIL in detail
    api = client.get(f"/api/v1/referrals/{referral.id}", headers=provider).json()
    assert api["source"] == "self" and api["resident"]["name"] == NAME
    assert api["referrer_organisation_id"] is None and api["provider_organisation_id"] == str(world.ngo.id)
    # The authorisation of a self-referral, as data: only the provider's organisation sees it.
    expected = {
        "provider": 200,
        "other_provider": 404,
        "referrer": 404,
        "colleague": 404,
        "stranger_referrer": 404,
        "coordinator": 404,
        "counsellor": 404,
        "analyst": 404,
        "admin": 404,
    }
    for name, status in expected.items():
        got = client.get(f"/api/v1/referrals/{referral.id}", headers=bearer(getattr(world, name), secret))
        assert got.status_code == status, name
    for token in world.client_tokens.values():
        got = client.get(f"/api/v1/referrals/{referral.id}", headers={"Authorization": f"Bearer {token}"})
        assert got.status_code == 404
    assert client.get(f"/api/v1/referrals/{referral.id}").status_code == 401

    # The provider is told by e-mail, with a link and nothing of the resident; the resident gets no link.
    notices = session.scalars(
        select(ReferralNotice).where(col(ReferralNotice.referral_id) == referral.id)
    ).all()
    assert [(n.kind, n.audience) for n in notices] == [(NoticeKind.NEW_REFERRAL, NoticeAudience.ORGANISATION)]
    inbox_smtp, port = smtp
    senders = Senders(
        email=SmtpEmailSender(host="127.0.0.1", port=port, sender="noreply@tarjotin.example"),
        sms=DevelopmentSmsSender(),
    )
    dispatch_pending(
        savepoint_sessions(session),
        senders=senders,
        link_for=lambda notice, r: f"http://127.0.0.1:8200/staff/referrals/{notice.referral_id}",
    )
    [mail] = [m for m in inbox_smtp.messages if m["To"] == "seniorit@example.org"]
    text = f"{mail['Subject']}\n{mail.get_content()}"
    assert f"/staff/referrals/{referral.id}" in text
    for word in (NAME, "Selma", EMAIL, PHONE, "tiistaisin"):
        assert word not in text
    logs = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail."))
    for word in (NAME, EMAIL, MESSAGE):
        assert word not in logs


def test_mistakes_are_told_in_the_residents_language_and_nothing_is_kept(
    session: Session, client: TestClient
) -> None:
    world = _accepting(session)
    path = f"/sv/services/{world.service.id}/contact-request"
    data = {**_form(client, path), **_valid("sms", "12"), "consent": ""}
    response = client.post(path, data=data)
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text and NAME in response.text  # kept for correcting
    assert "Telefonnumret" in response.text or "telefonnummer" in response.text
    assert _count(session) == 0
    fixed = client.post(
        path, data={**data, "contact": "050 111 2233", "consent": "yes"}, follow_redirects=False
    )
    assert fixed.status_code == 303 and fixed.headers["location"].endswith("sent?via=sms")
    session.expire_all()
    referral = session.scalars(select(Referral)).one()
    assert referral.resident_phone == PHONE and referral.resident_locale == "sv"


def test_robots_are_held_off(session: Session, client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    world = _accepting(session)
    path = f"/fi/services/{world.service.id}/contact-request"
    # A filled honeypot is thanked and dropped.
    trap = client.post(
        path, data={**_form(client, path), **_valid(), "website": "http://spam"}, follow_redirects=False
    )
    assert trap.status_code == 303 and _count(session) == 0
    # A forged or missing time stamp, or a form sent at once, is asked again.
    forged = client.post(path, data={**_form(client, path), **_valid(), "stamp": "x.y.z"})
    assert forged.status_code == 422 and "Tarkista tietosi" in forged.text
    monkeypatch.setattr(self_referral, "MIN_SECONDS", 3)
    hasty = client.post(path, data={**_form(client, path), **_valid()})
    assert hasty.status_code == 422 and _count(session) == 0
    monkeypatch.setattr(self_referral, "MIN_SECONDS", 0)
    # Rate limits count stored requests per address: the third within the hour is refused, not stored.
    monkeypatch.setattr(self_referral, "PER_ADDRESS", "2/hour")
    for expected in (303, 303, 429):
        response = client.post(path, data={**_form(client, path), **_valid()}, follow_redirects=False)
        assert response.status_code == expected
    assert "Liian monta" in response.text and _count(session) == 2
    # A form without the CSRF token (the browser holds the cookie) is refused, as on every form.
    stamp = _form(client, path)["stamp"]
    assert client.post(path, data={**_valid(), "stamp": stamp}).status_code == 403


def test_stored_self_referrals_lose_the_providers_organisation_as_referrer(engine: Engine) -> None:
    """The migration clears what self-referrals stored before: the provider's organisation as referrer."""
    config = alembic_config()
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            config.attributes["connection"] = connection
            command.downgrade(config, "20261207_inbox_1")
            with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
                organisation = make_organisation(session, name_fi="Migraation Seniorit ry")
                referrals = [
                    Referral(
                        kind=ReferralKind.WELFARE,
                        source=source,
                        status=ReferralStatus.SENT,
                        respond_by=date(2026, 12, 21),
                        referrer_organisation_id=organisation.id,
                        municipality_code="398",
                        provider_organisation_id=organisation.id,
                        contact_channel=ContactChannel.PHONE,
                    )
                    for source in (ReferralSource.SELF, ReferralSource.PROFESSIONAL)
                ]
                # Written with the columns the table has at that revision (the model has gained more since).
                existing = {c["name"] for c in inspect(connection).get_columns("referral")}
                at_revision = Table(
                    "referral",
                    MetaData(),
                    *(c._copy() for c in Referral.__table__.c if c.name in existing),  # type: ignore[attr-defined]
                )
                for referral in referrals:
                    values = {c.name: getattr(referral, c.name, None) for c in at_revision.c}
                    session.execute(
                        insert(at_revision).values({k: v for k, v in values.items() if v is not None})
                    )
                ids, organisation_id = [r.id for r in referrals], organisation.id
                session.commit()  # releases the savepoint into the connection's transaction
            command.upgrade(config, "head")
            rows = connection.execute(
                select(col(Referral.source), col(Referral.referrer_organisation_id)).where(
                    col(Referral.id).in_(ids)
                )
            ).all()
            stored = {str(source): organisation for source, organisation in rows}
            assert stored == {"self": None, "professional": organisation_id}
        finally:
            transaction.rollback()


_LINK = re.compile(r'href="https?://[^/"]+(/(?:fi|sv|en)/r/[^"]+)"')
_CODE = re.compile(r'class="short-code">([A-Z0-9]{4}-[A-Z0-9]{4})<')


def test_the_resident_withdraws_their_own_request_and_the_provider_sees_it_withdrawn(
    session: Session, client: TestClient, settings: Settings
) -> None:
    world = _accepting(session)
    path = f"/fi/services/{world.service.id}/contact-request"
    sent = client.post(path, data={**_form(client, path), **_valid()}, follow_redirects=True)
    assert sent.status_code == 200 and sent.headers["cache-control"] == "no-store"
    # The thanks page gives this browser the link and the code; the address carries neither.
    assert "/r/" not in str(sent.url) and "code" not in str(sent.url)
    link, code = _LINK.search(sent.text), _CODE.search(sent.text)
    assert link and code, sent.text
    session.expire_all()
    referral = session.scalars(select(Referral).where(col(Referral.source) == ReferralSource.SELF)).one()
    # Another browser (no receipt) is thanked without them.
    other = TestClient(client.app)
    assert "short-code" not in other.get(f"{path}/sent?via=email").text

    page = client.get(link.group(1))
    assert page.status_code == 200 and NAME not in page.text and "Peru pyyntöni" not in page.text
    csrf = _CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    opened = client.post(
        link.group(1), data={"code": code.group(1), "csrftoken": csrf}, follow_redirects=True
    )
    assert opened.status_code == 200 and "Yhteydenottopyyntösi" in opened.text
    # One's own request is withdrawn, not refused.
    assert "Peru pyyntöni" in opened.text and 'value="refuse"' not in opened.text
    act = f"{link.group(1)}/act"
    form = {"action": "withdraw", "version": str(referral.version), "csrftoken": csrf}

    # Without the CSRF token: refused, nothing changes.
    assert client.post(act, data={k: v for k, v in form.items() if k != "csrftoken"}).status_code == 403
    # First a confirmation page, which changes nothing.
    asked = client.post(act, data=form)
    assert asked.status_code == 200 and "Perutaanko yhteydenottopyyntösi?" in asked.text
    assert 'name="confirm" value="yes"' in asked.text and f'href="{link.group(1)}"' in asked.text
    session.expire_all()
    assert session.get(Referral, referral.id).status is ReferralStatus.SENT  # type: ignore[union-attr]
    done = client.post(act, data={**form, "confirm": "yes"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("?done=withdraw")
    after = client.get(done.headers["location"])
    assert "Peruttu" in after.text and "Peru pyyntöni" not in after.text

    session.expire_all()
    stored = session.get(Referral, referral.id)
    assert stored is not None and stored.status is ReferralStatus.CANCELLED and stored.closed_at is not None
    assert stored.provider_access  # the provider still sees it, as withdrawn
    events = session.scalars(
        select(ReferralEvent)
        .where(col(ReferralEvent.referral_id) == referral.id)
        .order_by(col(ReferralEvent.id))
    ).all()
    assert [(e.action, e.party.value, e.to_status) for e in events][-1] == (
        "withdraw",
        "resident",
        ReferralStatus.CANCELLED,
    )
    notices = session.scalars(
        select(ReferralNotice).where(
            col(ReferralNotice.referral_id) == referral.id,
            col(ReferralNotice.kind) == NoticeKind.STATUS_CHANGED,
        )
    ).all()
    assert [(n.audience, n.organisation_id) for n in notices] == [(NoticeAudience.ORGANISATION, world.ngo.id)]

    provider = bearer(world.provider, settings.secret_key.get_secret_value())
    client.cookies.clear()
    inbox = client.get("/staff/referrals?view=inbox&status=cancelled", headers=provider).text
    assert f"/staff/referrals/{referral.id}" in inbox
    detail = client.get(f"/staff/referrals/{referral.id}", headers=provider).text
    assert "Peruttu" in detail and "Asukas perui pyyntönsä" in detail
    api = client.get(f"/api/v1/referrals/{referral.id}", headers=provider).json()
    assert api["status"] == "cancelled" and api["timeline"][-1]["action"] == "withdraw"


@pytest.mark.parametrize(
    ("lang", "question", "button"),
    [
        ("sv", "Vill du återkalla din kontaktbegäran?", "Ja, återkalla min begäran"),
        ("en", "Withdraw your contact request?", "Yes, withdraw my request"),
    ],
)
def test_the_confirmation_in_swedish_and_english(
    session: Session, client: TestClient, lang: str, question: str, button: str
) -> None:
    world = _accepting(session)
    path = f"/{lang}/services/{world.service.id}/contact-request"
    sent = client.post(path, data={**_form(client, path), **_valid()}, follow_redirects=True)
    link, code = _LINK.search(sent.text), _CODE.search(sent.text)
    assert link and code and link.group(1).startswith(f"/{lang}/r/")
    csrf = _CSRF.search(client.get(link.group(1)).text).group(1)  # type: ignore[union-attr]
    client.post(link.group(1), data={"code": code.group(1), "csrftoken": csrf})
    session.expire_all()
    referral = session.scalars(select(Referral)).one()
    asked = client.post(
        f"{link.group(1)}/act",
        data={"action": "withdraw", "version": str(referral.version), "csrftoken": csrf},
    )
    assert asked.status_code == 200 and question in asked.text and button in asked.text
    assert f'lang="{lang}"' in asked.text


def test_a_professionals_referral_cannot_be_withdrawn_as_a_request(
    session: Session, client: TestClient, settings: Settings
) -> None:
    """Its resident says no or withdraws consent (both confirmed first); 'withdraw' is not theirs."""
    world = make_world(session)
    issued = issue_referral(
        session,
        actor=world.referrer,
        data=referral_input(world),
        now=NOW,
        secret=settings.secret_key.get_secret_value(),
    )
    session.commit()
    path = f"/fi/r/{issued.link_token}"
    csrf = _CSRF.search(client.get(path).text).group(1)  # type: ignore[union-attr]
    page = client.post(path, data={"code": issued.short_code, "csrftoken": csrf}, follow_redirects=True)
    assert 'value="refuse"' in page.text and 'value="withdraw"' not in page.text
    version = str(issued.referral.version)
    refused = client.post(f"{path}/act", data={"action": "withdraw", "version": version, "csrftoken": csrf})
    assert refused.status_code == 409
    asked = client.post(f"{path}/act", data={"action": "refuse", "version": version, "csrftoken": csrf})
    assert asked.status_code == 200 and "Kieltäydytkö tästä lähetteestä?" in asked.text
    session.expire_all()
    assert session.get(Referral, issued.referral.id).status is ReferralStatus.SENT  # type: ignore[union-attr]
