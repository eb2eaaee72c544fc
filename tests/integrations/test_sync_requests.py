"""Syncs asked for on the sync runs page: taken by `tarjotin sync requested`, started in their own process."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.catalogue.models import Service, SyncRun
from app.catalogue.sync_requests import SyncRequest, SyncRequestStatus
from app.db import get_engine
from app.settings import get_settings
from integrations.run_lock import sync_lock
from tarjotin.cli import cli
from tarjotin.sync_runner import environment_for, start_requested_syncs
from tests.integrations import v11_pages as v11

ORG = "00000000-0000-4000-8000-000000000001"


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
    assert CliRunner().invoke(cli, ["db", "upgrade"]).exit_code == 0
    yield v11.write_crawl(
        tmp_path / "ptv",
        services={"398": [v11.service("00000000-0000-4000-8000-000000000101", "Kuntosali", ORG)]},
        channels={"398": []},
        organisations=[v11.organisation(ORG, "Seura ry")],
    )
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


def _request(session: Session, directory: Path) -> SyncRequest:
    request = SyncRequest(source="ptv", full=True, from_dir=str(directory), requested_by="user:admin")
    session.add(request)
    session.commit()
    return request


def test_the_runner_process_takes_the_request_and_records_its_run(isolated: Path) -> None:
    engine = get_engine()
    with Session(engine, expire_on_commit=False) as session:
        first = _request(session, isolated)
        second = _request(session, isolated)  # asked again before the first started: one run answers both
    start_requested_syncs(get_settings())  # returns at once; the sync runs in its own process
    deadline = time.monotonic() + 120
    while True:
        with Session(engine) as session:
            statuses = [session.get(SyncRequest, r.id).status for r in (first, second)]  # type: ignore[union-attr]
        if all(s == SyncRequestStatus.DONE for s in statuses) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    log = (get_settings().data_dir / "sync-requested.log").read_text(errors="replace")
    assert statuses == [SyncRequestStatus.DONE, SyncRequestStatus.DONE], log
    with Session(engine) as session:
        done = [session.get(SyncRequest, r.id) for r in (first, second)]
        run = session.get(SyncRun, done[0].run_id)  # type: ignore[union-attr]
        assert run is not None and run.status == "succeeded" and run.created >= 1
        assert done[1].run_id == run.id  # type: ignore[union-attr]
        assert session.exec(select(Service.name_fi)).all() == ["Kuntosali"]


def test_a_request_waits_while_another_sync_holds_the_lock(isolated: Path) -> None:
    engine = get_engine()
    with Session(engine, expire_on_commit=False) as session:
        request = _request(session, isolated)
        with sync_lock(engine, session):  # another process's sync, as far as the runner can tell
            result = CliRunner().invoke(cli, ["sync", "requested"])
        assert result.exit_code == 0, result.output
        session.refresh(request)
        assert request.status == SyncRequestStatus.PENDING and "another sync is running" in (
            request.message or ""
        )
    result = CliRunner().invoke(cli, ["sync", "requested"])  # cron's next turn takes it
    assert result.exit_code == 0, result.output
    with Session(engine) as session:
        assert session.get(SyncRequest, request.id).status == SyncRequestStatus.DONE  # type: ignore[union-attr]


def test_the_runner_gets_the_apps_own_settings(isolated: Path) -> None:
    settings = get_settings().model_copy(update={"municipalities": ["398", "091"], "meilisearch_url": None})
    env = environment_for(settings)
    assert env["MUNICIPALITIES"] == "398,091"
    assert env["DATA_DIR"] == str(settings.data_dir)
    assert env["SECRET_KEY"] == settings.secret_key.get_secret_value()
    assert "MEILISEARCH_URL" not in env
