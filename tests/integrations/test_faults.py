"""Faults of the source, against a local server that replays v11 pages: the data already stored stays
intact and nothing is retired unless a crawl was complete.

Each test first syncs a baseline of 12 services, then changes the served crawl so that a complete run
*would* retire three of them, injects one fault and checks what the run did.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from app.catalogue.enums import ServiceStatus
from app.catalogue.models import Service, SyncError
from integrations.http import RetryPolicy
from integrations.ptv.v11.client import make_v11_source
from integrations.source import SyncMode
from integrations.sync import RunStatus, SyncEngine
from tests.integrations import v11_pages as v11
from tests.integrations.replay_server import Fault, ReplayApi, serve

ORG = "00000000-0000-4000-8000-000000000001"
PLACE = "00000000-0000-4000-8000-0000000000c1"
POLICY = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02, max_retry_after=60)


def _sid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def _api() -> ReplayApi:
    services = [v11.service(_sid(n), f"Palvelu {n}", ORG, channels=(PLACE,)) for n in range(1, 13)]
    return ReplayApi(
        services={"398": services},
        channels={"398": [v11.location(PLACE, "Liikuntahalli", ORG)]},
        organisations=[v11.organisation(ORG, "Liikuntaseura ry")],
        page_size=5,  # three service pages
    )


class SleepLog:
    """The client's backoff sleeps, kept in a file: the crawl runs in a child process (prefetch.py)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.write_text("")

    def __call__(self, seconds: float) -> None:
        with self.path.open("a", encoding="ascii") as handle:
            handle.write(f"{seconds!r}\n")

    def values(self) -> list[float]:
        return [float(line) for line in self.path.read_text(encoding="ascii").split()]


class Harness:
    def __init__(self, session: Session, context, api: ReplayApi, base_url: str, tmp_path: Path) -> None:
        self.session, self.context, self.api, self.base_url = session, context, api, base_url
        self.sleep_log = SleepLog(tmp_path / "sleeps.txt")

    @property
    def sleeps(self) -> list[float]:
        return self.sleep_log.values()

    def run(self, mode: SyncMode = SyncMode.FULL):
        source = make_v11_source(
            self.context,
            ["398"],
            base_url=self.base_url,
            timeout=0.3,
            policy=POLICY,
            sleep=self.sleep_log,
        )
        engine = SyncEngine(self.session, known_municipalities=self.context.known_municipalities)
        self.engine_crawls_in_process = engine.crawl_in_process  # the path production takes
        return engine.run(source, mode=mode)

    def snapshot(self) -> dict[str, tuple]:
        rows = self.session.exec(select(Service)).all()
        return {row.external_id: (row.status, row.content_hash, row.name_fi, row.updated_at) for row in rows}

    def drop_services(self, *numbers: int) -> None:
        """Change the served crawl so that a complete run would retire these (a quarter or less)."""
        self.api.services["398"] = [
            s for s in self.api.services["398"] if s["id"] not in {_sid(n) for n in numbers}
        ]


@pytest.fixture
def harness(session: Session, context, tmp_path: Path) -> Iterator[Harness]:
    api = _api()
    with serve(api) as base_url:
        harness = Harness(session, context, api, base_url, tmp_path)
        baseline = harness.run()
        assert (baseline.status, baseline.created) == (RunStatus.SUCCEEDED, 14)
        assert harness.engine_crawls_in_process
        api.requests.clear()
        harness.sleep_log.path.write_text("")
        yield harness


def _assert_intact(harness: Harness, before: dict[str, tuple]) -> None:
    assert harness.snapshot() == before
    assert all(status == ServiceStatus.ACTIVE for status, *_ in before.values())


def test_timeout_is_retried_then_the_run_succeeds(harness: Harness) -> None:
    harness.api.faults = [Fault("Service/list/area/Municipality/code/398?page=2", "timeout", times=1)]
    report = harness.run()
    assert (report.status, report.unchanged) == (RunStatus.SUCCEEDED, 14)
    assert sum("page=2" in r and "/Service/" in r for r in harness.api.requests) == 2
    assert len(harness.sleeps) == 1


def test_timeouts_that_persist_fail_the_run_and_keep_the_data(harness: Harness) -> None:
    before = harness.snapshot()
    harness.drop_services(1, 2)
    harness.api.faults = [Fault("Service/list/area/Municipality/code/398?page=2", "timeout", times=99)]
    report = harness.run()
    assert (report.status, report.retired, report.complete) == (RunStatus.FAILED, 0, False)
    assert "SourceUnavailable" in (report.message or "")
    _assert_intact(harness, before)


def test_connection_errors_are_retried(harness: Harness) -> None:
    harness.api.faults = [
        Fault("Organization/list", "disconnect", times=1),
        Fault("page=1", "disconnect", times=1),
    ]
    before = harness.snapshot()
    report = harness.run()
    assert (report.status, report.unchanged) == (RunStatus.SUCCEEDED, 14)
    assert len(harness.sleeps) >= 1
    _assert_intact(harness, before)


def test_connection_refused_fails_the_run_and_keeps_the_data(harness: Harness) -> None:
    before = harness.snapshot()
    harness.base_url = "http://127.0.0.1:9"  # discard port: nothing listens
    report = harness.run()
    assert (report.status, report.retired) == (RunStatus.FAILED, 0)
    assert len(harness.sleeps) == POLICY.attempts - 1
    _assert_intact(harness, before)


def test_429_honours_retry_after(harness: Harness) -> None:
    harness.api.faults = [Fault("ServiceChannel/list/area", "429", times=1, retry_after="7")]
    report = harness.run()
    assert report.status == RunStatus.SUCCEEDED
    assert harness.sleeps == [7.0]


def test_5xx_is_retried_with_capped_backoff_then_gives_up(harness: Harness) -> None:
    before = harness.snapshot()
    harness.drop_services(3)
    harness.api.faults = [
        Fault("Service/list/area/Municipality/code/398?page=2", "5xx", times=99, status=502)
    ]
    report = harness.run()
    assert (report.status, report.retired) == (RunStatus.FAILED, 0)
    attempts = [r for r in harness.api.requests if "/Service/list/area" in r and "page=2" in r]
    assert len(attempts) == POLICY.attempts
    assert harness.sleeps == [0.01, 0.02]  # doubled, then capped
    _assert_intact(harness, before)


def test_a_transient_5xx_is_invisible(harness: Harness) -> None:
    harness.api.faults = [Fault("page=1", "5xx", times=2)]
    assert harness.run().status == RunStatus.SUCCEEDED


def test_malformed_json_makes_the_crawl_incomplete(harness: Harness) -> None:
    before = harness.snapshot()
    harness.drop_services(11)
    harness.api.faults = [Fault("Service/list/area/Municipality/code/398?page=2", "malformed", times=1)]
    report = harness.run()
    assert (report.status, report.retired, report.failed) == (RunStatus.INCOMPLETE, 0, 1)
    _assert_intact(harness, {k: v for k, v in before.items()})
    error = harness.session.exec(select(SyncError).where(SyncError.run_id == report.run_id)).one()
    assert error.stage == "fetch" and "JSON" in error.message


def test_a_missing_page_mid_crawl_skips_it_and_goes_on(harness: Harness) -> None:
    before = harness.snapshot()
    harness.drop_services(12)
    harness.api.faults = [Fault("Service/list/area/Municipality/code/398?page=2", "404", times=1)]
    report = harness.run()
    assert (report.status, report.retired) == (RunStatus.INCOMPLETE, 0)
    assert any("page=3" in r for r in harness.api.requests)  # the page after the gap was still fetched
    _assert_intact(harness, before)


def test_a_record_failing_validation_is_logged_and_the_rest_is_stored(harness: Harness) -> None:
    before = harness.snapshot()
    services = harness.api.services["398"]
    broken = copy.deepcopy(services[0])
    broken["serviceNames"] = []
    renamed = copy.deepcopy(services[1])
    renamed["serviceNames"][0]["value"] = "Uusi nimi"
    harness.api.services["398"] = [broken, renamed, *services[2:10]]  # 11 and 12 are gone too
    report = harness.run()
    assert (report.status, report.failed, report.updated, report.retired) == (RunStatus.INCOMPLETE, 1, 1, 0)
    after = harness.snapshot()
    assert after[_sid(2)][2] == "Uusi nimi"
    for key in (_sid(1), _sid(11), _sid(12)):
        assert after[key] == before[key]
