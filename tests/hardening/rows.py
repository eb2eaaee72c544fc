"""The catalogue as rows: every table of a database as sorted tuples, comparable before and after a fault.

Two things differ between runs that store the same content, and are left out of the comparison:
- bookkeeping times and run numbers (`VOLATILE`): when a row was written or last seen, not what it says;
- surrogate ids of rows a sync deletes and writes again with a changed service (schedules, contacts,
  service-at-location links: uuid `id` and no `external_id`). Such a row's id is replaced by its
  content, also where another row refers to it, so a schedule of a link reads as the link's content.
The sync bookkeeping tables (`BOOKKEEPING`) are compared by the tests themselves, not here. The
fallback's text index on SQLite (search.fallback.outside_the_models) is derived from the catalogue
and kept by triggers in the same transactions; its internal layout depends on the order of writes.

`groups` gathers the rows by what they belong to (a service with its terms, areas, places, schedules
and contacts; a place with its own), so a test can tell a half-written service from a whole one.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import MetaData, Table, select
from sqlalchemy.engine import Engine

from search.fallback import outside_the_models

BOOKKEEPING = frozenset({"sync_run", "sync_error", "catalogue_change", "alembic_version"})
VOLATILE = frozenset(
    {"created_at", "updated_at", "first_seen_at", "last_synced_at", "last_seen_run_id", "changed_at"}
)
# What a child row belongs to, when it refers to several (a service's schedule at a place).
OWNERS = ("service", "location", "organisation")

Value = str | int | float | bool | None | tuple[Any, ...]
Row = tuple[tuple[str, Value], ...]


def _plain(value: Any) -> Value:
    """A value as something hashable and ordered the same on both engines."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    raise TypeError(f"no plain form for {type(value).__name__}")


def _id(value: Any) -> str | None:
    """An id as it compares across tables (SQLite stores uuids as 32 hex digits, PostgreSQL as uuid)."""
    if value is None:
        return None
    return value.hex if isinstance(value, uuid.UUID) else str(value).replace("-", "").lower()


@dataclass(frozen=True)
class Rows:
    tables: dict[str, tuple[Row, ...]]  # every table but the bookkeeping ones, rows sorted
    groups: dict[str, frozenset[tuple[str, Row]]]  # (table, row) by owner ("service:<hex id>")
    bookkeeping: dict[str, tuple[dict[str, Any], ...]]  # sync_run, sync_error, catalogue_change as read

    def without(self, table: str, *columns: str) -> tuple[Row, ...]:
        """One table's rows with some columns left out (what a test expects to have changed)."""
        return tuple(
            sorted((tuple(c for c in row if c[0] not in columns) for row in self.tables[table]), key=repr)
        )

    def column(self, table: str, key: str, value: str) -> dict[Value, Value]:
        """`value` by `key` over a table's rows (e.g. summary_fi by external_id)."""
        return {dict(row)[key]: dict(row)[value] for row in self.tables[table]}


def snapshot(engine: Engine) -> Rows:
    metadata = MetaData()
    metadata.reflect(engine, only=lambda name, _metadata: not outside_the_models(name, "table"))
    with engine.connect() as connection:
        raw = {
            name: [dict(row._mapping) for row in connection.execute(select(table))]
            for name, table in metadata.tables.items()
        }
    regenerated = {name for name, table in metadata.tables.items() if _regenerated(table)}
    # Rows of regenerated tables by id, for the references to them.
    by_id = {name: {_id(row["id"]): row for row in raw[name]} for name in regenerated}
    references = {
        name: {
            fk.parent.name: fk.column.table.name
            for fk in table.foreign_keys
            if fk.column.name == "id" and fk.constraint is not None and len(fk.constraint.columns) == 1
        }
        for name, table in metadata.tables.items()
    }
    cache: dict[tuple[str, str | None], Row] = {}

    def content(name: str, row: dict[str, Any]) -> Row:
        """A row without volatile columns, its own regenerated id, and with references by content."""
        out: list[tuple[str, Value]] = []
        for column, value in sorted(row.items()):
            if column in VOLATILE or (column == "id" and name in regenerated):
                continue
            target = references[name].get(column)
            if target in regenerated and value is not None:
                out.append((column, ("->", *referenced(target, value))))
            else:
                out.append((column, _plain(value)))
        return tuple(out)

    def referenced(name: str, value: Any) -> Row:
        key = (name, _id(value))
        if key not in cache:
            cache[key] = content(name, by_id[name][_id(value)])
        return cache[key]

    def owner(name: str, row: dict[str, Any]) -> str | None:
        if name in OWNERS or "external_id" in row:
            return f"{name}:{_id(row['id'])}" if "id" in row else None
        found: list[tuple[int, str]] = []
        for column, target in references[name].items():
            value = row.get(column)
            if value is None:
                continue
            if target in OWNERS:
                found.append((OWNERS.index(target), f"{target}:{_id(value)}"))
            elif target in regenerated:
                through = owner(target, by_id[target][_id(value)])
                if through is not None:
                    found.append((OWNERS.index(through.split(":")[0]), through))
        return min(found)[1] if found else None

    tables: dict[str, tuple[Row, ...]] = {}
    groups: dict[str, set[tuple[str, Row]]] = {}
    for name in sorted(raw):
        if name in BOOKKEEPING:
            continue
        rows = [content(name, row) for row in raw[name]]
        tables[name] = tuple(sorted(rows, key=repr))
        for row, original in zip(rows, raw[name], strict=True):
            groups.setdefault(owner(name, original) or f"table:{name}", set()).add((name, row))
    bookkeeping = {
        name: tuple(sorted(raw.get(name, []), key=lambda row: repr(sorted(row.items()))))
        for name in BOOKKEEPING - {"alembic_version"}
    }
    return Rows(tables, {key: frozenset(value) for key, value in groups.items()}, bookkeeping)


def _regenerated(table: Table) -> bool:
    primary = list(table.primary_key.columns)
    return (
        len(primary) == 1
        and primary[0].name == "id"
        and "external_id" not in table.columns
        and table.name not in BOOKKEEPING
        and not _is_integer(primary[0].type)
    )


def _is_integer(column_type: Any) -> bool:
    try:
        return column_type.python_type is int
    except NotImplementedError:
        return False


def half_written(killed: Rows, before: Rows, after: Rows) -> list[str]:
    """Owners whose rows in `killed` are neither all as `before` nor all as `after` (half-written)."""
    owners: Iterable[str] = sorted({*killed.groups, *before.groups, *after.groups})
    return [
        owner
        for owner in owners
        if killed.groups.get(owner) not in (before.groups.get(owner), after.groups.get(owner))
    ]
