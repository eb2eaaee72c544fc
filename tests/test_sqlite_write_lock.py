"""A unit of work that reads, then writes while another connection commits, must not fail on SQLite.

In WAL mode a deferred transaction that has read cannot upgrade its snapshot to write after another
connection committed: SQLite answers "database is locked" at once, without waiting (the 503 a staff page
gave when the previous request's notices were marked sent while it was being read). Request sessions that
may write therefore begin with the write lock (app.db.begin_for_write, web.deps.get_request_session).
"""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session
from starlette.requests import Request

from app.db import begin_for_write, make_engine
from web.deps import _may_write


def _table(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE note (id INTEGER PRIMARY KEY, who TEXT)")
        connection.exec_driver_sql("INSERT INTO note (who) VALUES ('seed')")
    engine.dispose()


def _race(url: str, *, ready_to_write: bool) -> tuple[list[BaseException], list[str]]:
    """The page reads, a job writes and commits meanwhile, then the page writes (its access-log line)."""
    page_engine, job_engine = make_engine(url), make_engine(url)
    errors: list[BaseException] = []
    job_done = threading.Event()

    def job() -> None:
        try:
            with Session(job_engine) as session:
                session.execute(text("INSERT INTO note (who) VALUES ('job')"))
                session.commit()
        except BaseException as error:
            errors.append(error)
        finally:
            job_done.set()

    with Session(page_engine) as page:
        if ready_to_write:
            begin_for_write(page)
        page.execute(text("SELECT count(*) FROM note")).scalar_one()
        worker = threading.Thread(target=job)
        worker.start()
        # Without the write lock the job commits now; with it, the job waits for the page.
        job_done.wait(timeout=1.0)
        try:
            page.execute(text("INSERT INTO note (who) VALUES ('page')"))
            page.commit()
        except BaseException as error:
            errors.append(error)
            page.rollback()
        worker.join(timeout=30)
    with Session(page_engine) as session:
        rows = [row[0] for row in session.execute(text("SELECT who FROM note ORDER BY id"))]
    page_engine.dispose()
    job_engine.dispose()
    return errors, rows


def test_a_deferred_reader_that_writes_after_a_commit_fails(tmp_path: Path) -> None:
    # The failure the fix is for: it must still be there, or the test below proves nothing.
    url = f"sqlite:///{tmp_path / 'race.sqlite3'}"
    _table(url)
    errors, rows = _race(url, ready_to_write=False)
    assert len(errors) == 1 and "locked" in str(errors[0])
    assert rows == ["seed", "job"]


def test_a_session_begun_for_writing_waits_its_turn_and_both_writes_land(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'race.sqlite3'}"
    _table(url)
    errors, rows = _race(url, ready_to_write=True)
    assert errors == []
    assert rows == ["seed", "page", "job"]


def _request(method: str, path: str, headers: dict[str, str] | None = None) -> Request:
    raw = [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()]
    return Request({"type": "http", "method": method, "path": path, "headers": raw, "query_string": b""})


def test_which_requests_begin_ready_to_write() -> None:
    assert not _may_write(_request("GET", "/fi/search"))
    assert not _may_write(_request("GET", "/fi/services/abc"))
    assert _may_write(_request("POST", "/fi/services/abc/contact-request"))
    assert _may_write(_request("GET", "/fi/r/token123"))
    assert _may_write(_request("GET", "/staff/referrals", {"cookie": "tarjotin_session=x"}))
    assert _may_write(_request("GET", "/api/v1/referrals", {"authorization": "Bearer t"}))
