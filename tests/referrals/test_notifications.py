"""Notices reach a real SMTP server on loopback (aiosmtpd), carry no health information or personal data,
and the logs of the whole flow hold no trace of the resident."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, event, select
from sqlmodel import Session, col

from referrals.fields import REASON_LABELS
from referrals.jobs import tick
from referrals.models import ContactChannel, Referral, ReferralNotice
from referrals.notifications import (
    SEND_BATCH,
    DevelopmentSmsSender,
    Senders,
    SmtpEmailSender,
    dispatch_pending,
)
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


class FirstFails:
    """An e-mail sender whose first message fails (the server refused it), the rest go through."""

    def __init__(self, inner: SmtpEmailSender) -> None:
        self.inner, self.calls = inner, 0

    def send_email(self, to: str, subject: str, body: str) -> None:
        self.calls += 1
        if self.calls == 1:
            raise ConnectionRefusedError("refused")
        self.inner.send_email(to, subject, body)

    def close(self) -> None:
        self.inner.close()


def test_a_run_sends_in_batches_each_notice_once(session: Session, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    world = make_world(session)
    for _ in range(30):
        issue(session, world, channel=ContactChannel.EMAIL)  # the resident's link and the provider's notice
    session.flush()
    queued = session.scalars(select(ReferralNotice).where(col(ReferralNotice.sent_at).is_(None))).all()
    assert len(queued) == 60
    email = FirstFails(SmtpEmailSender(host="127.0.0.1", port=port, sender="noreply@tarjotin.example"))
    senders = Senders(email=email, sms=CapturingSms())
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        counts = dispatch_pending(savepoint_sessions(session), senders=senders, link_for=_notice_link)
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
    # One refused message fails its notice only; the rest of its batch is sent and recorded.
    assert counts == {"sent": 59, "failed": 1}
    assert len(inbox.messages) == 59
    if session.get_bind().dialect.name == "postgresql":
        # A batch reads its notices' referrals, people and organisations once, not once a notice.
        referral_reads = [s for s in statements if re.search(r"FROM referral\b(?!_)", s)]
        organisation_reads = [s for s in statements if re.search(r"FROM organisation\b", s)]
        batches = -(-60 // SEND_BATCH)
        assert len(referral_reads) == len(organisation_reads) == batches, statements
    session.expire_all()
    failed = [n for n in queued if n.sent_at is None]
    assert (
        len(failed) == 1 and failed[0].attempts == 1 and failed[0].result == "failed:ConnectionRefusedError"
    )
    assert {n.attempts for n in queued if n.sent_at is not None} == {1}
    # The next run retries the failed one and sends nothing else again.
    assert dispatch_pending(savepoint_sessions(session), senders=senders, link_for=_notice_link) == {
        "sent": 1
    }
    assert len(inbox.messages) == 60
    assert sorted(_NOTICE_ID.findall("".join(m.get_content() for m in inbox.messages))) == sorted(
        str(n.id) for n in queued
    )


_NOTICE_ID = re.compile(r"/n/(\d+)")


def _notice_link(notice: ReferralNotice, referral: Referral | None) -> str:
    return f"http://127.0.0.1:8200/n/{notice.id}"  # tells the messages apart by their notice
