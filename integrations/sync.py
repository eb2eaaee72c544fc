"""The sync engine: run any SyncSource into the catalogue.

- Each page is stored in its own transaction: a failure later in the crawl never undoes what was
  stored, and never leaves a page half-written. A page that fails as a whole is retried record by
  record, each in a savepoint, so one bad record costs only itself.
- Upsert by (source, external_id) with a content hash: a second identical run changes nothing.
- Mark and sweep: rows are stamped with the run that saw them; after a *complete* full crawl, active
  rows the run did not see are retired (never deleted) and come back if they reappear. A sweep that
  would retire more than the configured share of a source's rows is refused unless forced.
- Every run leaves a sync_run row with counts and a sync_error row per failed record or page.
- The source is crawled and mapped in a forked child process while this one stores (prefetch.py):
  pages, the crawl's state and its errors arrive here in crawl order, at most two pages ahead.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, text, update
from sqlmodel import Session, col

from app.catalogue.enums import RecordStatus, ServiceStatus
from app.catalogue.models import (
    Location,
    Organisation,
    Service,
    ServiceAtLocation,
    ServiceSourceLink,
    SyncError,
    SyncRun,
)
from app.timeutil import utcnow
from integrations.caps import cap_page
from integrations.prefetch import FORK_AVAILABLE, collecting_less, prefetch, prefetch_in_process
from integrations.records import Page, RecordFailure, precompute_hashes
from integrations.source import CrawlState, SyncMode, SyncSource
from integrations.store import Outcome, Store

log = logging.getLogger(__name__)

MAX_MESSAGE = 2000


class RunStatus:
    RUNNING = "running"
    SUCCEEDED = "succeeded"  # complete crawl, sweep done (or incremental run without failures)
    INCOMPLETE = "incomplete"  # the crawl skipped something: stored what came, retired nothing
    REFUSED = "refused"  # the sweep would retire too much: stored what came, retired nothing
    FAILED = "failed"  # the source became unavailable or the run broke: stored pages are kept


@dataclass
class SyncReport:
    run_id: int
    source: str
    mode: str
    status: str
    complete: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    failed: int = 0
    seen: int = 0
    pages: int = 0
    message: str | None = None
    errors: list[str] = field(default_factory=list)  # the first few, for the CLI

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.retired

    @property
    def ok(self) -> bool:
        return self.status == RunStatus.SUCCEEDED


AfterCommit = Callable[[set[uuid.UUID]], None]
Progress = Callable[[Page, CrawlState], None]


def prepare_page(page: Page) -> None:
    """Work done on each page before it is stored (in the crawl process when there is one):
    oversized text cut to its cap (caps.py), then the records' content hashes."""
    cap_page(page)
    precompute_hashes(page)


def _prepared(pages: Iterator[Page]) -> Iterator[Page]:
    for page in pages:
        prepare_page(page)
        yield page


def last_succeeded_start(session: Session, source: str) -> datetime | None:
    """Where the next incremental run starts: the start of the last run that succeeded."""
    statement = select(func.max(col(SyncRun.started_at))).where(
        col(SyncRun.source) == source, col(SyncRun.status) == RunStatus.SUCCEEDED
    )
    return session.execute(statement).scalar_one_or_none()


class SyncEngine:
    def __init__(
        self,
        session: Session,
        *,
        known_municipalities: frozenset[str],
        retire_threshold: float = 0.2,
        after_commit: AfterCommit | None = None,
        progress: Progress | None = None,
        now: Callable[[], datetime] = utcnow,
        is_demo: bool = False,
        crawl_in_process: bool = FORK_AVAILABLE,
    ) -> None:
        self.session = session
        self.crawl_in_process = crawl_in_process
        self._analyzed_at = 0  # rows created by the run when its tables were last analyzed
        self.known_municipalities = known_municipalities
        self.retire_threshold = retire_threshold
        self.after_commit = after_commit
        self.progress = progress
        self.now = now
        self.is_demo = is_demo

    # -- the run ----------------------------------------------------------------------------

    def run(
        self,
        source: SyncSource,
        *,
        mode: SyncMode = SyncMode.INCREMENTAL,
        force: bool = False,
        options: dict[str, Any] | None = None,
    ) -> SyncReport:
        """Crawl `source` and store what it yields; see the module docstring for the guarantees."""
        with collecting_less(), self._fewer_checkpoints():
            return self._run(source, mode=mode, force=force, options=options)

    # WAL pages between SQLite's automatic checkpoints during a run (the default is 1,000, 4 MiB).
    RUN_CHECKPOINT_PAGES = 16384

    @contextmanager
    def _fewer_checkpoints(self) -> Iterator[None]:
        """On SQLite, checkpoint the write-ahead log every 64 MiB instead of every 4 MiB during a run.

        A checkpoint copies the log into the database and syncs both files to disk: with a commit
        per page, the default made a checkpoint every few pages and the syncs took a third of a
        run. Commits stay as durable (WAL, synchronous=NORMAL); the log grows to 64 MiB at most.
        The setting belongs to the connection and is put back after the run.
        """
        if self.session.get_bind().dialect.name != "sqlite":
            yield
            return
        previous = self.session.connection().exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one()
        self.session.connection().exec_driver_sql(f"PRAGMA wal_autocheckpoint={self.RUN_CHECKPOINT_PAGES}")
        try:
            yield
        finally:
            try:
                self.session.connection().exec_driver_sql(f"PRAGMA wal_autocheckpoint={int(previous)}")
            except Exception:  # the run's own outcome matters more than this setting
                log.warning("could not restore wal_autocheckpoint", exc_info=True)

    def _run(
        self, source: SyncSource, *, mode: SyncMode, force: bool, options: dict[str, Any] | None
    ) -> SyncReport:
        since = last_succeeded_start(self.session, source.name) if mode is SyncMode.INCREMENTAL else None
        if mode is SyncMode.INCREMENTAL and since is None:
            mode = SyncMode.FULL  # nothing to be incremental to: the first run is a full crawl
        run = SyncRun(
            source=source.name,
            mode=mode.value,
            status=RunStatus.RUNNING,
            forced=force,
            started_at=self.now(),
            since=since,
            options=options or {},
        )
        self.session.add(run)
        self.session.commit()
        assert run.id is not None
        report = SyncReport(
            run_id=run.id, source=source.name, mode=mode.value, status=RunStatus.RUNNING, complete=False
        )
        store = Store(
            self.session,
            run_id=run.id,
            now=run.started_at,
            known_municipalities=self.known_municipalities,
            is_demo=self.is_demo,
        )
        state = CrawlState()
        self._analyzed_at = 0
        try:
            # The next pages are fetched and mapped while this one is stored (prefetch.py), by
            # default in a process of their own, so crawling and storing each have a core.
            crawl = source.crawl(mode=mode, since=since, state=state)
            pages = (
                prefetch_in_process(crawl, state, prepare=prepare_page)
                if self.crawl_in_process
                else prefetch(_prepared(crawl))
            )
            with closing(pages):  # a failure in storing stops the crawl before it is reported
                for page in pages:
                    self._store_page(page, store, run, report, state)
                    if self.progress is not None:
                        self.progress(page, state)
        except Exception as exc:
            self.session.rollback()
            log.exception("sync %s failed", source.name)
            return self._finish(
                run,
                report,
                RunStatus.FAILED,
                complete=False,
                message=f"{type(exc).__name__}: {exc}"[:MAX_MESSAGE],
            )
        except BaseException:
            self.session.rollback()
            self._finish(run, report, RunStatus.FAILED, complete=False, message="interrupted")
            raise
        complete = state.complete and report.failed == 0
        if not complete:
            reasons = "; ".join(state.reasons[:5]) or f"{report.failed} records failed"
            return self._finish(
                run,
                report,
                RunStatus.INCOMPLETE,
                complete=False,
                message=f"incomplete crawl, nothing retired: {reasons}"[:MAX_MESSAGE],
            )
        if mode is SyncMode.FULL:
            refused = self._sweep(run, report, force=force)
            if refused:
                return self._finish(run, report, RunStatus.REFUSED, complete=True, message=refused)
        return self._finish(run, report, RunStatus.SUCCEEDED, complete=True, message=None)

    def _finish(
        self, run: SyncRun, report: SyncReport, status: str, *, complete: bool, message: str | None
    ) -> SyncReport:
        report.status = status
        report.complete = complete
        report.message = message
        run.status = status
        run.complete = complete
        run.message = message
        run.finished_at = self.now()
        self._copy_counts(run, report)
        self.session.add(run)
        self.session.commit()
        return report

    @staticmethod
    def _copy_counts(run: SyncRun, report: SyncReport) -> None:
        run.created, run.updated, run.unchanged = report.created, report.updated, report.unchanged
        run.retired, run.failed, run.seen, run.pages = (
            report.retired,
            report.failed,
            report.seen,
            report.pages,
        )

    # -- pages ------------------------------------------------------------------------------

    def _store_page(
        self, page: Page, store: Store, run: SyncRun, report: SyncReport, state: CrawlState
    ) -> None:
        outcome = Outcome()
        failures: list[RecordFailure] = list(page.failures)
        retired: list[uuid.UUID] = []
        try:
            outcome.add(store.organisations(page.organisations))
            outcome.add(store.locations(page.locations))
            outcome.add(store.services(page.services))
            retired = self._retire_services(page.retired_service_ids, run)
            outcome.changed_service_ids |= self._retire_locations(page.retired_location_ids, run)
        except Exception as exc:
            # Something in the page broke a constraint: redo it record by record so the rest is kept.
            self.session.rollback()
            log.warning("page %s failed as a whole (%s); storing record by record", page.label, exc)
            outcome = Outcome()
            outcome, store_failures = self._store_one_by_one(page, store)
            failures.extend(store_failures)
            retired = self._retire_services(page.retired_service_ids, run)
            outcome.changed_service_ids |= self._retire_locations(page.retired_location_ids, run)
        if failures:
            state.mark_incomplete(f"{page.label}: {len(failures)} failed")
        changed = outcome.changed_service_ids | set(retired)
        store.record_changes(changed)
        report.created += outcome.created
        report.updated += outcome.updated
        report.unchanged += outcome.unchanged
        report.retired += len(retired)
        report.failed += len(failures)
        report.seen += len(page.organisations) + len(page.locations) + len(page.services)
        report.pages += 1
        for failure in failures:
            self.session.add(
                SyncError(
                    run_id=run.id,  # type: ignore[arg-type]
                    occurred_at=self.now(),
                    stage=failure.stage,
                    external_id=failure.external_id,
                    message=failure.message[:MAX_MESSAGE],
                    page=page.label[:500],
                )
            )
            log.warning(
                "sync %s: %s %s: %s",
                run.source,
                failure.stage,
                failure.external_id or page.label,
                failure.message,
            )
            if len(report.errors) < 20:
                report.errors.append(f"{failure.external_id or page.label}: {failure.message}")
        self._copy_counts(run, report)
        self.session.add(run)
        self.session.commit()
        self._keep_statistics_fresh(report)
        if changed and self.after_commit is not None:
            self.after_commit(changed)

    # Tables looked up by external id (or service id) for every page.
    LOOKED_UP = ("organisation", "location", "service", "service_at_location", "service_source_link")

    def _keep_statistics_fresh(self, report: SyncReport) -> None:
        """ANALYZE the looked-up tables on PostgreSQL each time this run's new rows have doubled.

        PostgreSQL plans a page's lookups (`source = ? AND external_id IN (...)`) from table
        statistics. A first import grows the tables faster than autovacuum analyzes them; planned
        as empty, they are searched through the (source, external_id) index by source alone, every
        row of the source read for every page, and the run slows down quadratically. SQLite plans by
        the index's columns and needs nothing.
        """
        if report.created < max(1000, 2 * self._analyzed_at):
            return
        if self.session.get_bind().dialect.name != "postgresql":
            return
        self._analyzed_at = report.created
        # A small sample is enough for what the plans need (how big the tables are, that external ids
        # are distinct) and costs a tenth of the default's 30,000 rows per table.
        self.session.execute(text("SET LOCAL default_statistics_target = 10"))
        self.session.execute(text(f"ANALYZE {', '.join(self.LOOKED_UP)}"))
        self.session.commit()

    def _store_one_by_one(self, page: Page, store: Store) -> tuple[Outcome, list[RecordFailure]]:
        outcome = Outcome()
        failures: list[RecordFailure] = []
        groups: Sequence[tuple[Callable[[Sequence[Any]], Outcome], Sequence[Any]]] = (
            (store.organisations, page.organisations),
            (store.locations, page.locations),
            (store.services, page.services),
        )
        for method, records in groups:
            for record in records:
                try:
                    with self.session.begin_nested():
                        outcome.add(method([record]))
                except Exception as exc:
                    failures.append(
                        RecordFailure(
                            stage="store",
                            message=f"{type(exc).__name__}: {exc}"[:MAX_MESSAGE],
                            external_id=record.provenance.external_id,
                        )
                    )
        return outcome, failures

    # -- retiring ---------------------------------------------------------------------------

    def _retire_services(self, external_ids: Sequence[str], run: SyncRun) -> list[uuid.UUID]:
        """Retire services the source reports as removed (archived) in an incremental crawl."""
        if not external_ids:
            return []
        ids = list(
            self.session.execute(
                select(Service.id).where(  # type: ignore[call-overload]
                    Service.source == run.source,
                    col(Service.external_id).in_(list(external_ids)),
                    Service.status != ServiceStatus.RETIRED,
                )
            ).scalars()
        )
        if ids:
            self.session.execute(
                update(Service)
                .where(col(Service.id).in_(ids))
                .values(status=ServiceStatus.RETIRED, updated_at=self.now(), last_seen_run_id=run.id),
                execution_options={"synchronize_session": False},
            )
        # The same removal of a provenance that another source's service holds (dedupe.py).
        self.session.execute(
            update(ServiceSourceLink)
            .where(
                col(ServiceSourceLink.source) == run.source,
                col(ServiceSourceLink.external_id).in_(list(external_ids)),
            )
            .values(status=RecordStatus.RETIRED),
            execution_options={"synchronize_session": False},
        )
        return ids

    def _retire_locations(self, external_ids: Sequence[str], run: SyncRun) -> set[uuid.UUID]:
        """Retire places the source reports as removed; returns the services held there (to re-index)."""
        if not external_ids:
            return set()
        ids = list(
            self.session.execute(
                select(col(Location.id)).where(
                    col(Location.source) == run.source,
                    col(Location.external_id).in_(list(external_ids)),
                    col(Location.status) != RecordStatus.RETIRED,
                )
            ).scalars()
        )
        if not ids:
            return set()
        self.session.execute(
            update(Location)
            .where(col(Location.id).in_(ids))
            .values(status=RecordStatus.RETIRED, updated_at=self.now(), last_seen_run_id=run.id),
            execution_options={"synchronize_session": False},
        )
        return set(
            self.session.execute(
                select(col(ServiceAtLocation.service_id)).where(col(ServiceAtLocation.location_id).in_(ids))
            ).scalars()
        )

    def _unseen(self, model: Any, retired: Any, run: SyncRun, *, demo: bool) -> tuple[list[uuid.UUID], int]:
        """Active rows of the run's source (demo or real ones) that the run did not see, and their total."""
        active = (model.source == run.source, model.status != retired, model.is_demo == demo)
        total = self.session.execute(select(func.count()).select_from(model).where(*active)).scalar_one()
        unseen = list(
            self.session.execute(
                select(model.id).where(
                    *active, or_(model.last_seen_run_id.is_(None), model.last_seen_run_id != run.id)
                )
            ).scalars()
        )
        return unseen, total

    def _sweep(self, run: SyncRun, report: SyncReport, *, force: bool) -> str | None:
        """Retire what a complete full crawl did not see; refuse (return why) past the threshold."""
        # The valve weighs rows of the run's own kind. A demo load never touches real rows; a real
        # run retires the demo rows it replaces freely (they are not the source's data).
        plans: list[tuple[Any, Any, list[uuid.UUID], int]] = [
            (model, status, *self._unseen(model, status, run, demo=self.is_demo))
            for model, status in (
                (Service, ServiceStatus.RETIRED),
                (Location, RecordStatus.RETIRED),
                (Organisation, RecordStatus.RETIRED),
            )
        ]
        demo_rows: list[tuple[Any, Any, list[uuid.UUID], int]] = (
            []
            if self.is_demo
            else [
                (model, status, *self._unseen(model, status, run, demo=True))
                for model, status in (
                    (Service, ServiceStatus.RETIRED),
                    (Location, RecordStatus.RETIRED),
                    (Organisation, RecordStatus.RETIRED),
                )
            ]
        )
        if not force:
            for model, _, unseen, total in plans:
                if total and len(unseen) / total > self.retire_threshold:
                    return (
                        f"refused to retire {len(unseen)} of {total} {model.__tablename__} rows of {run.source} "
                        f"(more than {self.retire_threshold:.0%}); nothing retired. Check the source, then run with --force"
                    )
        now = self.now()
        retired_services: set[uuid.UUID] = set()
        for model, retired_status, unseen, _ in plans + demo_rows:
            for start in range(0, len(unseen), 500):
                chunk = unseen[start : start + 500]
                self.session.execute(
                    update(model).where(model.id.in_(chunk)).values(status=retired_status, updated_at=now),
                    execution_options={"synchronize_session": False},
                )
            if model is Service:
                retired_services.update(unseen)
                report.retired += len(unseen)
        # Provenances this source gives to services another source holds (dedupe.py), not seen now.
        self.session.execute(
            update(ServiceSourceLink)
            .where(
                col(ServiceSourceLink.source) == run.source,
                col(ServiceSourceLink.status) == RecordStatus.ACTIVE,
                or_(
                    col(ServiceSourceLink.last_seen_run_id).is_(None),
                    col(ServiceSourceLink.last_seen_run_id) != run.id,
                ),
            )
            .values(status=RecordStatus.RETIRED),
            execution_options={"synchronize_session": False},
        )
        Store(
            self.session, run_id=run.id or 0, now=now, known_municipalities=self.known_municipalities
        ).record_changes(retired_services)
        self.session.commit()
        if retired_services and self.after_commit is not None:
            self.after_commit(retired_services)
        return None
