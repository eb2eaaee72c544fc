"""The `tarjotin` command line: a composition root, so it may import every package."""

from __future__ import annotations

import logging
import logging.config
import sys
from pathlib import Path

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from app.log_config import logging_config
from app.settings import ConfigurationError, describe_validation_error, get_settings
from integrations.geodata.cli import geodata_cli
from tarjotin import staff_cli
from tarjotin.referrals_cli import referrals_cli

cli = typer.Typer(help="Palvelutarjotin: hyte service catalogue.", no_args_is_help=True)
db_cli = typer.Typer(help="Database schema and code tables.", no_args_is_help=True)
codes_cli = typer.Typer(help="Code tables (municipalities, themes, PTV code lists).", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(codes_cli, name="codes")
demo_cli = typer.Typer(help="The demo catalogue.", no_args_is_help=True)
cli.add_typer(demo_cli, name="demo")
cli.add_typer(geodata_cli, name="geodata")

console = Console(stderr=True)


def refuse(message: str, code: int = 2) -> typer.Exit:
    """Print a refusal on one line (rich would wrap it at 80 columns when stderr is not a terminal)."""
    console.print(message, style="red", soft_wrap=True, markup=False, highlight=False)
    return typer.Exit(code)


def alembic_config():  # type: ignore[no-untyped-def]
    from pathlib import Path

    from alembic.config import Config

    root = Path(__file__).resolve().parent.parent
    ini = root / "alembic.ini"
    config = Config(str(ini)) if ini.exists() else Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.attributes["configure_logging"] = False
    return config


def _print_load_report(reports: dict) -> None:  # type: ignore[type-arg]
    table = Table(title="Code tables")
    for column in ("table", "inserted", "updated", "deleted"):
        table.add_column(column, justify="right" if column != "table" else "left")
    for name, report in reports.items():
        table.add_row(name, str(report.inserted), str(report.updated), str(report.deleted))
    console.print(table)


@codes_cli.command("load")
def codes_load() -> None:
    """Load municipalities, regions, counties, themes, mappings and PTV code lists."""
    from app.catalogue.codes import load_code_tables
    from app.db import session_scope

    with session_scope() as session:
        reports = load_code_tables(session)
    _print_load_report(reports)


@db_cli.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply migrations up to REVISION (default: head) and load the code tables."""
    from alembic import command

    command.upgrade(alembic_config(), revision)
    console.print(f"[green]database at {revision}[/green]")
    codes_load()


@db_cli.command("check")
def db_check() -> None:
    """Fail if the models and the migrations disagree."""
    from alembic import command

    command.check(alembic_config())


@cli.command("check-config")
def check_config() -> None:
    """Validate settings as the app would at start-up."""
    settings = get_settings()
    try:
        settings.check_for_production()
    except ConfigurationError as exc:
        raise refuse(str(exc)) from exc
    console.print(f"settings ok for {settings.environment.value}")


@cli.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="interface to listen on"),
    port: int = typer.Option(8000, help="port"),
    workers: int = typer.Option(1, help="worker processes (production: one per core)"),
    reload: bool = typer.Option(False, help="restart on code changes (development)"),
) -> None:
    """Serve the web app and API."""
    import uvicorn

    settings = get_settings()
    try:
        settings.check_for_production()
    except ConfigurationError as exc:
        raise refuse(f"cannot start: {exc}") from exc
    uvicorn.run(
        "tarjotin.asgi:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        proxy_headers=True,
        log_level=settings.log_level.lower(),
        # Our format without input values in tracebacks; web/access_log.py logs requests without queries.
        log_config=logging_config(settings.log_level),
        access_log=False,
    )


@cli.command("reindex")
def reindex() -> None:
    """Rebuild the search index from the database; searchers use the old one until the switch."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from app.db import session_scope
    from search.engine import open_search_index
    from search.indexer import rebuild

    settings = get_settings()
    index = open_search_index(settings)
    with (
        Progress(
            TextColumn("[bold]indexing[/bold]"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress,
        session_scope() as session,
    ):
        task = progress.add_task("services", total=None)
        count = rebuild(
            session,
            index,
            on_total=lambda total: progress.update(task, total=total),
            progress=lambda n: progress.advance(task, n),
        )
    console.print(f"[green]search index ({index.name}) rebuilt: {count} services[/green]")


def _after_sync_commit():  # type: ignore[no-untyped-def]
    """The callback a sync runs after each commit: re-index the changed services (search seam).

    A search engine that fails here must not fail the sync: the change is also queued in the
    catalogue_change outbox (same transaction as the change) and `tarjotin reindex` rebuilds all.
    """
    import uuid

    from app.db import session_scope
    from search.engine import open_search_index
    from search.indexer import drain_changes

    settings = get_settings()
    try:
        index = open_search_index(settings)
    except Exception as exc:
        logging.getLogger(__name__).warning("search index unavailable, sync will not re-index: %s", exc)
        return None

    def reindex_changed(service_ids: set[uuid.UUID]) -> None:
        try:
            # The outbox holds these ids (same transaction as the change) and any left over from a
            # time the engine was down; drained rows are removed only once the engine has them.
            with session_scope() as session:
                drain_changes(session, index)
        except Exception as exc:
            logging.getLogger(__name__).warning("re-indexing %d services failed: %s", len(service_ids), exc)

    return reindex_changed


def _rebuild_search_index() -> None:
    """After `tarjotin demo load`: one full rebuild is faster than re-indexing page by page."""
    reindex()


@demo_cli.command("load")
def demo_load(
    force: bool = typer.Option(False, "--force", help="retire demo services missing from the files"),
    from_dir: Path | None = typer.Option(
        None,
        "--from-dir",
        help="the demo pages (default: demo/ptv-v11 in the source tree; /opt/tarjotin/demo/ptv-v11 in the image)",
    ),
) -> None:
    """Load the demo catalogue (demo/ptv-v11) through the real PTV v11 import path."""
    from integrations.cli import EXIT_CODES, print_report, sync_source

    # An installed wheel has no source tree beside it, so the container image ships the pages separately.
    candidates = [
        Path(__file__).resolve().parent.parent / "demo" / "ptv-v11",
        Path("/opt/tarjotin/demo/ptv-v11"),
    ]
    directory = from_dir or next((c for c in candidates if c.is_dir()), candidates[0])
    if not directory.is_dir():
        console.print(f"[red]demo data not found at {directory}[/red]")
        raise typer.Exit(2)
    # No per-page re-indexing here: one rebuild at the end.
    from integrations.errors import IntegrationError

    try:
        report = sync_source(
            "ptv", full=True, force=force, from_dir=directory, after_commit=None, is_demo=True
        )
    except IntegrationError as exc:
        raise refuse(str(exc), 5) from exc
    print_report(report)
    if not report.ok:
        raise typer.Exit(EXIT_CODES.get(report.status, 1))
    _rebuild_search_index()


def _mount_sync() -> None:
    from integrations.cli import make_sync_cli

    cli.add_typer(make_sync_cli(_after_sync_commit), name="sync")


_mount_sync()
cli.add_typer(referrals_cli, name="referrals")
staff_cli.register(cli, demo_cli)


def main() -> None:
    try:
        settings = get_settings()
    except ValidationError as exc:
        refuse(f"cannot start: {describe_validation_error(exc)}")
        sys.exit(2)
    logging.config.dictConfig(logging_config(settings.log_level))
    try:
        cli()
    except ConfigurationError as exc:
        refuse(str(exc))
        sys.exit(2)


if __name__ == "__main__":
    main()
