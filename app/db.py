"""Database engine and sessions. The session dependency commits on success and rolls back on error;
nothing else in the code base commits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, SQLModel, create_engine
from starlette.requests import Request

from app.settings import get_settings

# Stable constraint names make Alembic migrations reviewable and identical on both engines.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever driver the URL names (postgres:// is common in PaaS)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin, so SAVEPOINTs
    # and rollbacks behave as on PostgreSQL (the SQLAlchemy-documented recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets the web server read while a sync writes; busy_timeout waits instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # BEGIN IMMEDIATE takes the write lock at once (waiting up to busy_timeout): a deferred transaction
    # that has read and then writes after another connection committed cannot upgrade its snapshot, and
    # SQLite fails it at once ("database is locked") without waiting. See begin_for_write.
    immediate = connection.get_execution_options().get(_SQLITE_IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


_SQLITE_IMMEDIATE = "tarjotin_sqlite_immediate"


def begin_for_write(session: Session) -> None:
    """Start the session's transaction ready to write: on SQLite with the write lock, elsewhere as usual.

    For a unit of work that reads and then writes while other processes or threads write too (a staff
    page that logs its read in the access log while the notices of the previous request are marked sent).
    Does nothing when the session's transaction has already begun.
    """
    if session.in_transaction():
        return
    if session.get_bind().dialect.name == "sqlite":
        session.connection(execution_options={_SQLITE_IMMEDIATE: True})


def _json_loads(value: Any) -> Any:
    # SQLite gives a JSON column holding a bare number back as that number (the column's numeric affinity);
    # SQLAlchemy passes it through only when the parser raises TypeError, as the stdlib's does and
    # orjson's does not.
    if isinstance(value, int | float):
        return value
    return orjson.loads(value)


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    # JSON columns (languages, features, dates) read with orjson: the stdlib's parser cost the HSDS export
    # a tenth of its time. Writing stays with the stdlib (its output is what the rows already hold).
    kwargs.setdefault("json_deserializer", _json_loads)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 10)
    return create_engine(url, **kwargs)


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    return make_engine(get_settings().database_url)


def engine_for(url: str) -> Engine:
    """The process's engine when it is on this database (one pool per process), else a new one."""
    same = make_url(normalise_url(url)) == make_url(normalise_url(get_settings().database_url))
    return get_engine() if same else make_engine(url)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A unit of work for CLI commands and background jobs: commit on success, roll back on error."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def get_session(request: Request) -> Iterator[Session]:
    """FastAPI dependency: one session per request, committed when the handler returns normally.

    On the engine of the app's own settings (tarjotin.asgi keeps it on app.state), so an app created with
    other settings than the environment's never reads the environment's database.
    """
    with session_scope(getattr(request.app.state, "engine", None)) as session:
        yield session
