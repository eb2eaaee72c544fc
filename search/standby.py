"""A standby index for long search outages: the embedded engine, built from the database on local disk.

During an outage every search falls back to the database (search.fallback). That answers, but plain
SQL over 100,000 services cannot count facets or read words the way an engine does at the rate an
engine does: a long outage would serve every resident slowly. So once the engine has been down for
`after_seconds`, each host builds a tantivy index of the catalogue from the database in the
background, and searches answer from it (still marked `degraded`) until the engine answers again.

- One build per host, not per process: the app processes of a host share the directory and a lock
  file; the first builds, the others wait for it (in their build threads, not in requests) and open
  what it built. A marker file says when the catalogue was read and up to which queued change.
- Changes made during the outage reach the standby from the catalogue_change outbox: the engine that
  is down cannot drain it, so every change since the snapshot is still there. Every
  `CATCH_UP_SECONDS` one process applies them (the others skip while it holds the lock).
- A standby is reused only within the outage it was built for (see `_fresh`): once the engine is back,
  the outbox is drained into the engine, so a later outage must not trust an old standby's watermark.
- Nothing here is needed for correctness: while the standby builds, or if it cannot be built (disk
  full, unreadable directory), searches answer from the database as before.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.catalogue.models import CatalogueChange
from app.errors import Unavailable
from search.documents import SearchDocument
from search.indexer import iter_documents, load_labels, searchable_ids, update_services
from search.query import QueryWord
from search.tantivy_index import TantivyIndex
from search.types import Facet, NameMatch, SearchQuery, SearchResult

log = logging.getLogger("search")

CATCH_UP_SECONDS = 10.0
# While the standby answers, the engine is asked at most once in this many seconds (by one search;
# the others go to the standby at once): a refused or timed-out connection per search would cost
# more than the standby's answer, and the engine is back in use within a second of answering again.
PROBE_SECONDS = 1.0
RETRY_SECONDS = 300.0  # after a failed build: a full read of the catalogue is not retried per search
# A standby whose catalogue was read this long before this process saw the outage begin is not
# trusted (another process of the host may have noticed the same outage a little earlier).
REUSE_SLACK_SECONDS = 120.0
_MARKER = "standby.json"
_RECOVERED = "engine-recovered"  # when a process of the host last saw the engine answer again


def default_directory(database_url: str) -> Path:
    """Local scratch space, one directory per database (two apps on one host stay apart)."""
    digest = hashlib.sha256(database_url.encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"tarjotin-standby-{digest}"


@dataclasses.dataclass
class _Marker:
    snapshot_at: float  # wall-clock time the catalogue was read
    watermark: int  # the last catalogue_change id the standby holds


class Standby:
    """The standby of one process: idle, building, ready or failed (see the module docstring)."""

    def __init__(
        self,
        directory: Path,
        engine: Engine,
        *,
        after_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._directory = directory
        self._engine = engine
        self._after = after_seconds
        self._clock = clock
        self._wall = wall_clock
        self._lock = threading.Lock()
        self._state = "idle"
        self._outage: int = 0  # which outage a build belongs to: one that ended is not used
        self._since: float | None = None  # monotonic start of the current outage
        self._since_wall = 0.0
        self._failed_at = 0.0
        self._index: TantivyIndex | None = None
        self._last_catch_up = 0.0
        self._catching_up = False
        self._last_probe = 0.0

    @property
    def state(self) -> str:
        return self._state

    # -- what the engine did ---------------------------------------------------------------------

    def engine_failed(self) -> None:
        """The engine did not answer: start the outage's clock, and the build once it is due."""
        with self._lock:
            now = self._clock()
            if self._since is None:
                self._since, self._since_wall = now, self._wall()
                self._outage += 1
            due = now - self._since >= self._after
            retry = self._state != "failed" or now - self._failed_at >= RETRY_SECONDS
            if not (due and retry and self._state in ("idle", "failed")):
                return
            self._state = "building"
            outage, since_wall = self._outage, self._since_wall
        threading.Thread(
            target=self._build, args=(outage, since_wall), name="search-standby", daemon=True
        ).start()

    def engine_answered(self) -> None:
        """The engine is back: searches go to it, and this standby is not used again."""
        if self._since is None:  # the usual case, without taking the lock
            return
        with self._lock:
            if self._since is None:
                return
            self._since = None
            was_ready = self._state == "ready"
            self._index = None
            if self._state != "building":  # a build under way sees the outage ended and stops there
                self._state = "idle"
        if was_ready:
            log.warning("search engine answers again; the standby index is no longer used")
        # The engine drains the outbox now: a standby read before this moment must not be reused in a
        # later outage (its watermark would skip what was drained). Said without the lock, which a
        # build may hold: whichever process of the host sees the engine back first writes it.
        with contextlib.suppress(OSError):
            if self._directory.is_dir():
                self._replace_file(_RECOVERED, repr(self._wall()))

    def engine_rests(self) -> bool:
        """Whether this search should leave the engine alone (the standby answers, and the engine was
        asked less than PROBE_SECONDS ago); otherwise this search is the probe."""
        if self._state != "ready":
            return False
        with self._lock:
            now = self._clock()
            if now - self._last_probe < PROBE_SECONDS:
                return True
            self._last_probe = now
            return False

    # -- answering -------------------------------------------------------------------------------

    def ready_index(self) -> TantivyIndex | None:
        """The standby when it can answer (and a catch-up with queued changes, when one is due)."""
        index = self._index
        if index is None or self._state != "ready":
            return None
        now = self._clock()
        if now - self._last_catch_up >= CATCH_UP_SECONDS and not self._catching_up:
            with self._lock:
                start = not self._catching_up
                self._catching_up = True
                self._last_catch_up = now
            if start:
                threading.Thread(
                    target=self._catch_up, args=(index,), name="search-standby-catch-up", daemon=True
                ).start()
        return index

    def search(self, query: SearchQuery) -> SearchResult | None:
        """The standby's answer, or None when there is none (not built yet, or it failed)."""
        index = self.ready_index()
        if index is None:
            return None
        try:
            return index.search(query)
        except Unavailable as exc:
            log.warning(
                "standby search index cannot answer (%s); answering from the database",
                type(exc.__cause__ or exc).__name__,
            )
            with self._lock:
                self._state, self._index, self._failed_at = "failed", None, self._clock()
            return None

    # -- building and keeping up -------------------------------------------------------------------

    @contextlib.contextmanager
    def _file_lock(self, *, blocking: bool) -> Iterator[bool]:
        self._directory.mkdir(parents=True, exist_ok=True)
        with (self._directory / "standby.lock").open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _read_marker(self) -> _Marker | None:
        try:
            data = json.loads((self._directory / _MARKER).read_text())
            return _Marker(float(data["snapshot_at"]), int(data["watermark"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _write_marker(self, marker: _Marker) -> None:
        self._replace_file(_MARKER, json.dumps(dataclasses.asdict(marker)))

    def _replace_file(self, name: str, text: str) -> None:
        """Write a file whole: readers see the old text or the new one, never a part."""
        partial = self._directory / f"{name}.{os.getpid()}.{threading.get_ident()}.tmp"
        partial.write_text(text)
        os.replace(partial, self._directory / name)

    def _recovered_at(self) -> float:
        try:
            return float((self._directory / _RECOVERED).read_text())
        except (OSError, ValueError):
            return 0.0

    def _fresh(self, marker: _Marker | None, since_wall: float) -> bool:
        """Whether another process of the host built the standby for this same outage."""
        return (
            marker is not None
            and marker.snapshot_at >= since_wall - self._after - REUSE_SLACK_SECONDS
            and marker.snapshot_at > self._recovered_at()
        )

    def _build(self, outage: int, since_wall: float) -> None:
        started = self._clock()
        try:
            # Waiting here, while another process of the host builds, costs a thread, not a request.
            with self._file_lock(blocking=True):
                index = TantivyIndex(self._directory / "index")
                if self._fresh(self._read_marker(), since_wall):
                    log.warning(
                        "search standby index built by another process of this host; searches answer from it"
                    )
                else:
                    log.warning(
                        "search engine down for %.0f s: building a standby index from the database",
                        self._after,
                    )
                    with Session(self._engine) as session:
                        # Read before the catalogue: a change queued meanwhile is applied again, never missed.
                        watermark = session.exec(select(func.max(CatalogueChange.id))).one() or 0
                        snapshot_at = self._wall()
                        count = index.replace_all(
                            iter_documents(session, searchable_ids(session), load_labels(session))
                        )
                    self._write_marker(_Marker(snapshot_at, int(watermark)))
                    log.warning(
                        "search standby index built with %d services in %.0f s; searches answer from it",
                        count,
                        self._clock() - started,
                    )
        except Exception as exc:
            log.warning(
                "search standby index could not be built (%s); searches answer from the database",
                type(exc).__name__,
            )
            with self._lock:
                self._state, self._failed_at = "failed", self._clock()
            return
        with self._lock:
            if self._outage == outage and self._since is not None:
                self._index, self._state = index, "ready"
                self._last_catch_up = 0.0
            else:
                self._state = "idle"  # the engine came back meanwhile

    def _catch_up(self, index: TantivyIndex) -> None:
        try:
            with self._file_lock(blocking=False) as held:
                if not held:
                    return  # another process of the host is building or catching up
                marker = self._read_marker()
                if marker is None:
                    return
                with Session(self._engine) as session:
                    rows = session.exec(
                        select(CatalogueChange.id, CatalogueChange.service_id)
                        .where(col(CatalogueChange.id) > marker.watermark)
                        .order_by(col(CatalogueChange.id))
                        .limit(5_000)
                    ).all()
                    if not rows:
                        return
                    update_services(session, index, {service_id for _id, service_id in rows})
                self._write_marker(_Marker(marker.snapshot_at, int(rows[-1][0] or 0)))
        except Exception as exc:  # the next catch-up tries again; the outbox keeps the changes
            log.warning("search standby index could not apply queued changes (%s)", type(exc).__name__)
        finally:
            self._catching_up = False


class WithStandby:
    """The configured engine, with a standby for its long outages (search.service asks it first).

    Everything else (writes, health, counts) is the engine's own: the standby only ever answers."""

    def __init__(self, primary: Any, standby: Standby) -> None:
        self.primary = primary
        self.standby = standby
        self.name: str = primary.name

    def __getattr__(self, name: str) -> Any:
        return getattr(self.primary, name)

    def health(self) -> bool:
        return bool(self.primary.health())

    def search(self, query: SearchQuery) -> SearchResult:
        return self._read(lambda engine: engine.search(query), standby=False)

    def standby_search(self, query: SearchQuery) -> SearchResult | None:
        return self.standby.search(query)

    def suggest_names(self, words: Sequence[QueryWord], limit: int) -> list[NameMatch]:
        return self._read(lambda engine: engine.suggest_names(words, limit), standby=True)

    def count_values(self, facet: Facet, values: Sequence[str]) -> dict[str, int]:
        return self._read(lambda engine: engine.count_values(facet, values), standby=True)

    def replace_all(
        self, documents: Iterable[SearchDocument], progress: Callable[[int], None] | None = None
    ) -> int:
        return int(self.primary.replace_all(documents, progress))

    def apply(self, upserts: Sequence[SearchDocument], deletes: Iterable[str]) -> None:
        self.primary.apply(upserts, deletes)

    def _read(self, read: Callable[[Any], Any], *, standby: bool) -> Any:
        try:
            if self.standby.engine_rests():
                raise Unavailable("The search index cannot answer right now.")  # the standby answers
            answer = read(self.primary)
        except Unavailable:
            self.standby.engine_failed()
            backup = self.standby.ready_index() if standby else None
            if backup is None:
                raise
            return read(backup)
        self.standby.engine_answered()
        return answer
