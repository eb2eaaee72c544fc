"""Who is told what, how it is rendered, and how it is sent.

Notices are rows of the `referral_notice` outbox written by `transition()` in the change's own transaction
(NOTICES below is the table of which action tells whom). They are rendered at send time from the
referral as it is then, so an anonymised or rolled-back referral sends nothing. No message carries health
information, a name or a reason: only that something happened, and a link.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from types import MappingProxyType
from typing import Protocol

from sqlalchemy import select
from sqlmodel import Session, col

from app.accounts.models import Membership, UserAccount
from app.catalogue.models import Organisation, Service
from app.db import begin_for_write
from app.errors import N_
from app.i18n import gettext
from app.settings import Settings
from app.timeutil import utcnow
from referrals.models import (
    ContactChannel,
    NoticeAudience,
    NoticeChannel,
    NoticeKind,
    Referral,
    ReferralNotice,
    ReferralSource,
)
from referrals.policy import COORDINATOR_ROLE
from referrals.status import Action

log = logging.getLogger(__name__)

# Audiences: the resident, the referrer, the receiving party (provider organisation or coordinators).
RESIDENT, REFERRER, RECEIVERS = "resident", "referrer", "receivers"

NOTICES: Mapping[Action, tuple[tuple[str, NoticeKind], ...]] = MappingProxyType(
    {
        Action.SEND: ((RESIDENT, NoticeKind.RESIDENT_LINK), (RECEIVERS, NoticeKind.NEW_REFERRAL)),
        Action.CHOOSE: ((RECEIVERS, NoticeKind.NEW_REFERRAL), (REFERRER, NoticeKind.STATUS_CHANGED)),
        Action.ACCEPT: ((REFERRER, NoticeKind.STATUS_CHANGED),),
        Action.DECLINE: ((REFERRER, NoticeKind.STATUS_CHANGED),),
        Action.REFUSE: ((REFERRER, NoticeKind.STATUS_CHANGED), (RECEIVERS, NoticeKind.STATUS_CHANGED)),
        Action.WAITLIST: ((REFERRER, NoticeKind.STATUS_CHANGED),),
        Action.CONTACT: ((REFERRER, NoticeKind.STATUS_CHANGED),),
        Action.COMPLETE: ((REFERRER, NoticeKind.STATUS_CHANGED),),
        Action.DISCONTINUE: ((REFERRER, NoticeKind.STATUS_CHANGED),),
        Action.CANCEL: ((RECEIVERS, NoticeKind.STATUS_CHANGED),),
        Action.WITHDRAW: ((RECEIVERS, NoticeKind.STATUS_CHANGED),),
        Action.WITHDRAW_CONSENT: (
            (REFERRER, NoticeKind.CONSENT_WITHDRAWN),
            (RECEIVERS, NoticeKind.CONSENT_WITHDRAWN),
            (RESIDENT, NoticeKind.CONSENT_WITHDRAWN),
        ),
        Action.EXPIRE: ((REFERRER, NoticeKind.EXPIRED), (RECEIVERS, NoticeKind.EXPIRED)),
        Action.REOPEN: ((REFERRER, NoticeKind.STATUS_CHANGED), (RECEIVERS, NoticeKind.STATUS_CHANGED)),
    }
)


def resident_channel(referral: Referral) -> NoticeChannel | None:
    """How the resident asked to be reached, if by a message we can send."""
    if referral.contact_channel is ContactChannel.EMAIL and referral.resident_email:
        return NoticeChannel.EMAIL
    if referral.contact_channel is ContactChannel.SMS and referral.resident_phone:
        return NoticeChannel.SMS
    return None


def notice_for(referral: Referral, audience: str, kind: NoticeKind) -> ReferralNotice | None:
    if audience == RESIDENT:
        channel = resident_channel(referral)
        if channel is None:
            return None
        if kind is NoticeKind.RESIDENT_LINK and (
            referral.code_hash is None or referral.source is ReferralSource.SELF
        ):
            # No code, no way in. A self-referral's resident was shown the link and code on the page they
            # sent it from; this message ("an activity has been recommended to you") is not theirs.
            return None
        return ReferralNotice(
            referral_id=referral.id, kind=kind, channel=channel, audience=NoticeAudience.RESIDENT
        )
    if audience == REFERRER:
        if referral.referrer_user_id is None:
            return None  # an API client reads the status from the API
        return ReferralNotice(
            referral_id=referral.id,
            kind=kind,
            channel=NoticeChannel.EMAIL,
            audience=NoticeAudience.USER,
            user_id=referral.referrer_user_id,
        )
    # Receivers: the organisation of the chosen service, else the municipality's coordinators.
    if referral.provider_organisation_id is not None and (
        referral.provider_access or kind is NoticeKind.CONSENT_WITHDRAWN
    ):
        return ReferralNotice(
            referral_id=referral.id,
            kind=kind,
            channel=NoticeChannel.EMAIL,
            audience=NoticeAudience.ORGANISATION,
            organisation_id=referral.provider_organisation_id,
        )
    if referral.addressed_to_coordinator:
        return ReferralNotice(
            referral_id=referral.id,
            kind=kind,
            channel=NoticeChannel.EMAIL,
            audience=NoticeAudience.COORDINATORS,
        )
    return None


def queue_notices(
    session: Session, referral: Referral, action: Action, *, extra: tuple[tuple[str, NoticeKind], ...] = ()
) -> list[ReferralNotice]:
    """Add the notices the action sends to the session (same transaction as the change)."""
    notices = []
    for audience, kind in (*NOTICES.get(action, ()), *extra):
        notice = notice_for(referral, audience, kind)
        if notice is not None:
            session.add(notice)
            notices.append(notice)
    return notices


def queue_message_notice(session: Session, referral: Referral, *, from_receiver: bool) -> None:
    """A message goes to the other side: from the receiver to the referrer, else to the receiver."""
    notice = notice_for(referral, REFERRER if from_receiver else RECEIVERS, NoticeKind.MESSAGE)
    if notice is not None:
        session.add(notice)


# --- rendering (pure) ----------------------------------------------------------------------------------------

SUBJECTS: Mapping[NoticeKind, str] = MappingProxyType(
    {
        NoticeKind.RESIDENT_LINK: N_("An activity has been recommended to you"),
        NoticeKind.ACTIVITY_CARD: N_("An activity recommended to you"),
        NoticeKind.NEW_REFERRAL: N_("A new referral is waiting for you"),
        NoticeKind.REMINDER: N_("A referral is waiting for your answer"),
        NoticeKind.STATUS_CHANGED: N_("A referral has been updated"),
        NoticeKind.MESSAGE: N_("A new message about a referral"),
        NoticeKind.EXPIRED: N_("A referral expired without an answer"),
        NoticeKind.CONSENT_WITHDRAWN: N_("Consent to a referral was withdrawn"),
        NoticeKind.FOLLOW_UP_DUE: N_("A referral follow-up is due"),
        NoticeKind.OUTCOME_QUESTIONS: N_("How are you doing? A few follow-up questions"),
        NoticeKind.LISTING_REMINDER: N_("Please confirm that your listings are up to date"),
    }
)

BODIES: Mapping[NoticeKind, str] = MappingProxyType(
    {
        NoticeKind.RESIDENT_LINK: N_(
            "Hello,\n\nan activity has been recommended to you. Open the link and enter the code "
            "you were given to see the activities and choose:\n\n%(link)s\n\n"
            "If you did not expect this message, you can ignore it."
        ),
        NoticeKind.ACTIVITY_CARD: N_(
            "An activity recommended to you: %(service)s. How to join and contact details:\n\n%(link)s"
        ),
        NoticeKind.NEW_REFERRAL: N_(
            "A new referral is waiting in the inbox. Sign in to read it:\n\n%(link)s"
        ),
        NoticeKind.REMINDER: N_(
            "A referral has been waiting for an answer for some days. Sign in to answer it:\n\n%(link)s"
        ),
        NoticeKind.STATUS_CHANGED: N_("A referral has been updated. Sign in to see it:\n\n%(link)s"),
        NoticeKind.MESSAGE: N_("There is a new message about a referral. Sign in to read it:\n\n%(link)s"),
        NoticeKind.EXPIRED: N_(
            "A referral expired because no one answered it by its deadline. Sign in to see it:\n\n%(link)s"
        ),
        NoticeKind.CONSENT_WITHDRAWN: N_(
            "Consent to a referral was withdrawn and the referral is closed. Its data is no longer "
            "shared.\n\n%(link)s"
        ),
        NoticeKind.FOLLOW_UP_DUE: N_("A follow-up of a referral is due. Sign in to see it:\n\n%(link)s"),
        NoticeKind.OUTCOME_QUESTIONS: N_(
            "Hello,\n\nyou agreed to answer a few follow-up questions about the activity recommended to you. "
            "Open the link and enter the code you were given; it takes about five minutes:\n\n%(link)s"
        ),
        NoticeKind.LISTING_REMINDER: N_(
            "Hello,\n\nsome listings of %(organisation)s in Palvelutarjotin have not been confirmed for a "
            "while. Residents and professionals rely on them. Sign in, check each listing and confirm with one "
            "click that it is still correct; there you can also say whether you have room and take "
            "referrals:\n\n%(link)s\n\nListings nobody has confirmed for a year are marked in search results."
        ),
    }
)
SMS_BODIES: Mapping[NoticeKind, str] = MappingProxyType(
    {
        NoticeKind.RESIDENT_LINK: N_(
            "An activity has been recommended to you. Open the link and enter the code you were given: %(link)s"
        ),
        NoticeKind.ACTIVITY_CARD: N_("An activity recommended to you: %(service)s. %(link)s"),
        NoticeKind.CONSENT_WITHDRAWN: N_("Your consent was withdrawn and your referral is closed."),
        NoticeKind.OUTCOME_QUESTIONS: N_(
            "You agreed to answer a few follow-up questions. Open the link and enter the code you were given: %(link)s"
        ),
    }
)


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    body: str


def render(
    kind: NoticeKind,
    channel: NoticeChannel,
    *,
    locale: str,
    link: str,
    service: str = "",
    organisation: str = "",
) -> Rendered:
    """The message in the recipient's language: what happened and a link, nothing about the person."""
    template = SMS_BODIES.get(kind, BODIES[kind]) if channel is NoticeChannel.SMS else BODIES[kind]
    subject = gettext(locale, SUBJECTS[kind])
    body = (
        gettext(locale, template, link=link, service=service, organisation=organisation)
        if "%(" in template
        else gettext(locale, template)
    )
    return Rendered(subject=f"Palvelutarjotin: {subject}", body=body)


# --- senders --------------------------------------------------------------------------------------------------


class EmailSender(Protocol):
    def send_email(self, to: str, subject: str, body: str) -> None: ...


class SmsSender(Protocol):
    def send_sms(self, to: str, text: str) -> None: ...


@dataclass(slots=True)
class SmtpEmailSender:
    """E-mail over SMTP. One connection serves a run of notices (connect, TLS and login once, not once an
    e-mail: that was most of a tick's time at 100,000 referrals); `close()` ends it. A kept connection the
    server has dropped meanwhile is opened again once."""

    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 30.0
    _smtp: smtplib.SMTP | None = field(default=None, init=False, repr=False, compare=False)

    def _connect(self) -> smtplib.SMTP:
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send_email(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        if self._smtp is not None:
            try:
                self._smtp.send_message(message)
                return
            except (smtplib.SMTPServerDisconnected, ConnectionError):
                self._smtp = None  # dropped while kept: the message did not go; a new connection below
        self._smtp = self._connect()
        try:
            self._smtp.send_message(message)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()


class LogEmailSender:
    """Development without an SMTP server: says that an e-mail would go, never to whom or what."""

    def send_email(self, to: str, subject: str, body: str) -> None:
        log.info("e-mail not sent (no SMTP_HOST set): %d characters", len(body))


class DevelopmentSmsSender:
    """The development SMS gateway: records that a message went, never the number or the text."""

    def __init__(self) -> None:
        self.sent = 0

    def send_sms(self, to: str, text: str) -> None:
        self.sent += 1
        log.info("SMS handed to the development gateway (%d characters)", len(text))


@dataclass(frozen=True, slots=True)
class Senders:
    email: EmailSender
    sms: SmsSender


# --- dispatch (after commit) -----------------------------------------------------------------------------------

LinkFor = Callable[[ReferralNotice, Referral | None], str]
# Each call opens a unit of work (a new Session); runners commit per item.
SessionFactory = Callable[[], Session]
MAX_ATTEMPTS = 5


def _addresses(session: Session, notice: ReferralNotice, referral: Referral | None) -> list[tuple[str, str]]:
    """(address, locale) pairs to send to, read now; empty when there is no one (any more)."""
    if notice.direct_address:
        return [(notice.direct_address, "fi")]
    if notice.audience is NoticeAudience.USER and notice.referral_id is None:
        # A notice about no referral (a listing reminder): to the staff member, read now.
        user = session.get(UserAccount, notice.user_id)
        return [(user.email, user.locale)] if user and user.email and user.is_active else []
    if referral is None:
        return []
    if notice.audience is NoticeAudience.RESIDENT:
        if referral.anonymised_at is not None:
            return []
        address = (
            referral.resident_email if notice.channel is NoticeChannel.EMAIL else referral.resident_phone
        )
        return [(address, referral.resident_locale)] if address else []
    if notice.audience is NoticeAudience.USER:
        user = session.get(UserAccount, notice.user_id)
        return [(user.email, user.locale)] if user and user.email and user.is_active else []
    if notice.audience is NoticeAudience.ORGANISATION:
        organisation = session.get(Organisation, notice.organisation_id)
        return [(organisation.email, "fi")] if organisation and organisation.email else []
    # Coordinators (or counsellors) of the referral's municipality, each in their own language.
    role = COORDINATOR_ROLE[referral.kind]
    rows = session.execute(
        select(col(UserAccount.email), col(UserAccount.locale))
        .join(Membership, col(Membership.user_id) == col(UserAccount.id))
        .join(Organisation, col(Organisation.id) == col(Membership.organisation_id))
        .where(
            col(Membership.role) == role,
            col(Organisation.municipality_code) == referral.municipality_code,
            col(UserAccount.is_active).is_(True),
            col(UserAccount.email).is_not(None),
        )
        .distinct()
    ).all()
    return [(email, locale) for email, locale in rows if email]


def _name_in(organisation: Organisation | None, locale: str) -> str:
    """The organisation's name in the recipient's language, else in another it has."""
    if organisation is None:
        return ""
    names = (getattr(organisation, f"name_{locale}", None), organisation.name_fi, organisation.name_sv)
    return next((name for name in names if name), "") or organisation.name_en or ""


def pending_notice_ids(session: Session, *, limit: int = 500) -> list[int]:
    return [
        notice_id
        for notice_id in session.scalars(
            select(col(ReferralNotice.id))
            .where(col(ReferralNotice.sent_at).is_(None), col(ReferralNotice.attempts) < MAX_ATTEMPTS)
            .order_by(col(ReferralNotice.id))
            .limit(limit)
        ).all()
        if notice_id is not None
    ]


# Notices a unit of work sends on PostgreSQL: their claim (row locks), addresses and results are one
# transaction, so a tick's 500 e-mails cost 20 commits and a few reads a batch, not 500 commits and
# three reads a notice. Several drainers still never send the same notice: the rows stay locked until
# the batch commits, and the others skip them. A crash between sending and that commit leaves the batch's
# notices to be sent again by the next run, as it could leave one before: hence a small batch.
SEND_BATCH = 25


def send_notices(
    session: Session, notice_ids: Sequence[int], *, senders: Senders, link_for: LinkFor
) -> list[str]:
    """Send these notices inside the caller's transaction; returns each one's result code ("taken" for one
    another drainer holds or has sent)."""
    statement = (
        select(ReferralNotice).where(col(ReferralNotice.id).in_(notice_ids)).order_by(col(ReferralNotice.id))
    )
    if session.get_bind().dialect.name == "postgresql":
        # Several app processes and the tick may drain at once: each notice is sent by one of them.
        statement = statement.with_for_update(skip_locked=True)
    else:
        # SQLite has no row locks: hold the write lock from the read on, so a second drainer waits and
        # then reads the notice as sent, instead of sending it again and failing to record it.
        begin_for_write(session)
    notices = [notice for notice in session.scalars(statement).all() if notice.sent_at is None]
    loaded = _load_for(session, notices)  # held while sending: the identity map keeps objects weakly
    taken = ["taken"] * (len(notice_ids) - len(notices))
    results = [_send(session, notice, senders=senders, link_for=link_for) for notice in notices]
    del loaded
    return taken + results


def _load_for(session: Session, notices: Sequence[ReferralNotice]) -> list[object]:
    """What the notices' addresses and texts read, one query a table: `session.get` then finds each in
    the session's identity map instead of asking the database once a notice."""
    loaded: list[object] = []
    for model, ids in (
        (Referral, {n.referral_id for n in notices if n.referral_id is not None}),
        (UserAccount, {n.user_id for n in notices if n.user_id is not None}),
        (Organisation, {n.organisation_id for n in notices if n.organisation_id is not None}),
        (Service, {n.service_id for n in notices if n.service_id is not None}),
    ):
        if ids:
            loaded.extend(session.scalars(select(model).where(col(model.id).in_(ids))).all())  # type: ignore[attr-defined]
    return loaded


def _send(session: Session, notice: ReferralNotice, *, senders: Senders, link_for: LinkFor) -> str:
    referral = session.get(Referral, notice.referral_id) if notice.referral_id else None
    addresses = _addresses(session, notice, referral)
    now = utcnow()
    if not addresses:
        notice.sent_at, notice.result, notice.direct_address = now, "skipped:no-recipient", None
        return notice.result
    service_name = ""
    if notice.service_id is not None:
        service = session.get(Service, notice.service_id)
        service_name = (service.name_fi or "") if service else ""
    organisation = session.get(Organisation, notice.organisation_id) if notice.organisation_id else None
    try:
        for address, locale in addresses:
            rendered = render(
                notice.kind,
                notice.channel,
                locale=locale,
                link=link_for(notice, referral),
                service=service_name,
                organisation=_name_in(organisation, locale),
            )
            if notice.channel is NoticeChannel.SMS:
                senders.sms.send_sms(address, rendered.body)
            else:
                senders.email.send_email(address, rendered.subject, rendered.body)
    except Exception as exc:
        notice.attempts += 1
        notice.result = f"failed:{type(exc).__name__}"
        if notice.attempts >= MAX_ATTEMPTS:
            notice.direct_address = None
        log.warning("notice %s (%s) failed: %s", notice.id, notice.kind.value, type(exc).__name__)
        return notice.result
    notice.sent_at, notice.result, notice.direct_address = now, "sent", None
    notice.attempts += 1
    return "sent"


def dispatch_pending(
    sessions: SessionFactory, *, senders: Senders, link_for: LinkFor, limit: int = 500
) -> dict[str, int]:
    """Send what the outbox holds, SEND_BATCH notices a transaction (one on SQLite, where a transaction
    that sends holds the whole database's write lock). Safe to run in several processes."""
    counts: dict[str, int] = {}
    with sessions() as session:
        ids = pending_notice_ids(session, limit=limit)
        batch = SEND_BATCH if session.get_bind().dialect.name == "postgresql" else 1
    try:
        for start in range(0, len(ids), batch):
            with sessions() as session:
                results = send_notices(
                    session, ids[start : start + batch], senders=senders, link_for=link_for
                )
                session.commit()
            for result in results:
                key = result.split(":", 1)[0]
                counts[key] = counts.get(key, 0) + 1
    finally:
        for sender in (senders.email, senders.sms):
            close = getattr(sender, "close", None)  # a kept connection (SMTP) ends with the run
            if callable(close):
                close()
    return counts


def new_user_notice(referral_id: uuid.UUID, user_id: uuid.UUID, kind: NoticeKind) -> ReferralNotice:
    return ReferralNotice(
        referral_id=referral_id,
        kind=kind,
        channel=NoticeChannel.EMAIL,
        audience=NoticeAudience.USER,
        user_id=user_id,
    )


def senders_from_settings(settings: Settings) -> Senders:
    """SMTP when SMTP_HOST is set, else a sender that sends nothing and logs no content; SMS through the
    gateway SMS_GATEWAY names."""
    email: EmailSender = LogEmailSender()
    if settings.smtp_host:
        email = SmtpEmailSender(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            starttls=settings.smtp_starttls,
        )
    sms: SmsSender = DevelopmentSmsSender()
    if settings.sms_gateway == "quriiri" and settings.quriiri_url and settings.quriiri_api_key:
        from referrals.quriiri import QuriiriSmsSender

        sms = QuriiriSmsSender(
            url=str(settings.quriiri_url),
            api_key=settings.quriiri_api_key.get_secret_value(),
            sender=settings.quriiri_sender or "",
            timeout=settings.http_timeout_seconds,
        )
    return Senders(email=email, sms=sms)
