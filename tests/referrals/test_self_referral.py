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
    ReferralNotice,
    ReferralSource,
)
from referrals.notifications import DevelopmentSmsSender, Senders, SmtpEmailSender, dispatch_pending
from referrals.status import ReferralKind, ReferralStatus
from tarjotin.cli import alembic_config
from tests.factories import make_organisation
from tests.referrals.test_notifications import Inbox, smtp  # noqa: F401  (the loopback SMTP fixture)
from tests.referrals.world import World, bearer, make_world, savepoint_sessions
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
    assert referral.referrer_user_id is None and referral.code_hash is None
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
