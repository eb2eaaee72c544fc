"""Logs hold no personal data: searches, places and client addresses stay out; tracebacks hold no values."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from app.log_config import NoValuesFormatter
from app.settings import Settings
from search.outage import OutageLog
from tests.hardening.server import environment, served, tarjotin

# What residents typed or where they were: none of it may appear in a log.
SECRETS = (
    "masennus",
    "vertaistuki",
    "päihdeongelma",
    "p%C3%A4ihdeongelma",
    "paihdeongelma",
    "Aleksanterinkatu",
    "aleksanterinkatu",
    "60.98342",
    "25.66123",
    "203.0.113.9",
    "itsetuhoisuus",
)


def test_searches_and_places_leave_no_trace_in_the_server_log(tmp_path: Path) -> None:
    env = environment(tmp_path / "data")
    upgraded = tarjotin("db", "upgrade", env=env)
    assert upgraded.returncode == 0, upgraded.stderr[-2000:]
    log = tmp_path / "server.log"
    with served(env, log) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        answers = [
            client.get(
                "/fi/search?q=masennus+vertaistuki&lat=60.983421&lon=25.661234&where=Aleksanterinkatu+18+Lahti"
            ),
            client.get("/fi/search?q=masennus&where=Aleksanterinkatu+18%2C+15110+Lahti"),
            client.get("/fi/search?q=vertaistuki&lat=60.98342&lon=25.66123&radius=5"),
            client.get("/sv/search/print?q=p%C3%A4ihdeongelma&where=Aleksanterinkatu+18"),
            client.get("/api/v1/search?q=p%C3%A4ihdeongelma&near=60.983421,25.661234&radius_km=2"),
            client.get("/api/v1/search?q=masennus", headers={"X-Forwarded-For": "203.0.113.9"}),
            client.get("/fi/search?q=itsetuhoisuus&page=%C2%B2"),  # refused: 422
            client.get("/api/v1/search?q=itsetuhoisuus&near=nan,nan"),  # refused: 422
        ]
    assert [a.status_code < 500 for a in answers] == [True] * len(answers)
    text = log.read_text(errors="replace")
    assert "GET /fi/search " in text and "GET /api/v1/search " in text  # the access log is there
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} in the log:\n{text}"
    for line in text.splitlines():
        if "Uvicorn running on" not in line:
            assert "127.0.0.1" not in line, line  # the client's address


def test_client_addresses_only_when_the_operator_asks(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from tarjotin.asgi import create_app

    for setting, expected in ((False, "GET /healthz 200"), (True, "testclient GET /healthz 200")):
        caplog.clear()
        app = create_app(Settings(data_dir=tmp_path, log_client_ip=setting, _env_file=None))  # type: ignore[call-arg]
        with caplog.at_level(logging.INFO, logger="tarjotin.access"), TestClient(app) as client:
            client.get("/healthz?q=masennus")
        lines = [r.getMessage() for r in caplog.records if r.name == "tarjotin.access"]
        assert len(lines) == 1 and lines[0].startswith(expected), lines
        assert "masennus" not in lines[0]


def test_tracebacks_keep_frames_and_types_but_not_messages() -> None:
    import sys

    formatter = NoValuesFormatter("%(levelname)s %(message)s")
    typed = {"page": "²", "where": "Aleksanterinkatu 18"}  # input, as a request would carry it
    try:
        try:
            int(typed["page"])
        except ValueError as exc:
            raise RuntimeError(f"lookup of {typed['where']} failed") from exc
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "unhandled RuntimeError", None, None)
        record.exc_info = sys.exc_info()
    text = formatter.format(record)
    assert "ValueError" in text and "RuntimeError" in text and "test_logs.py" in text
    assert "invalid literal" not in text and "²" not in text
    assert "Aleksanterinkatu" not in text


def test_an_index_outage_is_one_warning_a_minute(caplog: pytest.LogCaptureFixture) -> None:
    from app.errors import Unavailable

    now = [0.0]
    outages = OutageLog(clock=lambda: now[0])

    def broken() -> Unavailable:
        try:
            raise Unavailable("down") from PermissionError("Failed to acquire Lockfile")
        except Unavailable as exc:
            return exc

    with caplog.at_level(logging.DEBUG, logger="search"):
        for second in range(0, 59):
            now[0] = float(second)
            outages.failed("tantivy", broken())
        assert len(caplog.records) == 1
        assert caplog.records[0].levelno == logging.WARNING and caplog.records[0].exc_info
        now[0] = 60.0
        outages.failed("tantivy", broken())
        assert len(caplog.records) == 2 and not caplog.records[1].exc_info
        assert "59 searches" in caplog.records[1].getMessage()
        outages.answered("tantivy")
        outages.answered("tantivy")
        assert len(caplog.records) == 3 and "answers again" in caplog.records[2].getMessage()
        assert not any(r.levelno >= logging.ERROR for r in caplog.records)
