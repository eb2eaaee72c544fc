"""The half-yearly "confirm your listings" e-mail: to the provider admins of organisations with listings due,
over a real SMTP server on loopback, once per period (also with two ticks at once), nothing personal in it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from app.accounts.actor import Actor, Grant
from app.accounts.models import Membership, Role, UserAccount
from app.catalogue.enums import ServiceStatus
from app.catalogue.models import Organisation, Service
from app.catalogue.overlay import Capacity, ServiceOverlay
from app.catalogue.selfservice import confirm_listing, months
from referrals.jobs import TickReport, remind_listing_owners, tick
from referrals.links import notice_link_for
from referrals.models import NoticeKind, ReferralNotice
from referrals.notifications import Senders, SmtpEmailSender
from tests.factories import make_organisation, make_service
from tests.referrals.test_notifications import CapturingSms, Inbox
from tests.referrals.world import savepoint_sessions
from tests.servers import free_port

NOW = datetime(2026, 12, 7, 9, tzinfo=UTC)
BASE = "https://palvelut.example.fi"
SIX_MONTHS = months(6)


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


def _user(session: Session, email: str | None, *, locale: str = "fi", active: bool = True) -> UserAccount:
    user = UserAccount(
        oidc_issuer="https://idp.test",
        oidc_subject=uuid.uuid4().hex,
        email=email,
        locale=locale,
        is_active=active,
    )
    session.add(user)
    session.flush()
    return user


def _admin_of(session: Session, organisation: Organisation, user: UserAccount) -> None:
    session.add(Membership(user_id=user.id, organisation_id=organisation.id, role=Role.PROVIDER_ADMIN))
    session.flush()


def _world(session: Session) -> dict[str, object]:
    ours = make_organisation(session, name_fi="Lahden Seniorit ry", name_sv="Lahtis seniorer rf")
    nobody = make_organisation(session, name_fi="Ylläpitäjätön yhdistys ry")
    mailless = make_organisation(session, name_fi="Postiton seura ry")
    old = NOW - timedelta(days=300)
    due = make_service(session, organisation=ours, name_fi="Tuolijumppa", source_modified_at=old)
    never = make_service(session, organisation=ours, name_fi="Lukupiiri")  # no date at all: never confirmed
    fresh = make_service(session, organisation=ours, name_fi="Vesijumppa", source_modified_at=old)
    session.add(
        ServiceOverlay(service_id=fresh.id, verified_at=NOW - timedelta(days=30), capacity=Capacity.FULL)
    )
    retired = make_service(
        session,
        organisation=ours,
        name_fi="Loppunut ryhmä",
        source_modified_at=old,
        status=ServiceStatus.RETIRED,
    )
    make_service(session, organisation=nobody, name_fi="Kävelyryhmä", source_modified_at=old)
    make_service(session, organisation=mailless, name_fi="Shakkikerho", source_modified_at=old)
    admin_fi = _user(session, "veera@seniorit.example")
    admin_sv = _user(session, "stina@seniorit.example", locale="sv")
    _admin_of(session, ours, admin_fi)
    _admin_of(session, ours, admin_sv)
    _admin_of(session, ours, _user(session, "former@seniorit.example", active=False))
    _admin_of(session, mailless, _user(session, None))
    # A provider contact is not asked: confirming is the admins' job.
    session.add(
        Membership(
            user_id=_user(session, "contact@seniorit.example").id,
            organisation_id=ours.id,
            role=Role.PROVIDER_CONTACT,
        )
    )
    session.flush()
    return {"ours": ours, "due": due, "never": never, "fresh": fresh, "retired": retired, "admin": admin_fi}


def _tick(session: Session, port: int, now: datetime) -> TickReport:
    senders = Senders(
        email=SmtpEmailSender(host="127.0.0.1", port=port, sender="noreply@tarjotin.example"),
        sms=CapturingSms(),
    )
    return tick(
        savepoint_sessions(session),
        now=now,
        reminder_days=7,
        senders=senders,
        link_for=notice_link_for(BASE, "secret"),
        listing_reminder_after=SIX_MONTHS,
    )


def _reminded(session: Session, service: Service) -> datetime | None:
    return session.scalars(
        select(col(ServiceOverlay.reminded_at)).where(col(ServiceOverlay.service_id) == service.id)
    ).first()


def test_admins_are_asked_once_per_period_with_a_link_and_nothing_personal(
    session: Session, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    world = _world(session)

    report = _tick(session, port, NOW)
    assert report.listing_reminders == 1 and report.failed == 0
    assert sorted(str(m["To"]) for m in inbox.messages) == [
        "stina@seniorit.example",
        "veera@seniorit.example",
    ]
    by_to = {str(m["To"]): m for m in inbox.messages}
    fi, sv = by_to["veera@seniorit.example"], by_to["stina@seniorit.example"]
    assert fi["Subject"] == "Palvelutarjotin: Vahvista, että palvelujenne tiedot ovat ajan tasalla"
    assert "Lahden Seniorit ry" in fi.get_content() and f"{BASE}/staff/listings" in fi.get_content()
    assert sv["Subject"] == "Palvelutarjotin: Bekräfta att era uppgifter är aktuella"
    assert "Lahtis seniorer rf" in sv.get_content() and f"{BASE}/staff/listings" in sv.get_content()
    for message in inbox.messages:
        text = message.get_content()
        for private in ("Veera", "Stina", "Tuolijumppa", "Lukupiiri", "veera@", "stina@"):
            assert private not in text

    assert _reminded(session, world["due"]) == NOW and _reminded(session, world["never"]) == NOW  # type: ignore[arg-type]
    assert _reminded(session, world["fresh"]) is None  # type: ignore[arg-type]
    assert _reminded(session, world["retired"]) is None  # type: ignore[arg-type]
    fresh = session.get(ServiceOverlay, world["fresh"].id)  # type: ignore[attr-defined]
    assert fresh is not None and fresh.capacity is Capacity.FULL

    # Idempotent: the same tick again, or next month's, asks nobody.
    assert _tick(session, port, NOW).listing_reminders == 0
    assert _tick(session, port, NOW + timedelta(days=30)).listing_reminders == 0
    assert len(inbox.messages) == 2

    # Confirmed with one click: that listing is not asked about again until it is due again.
    ours: Organisation = world["ours"]  # type: ignore[assignment]
    admin: UserAccount = world["admin"]  # type: ignore[assignment]
    actor = Actor.person(admin.id, [Grant(ours.id, Role.PROVIDER_ADMIN)])
    confirm_listing(session, world["due"].id, actor=actor, now=NOW + timedelta(days=40))  # type: ignore[attr-defined]
    session.flush()
    # A period after the reminder the unconfirmed listing is asked about again, the confirmed one not yet.
    later = NOW + timedelta(days=190)
    assert _tick(session, port, later).listing_reminders == 1
    assert _reminded(session, world["never"]) == later  # type: ignore[arg-type]
    assert _reminded(session, world["due"]) == NOW  # type: ignore[arg-type]
    assert len(inbox.messages) == 4
    notices = session.scalars(
        select(ReferralNotice).where(col(ReferralNotice.kind) == NoticeKind.LISTING_REMINDER)
    ).all()
    assert {(n.result, n.organisation_id) for n in notices} == {("sent", ours.id)}


@pytest.fixture
def committed(engine: Engine) -> Iterator[Organisation]:
    with Session(engine, expire_on_commit=False) as session:
        organisation = make_organisation(session, name_fi="Kahden tikin seura ry")
        for n in range(3):
            make_service(session, organisation=organisation, name_fi=f"Ryhmä {n}")
        users = [_user(session, f"admin{n}@kaksi.example") for n in range(2)]
        for user in users:
            _admin_of(session, organisation, user)
        session.commit()
    yield organisation
    with Session(engine) as session:
        ids = list(
            session.scalars(select(col(Service.id)).where(col(Service.organisation_id) == organisation.id))
        )
        session.execute(delete(ReferralNotice).where(col(ReferralNotice.organisation_id) == organisation.id))
        session.execute(delete(ServiceOverlay).where(col(ServiceOverlay.service_id).in_(ids)))
        for service in session.scalars(select(Service).where(col(Service.id).in_(ids))).all():
            session.delete(service)
        session.flush()
        session.execute(delete(Membership).where(col(Membership.organisation_id) == organisation.id))
        session.execute(delete(UserAccount).where(col(UserAccount.id).in_([u.id for u in users])))
        session.execute(delete(Organisation).where(col(Organisation.id) == organisation.id))
        session.commit()


def test_two_ticks_at_once_ask_once(engine: Engine, committed: Organisation) -> None:
    barrier = threading.Barrier(2)
    asked: list[int] = []

    def run() -> None:
        barrier.wait(timeout=10)
        sessions = lambda: Session(engine, expire_on_commit=False)  # noqa: E731
        asked.append(remind_listing_owners(sessions, now=NOW, after=SIX_MONTHS, report=TickReport()))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with Session(engine) as session:
        queued = session.scalar(
            select(func.count())
            .select_from(ReferralNotice)
            .where(col(ReferralNotice.organisation_id) == committed.id)
        )
    assert queued == 2  # one notice per admin, not two
    # The other found it taken (PostgreSQL: locked and skipped, or nothing due any more under the lock;
    # SQLite: it waited for the write lock, then found nothing due).
    assert sorted(asked) == [0, 1]


PROCESS_ORGANISATIONS = 12


@pytest.fixture
def many_committed(engine: Engine) -> Iterator[list[Organisation]]:
    """Organisations with a listing never confirmed and one admin each, committed for other processes."""
    with Session(engine, expire_on_commit=False) as session:
        organisations = [
            make_organisation(session, name_fi=f"Prosessiseura {n} ry") for n in range(PROCESS_ORGANISATIONS)
        ]
        users = []
        for n, organisation in enumerate(organisations):
            make_service(session, organisation=organisation, name_fi=f"Prosessiryhmä {n}")
            users.append(_user(session, f"admin{n}@prosessit.example"))
            _admin_of(session, organisation, users[-1])
        session.commit()
    yield organisations
    ids = [organisation.id for organisation in organisations]
    with Session(engine) as session:
        services = list(session.scalars(select(col(Service.id)).where(col(Service.organisation_id).in_(ids))))
        session.execute(delete(ReferralNotice).where(col(ReferralNotice.organisation_id).in_(ids)))
        session.execute(delete(ServiceOverlay).where(col(ServiceOverlay.service_id).in_(services)))
        for service in session.scalars(select(Service).where(col(Service.id).in_(services))).all():
            session.delete(service)
        session.flush()
        session.execute(delete(Membership).where(col(Membership.organisation_id).in_(ids)))
        session.execute(delete(UserAccount).where(col(UserAccount.id).in_([u.id for u in users])))
        session.execute(delete(Organisation).where(col(Organisation.id).in_(ids)))
        session.commit()


# Each process imports the CLI, then waits for the gate, so the two ticks start within milliseconds of
# each other (starting a process takes longer than the work) and really run at once.
_GATED_TICK = """
import os, sys, time
from tarjotin.cli import main
gate = os.environ["TICK_GATE"]
while not os.path.exists(gate):
    time.sleep(0.005)
sys.argv = ["tarjotin", "referrals", "tick"]
main()
"""


def test_two_tick_processes_at_once_each_reminder_sent_once(
    engine: Engine,
    many_committed: list[Organisation],
    smtp: tuple[Inbox, int],
    tmp_path: Path,
) -> None:
    """`tarjotin referrals tick` run twice at the same moment, as two cron entries or two hosts would: both
    end well (exit 0), every admin is asked once and gets one e-mail."""
    inbox, port = smtp
    gate = tmp_path / "go"
    env = {
        **os.environ,
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "DATA_DIR": str(tmp_path),
        "ENVIRONMENT": "development",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "TICK_GATE": str(gate),
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _GATED_TICK],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    time.sleep(3)  # both have imported the app (a busy machine is slow) and wait at the gate
    gate.touch()
    outputs = [process.communicate(timeout=180) for process in processes]
    for process, (_out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
    asked = [int(m.group(1)) for _out, err in outputs if (m := LISTINGS_ASKED.search(err))]
    assert len(asked) == 2 and sum(asked) == PROCESS_ORGANISATIONS, outputs
    ours = [m for m in inbox.messages if str(m["To"]).endswith("@prosessit.example")]
    assert sorted(str(m["To"]) for m in ours) == sorted(
        f"admin{n}@prosessit.example" for n in range(PROCESS_ORGANISATIONS)
    )
    with Session(engine) as session:
        notices = session.scalars(
            select(ReferralNotice).where(
                col(ReferralNotice.organisation_id).in_([o.id for o in many_committed])
            )
        ).all()
    assert len(notices) == PROCESS_ORGANISATIONS
    assert {(n.result, n.attempts) for n in notices} == {("sent", 1)}


# The console wraps its line where it likes.
LISTINGS_ASKED = re.compile(r"organisations\s+asked\s+to\s+confirm\s+listings\s+(\d+)")
