"""SIGKILL in the middle of a sync and of an index rebuild, and two syncs at once: real `tarjotin`
processes against recorded PTV pages, on SQLite and PostgreSQL.

After each kill the catalogue is compared row by row with what it was before and what a complete
run makes of it (tests/hardening/rows.py): nothing lost, and every service either untouched or whole.
The killed run is marked abandoned by the next one, and the index catches up with what it missed.
"""

from __future__ import annotations

import httpx
import pytest

from tests.hardening.catalogue import (
    MARKER,
    SERVICES,
    Catalogue,
    changed,
    recorded_api,
    recorded_directory,
    wait_for,
)
from tests.hardening.databases import Databases
from tests.hardening.rows import Rows, half_written
from tests.hardening.server import kill, served, start, tarjotin
from tests.integrations.replay_server import ReplayApi, serve

pytestmark = pytest.mark.slow  # real processes: about half a minute per engine

KILLED = -9  # a child's return code after SIGKILL


def _expected_summaries(api: ReplayApi) -> dict[str, str]:
    summaries = {}
    for items in api.services.values():
        for item in items:
            fi = [
                d["value"]
                for d in item["serviceDescriptions"]
                if d["type"] == "Summary" and d["language"] == "fi"
            ]
            summaries[item["id"].lower()] = fi[0]
    return summaries


def _assert_only_summaries_changed(before: Rows, after: Rows, api: ReplayApi) -> None:
    """`after` is `before` with the crawl's new summaries: every other row and column as it was."""
    for table, rows in before.tables.items():
        if table != "service":
            assert after.tables[table] == rows, f"{table} changed"
    assert after.without("service", "summary_fi", "content_hash") == before.without(
        "service", "summary_fi", "content_hash"
    )
    summaries = {str(k).lower(): v for k, v in after.column("service", "external_id", "summary_fi").items()}
    expected = _expected_summaries(api)
    assert summaries == {key: expected[key] for key in summaries}
    old = before.column("service", "external_id", "content_hash")
    new = after.column("service", "external_id", "content_hash")
    assert all(new[key] != old[key] for key in old)


def test_a_sync_killed_between_pages_loses_nothing_and_the_next_run_finishes_it(
    fresh: Catalogue, tmp_path
) -> None:
    before_api = recorded_api()
    after_api = changed(before_api)
    with serve(before_api) as url:
        baseline = tarjotin("sync", "ptv", "--full", env=fresh.env(PTV_V11_BASE_URL=url))
    assert baseline.returncode == 0, baseline.stderr[-3000:]
    before = fresh.rows()
    total = fresh.services()
    assert SERVICES - 5 < total <= SERVICES  # (the mapping may leave a recorded one out)

    after_api.gate.clear()  # the crawl waits for the test
    after_api.delay = 0.1  # then a slow source: a kill lands between two pages
    with serve(after_api) as url:
        env = fresh.env(PTV_V11_BASE_URL=url)
        first = start("sync", "ptv", "--full", env=env, log=tmp_path / "first.log")
        try:
            run_id = wait_for(fresh.running_run, "the first sync's run row")
            started = next(r for r in fresh.runs() if r["id"] == run_id)["started_at"]
            # A second sync while the first one runs: refused in one line naming the first.
            second = tarjotin("sync", "ptv", "--full", env=env)
            assert second.returncode == 5, second.stderr[-3000:]
            assert second.stderr.strip().splitlines() == [
                f"another sync is running: ptv full, run {run_id}, "
                f"started {started.strftime('%Y-%m-%d %H:%M:%S')} UTC"
            ]
            after_api.gate.set()
            wait_for(fresh.changed_services, "the first page of services committed")
        finally:
            kill(first)
    assert first.returncode == KILLED, (tmp_path / "first.log").read_text()[-3000:]
    killed = fresh.rows()
    assert 0 < fresh.changed_services() < total  # killed in the middle
    assert [r["status"] for r in fresh.runs()] == ["succeeded", "running"]  # the refused one left no row

    after_api.delay = 0
    with serve(after_api) as url:
        rerun = tarjotin("sync", "ptv", "--full", env=fresh.env(PTV_V11_BASE_URL=url))
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert f"earlier runs {run_id} marked abandoned" in rerun.stderr
    after = fresh.rows()

    _assert_only_summaries_changed(before, after, after_api)  # nothing lost
    assert half_written(killed, before, after) == []  # each service untouched or whole
    runs = fresh.runs()
    assert [r["status"] for r in runs] == ["succeeded", "abandoned", "succeeded"]
    assert runs[1]["finished_at"] is not None and "abandoned" in runs[1]["message"]
    # The index holds what the runs wrote, the killed one's pages too.
    assert fresh.pending_changes() == 0
    assert fresh.index_total(MARKER) == total


def _kill_during_rebuild(catalogue: Catalogue, log, *args: str) -> None:
    """Start `tarjotin ARGS` and SIGKILL it as soon as its rebuild has made its new index generation."""
    generations = catalogue.generations()
    process = start(*args, env=catalogue.env(), log=log)
    try:
        wait_for(
            lambda: catalogue.generations() - generations or process.poll() is not None,
            "a new index generation",
            every=0.002,
        )
    finally:
        kill(process)
    assert process.returncode == KILLED, f"ended before the kill: {log.read_text()[-3000:]}"


def test_a_rebuild_killed_changes_no_row_and_the_index_catches_up(
    loaded: Catalogue, fault_databases: Databases, tmp_path
) -> None:
    catalogue = loaded.copy(fault_databases, tmp_path / "data")
    before = catalogue.rows()
    total = catalogue.services()
    current = catalogue.current_generation()

    # A demo load killed in its final rebuild (reliability report F10): its sync has committed.
    pages = recorded_directory(tmp_path / "changed", changed(recorded_api()))
    _kill_during_rebuild(catalogue, tmp_path / "demo.log", "demo", "load", "--from-dir", str(pages))
    loaded_rows = catalogue.rows()
    _assert_only_summaries_changed(before, loaded_rows, changed(recorded_api()))
    assert [r["status"] for r in catalogue.runs()] == ["succeeded", "succeeded"]
    assert catalogue.current_generation() == current  # the old index still answers...
    assert catalogue.index_total(MARKER) == 0  # ...without the changes,
    assert catalogue.pending_changes() == total  # which wait in the outbox

    # `tarjotin reindex` killed in the middle: not a row changes, the outbox stays.
    _kill_during_rebuild(catalogue, tmp_path / "reindex.log", "reindex")
    assert catalogue.rows() == loaded_rows
    assert catalogue.current_generation() == current
    assert catalogue.pending_changes() == total

    # The server knows the index is behind and catches up in the background.
    with (
        served(catalogue.env(), tmp_path / "server.log") as server,
        httpx.Client(base_url=server.url) as client,
    ):
        ready = wait_for(
            lambda: (r := client.get("/readyz").json())["checks"].get("search_pending_changes") == 0 and r,
            "the index to catch up",
            every=0.2,
        )
        assert ready["checks"] == {"database": "ok", "search": "ok", "search_pending_changes": 0}
        found = client.get("/api/v1/search", params={"q": MARKER, "per_page": 1}).json()
        assert (found["total"], found["degraded"]) == (total, False)
    log = server.log.read_text()
    assert f"search index is {total} changes behind the database; catching up" in log
    assert f"search index caught up: {total} changes applied" in log
    assert catalogue.rows().tables == loaded_rows.tables
