# ruff: noqa: E402  (the path is set before the project is imported)
"""The referral loop at 100,000 open referrals: the lists people open all day, issuing, and the tick.

    .venv/bin/python bench/referrals.py [--referrals 100000] [--rounds 30] [--reuse]

Fills a PostgreSQL database (TEST_POSTGRES_URL's server, database tarjotin_bench_referrals) with a
generated catalogue (bench/search_data.py) and open referrals by bulk inserts: a county's 20 units of
referrers, 50 provider organisations, a daily intake of 1 % of the total over the last 180 days, the last
14 days' share still unanswered, exercise referrals with follow-up dates, consents and timelines. With
--reuse an existing database of that size is kept (and re-armed for the tick).

Then, with the app in this process (server time from the request's arrival to its last body byte):
- the provider inbox (GET /staff/referrals?view=inbox, first page: all, filtered by status, overdue only)
  and the professional's lists (mine, my unit's, filtered); target p95 <= 30 ms;
- issuing a referral (POST /api/v1/referrals, two activities, consent); target p95 <= 50 ms;
and, on the database directly, one `tarjotin referrals tick` at the day boundary, when yesterday's
deadlines expire, a day's reminders and follow-ups fall due and the outbox fills (its first 500 notices
sent to an SMTP server on loopback: aiosmtpd in a process of its own); target <= 10 s. Each request's count of SQL
statements is printed too: unlike milliseconds, the load of a shared machine does not change it.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse
import os
import random
import socket
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, event, func, insert, select, text
from sqlmodel import Session, col

from app.accounts.models import Membership, Role, Unit, UserAccount
from app.catalogue.enums import OrganisationKind
from app.catalogue.models import Organisation, Service
from app.db import make_engine, normalise_url
from bench.search_data import prepare_database
from bench.web import ServerClock, percentile
from referrals.models import Consent, FollowUp, Referral, ReferralEvent, ReferralTarget
from referrals.status import ReferralStatus as S

DB_NAME = "tarjotin_bench_referrals"
SECRET = "bench-referrals-secret-0123456789abcdef"
ISSUER = "bench-referrals"
LIST_TARGET_MS, ISSUE_TARGET_MS, TICK_TARGET_S = 30.0, 50.0, 10.0
UNITS, PROVIDERS, DAYS = 20, 50, 180
UNANSWERED_DAYS, UNANSWERED_SHARE = 14, 0.4  # of each of the last 14 days' intake, still unanswered
ENGAGED = [(S.ACCEPTED, 0.35), (S.WAITLISTED, 0.05), (S.CONTACTED, 0.15), (S.IN_PROGRESS, 0.45)]


@dataclass(frozen=True)
class People:
    nurse: uuid.UUID  # a referrer in unit 0
    provider: uuid.UUID  # the contact person of the busiest provider organisation
    provider_organisation: uuid.UUID
    services: list[uuid.UUID]  # two of the busiest provider's services, for issuing
    municipality: str


def _people(session: Session) -> People:
    nurse = session.scalars(select(UserAccount).where(col(UserAccount.oidc_subject) == "nurse")).one()
    provider = session.scalars(select(UserAccount).where(col(UserAccount.oidc_subject) == "provider")).one()
    membership = session.scalars(select(Membership).where(col(Membership.user_id) == provider.id)).one()
    services = session.scalars(
        select(col(Service.id))
        .where(col(Service.organisation_id) == membership.organisation_id)
        .order_by(col(Service.id))
        .limit(2)
    ).all()
    municipality = session.scalars(
        select(col(Referral.municipality_code)).where(col(Referral.referrer_user_id) == nurse.id).limit(1)
    ).one()
    return People(nurse.id, provider.id, membership.organisation_id, list(services), municipality)


def generate(session: Session, count: int, seed: int = 16) -> None:
    """Bulk-insert `count` open referrals with their targets, consents, timelines and follow-ups."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    today = now.date()
    county = Organisation(
        kind=OrganisationKind.WELLBEING_COUNTY,
        name_fi="Bench-hyvinvointialue",
        source="local",
        external_id="bench-county",
    )
    session.add(county)
    session.flush()
    units = [Unit(organisation_id=county.id, name=f"Terveysasema {i}") for i in range(UNITS)]
    session.add_all(units)
    # 10 referrers per unit; the nurse is the first of unit 0.
    referrers = [UserAccount(oidc_issuer=ISSUER, oidc_subject=f"referrer-{i}") for i in range(UNITS * 10)]
    referrers[0].oidc_subject = "nurse"
    session.add_all(referrers)
    session.flush()
    for i, user in enumerate(referrers):
        session.add(
            Membership(
                user_id=user.id, organisation_id=county.id, role=Role.REFERRER, unit_id=units[i % UNITS].id
            )
        )
    by_organisation: dict[uuid.UUID, list[uuid.UUID]] = {}
    for service_id, organisation_id in session.execute(select(col(Service.id), col(Service.organisation_id))):
        by_organisation.setdefault(organisation_id, []).append(service_id)
    providers = sorted(by_organisation, key=lambda o: (-len(by_organisation[o]), str(o)))[:PROVIDERS]
    provider = UserAccount(oidc_issuer=ISSUER, oidc_subject="provider")
    session.add(provider)
    session.flush()
    session.add(Membership(user_id=provider.id, organisation_id=providers[0], role=Role.PROVIDER_CONTACT))
    municipalities = sorted(
        {c for c in session.scalars(select(col(Organisation.municipality_code))).all() if c}
    )
    # The busiest provider gets 5 % of the referrals, the others share the rest.
    weights = [5.0] + [95.0 / (len(providers) - 1)] * (len(providers) - 1)

    referrals: list[dict[str, Any]] = []
    targets: list[dict[str, Any]] = []
    consents: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    follow_ups: list[dict[str, Any]] = []
    daily = count / 100
    unanswered_total = int(daily * UNANSWERED_SHARE * (UNANSWERED_DAYS + 1))
    for n in range(count):
        rid = uuid.uuid4()
        if n < unanswered_total:
            # Sent 0..14 days ago; the oldest day's deadline was yesterday (the tick expires those).
            age = n % (UNANSWERED_DAYS + 1)
            sent = now - timedelta(days=age, seconds=rng.uniform(0, 86_000))
            status = S.RECEIVED if rng.random() < 0.3 else S.SENT
            respond_by = today - timedelta(days=age) + timedelta(days=UNANSWERED_DAYS - 1)
            answered = None
            # Reminded at day 7 by earlier ticks; those at exactly day 7 are the tick's to remind.
            reminded = sent + timedelta(days=7) if age > 7 else None
        else:
            sent = now - timedelta(days=rng.uniform(UNANSWERED_DAYS, DAYS))
            status = rng.choices([s for s, _ in ENGAGED], [w for _, w in ENGAGED])[0]
            respond_by = (sent + timedelta(days=UNANSWERED_DAYS)).date()
            answered = sent + timedelta(days=rng.uniform(0.5, 9))
            reminded = None
        organisation_id = rng.choices(providers, weights)[0]
        services = rng.sample(
            by_organisation[organisation_id], k=min(2, len(by_organisation[organisation_id]))
        )
        referrer = 0 if rng.random() < 0.01 else rng.randrange(len(referrers))
        kind = "exercise" if rng.random() < 0.25 else "welfare"
        referrals.append(
            {
                "id": rid,
                "kind": kind,
                "status": status.value,
                "version": 3 if answered else 2,
                "created_at": sent,
                "updated_at": answered or sent,
                "sent_at": sent,
                "answered_at": answered,
                "respond_by": respond_by,
                "reminded_at": reminded,
                "referrer_user_id": referrers[referrer].id,
                "referrer_organisation_id": county.id,
                "referrer_unit_id": units[referrer % UNITS].id,
                "addressed_to_coordinator": False,
                "municipality_code": rng.choice(municipalities),
                "chosen_service_id": services[0],
                "provider_organisation_id": organisation_id,
                "provider_access": True,
                "resident_name": f"Asukas {n}",
                "resident_phone": f"+35840{n:07d}",
                "resident_locale": "fi",
                "contact_channel": "phone",
                "age_band": rng.choice(("60-69", "70-79", "80+", "40-49")),
                "reasons": ["inactivity"],
                "practical_needs": [],
                "hopes": "Haluaisin liikkua enemmän",
                "sessions_attended": 0,
                "code_failures": 0,
                "is_demo": False,
            }
        )
        for order, service_id in enumerate(services):
            targets.append(
                {
                    "referral_id": rid,
                    "service_id": service_id,
                    "organisation_id": organisation_id,
                    "sort_order": order,
                }
            )
        consents.append(
            {
                "id": uuid.uuid4(),
                "referral_id": rid,
                "given_at": sent,
                "method": "spoken",
                "organisation_ids": [str(organisation_id)],
                "fields": ["name", "phone", "contact_channel", "hopes"],
                "purpose": "referral",
                "valid_until": (sent + timedelta(days=365)).date(),
                "informed": True,
                "notice_version": "2026-12",
                "recorded_by": "bench",
            }
        )
        steps = [(S.DRAFT, S.SENT, "send", sent)]
        if answered:
            steps.append((S.SENT, status, "accept", answered))
        for version, (source, target, action, at) in enumerate(steps, start=2):
            events.append(
                {
                    "referral_id": rid,
                    "occurred_at": at,
                    "actor_label": "bench",
                    "party": "referrer" if action == "send" else "provider",
                    "action": action,
                    "from_status": source.value,
                    "to_status": target.value,
                    "version": version,
                    "details": {},
                }
            )
        if kind == "exercise":
            for months in (3, 6):
                due = sent.date() + timedelta(days=30 * months)
                follow_ups.append(
                    {
                        "id": uuid.uuid4(),
                        "referral_id": rid,
                        "due_on": due,
                        # Reminded by earlier ticks, except those falling due today.
                        "reminded_at": datetime.combine(due, datetime.min.time(), UTC)
                        if due < today
                        else None,
                    }
                )
    for table, rows in (
        (Referral, referrals),
        (ReferralTarget, targets),
        (Consent, consents),
        (ReferralEvent, events),
        (FollowUp, follow_ups),
    ):
        for start in range(0, len(rows), 5000):
            session.execute(insert(table.__table__), rows[start : start + 5000])  # type: ignore[union-attr]
    session.commit()
    print(
        f"generated {len(referrals)} open referrals, {len(events)} events, {len(follow_ups)} follow-up dates"
    )


def rearm(engine: Engine) -> None:
    """Undo what an earlier run's tick and issuing did, so every run measures the same day boundary."""
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE referral r SET status = e.from_status, closed_at = NULL, version = e.version - 1 "
                "FROM referral_event e WHERE e.referral_id = r.id AND e.action = 'expire'"
            )
        )
        connection.execute(text("DELETE FROM referral_event WHERE action = 'expire'"))
        connection.execute(
            text(
                "UPDATE referral SET reminded_at = NULL WHERE id IN "
                "(SELECT referral_id FROM referral_notice WHERE kind = 'reminder')"
            )
        )
        connection.execute(
            text(
                "UPDATE referral_follow_up f SET reminded_at = NULL FROM referral_notice n "
                "WHERE n.referral_id = f.referral_id AND n.kind = 'follow_up_due' AND f.due_on = n.created_at::date"
            )
        )
        connection.execute(text("DELETE FROM referral WHERE resident_name = 'Bench Issued'"))
        connection.execute(text("DELETE FROM referral_notice"))


class Statements:
    """SQL statements the app sent, counted up to the last body byte of each response: a figure the load of
    a shared machine does not change (the background sending of notices after the response is left out)."""

    def __init__(self) -> None:
        self.count = 0
        event.listen(Engine, "after_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        self.count += 1


class CountingClock(ServerClock):
    def __init__(self, app: Any, statements: Statements) -> None:
        super().__init__(app)
        self.statements = statements
        self.last_statements = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        before = self.statements.count

        async def counted(message: Any) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                self.last_statements = self.statements.count - before
            await send(message)

        await super().__call__(scope, receive, counted)


def _timed(call: Callable[[], Any], clock: CountingClock, rounds: int) -> tuple[list[float], int]:
    call()  # warm up
    timings = []
    for _ in range(rounds):
        call()
        timings.append(clock.last_ms)
    return timings, clock.last_statements


def measure_web(url: str, people: People, rounds: int) -> dict[str, tuple[list[float], int]]:
    from fastapi.testclient import TestClient

    from app.accounts.tokens import person_token
    from app.settings import get_settings
    from tarjotin.asgi import create_app

    os.environ.update({"DATABASE_URL": url, "SECRET_KEY": SECRET, "LOG_LEVEL": "WARNING", "SMTP_HOST": ""})
    os.environ.pop("MEILISEARCH_URL", None)
    get_settings.cache_clear()
    app = create_app(get_settings())
    clock = CountingClock(app, Statements())
    nurse = {"Authorization": f"Bearer {person_token(people.nurse, SECRET)}"}
    provider = {"Authorization": f"Bearer {person_token(people.provider, SECRET)}"}
    lists = {
        "inbox, first page": ("/staff/referrals?view=inbox", provider),
        "inbox, status=sent": ("/staff/referrals?view=inbox&status=sent", provider),
        "inbox, overdue": ("/staff/referrals?view=inbox&overdue=true", provider),
        "inbox, in progress p2": ("/staff/referrals?view=inbox&status=in_progress&page=2", provider),
        "mine, first page": ("/staff/referrals?view=mine", nurse),
        "mine, status=accepted": ("/staff/referrals?view=mine&status=accepted", nurse),
        "unit, first page": ("/staff/referrals?view=unit", nurse),
        "unit, status=sent": ("/staff/referrals?view=unit&status=sent", nurse),
        "API: provider, sent": ("/api/v1/referrals?status=sent", provider),
    }
    body = {
        "kind": "welfare",
        "resident": {
            "name": "Bench Issued",
            "phone": "040 123 4567",
            "contact_channel": "phone",
            "municipality": people.municipality,
        },
        "reasons": ["inactivity", "loneliness"],
        "hopes": "Haluaisin liikkua enemmän ja tavata muita",
        "service_ids": [str(s) for s in people.services],
        "consent": {
            "method": "spoken",
            "organisation_ids": [str(people.provider_organisation)],
            "fields": ["name", "phone", "hopes"],
            "informed": True,
        },
    }
    timings: dict[str, tuple[list[float], int]] = {}
    with tempfile.TemporaryDirectory() as data_dir:
        os.environ["DATA_DIR"] = data_dir
        with TestClient(clock) as client:  # type: ignore[arg-type]
            for name, (path, headers) in lists.items():

                def get(path: str = path, headers: dict[str, str] = headers) -> None:
                    response = client.get(path, headers=headers)
                    assert response.status_code == 200, (path, response.status_code, response.text[:300])

                timings[name] = _timed(get, clock, rounds)

            def issue() -> None:
                response = client.post("/api/v1/referrals", json=body, headers=nurse)
                assert response.status_code == 201, response.text[:500]

            timings["issue (POST /api/v1/referrals)"] = _timed(issue, clock, rounds)
    return timings


def measure_tick(engine: Engine, smtp_port: int) -> tuple[float, Any]:
    from referrals.jobs import tick
    from referrals.links import notice_link_for
    from referrals.notifications import DevelopmentSmsSender, Senders, SmtpEmailSender

    senders = Senders(
        email=SmtpEmailSender(host="127.0.0.1", port=smtp_port, sender="noreply@bench.example"),
        sms=DevelopmentSmsSender(),
    )
    started = time.perf_counter()
    report = tick(
        lambda: Session(engine, expire_on_commit=False),
        now=datetime.now(UTC),
        reminder_days=7,
        senders=senders,
        link_for=notice_link_for("http://127.0.0.1:8200", SECRET),
    )
    return time.perf_counter() - started, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referrals", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    url, _ = prepare_database(DB_NAME, 2000, args.reuse)
    from alembic import command

    from tarjotin.cli import alembic_config

    engine = make_engine(normalise_url(url))
    config = alembic_config()
    with engine.begin() as connection:  # a reused database gets this checkout's migrations (indexes)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    rearm(engine)
    with Session(engine) as session:
        existing = session.scalar(select(func.count()).select_from(Referral)) or 0
        if existing != args.referrals:
            if existing:
                raise SystemExit(f"{DB_NAME} holds {existing} referrals; run without --reuse to rebuild it")
            started = time.perf_counter()
            generate(session, args.referrals)
            print(f"generated in {time.perf_counter() - started:.1f} s")
        people = _people(session)
        inbox = session.scalar(
            select(func.count())
            .select_from(Referral)
            .where(col(Referral.provider_organisation_id) == people.provider_organisation)
        )
        mine = session.scalar(
            select(func.count()).select_from(Referral).where(col(Referral.referrer_user_id) == people.nurse)
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")
    print(f"{args.referrals} open referrals; the provider's inbox holds {inbox}, the nurse issued {mine}")

    timings = measure_web(url, people, args.rounds)
    load = os.getloadavg()[0]
    print(f"\nServer time in process, {args.rounds} rounds ({os.cpu_count()} CPUs, load average {load:.1f}):")
    print(f"{'request':<34}{'SQL':>5}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}  target")
    for name, (values, statements) in timings.items():
        target = ISSUE_TARGET_MS if name.startswith("issue") else LIST_TARGET_MS
        p95 = percentile(values, 0.95)
        verdict = "met" if p95 <= target else "NOT met"
        print(
            f"{name:<34}{statements:>5}{statistics.median(values):>9.1f}{p95:>9.1f}{max(values):>9.1f}  "
            f"<= {target:.0f} ms: {verdict}"
        )

    rearm(engine)  # the issued referrals out again
    with engine.begin() as connection:  # the notices go somewhere: staff and organisations have e-mail
        connection.execute(
            text(
                "UPDATE user_account SET email = oidc_subject || '@bench.example' WHERE oidc_issuer = :issuer"
            ),
            {"issuer": ISSUER},
        )
        connection.execute(text("UPDATE organisation SET email = 'org-' || external_id || '@bench.example'"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        smtp_port = int(probe.getsockname()[1])
    # Its own process, as a mail server would be: in this one it would share the interpreter with the tick.
    smtp = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{smtp_port}",
            "-c",
            "aiosmtpd.handlers.Sink",
        ]
    )
    for _ in range(100):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", smtp_port)) == 0:
                break
        time.sleep(0.1)
    elapsed, report = measure_tick(engine, smtp_port)
    print(
        f"\nOne tick at the day boundary over {args.referrals} open referrals: {elapsed:.2f} s "
        f"(target <= {TICK_TARGET_S:.0f} s: {'met' if elapsed <= TICK_TARGET_S else 'NOT met'})"
    )
    print(
        f"  expired {report.expired}, reminded {report.reminded}, follow-ups {report.follow_ups}, "
        f"failed {report.failed}; notices {report.notices}"
    )
    elapsed, report = measure_tick(engine, smtp_port)
    print(f"The next tick, a few minutes later (nothing new due): {elapsed:.2f} s; notices {report.notices}")
    smtp.terminate()
    smtp.wait(timeout=10)
    rearm(engine)
    engine.dispose()


if __name__ == "__main__":
    main()
