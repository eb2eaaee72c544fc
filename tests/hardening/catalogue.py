"""A catalogue on disk for `tarjotin` child processes: its database, data directory and environment.

The area is Lahti (398), with the first 60 services of the recorded demo pages (demo/ptv-v11) and
every place and organisation: 6 pages of 10 when replayed, enough for a run to be killed between two
pages and small enough to load in about a second. `changed` makes the same crawl with every Finnish
summary changed, so a run of it writes every service, and a marker word shows in the database and
the index which services it reached.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlmodel import col

from app.catalogue.models import CatalogueChange, Service, SyncRun
from search.tantivy_index import TantivyIndex
from search.types import SearchQuery
from tests.hardening.databases import Databases, engine
from tests.hardening.rows import Rows, snapshot
from tests.hardening.server import ROOT, environment
from tests.integrations.replay_server import ReplayApi
from tests.integrations.v11_pages import list_page

DEMO = ROOT / "demo" / "ptv-v11"
MUNICIPALITY = "398"
MARKER = "zebrakurssi"  # in no recorded text
SERVICES = 60
PAGE_SIZE = 10


def recorded_api(**options: Any) -> ReplayApi:
    api = ReplayApi.recorded(DEMO, [MUNICIPALITY], page_size=PAGE_SIZE, **options)
    api.services[MUNICIPALITY] = api.services[MUNICIPALITY][:SERVICES]
    return api


def changed_summary(summary: str | None) -> str:
    return f"{summary or ''} Uutta: {MARKER}.".strip()


def changed(api: ReplayApi) -> ReplayApi:
    """The same crawl with every service's Finnish summary changed (and the marker in it)."""
    services = copy.deepcopy(api.services)
    for items in services.values():
        for item in items:
            descriptions = item["serviceDescriptions"]
            summaries = [d for d in descriptions if d["type"] == "Summary" and d["language"] == "fi"]
            if summaries:
                summaries[0]["value"] = changed_summary(summaries[0]["value"])
            else:
                descriptions.append({"language": "fi", "type": "Summary", "value": changed_summary(None)})
    return ReplayApi(
        services=services, channels=api.channels, organisations=api.organisations, page_size=api.page_size
    )


def recorded_directory(directory: Path, api: ReplayApi) -> Path:
    """The crawl of `api` as recorded pages for `demo load --from-dir` (the other files as recorded)."""
    directory.mkdir(parents=True)
    items = api.services[MUNICIPALITY]
    (directory / f"Service_{MUNICIPALITY}_page1.json").write_text(
        json.dumps(list_page(items, 1, 1), ensure_ascii=False), encoding="utf-8"
    )
    for path in DEMO.glob("*.json"):
        if not path.name.startswith("Service_"):
            os.symlink(path, directory / path.name)
    return directory


@dataclass
class Catalogue:
    url: str
    data_dir: Path

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "search-index"

    def env(self, **extra: str) -> dict[str, str]:
        settings = {
            "DATABASE_URL": self.url,
            "MUNICIPALITIES": MUNICIPALITY,
            "WELLBEING_COUNTIES": "",
            "PTV_API_VERSION": "v11",
        }
        return environment(self.data_dir, **(settings | extra))

    def copy(self, databases: Databases, data_dir: Path) -> Catalogue:
        """Another catalogue with this one's rows and search index."""
        data_dir.mkdir(parents=True)
        if self.index_dir.exists():
            shutil.copytree(self.index_dir, data_dir / "search-index", symlinks=True)
        return Catalogue(databases.copy(self.url), data_dir)

    def rows(self) -> Rows:
        reader = engine(self.url)
        try:
            return snapshot(reader)
        finally:
            reader.dispose()

    def scalar(self, statement: Any) -> Any:
        reader = engine(self.url)
        try:
            with reader.connect() as connection:
                return connection.execute(statement).scalar()
        finally:
            reader.dispose()

    def changed_services(self) -> int:
        return int(self.scalar(select(func.count()).where(col(Service.summary_fi).contains(MARKER))))

    def services(self) -> int:
        return int(self.scalar(select(func.count()).select_from(Service)))

    def pending_changes(self) -> int:
        return int(self.scalar(select(func.count()).select_from(CatalogueChange)))

    def runs(self) -> list[dict[str, Any]]:
        reader = engine(self.url)
        try:
            with reader.connect() as connection:
                return [dict(row._mapping) for row in connection.execute(select(SyncRun.__table__))]  # type: ignore[attr-defined]
        finally:
            reader.dispose()

    def running_run(self) -> int | None:
        return self.scalar(text("SELECT id FROM sync_run WHERE status = 'running' ORDER BY id DESC"))

    def generations(self) -> set[str]:
        return {path.name for path in self.index_dir.glob("gen-*")}

    def current_generation(self) -> str:
        return os.readlink(self.index_dir / "current")

    def index_total(self, q: str) -> int:
        """What the search index on disk finds (read here, as a server would)."""
        return TantivyIndex(self.index_dir).search(SearchQuery(q=q, lang="fi", per_page=1)).total


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 120, every: float = 0.02) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(every)
