"""`tarjotin geodata load FILE`: DVV's open building addresses into the embedded geocoder.

Only the municipalities the installation serves are kept (the national file has 3.8 million lines);
`--all-municipalities` keeps every one. The addresses of each municipality in the file replace the
ones loaded before, in one transaction: a failed load leaves the previous addresses as they were.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from sqlalchemy import delete
from sqlmodel import Session, col

from app.catalogue.codes import served_municipality_codes
from app.db import get_engine
from app.geo.models import AddressPoint
from app.settings import get_settings
from integrations.bulk import insert_rows
from integrations.geodata.dvv import ParseCounts, decode, read_addresses

geodata_cli = typer.Typer(help="Open geodata for the embedded geocoder.", no_args_is_help=True)
console = Console(stderr=True)
BATCH = 5000


def load_addresses(session: Session, text: str, *, served: set[str] | None) -> tuple[ParseCounts, int, int]:
    """Store the file's addresses (of `served` municipalities; None: all). Returns (counts, stored,
    outside the area). Does not commit."""
    counts = ParseCounts()
    rows_by_municipality: dict[str, list[dict[str, object]]] = {}
    outside = 0
    for address in read_addresses(text, counts):
        if served is not None and address.municipality_code not in served:
            outside += 1
            continue
        rows_by_municipality.setdefault(address.municipality_code, []).append(address.as_row())
    if rows_by_municipality:
        session.execute(
            delete(AddressPoint).where(col(AddressPoint.municipality_code).in_(sorted(rows_by_municipality)))
        )
    rows = [row for municipality_rows in rows_by_municipality.values() for row in municipality_rows]
    for start in range(0, len(rows), BATCH):
        insert_rows(session, AddressPoint.__table__, rows[start : start + BATCH])  # type: ignore[attr-defined]
    return counts, len(rows), outside


@geodata_cli.command("load")
def load(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="DVV address file"),
    all_municipalities: bool = typer.Option(False, help="keep every municipality, not only those served"),
) -> None:
    """Load DVV's building addresses ("Rakennusten osoitetiedot ja äänestysalue", CC BY 4.0)."""
    settings = get_settings()
    text = decode(file.read_bytes())
    with Session(get_engine()) as session:
        served = None if all_municipalities else served_municipality_codes(session, settings)
        counts, stored, outside = load_addresses(session, text, served=served)
        session.commit()
    console.print(
        f"{stored} addresses stored from {counts.read} lines "
        f"({outside} outside the area served, {counts.skipped} not addresses)"
    )
    if stored == 0:
        raise typer.Exit(1)
