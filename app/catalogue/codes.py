"""Load the code tables from app/catalogue/data/*.csv, and answer questions about the area served."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sqlmodel import Session, SQLModel, select

from app.catalogue.enums import Taxonomy
from app.catalogue.models import (
    Municipality,
    Region,
    TaxonomyTerm,
    Theme,
    ThemeMapping,
    WellbeingCounty,
)
from app.settings import Settings

DATA_DIR = Path(__file__).parent / "data"


def read_csv(name: str) -> Iterator[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            yield {key: (value.strip() if value is not None else "") for key, value in row.items()}


@dataclass(frozen=True)
class LoadReport:
    inserted: int
    updated: int
    deleted: int


def _sync_table(
    session: Session,
    model: type[SQLModel],
    key: tuple[str, ...],
    rows: Iterable[dict[str, Any]],
) -> LoadReport:
    """Make the table equal to `rows`: insert new, update changed, delete the ones gone."""
    existing = {tuple(getattr(obj, k) for k in key): obj for obj in session.exec(select(model)).all()}
    inserted = updated = 0
    seen: set[tuple[Any, ...]] = set()
    for row in rows:
        ident = tuple(row[k] for k in key)
        seen.add(ident)
        current = existing.get(ident)
        if current is None:
            session.add(model(**row))
            inserted += 1
            continue
        changed = False
        for field, value in row.items():
            if getattr(current, field) != value:
                setattr(current, field, value)
                changed = True
        updated += changed
    gone = [obj for ident, obj in existing.items() if ident not in seen]
    for obj in gone:
        session.delete(obj)
    session.flush()
    return LoadReport(inserted, updated, len(gone))


def _none_if_empty(value: str) -> str | None:
    return value or None


def load_code_tables(session: Session) -> dict[str, LoadReport]:
    """Idempotently load every code table; safe to run on each deploy."""
    reports: dict[str, LoadReport] = {}
    reports["region"] = _sync_table(session, Region, ("code",), read_csv("regions.csv"))
    reports["wellbeing_county"] = _sync_table(
        session, WellbeingCounty, ("code",), read_csv("wellbeing_counties.csv")
    )
    reports["municipality"] = _sync_table(session, Municipality, ("code",), read_csv("municipalities.csv"))
    reports["theme"] = _sync_table(
        session,
        Theme,
        ("code",),
        (
            {
                **{k: v for k, v in row.items() if k != "sort_order"},
                "sort_order": int(row["sort_order"]),
                "description_fi": _none_if_empty(row["description_fi"]),
                "description_sv": _none_if_empty(row["description_sv"]),
                "description_en": _none_if_empty(row["description_en"]),
            }
            for row in read_csv("themes.csv")
        ),
    )
    terms: list[dict[str, Any]] = []
    for taxonomy in (Taxonomy.PTV_SERVICE_CLASS, Taxonomy.PTV_TARGET_GROUP, Taxonomy.PTV_LIFE_EVENT):
        for row in read_csv(f"{taxonomy.value}.csv"):
            terms.append(
                {
                    "taxonomy": taxonomy.value,
                    "code": row["code"],
                    "parent_code": _none_if_empty(row["parent_code"]),
                    "label_fi": row["label_fi"],
                    "label_sv": _none_if_empty(row["label_sv"]),
                    "label_en": _none_if_empty(row["label_en"]),
                }
            )
    reports["taxonomy_term"] = _sync_table(session, TaxonomyTerm, ("taxonomy", "code"), terms)
    reports["theme_mapping"] = _sync_table(
        session, ThemeMapping, ("taxonomy", "code", "theme_code"), _theme_mapping_rows(session)
    )
    return reports


def _theme_mapping_rows(session: Session) -> list[dict[str, str]]:
    """theme_mapping.csv, where the latest change an administrator made to a code replaces its rows
    (app/catalogue/theme_mappings.py): a deploy reloads the table without undoing a reviewed change."""
    from sqlalchemy import func

    from app.catalogue.theme_mapping_changes import ThemeMappingChange

    latest = (
        select(func.max(ThemeMappingChange.id))
        .group_by(ThemeMappingChange.taxonomy, ThemeMappingChange.code)  # type: ignore[arg-type]
        .scalar_subquery()
    )
    changed = {
        (row.taxonomy, row.code): row.new_themes
        for row in session.exec(select(ThemeMappingChange).where(ThemeMappingChange.id.in_(latest))).all()  # type: ignore[union-attr]
    }
    rows = [
        {"taxonomy": row["taxonomy"], "code": row["code"], "theme_code": row["theme_code"]}
        for row in read_csv("theme_mapping.csv")
        if (row["taxonomy"], row["code"]) not in changed
    ]
    rows += [
        {"taxonomy": taxonomy, "code": code, "theme_code": theme}
        for (taxonomy, code), themes in changed.items()
        for theme in themes
    ]
    return rows


def served_municipality_codes(session: Session, settings: Settings) -> set[str]:
    """The municipalities this installation serves: listed ones plus those of the listed counties."""
    codes = set(settings.municipalities)
    if settings.wellbeing_counties:
        rows = session.exec(
            select(Municipality.code).where(
                Municipality.wellbeing_county_code.in_(settings.wellbeing_counties)  # type: ignore[attr-defined]
            )
        ).all()
        codes.update(rows)
    return codes


def theme_mapping(session: Session) -> dict[tuple[str, str], set[str]]:
    """(taxonomy, code) -> hyte theme codes, for the pure mapping functions of the integrations."""
    mapping: dict[tuple[str, str], set[str]] = {}
    for row in session.exec(select(ThemeMapping)).all():
        mapping.setdefault((row.taxonomy, row.code), set()).add(row.theme_code)
    return mapping


@dataclass(frozen=True)
class PostalCode:
    """A postal code area: its names, the municipality it belongs to and a WGS84 point inside it."""

    postal_code: str
    name_fi: str
    name_sv: str
    municipality_code: str
    latitude: float
    longitude: float


@cache
def load_postal_codes() -> dict[str, PostalCode]:
    """Every Finnish postal code with coordinates (data/postal_codes.csv), by code; read once."""
    return {
        row["postal_code"]: PostalCode(
            postal_code=row["postal_code"],
            name_fi=row["name_fi"],
            name_sv=row["name_sv"],
            municipality_code=row["municipality_code"],
            latitude=float(row["latitude"]),
            longitude=float(row["longitude"]),
        )
        for row in read_csv("postal_codes.csv")
    }
