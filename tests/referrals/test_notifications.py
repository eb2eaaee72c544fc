"""Notices reach a real SMTP server on loopback (aiosmtpd), carry no health information or personal data,
and the logs of the whole flow hold no trace of the resident."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session

from referrals.fields import REASON_LABELS
from referrals.jobs import tick
from referrals.models import ContactChannel, Referral, ReferralNotice
from referrals.notifications import DevelopmentSmsSender, Senders, SmtpEmailSender, dispatch_pending
from referrals.service import act, choose_service, record_attendance, verify_code
from referrals.status import Action
from tests.referrals.world import (
    NOW,
    RESIDENT_EMAIL,
    RESIDENT_NAME,
    RESIDENT_PHONE,
    SECRET,
    issue,
    make_world,
    savepoint_sessions,
)
from tests.servers import free_port


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


class CapturingSms(DevelopmentSmsSender):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[tuple[str, str]] = []

    def send_sms(self, to: str, text: str) -> None:
        super().send_sms(to, text)
        self.texts.append((to, text))


def _link_for(notice: ReferralNotice, referral: Referral | None) -> str:
    return (
        f"http://127.0.0.1:8200/r/{notice.referral_id}"
        if notice.audience == "resident"
        else "http://127.0.0.1:8200/staff/referrals/x"
    )


def test_emails_carry_no_health_information(
    session: Session, smtp: tuple[Inbox, int], caplog: pytest.LogCaptureFixture
) -> None:
    inbox, port = smtp
    caplog.set_level(logging.DEBUG)
    world = make_world(session)
    senders = Senders(
        email=SmtpEmailSender(host="127.0.0.1", port=port, sender="noreply@tarjotin.example"),
        sms=CapturingSms(),
    )
    sessions = savepoint_sessions(session)

    issued = issue(
        session, world, services=(world.service, world.second_service), channel=ContactChannel.EMAIL
    )
    referral = issued.referral
    resident = verify_code(session, referral, issued.short_code, now=NOW, secret=SECRET)
    choose_service(session, referral, actor=resident, service_id=world.service.id, now=NOW)
    act(session, referral, Action.ACCEPT, actor=world.provider, now=NOW)
    record_attendance(session, referral, actor=world.provider, session_on=NOW.date(), attended=True, now=NOW)
    act(
        session,
        referral,
        Action.MESSAGE,
        actor=world.provider,
        now=NOW,
        note=f"Soitin: {RESIDENT_NAME} tulee tiistaina",
    )
    act(session, referral, Action.COMPLETE, actor=world.provider, now=NOW, reason="goal_met")
    session.flush()
    counts = dispatch_pending(sessions, senders=senders, link_for=_link_for)
    assert counts == {"sent": len(inbox.messages)}, counts
    assert dispatch_pending(sessions, senders=senders, link_for=_link_for) == {}  # nothing twice

    recipients = sorted(str(m["To"]) for m in inbox.messages)
    assert (
        RESIDENT_EMAIL in recipients
        and "seniorit@example.org" in recipients
        and "heli@example.org" in recipients
    )
    forbidden = [
        RESIDENT_NAME,
        "Aino",
        RESIDENT_PHONE,
        "0401234567",
        "Tasapaino",
        "liikkumaan",
        "Soitin",
        *REASON_LABELS.values(),
        "fall",
        "kaatu",
    ]
    for message in inbox.messages:
        text = f"{message['Subject']}\n{message.get_content()}"
        assert "http://127.0.0.1:8200/" in text
        for word in forbidden:
            assert word.lower() not in text.lower(), (word, text)
    resident_mail = next(m for m in inbox.messages if m["To"] == RESIDENT_EMAIL)
    assert issued.short_code not in resident_mail.get_content()  # the code never travels with the link

    logs = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail."))
    for value in (RESIDENT_NAME, RESIDENT_PHONE, RESIDENT_EMAIL, "Ylikangas", issued.short_code):
        assert value not in logs


def test_sms_reminder_and_expiry_after_commit(
    session: Session, smtp: tuple[Inbox, int], caplog: pytest.LogCaptureFixture
) -> None:
    inbox, port = smtp
    caplog.set_level(logging.DEBUG)
    world = make_world(session)
    sms = CapturingSms()
    senders = Senders(
        email=SmtpEmailSender(host="127.0.0.1", port=port, sender="noreply@tarjotin.example"), sms=sms
    )
    referral = issue(session, world, channel=ContactChannel.SMS).referral
    session.flush()
    report = tick(
        savepoint_sessions(session),
        now=NOW + timedelta(days=15),
        reminder_days=7,
        senders=senders,
        link_for=_link_for,
    )
    assert report.expired == 1 and report.reminded == 0  # expired before any reminder went
    assert [to for to, _ in sms.texts] == [RESIDENT_PHONE]
    assert RESIDENT_NAME not in sms.texts[0][1]
    subjects = [str(m["Subject"]) for m in inbox.messages]
    assert any("vanhentui" in s or "expired" in s for s in subjects), subjects
    assert referral.id
    logs = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail."))
    assert RESIDENT_PHONE not in logs and "0401234567" not in logs
