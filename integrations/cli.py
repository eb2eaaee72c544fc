"""`tarjotin sync ptv|lahella|linkedevents [--full] [--force] [--from-dir DIR]`.

A typer sub-app that app/cli.py (the composition root) mounts; the root passes in what must run after
each commit (the search indexer), since integrations may not import search.

Sources other than PTV register a factory module `integrations.<source>.factory` with
`make_source(session, settings, context, from_dir) -> SyncSource`; this file needs no change for them.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from sqlmodel import Session

from app.catalogue.enums import Source
from app.catalogue.sync_requests import SyncRequest
from app.db import get_engine
from app.settings import Settings, get_settings
from app.timeutil import utcnow
from integrations.context import MappingContext, load_mapping_context
from integrations.errors import IntegrationError
from integrations.records import Page
from integrations.run_lock import SyncAlreadyRunning, mark_abandoned, sync_lock
from integrations.source import CrawlState, SyncMode, SyncSource
from integrations.sync import AfterCommit, RunStatus, SyncEngine, SyncReport

console = Console(stderr=True)

EXIT_CODES = {RunStatus.SUCCEEDED: 0, RunStatus.FAILED: 1, RunStatus.INCOMPLETE: 3, RunStatus.REFUSED: 4}
EXIT_ALREADY_RUNNING = 5  # another sync holds the lock (run_lock.py); nothing was done


class SourceFactory(Protocol):
    def __call__(
        self, session: Session, settings: Settings, context: MappingContext, from_dir: Path | None
    ) -> SyncSource: ...


def _ptv_factory(
    session: Session, settings: Settings, context: MappingContext, from_dir: Path | None
) -> SyncSource:
    from integrations.ptv.factory import make_source

    return make_source(session, settings, context, from_dir)


def source_factory(name: str) -> SourceFactory:
    if name == Source.PTV:
        return _ptv_factory
    try:
        module = importlib.import_module(f"integrations.{name}.factory")
    except ModuleNotFoundError as exc:
        raise IntegrationError(f"the {name} integration is not installed in this version") from exc
    factory: SourceFactory = module.make_source
    return factory


def sync_source(
    name: str,
    *,
    full: bool = False,
    force: bool = False,
    from_dir: Path | None = None,
    after_commit: AfterCommit | None = None,
    is_demo: bool = False,
    show_progress: bool = True,
) -> SyncReport:
    """Run one sync with a progress bar; the sync run row records the outcome."""
    # One INFO line per request would drown the progress bar; failures are logged by the engine.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    settings = get_settings()
    # One connection for the whole run: a session on the engine checks a connection out of the pool
    # (and pings it) again after every page's commit.
    with (
        get_engine().connect() as connection,
        Session(connection, expire_on_commit=False) as session,
        sync_lock(get_engine(), session),
    ):
        abandoned = mark_abandoned(session, utcnow())
        if abandoned:
            console.print(
                f"earlier runs {', '.join(map(str, abandoned))} marked abandoned: their process ended without finishing",
                soft_wrap=True,
            )
        context = load_mapping_context(session, settings)
        source = source_factory(name)(session, settings, context, from_dir)
        mode = SyncMode.FULL if full else SyncMode.INCREMENTAL
        with Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[counts]}"),
            TimeElapsedColumn(),
            console=console,
            disable=not show_progress,
            transient=False,
        ) as progress:
            task = progress.add_task(f"sync {name}", total=None, counts="")
            seen = {"records": 0}

            def on_page(page: Page, state: CrawlState) -> None:
                seen["records"] += len(page)
                done = progress.tasks[task].completed + 1
                total = max(state.expected_pages or 0, done)
                progress.update(task, completed=done, total=total, counts=f"{seen['records']} records")

            engine = SyncEngine(
                session,
                known_municipalities=context.known_municipalities,
                retire_threshold=settings.sync_retire_threshold,
                after_commit=after_commit,
                progress=on_page,
                is_demo=is_demo,
            )
            options = {"from_dir": str(from_dir) if from_dir else None, "full": full, "demo": is_demo}
            report = engine.run(source, mode=mode, force=force, options=options)
    return report


def print_report(report: SyncReport) -> None:
    table = Table(title=f"sync {report.source} ({report.mode}) run {report.run_id}: {report.status}")
    for column in ("created", "updated", "unchanged", "retired", "failed", "pages"):
        table.add_column(column, justify="right")
    table.add_row(
        *(
            str(getattr(report, column))
            for column in ("created", "updated", "unchanged", "retired", "failed", "pages")
        )
    )
    console.print(table)
    for error in report.errors[:10]:
        console.print(f"[yellow]failed:[/yellow] {error}")
    if report.message:
        colour = "green" if report.ok else "red" if report.status == RunStatus.FAILED else "yellow"
        console.print(f"[{colour}]{report.message}[/{colour}]")


def make_sync_cli(after_commit_factory: Callable[[], AfterCommit | None] = lambda: None) -> typer.Typer:
    """The `sync` sub-app; `after_commit_factory` gives the callback that re-indexes changed services."""
    app = typer.Typer(help="Synchronise the catalogue from its sources.", no_args_is_help=True)

    def command(name: str, help_text: str) -> None:
        def run(
            full: bool = typer.Option(False, "--full", help="crawl everything and retire what is gone"),
            force: bool = typer.Option(False, "--force", help="retire even past SYNC_RETIRE_THRESHOLD"),
            from_dir: Path | None = typer.Option(
                None,
                "--from-dir",
                help="replay recorded responses from DIR (file names: README, Sync)",
                file_okay=False,
            ),
        ) -> None:
            try:
                report = sync_source(
                    name,
                    full=full or from_dir is not None,
                    force=force,
                    from_dir=from_dir,
                    after_commit=after_commit_factory(),
                )
            except SyncAlreadyRunning as exc:
                console.print(str(exc), style="red", soft_wrap=True, markup=False, highlight=False)
                raise typer.Exit(EXIT_ALREADY_RUNNING) from exc
            except IntegrationError as exc:
                console.print(f"[red]{exc}[/red]")
                raise typer.Exit(2) from exc
            print_report(report)
            raise typer.Exit(EXIT_CODES.get(report.status, 1))

        run.__doc__ = help_text
        app.command(name)(run)

    @app.command("requested")
    def requested() -> None:
        """Run the syncs administrators asked for ("run again" on the sync runs page), oldest first.

        The web app starts this at once after a request; run it from cron every few minutes too, so a
        request made while another sync held the lock (or while no runner could start) is taken later.
        """
        from integrations.requested import run_requested

        def run_one(request: SyncRequest) -> SyncReport:
            return sync_source(
                request.source,
                full=request.full or request.from_dir is not None,
                from_dir=Path(request.from_dir) if request.from_dir else None,
                after_commit=after_commit_factory(),
                is_demo=request.demo,
                show_progress=False,
            )

        reports = run_requested(get_engine(), run_one)
        for report in reports:
            print_report(report)
        if not reports:
            console.print("no sync requested")

    command(Source.PTV, "Sync from Suomi.fi PTV (v12, or v11 with PTV_API_VERSION=v11).")
    command(Source.LAHELLA, "Sync from Lähellä.fi.")
    command(Source.LINKEDEVENTS, "Sync from LinkedEvents.")
    return app
