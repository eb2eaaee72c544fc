"""Bulk inserts on the session's own connection, with fewer layers than a Core executemany.

A page of 100 services is a few thousand rows (terms, schedules, contacts, links). Through
`session.execute(insert(table), rows)` each value of each row passes SQLAlchemy's per-row parameter
processing, and on PostgreSQL psycopg then sends one Bind/Execute per row. Here the values go through
the very same type conversions (each column type's own bind processor for the dialect, so what is
stored is identical) straight into the driver: `COPY ... FROM STDIN` on PostgreSQL, `executemany` of
the compiled INSERT on SQLite. Both run in the session's current transaction (and savepoint): a
failure raises and rolls back like any other statement.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Dialect
from sqlmodel import Session

Processor = Callable[[Any], Any] | None
# (statement, per column in statement order: key, whether the rows give it, its default, bind processor)
Plan = tuple[str, tuple[tuple[str, bool, Any, Processor], ...]]

_plans: dict[tuple[str, str, frozenset[str]], Plan] = {}


def _plan(table: Table, keys: frozenset[str], dialect: Dialect) -> Plan:
    cache_key = (dialect.name, table.name, keys)
    plan = _plans.get(cache_key)
    if plan is not None:
        return plan
    # Columns the rows leave out get their Python-side default as a Core insert gives them
    # (scalars and zero-argument callables are all this schema has); the rest are left to the database.
    defaults: dict[str, Any] = {}
    for column in table.columns:
        default = column.default
        if column.key in keys or default is None:
            continue
        if not (getattr(default, "is_scalar", False) or getattr(default, "is_callable", False)):
            raise TypeError(f"{table.name}.{column.key}: unsupported default {default!r}")
        defaults[column.key] = default
    names = sorted(keys) + sorted(defaults)
    quote = dialect.identifier_preparer.quote
    if dialect.name == "postgresql":
        statement = (
            f"COPY {quote(table.name)} ({', '.join(quote(table.c[n].name) for n in names)}) FROM STDIN"
        )
    else:
        compiled = insert(table).compile(dialect=dialect, column_keys=names)
        order = list(compiled.positiontup or ())
        if sorted(order) != sorted(names):
            raise TypeError(f"{table.name}: the dialect's INSERT does not take the expected parameters")
        names, statement = order, str(compiled)
    columns = tuple(
        (
            name,
            name in keys,
            defaults.get(name),
            table.c[name].type.dialect_impl(dialect).bind_processor(dialect),
        )
        for name in names
    )
    plan = (statement, columns)
    _plans[cache_key] = plan
    return plan


def _default(default: Any) -> Any:
    return default.arg(None) if default.is_callable else default.arg  # a callable per row (new ids)


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (dicts by column key; a key missing from a row is NULL) into `table`."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    keys = frozenset().union(*rows)
    statement, columns = _plan(table, keys, dialect)
    values: list[tuple[Any, ...]] = []
    for row in rows:
        out = []
        for name, given, default, process in columns:
            value = row.get(name) if given else _default(default)
            out.append(value if process is None else process(value))
        values.append(tuple(out))
    driver = connection.connection.dbapi_connection
    assert driver is not None
    cursor = driver.cursor()
    try:
        if dialect.name == "postgresql":
            with cursor.copy(statement) as copy:
                for value in values:
                    copy.write_row(value)
        else:
            cursor.executemany(statement, values)
    finally:
        cursor.close()
