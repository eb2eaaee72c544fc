"""One sync at a time (advisory lock on PostgreSQL, a lock file on SQLite); killed runs marked abandoned."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.catalogue.models import SyncRun
from app.db import get_engine
from app.settings import get_settings
from integrations.run_lock import SyncAlreadyRunning, mark_abandoned, sync_lock
from tarjotin.cli import cli
from tests.integrations import v11_pages as v11

ORG = "00000000-0000-4000-8000-000000000001"


def test_a_second_holder_is_refused_naming_the_running_sync(engine: Engine) -> None:
    with Session(engine) as first, Session(engine) as second:
        run = SyncRun(
            source="ptv", mode="full", status="running", started_at=datetime(2026, 12, 7, 15, 10, tzinfo=UTC)
        )
        first.add(run)
        first.commit()
        try:
            with sync_lock(engine, first):
                with pytest.raises(SyncAlreadyRunning) as refused, sync_lock(engine, second):
                    pass
                message = str(refused.value)
                assert (
                    message
                    == f"another sync is running: ptv full, run {run.id}, started 2026-12-07 15:10:00 UTC"
                )
                assert "\n" not in message
            with sync_lock(engine, second):  # released at the end of the block
                pass
        finally:
            first.delete(run)
            first.commit()


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", "")
    monkeypatch.setenv("WELLBEING_COUNTIES", "")
    monkeypatch.setenv("MUNICIPALITIES", "398")
    monkeypatch.setenv("PTV_API_VERSION", "v11")
    monkeypatch.delenv("MEILISEARCH_URL", raising=False)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield tmp_path
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_the_cli_refuses_an_overlapping_sync_and_marks_dead_runs_abandoned(isolated: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    directory = v11.write_crawl(
        isolated / "ptv",
        services={"398": [v11.service("00000000-0000-4000-8000-000000000101", "Kuntosali", ORG)]},
        channels={"398": []},
        organisations=[v11.organisation(ORG, "Seura ry")],
    )
    engine = get_engine()
    with Session(engine) as session:
        # What a SIGKILLed sync leaves behind.
        dead = SyncRun(
            source="ptv", mode="full", status="running", started_at=datetime(2026, 12, 7, tzinfo=UTC)
        )
        session.add(dead)
        session.commit()
        with sync_lock(engine, session):  # another process's sync, as far as the CLI can tell
            overlapping = runner.invoke(cli, ["sync", "ptv", "--from-dir", str(directory)])
        assert overlapping.exit_code == 5
        assert overlapping.output.strip() == (
            f"another sync is running: ptv full, run {dead.id}, started 2026-12-07 00:00:00 UTC"
        )
    after = runner.invoke(cli, ["sync", "ptv", "--from-dir", str(directory)])
    assert after.exit_code == 0, after.output
    assert f"earlier runs {dead.id} marked abandoned" in after.output
    with Session(engine) as session:
        statuses = {run.id: run.status for run in session.exec(select(SyncRun)).all()}
    assert statuses[dead.id] == "abandoned"
    assert sorted(statuses.values()) == ["abandoned", "succeeded"]


def test_mark_abandoned_leaves_finished_runs_alone(session: Session) -> None:
    now = datetime(2026, 12, 7, tzinfo=UTC)
    session.add(SyncRun(source="ptv", mode="full", status="succeeded", started_at=now, finished_at=now))
    running = SyncRun(source="lahella", mode="full", status="running", started_at=now)
    session.add(running)
    session.commit()
    assert mark_abandoned(session, now) == [running.id]
    assert mark_abandoned(session, now) == []
