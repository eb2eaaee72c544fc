"""Throw-away databases for `tarjotin` child processes, on SQLite and PostgreSQL, and copies of them.

Migrating costs seconds; copying a migrated (or loaded) database costs milliseconds: a SQLite file
through the backup API, a PostgreSQL database as the template of a new one.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from app.catalogue.codes import load_code_tables
from app.db import make_engine, normalise_url
from tests.conftest import DEFAULT_PG_ADMIN_URL, run_migrations
from tests.servers import require


def engine_kinds() -> list[str]:
    return [k.strip() for k in os.environ.get("TEST_DATABASES", "sqlite,postgresql").split(",") if k.strip()]


@dataclass
class Databases:
    """Makes databases of one kind in `directory` (SQLite) or on the test server (PostgreSQL)."""

    kind: str
    directory: Path
    created: list[str] = field(default_factory=list)

    def _admin(self) -> Engine:
        return make_engine(
            normalise_url(os.environ.get("TEST_POSTGRES_URL", DEFAULT_PG_ADMIN_URL)),
            isolation_level="AUTOCOMMIT",
            poolclass=NullPool,
        )

    def _url(self, name: str) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.directory / f'{name}.sqlite3'}"
        admin = make_url(normalise_url(os.environ.get("TEST_POSTGRES_URL", DEFAULT_PG_ADMIN_URL)))
        return admin.set(database=name).render_as_string(hide_password=False)

    def migrated(self) -> str:
        """A new database at the head revision with the code tables loaded; its URL."""
        name = f"tarjotin_faults_{uuid.uuid4().hex[:10]}"
        if self.kind == "postgresql":
            try:
                with self._admin().connect() as connection:
                    connection.execute(text(f'CREATE DATABASE "{name}"'))
            except Exception as exc:
                require(False, "PostgreSQL", f"cannot create a database ({type(exc).__name__})")
            self.created.append(name)
        url = self._url(name)
        engine = make_engine(url, poolclass=NullPool)
        try:
            run_migrations(engine)
            with Session(engine) as session:
                load_code_tables(session)
                session.commit()
        finally:
            engine.dispose()
        return url

    def copy(self, url: str) -> str:
        """A new database with the contents of `url` (nothing may be connected to it on PostgreSQL)."""
        name = f"tarjotin_faults_{uuid.uuid4().hex[:10]}"
        if self.kind == "sqlite":
            source = make_url(url).database
            assert source is not None
            copy = self.directory / f"{name}.sqlite3"
            with (
                contextlib.closing(sqlite3.connect(source)) as src,
                contextlib.closing(sqlite3.connect(copy)) as dst,
            ):
                src.backup(dst)
            return f"sqlite:///{copy}"
        with self._admin().connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(url).database}"'))
        self.created.append(name)
        return self._url(name)

    def drop_all(self) -> None:
        if not self.created:
            return
        with self._admin().connect() as connection:
            for name in self.created:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextlib.contextmanager
def databases(kind: str, directory: Path) -> Iterator[Databases]:
    made = Databases(kind, directory)
    try:
        yield made
    finally:
        made.drop_all()


def engine(url: str) -> Engine:
    """An engine for the test's own reads: no pool, so no connection outlives a read (copies need that)."""
    return make_engine(url, poolclass=NullPool)
