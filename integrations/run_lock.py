"""One sync at a time, across processes and hosts, and runs whose process died marked as abandoned.

PostgreSQL: a session-level advisory lock on a connection held for the run (every host shares the
database, so the lock spans hosts). SQLite: an exclusive lock on a file beside the database (one host
by nature). The kernel or the server drops either lock when its process dies, even by SIGKILL, so a
killed sync never blocks the next one; the next one then marks the dead run's row as abandoned.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from app.catalogue.models import SyncRun
from integrations.errors import IntegrationError

# pg_advisory_lock key: an arbitrary constant, the same in every process of the catalogue ("tarjotin").
ADVISORY_KEY = 0x7461726A6F74
ABANDONED = "abandoned"


class SyncAlreadyRunning(IntegrationError):
    """Another sync holds the lock; the message names it in one line."""


def running_sync(session: Session) -> str:
    """The running sync in words, from its sync_run row ("ptv full, run 12, started 15:10:03 UTC")."""
    run = (
        session.execute(
            select(SyncRun).where(col(SyncRun.status) == "running").order_by(col(SyncRun.started_at).desc())
        )
        .scalars()
        .first()
    )
    if run is None:
        return "another sync is running (it has just started)"
    started = run.started_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"another sync is running: {run.source} {run.mode}, run {run.id}, started {started}"


@contextlib.contextmanager
def sync_lock(engine: Engine, session: Session) -> Iterator[None]:
    """Hold the one sync lock for the block; SyncAlreadyRunning at once if another process has it."""
    if engine.dialect.name == "postgresql":
        connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = connection.exec_driver_sql(f"SELECT pg_try_advisory_lock({ADVISORY_KEY})").scalar()
            if not got:
                raise SyncAlreadyRunning(running_sync(session))
            try:
                yield
            finally:
                connection.exec_driver_sql(f"SELECT pg_advisory_unlock({ADVISORY_KEY})")
        finally:
            connection.close()
        return
    database = engine.url.database
    path = Path(f"{database}.sync-lock") if database and database != ":memory:" else None
    if path is None:
        yield
        return
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SyncAlreadyRunning(running_sync(session)) from None
        os.ftruncate(descriptor, 0)
        os.write(descriptor, f"{os.getpid()}@{socket.gethostname()}\n".encode())
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


def mark_abandoned(session: Session, now: datetime) -> list[int]:
    """Runs still 'running' whose process is gone (call only while holding the lock): abandoned."""
    ids = [
        i
        for i in session.execute(select(col(SyncRun.id)).where(col(SyncRun.status) == "running")).scalars()
        if i
    ]
    if ids:
        session.execute(
            update(SyncRun)
            .where(col(SyncRun.id).in_(ids))
            .values(
                status=ABANDONED,
                finished_at=now,
                message="abandoned: its process ended without finishing (killed or crashed)",
            )
        )
        session.commit()
    return ids
