"""The HSDS API when the database is lost after the status line was sent: in the middle of an ndjson stream,
or between the response and the session's end. Neither can become an HTTP answer any more: the log gets one
warning line (no traceback, nothing of a record) and the server carries on."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from app.catalogue.codes import load_code_tables
from app.db import make_engine
from app.opendata import queries
from app.settings import Settings
from tarjotin.asgi import create_app
from tests.conftest import run_migrations
from tests.factories import make_service
from web.hsds import routes

NAMES = ("Kuntosali", "Vesijumppa", "Tuolijooga")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, bool]]]:
    """A running app on its own SQLite file with three services, and a switch that loses its database."""
    url = f"sqlite:///{tmp_path / 'hsds.sqlite3'}"
    settings = Settings(data_dir=tmp_path / "data", hsds_rate_limit=0, _env_file=None)  # type: ignore[call-arg]
    settings = settings.model_copy(update={"database_url": url})
    engine = make_engine(url)
    run_migrations(engine)
    with Session(engine) as session:
        load_code_tables(session)
        for name in NAMES:
            make_service(session, name_fi=name)
        session.commit()
    engine.dispose()
    lost = {"now": False}
    app = create_app(settings)
    with TestClient(app) as client:  # an unhandled exception in the app is raised here
        served_engine: Engine = app.state.engine

        def fail(*_args: object) -> None:
            if lost["now"]:
                raise OperationalError("", {}, sqlite3.OperationalError("disk I/O error"))

        event.listen(served_engine, "before_cursor_execute", fail)
        event.listen(served_engine, "commit", fail)
        yield client, lost
    served_engine.dispose()


def _hsds_log(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_database_lost_mid_stream_ends_it_with_one_warning(
    served: tuple[TestClient, dict[str, bool]],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client, lost = served
    whole = client.get("/hsds/services", params={"format": "ndjson"})
    assert whole.status_code == 200 and len(whole.text.splitlines()) == len(NAMES)
    every_batch = queries.iter_service_ids

    def losing(*args: Any, **kwargs: Any) -> Iterator[list[uuid.UUID]]:
        for index, ids in enumerate(every_batch(*args, **kwargs)):
            yield ids
            if index == 0:
                lost["now"] = True  # after the first batch is read: the next read fails

    monkeypatch.setattr(queries, "iter_service_ids", losing)
    monkeypatch.setattr(routes, "BATCH", 1)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        cut = client.get("/hsds/services", params={"format": "ndjson"})
    assert cut.status_code == 200
    *records, last = [orjson.loads(line) for line in cut.text.splitlines()]
    assert len(records) == 1 and records[0]["name"] in NAMES  # the batch read before the loss
    # The last line says the list is not whole (in the asked language), and the log says it too.
    assert last == {"error": "stream_interrupted", "message": last["message"]}
    assert last["message"].startswith("Luettelo katkesi kesken")  # Finnish unless asked otherwise
    warnings = _hsds_log(caplog)
    assert [(r.name, r.levelno) for r in warnings] == [("web.hsds.routes", logging.WARNING)], warnings
    assert warnings[0].exc_info is None and "ended early" in warnings[0].getMessage()
    assert not any(name in warnings[0].getMessage() for name in NAMES)
    monkeypatch.undo()
    lost["now"] = False  # back: the next request answers in full
    assert len(client.get("/hsds/services", params={"format": "ndjson"}).text.splitlines()) == len(NAMES)


def test_a_database_lost_after_the_response_is_one_warning(
    served: tuple[TestClient, dict[str, bool]],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client, lost = served

    def lose_after_sending(*args: Any, **kwargs: Any) -> Any:
        response = page(*args, **kwargs)
        lost["now"] = True  # every read is done: the loss hits the session's commit after the response
        return response

    page = routes.Answer.json
    monkeypatch.setattr(routes.Answer, "json", lose_after_sending)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        answer = client.get("/hsds/services")
    assert answer.status_code == 200 and answer.json()["total_items"] == len(NAMES)
    warnings = _hsds_log(caplog)
    assert [(r.name, r.levelno) for r in warnings] == [("web.hsds.routes", logging.WARNING)], warnings
    assert warnings[0].exc_info is None and "after the response" in warnings[0].getMessage()
    lost["now"] = False
    monkeypatch.undo()
    assert client.get("/hsds/services", params={"page": 1}).json()["total_items"] == len(NAMES)


def test_a_single_record_commits_before_its_response(
    served: tuple[TestClient, dict[str, bool]],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Not a stream: the session ends before the response (web.deps.SessionDep), so a database lost after
    the record is read is a clean error answer, never a 200 followed by a failing commit."""
    client, lost = served
    first = client.get("/hsds/services").json()["contents"][0]["id"]

    def lose_after_reading(*args: Any, **kwargs: Any) -> Any:
        response = page(*args, **kwargs)
        lost["now"] = True
        return response

    page = routes.Answer.json
    monkeypatch.setattr(routes.Answer, "json", lose_after_reading)
    with caplog.at_level(logging.WARNING):
        answer = client.get(f"/hsds/services/{first}")
    assert answer.status_code == 503 and answer.json()["error"] == "unavailable"
    assert not [r for r in caplog.records if "after the response" in r.getMessage()]
    monkeypatch.undo()
    lost["now"] = False
    assert client.get(f"/hsds/services/{first}").status_code == 200


def _losing_after_first_batch(monkeypatch: pytest.MonkeyPatch, lost: dict[str, bool]) -> None:
    every_batch = queries.iter_service_ids

    def losing(*args: Any, **kwargs: Any) -> Iterator[list[uuid.UUID]]:
        for index, ids in enumerate(every_batch(*args, **kwargs)):
            yield ids
            if index == 0:
                lost["now"] = True

    monkeypatch.setattr(queries, "iter_service_ids", losing)
    monkeypatch.setattr(routes, "BATCH", 1)


@pytest.fixture
def over_http(served: tuple[TestClient, dict[str, bool]]) -> Iterator[str]:
    """The same app behind a real HTTP server (uvicorn, as `tarjotin serve` runs it) on a loopback port."""
    client, _lost = served
    config = uvicorn.Config(client.app, host="127.0.0.1", port=0, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=20)


def test_a_cut_stream_is_an_incomplete_transfer_over_http(
    served: tuple[TestClient, dict[str, bool]], over_http: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a client sees of a stream the database failed in: not a complete 200 but a broken transfer
    (the chunked body never ends), after the records read and the error line. A whole stream ends well."""
    _client, lost = served
    with httpx.Client(base_url=over_http, timeout=20) as http:
        whole = http.get("/hsds/services", params={"format": "ndjson"})
        assert whole.status_code == 200 and len(whole.text.splitlines()) == len(NAMES)
        _losing_after_first_batch(monkeypatch, lost)
        received = b""
        with http.stream(
            "GET",
            "/hsds/services",
            params={"format": "ndjson", "lang": "sv"},
            headers={"Accept-Encoding": "identity"},  # the bytes as sent, to read what came before the cut
        ) as cut:
            assert cut.status_code == 200
            with pytest.raises(httpx.RemoteProtocolError):
                for part in cut.iter_raw():
                    received += part
        *records, last = [orjson.loads(line) for line in received.splitlines()]
        assert len(records) == 1 and records[0]["name"] in NAMES
        assert last["error"] == "stream_interrupted" and last["message"].startswith("Listan avbröts")
        monkeypatch.undo()
        lost["now"] = False
        # The server carries on: the next stream is whole.
        assert len(http.get("/hsds/services", params={"format": "ndjson"}).text.splitlines()) == len(NAMES)
