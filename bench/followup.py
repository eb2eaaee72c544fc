# ruff: noqa: E402  (the path is set before the project is imported)
"""Follow-up dashboard at scale: the report for a whole county and a year over 100,000 referrals.

    .venv/bin/python bench/followup.py [--referrals 100000] [--reuse]

Fills a PostgreSQL database (TEST_POSTGRES_URL's server) with a generated catalogue, referrals spread over a
year and the served municipalities, their timelines, attendance and follow-up answers, then times
referrals.followup.followup_report (what the dashboard, the CSV/XLSX and /api/v1/followup all call) and
the rows the exports write, and the Python memory the export takes (tracemalloc peak). Target: the
county-year report at most 300 ms server time.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script from the checkout: the project's packages, not bench/, come first on the path.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse
import random
import statistics
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select
from sqlmodel import Session, col

from app.accounts.models import UserAccount
from app.catalogue.codes import served_municipality_codes
from app.catalogue.enums import OrganisationKind
from app.catalogue.models import Organisation, Service
from app.db import make_engine, normalise_url
from app.settings import Settings
from bench.search_data import prepare_database
from referrals.followup import followup_report
from referrals.followup_facts import rebuild_facts
from referrals.models import Attendance, Referral, ReferralEvent, ReferralTarget
from referrals.outcome_models import OutcomeConsent, OutcomeResponse
from referrals.status import ReferralStatus as S

DB_NAME = "tarjotin_bench_followup"
PATHS = [  # (share, statuses along the way, final reason)
    (0.12, [S.SENT, S.EXPIRED], None),
    (0.15, [S.SENT, S.RECEIVED, S.DECLINED], "no_capacity"),
    (0.08, [S.SENT, S.DECLINED], "could_not_reach"),
    (0.10, [S.SENT, S.ACCEPTED], None),
    (0.20, [S.SENT, S.ACCEPTED, S.CONTACTED, S.IN_PROGRESS], None),
    (0.10, [S.SENT, S.ACCEPTED, S.CONTACTED, S.IN_PROGRESS, S.DISCONTINUED], "lost_interest"),
    (0.25, [S.SENT, S.ACCEPTED, S.CONTACTED, S.IN_PROGRESS, S.COMPLETED], "goal_met"),
]


def generate(session: Session, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    served = sorted(served_municipality_codes(session, Settings(_env_file=None)))  # type: ignore[call-arg]
    services = session.execute(select(col(Service.id), col(Service.organisation_id)).limit(2000)).all()
    county = Organisation(
        kind=OrganisationKind.WELLBEING_COUNTY, name_fi="Bench county", source="local", external_id="bench"
    )
    user = UserAccount(oidc_issuer="bench", oidc_subject="bench")
    session.add_all([county, user])
    session.flush()
    units = [uuid.uuid4() for _ in range(12)]
    now = datetime.now(UTC)
    referrals, targets, events, attendance, consents, responses = [], [], [], [], [], []
    weights = [p[0] for p in PATHS]
    for _ in range(count):
        rid = uuid.uuid4()
        sent = now - timedelta(days=rng.uniform(1, 364))
        service_id, organisation_id = rng.choice(services)
        _share, path, reason = rng.choices(PATHS, weights)[0]
        final = path[-1]
        referrals.append(
            {
                "id": rid,
                "kind": "exercise" if rng.random() < 0.25 else "welfare",
                "status": final.value,
                "version": len(path) + 1,
                "created_at": sent,
                "updated_at": sent,
                "sent_at": sent,
                "answered_at": sent + timedelta(days=rng.uniform(0.5, 9)) if len(path) > 2 else None,
                "respond_by": (sent + timedelta(days=14)).date(),
                "referrer_user_id": user.id,
                "referrer_organisation_id": county.id,
                "referrer_unit_id": rng.choice(units),
                "addressed_to_coordinator": False,
                "municipality_code": rng.choice(served),
                "chosen_service_id": service_id,
                "provider_organisation_id": organisation_id,
                "provider_access": True,
                "resident_locale": "fi",
                "contact_channel": "phone",
                "age_band": rng.choice(("60-69", "70-79", "80+", "40-49")),
                "reasons": ["inactivity"],
                "practical_needs": [],
                "outcome": reason,
                "sessions_attended": 0,
                "code_failures": 0,
                "is_demo": False,
            }
        )
        targets.append(
            {
                "referral_id": rid,
                "service_id": service_id,
                "organisation_id": organisation_id,
                "sort_order": 0,
            }
        )
        previous = S.DRAFT
        for step, status in enumerate(path):
            events.append(
                {
                    "referral_id": rid,
                    "occurred_at": sent + timedelta(days=step),
                    "actor_label": "bench",
                    "party": "provider",
                    "action": "bench",
                    "from_status": previous.value,
                    "to_status": status.value,
                    "reason": reason if status is final else None,
                    "version": step + 2,
                    "details": {},
                }
            )
            previous = status
        if S.IN_PROGRESS in path:
            attendance.append(
                {
                    "id": uuid.uuid4(),
                    "referral_id": rid,
                    "session_on": (sent + timedelta(days=10)).date(),
                    "attended": True,
                    "recorded_at": sent,
                    "recorded_by": "bench",
                }
            )
        if rng.random() < 0.6:
            consents.append(
                {"referral_id": rid, "given_at": sent, "method": "spoken", "recorded_by": "bench"}
            )
            base = rng.randint(14, 28)
            responses.append(
                _response(rid, "baseline", sent, base, rng.random() < 0.3, rng.random() < 0.4, None)
            )
            if S.IN_PROGRESS in path and sent + timedelta(days=92) < now:
                responses.append(
                    _response(
                        rid,
                        "m3",
                        sent + timedelta(days=92),
                        base + rng.randint(-2, 5),
                        rng.random() < 0.5,
                        rng.random() < 0.3,
                        rng.random() < 0.7,
                    )
                )
    for table, rows in (
        (Referral, referrals),
        (ReferralTarget, targets),
        (ReferralEvent, events),
        (Attendance, attendance),
        (OutcomeConsent, consents),
        (OutcomeResponse, responses),
    ):
        for start in range(0, len(rows), 5000):
            session.execute(insert(table.__table__), rows[start : start + 5000])  # type: ignore[attr-defined,union-attr]
    # Rows loaded in bulk bypass the use cases that keep each referral's follow-up facts: work them out.
    rebuild_facts(session)
    session.commit()
    print(f"generated {len(referrals)} referrals, {len(events)} events, {len(responses)} follow-up answers")


def _response(rid, point, at, swemwbs, active, lonely, still):  # type: ignore[no-untyped-def]
    return {
        "id": uuid.uuid4(),
        "referral_id": rid,
        "timepoint": point,
        "definitions_version": "2026-12-1",
        "answers": {},
        "answered_at": at,
        "entered_by_staff": False,
        "entered_by": "bench",
        "swemwbs": max(7, min(35, swemwbs)),
        "meets_activity": active,
        "lonely": lonely,
        "good_health": None,
        "still_attending": still,
        "found_activity": None,
    }


def upgrade_to_head(engine) -> None:  # type: ignore[no-untyped-def]
    from alembic import command

    from tarjotin.cli import alembic_config

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referrals", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    url, _ = prepare_database(DB_NAME, 2000, args.reuse)
    engine = make_engine(normalise_url(url))
    upgrade_to_head(engine)  # a reused database gets the migrations (and indexes) added since it was made
    with Session(engine) as session:
        existing = session.scalar(select(func.count()).select_from(Referral)) or 0
        if existing != args.referrals:
            if existing:
                raise SystemExit(f"{DB_NAME} holds {existing} referrals; run without --reuse to rebuild it")
            started = time.perf_counter()
            generate(session, args.referrals)
            print(f"generated in {time.perf_counter() - started:.1f} s")
            session.execute(select(func.count()).select_from(Referral))
        # Autocommit: an ANALYZE inside a transaction that is then rolled back (a plain connect() block) leaves
        # the planner with the statistics of empty tables, and it chose nested loops that took 56 s for one
        # query. VACUUM also sets the visibility map, as autovacuum does in production, for index-only scans.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
        served = sorted(served_municipality_codes(session, Settings(_env_file=None)))  # type: ignore[call-arg]
        end = datetime.now(UTC).date()
        start = end - timedelta(days=365)
        timings = []
        for _ in range(args.rounds):
            began = time.perf_counter()
            report = followup_report(session, municipality_codes=served, start=start, end=end)
            timings.append((time.perf_counter() - began) * 1000)
        single = []
        for code in served[:5]:
            began = time.perf_counter()
            followup_report(session, municipality_codes=[code], start=start, end=end)
            single.append((time.perf_counter() - began) * 1000)
        from web.followup.views import report_rows

        tracemalloc.start()
        rows = report_rows(
            followup_report(session, municipality_codes=served, start=start, end=end), "fi", {}
        )
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    timings.sort()
    p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
    print(f"referrals in the period: {report.total}; municipalities: {len(served)}")
    print(f"county-year report: p50 {statistics.median(timings):.0f} ms, p95 {p95:.0f} ms (target <= 300 ms)")
    print(f"one municipality, a year: median {statistics.median(single):.0f} ms")
    print(f"export rows: {len(rows)}; Python memory peak while building them: {peak / 1024:.0f} KiB")
    engine.dispose()


if __name__ == "__main__":
    main()
