"""`tarjotin referrals tick|anonymise` as cron runs them: a real process on a migrated SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session

from app.db import make_engine
from referrals.models import Referral
from referrals.status import ReferralStatus
from tests.conftest import run_migrations
from tests.referrals.world import NOW, issue, make_world


def _run(args: list[str], database_url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DATA_DIR": str(tmp_path),
        "ENVIRONMENT": "development",
    }
    return subprocess.run(
        [sys.executable, "-c", "from tarjotin.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_tick_expires_once_and_anonymise_strips(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    engine = make_engine(url)
    run_migrations(engine)
    from app.catalogue.codes import load_code_tables

    with Session(engine, expire_on_commit=False) as session:
        load_code_tables(session)
        world = make_world(session)
        # Issued well in the past, so today is past its deadline.
        referral = issue(session, world).referral
        referral.respond_by = NOW.date() - timedelta(days=400)
        session.add(referral)
        session.commit()
        referral_id = referral.id

    first = _run(["referrals", "tick"], url, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "expired 1" in first.stderr
    second = _run(["referrals", "tick"], url, tmp_path)
    assert "expired 0" in second.stderr
    with Session(engine) as session:
        stored = session.get(Referral, referral_id)
        assert stored is not None and stored.status is ReferralStatus.EXPIRED and stored.resident_name

    anonymised = _run(["referrals", "anonymise", "--months", "0"], url, tmp_path)
    assert anonymised.returncode == 0, anonymised.stderr
    with Session(engine) as session:
        stored = session.get(Referral, referral_id)
        assert stored is not None and stored.resident_name is None and stored.anonymised_at is not None
    engine.dispose()
