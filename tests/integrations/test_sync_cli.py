"""`tarjotin sync ...` end to end on a throw-away SQLite file: summary table, exit codes, errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.db import get_engine
from app.settings import get_settings
from tarjotin.cli import cli
from tests.integrations import v11_pages as v11

ORG = "00000000-0000-4000-8000-000000000001"


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", "")
    monkeypatch.setenv("WELLBEING_COUNTIES", "")
    monkeypatch.setenv("MUNICIPALITIES", "398")
    monkeypatch.setenv("PTV_API_VERSION", "v12")
    monkeypatch.delenv("PTV_API_KEY", raising=False)
    monkeypatch.delenv("MEILISEARCH_URL", raising=False)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield tmp_path
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_sync_ptv_from_dir_exit_codes_and_summary(isolated: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    services = [v11.service(f"00000000-0000-4000-8000-{n:012d}", f"Palvelu {n}", ORG) for n in range(1, 4)]
    directory = v11.write_crawl(
        isolated / "ptv",
        services={"398": services},
        channels={"398": []},
        organisations=[v11.organisation(ORG, "Seura ry")],
    )
    first = runner.invoke(cli, ["sync", "ptv", "--from-dir", str(directory)])
    assert first.exit_code == 0, first.output
    assert "succeeded" in first.output and "created" in first.output
    second = runner.invoke(cli, ["sync", "ptv", "--from-dir", str(directory)])
    assert second.exit_code == 0 and "│       0 │       0 │         4 │" in second.output
    (directory / "Service_398_page1.json").unlink()
    incomplete = runner.invoke(cli, ["sync", "ptv", "--from-dir", str(directory)])
    assert incomplete.exit_code == 3 and "nothing retired" in " ".join(incomplete.output.split())
    # v12 over the network without a key: a readable refusal, not a traceback.
    refused = runner.invoke(cli, ["sync", "ptv"])
    assert refused.exit_code == 2 and "PTV_API_KEY" in " ".join(refused.output.split())
    empty = isolated / "empty"
    empty.mkdir()
    nothing = runner.invoke(cli, ["sync", "ptv", "--from-dir", str(empty)])
    assert nothing.exit_code == 2 and "no recorded PTV pages" in " ".join(nothing.output.split())
