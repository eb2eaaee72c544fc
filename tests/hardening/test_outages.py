"""Outages under a running `tarjotin serve`, on SQLite and PostgreSQL.

- The search index unreadable (corrupt, or permission denied), also when the server starts: searches
  answer from the database with the same totals, /readyz stays 200 and says the engine is down, the
  log gets one warning per outage (not one per request), and the index answers again once repaired.
- The database unreachable: pages answer 503 with a readable page in the visitor's language and the
  API a 503 in JSON, never 500; /healthz stays 200; everything answers again once it is back.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.hardening.catalogue import Catalogue, wait_for
from tests.hardening.databases import Databases
from tests.hardening.proxy import relay
from tests.hardening.server import UNPRIVILEGED, served

pytestmark = pytest.mark.slow  # real processes: about half a minute per engine

# Filters only: the database answers them exactly as the index does, totals and facet counts.
FILTERED = (
    {"theme": "liikunta"},
    {"municipality": "398", "free": "true"},
    {"language": "en"},
    {"weekday": "MO", "accessibility": "wheelchair"},
)

UNAVAILABLE = {
    "fi": "Palvelu ei ole juuri nyt käytettävissä. Yritä hetken kuluttua uudelleen.",
    "sv": "Tjänsten är tillfälligt otillgänglig. Försök igen om en stund.",
    "en": "The service is temporarily unavailable. Please try again in a moment.",
}
SIMPLIFIED = "Haku toimii juuri nyt yksinkertaistettuna"


Answers = list[tuple[int, dict[str, dict[str, int]]]]


def _totals(client: httpx.Client, *, degraded: bool) -> Answers:
    """Each filtered search's total and facet counts."""
    answers: Answers = []
    for params in FILTERED:
        response = client.get("/api/v1/search", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["degraded"] is degraded, (params, body["degraded"])
        facets = {name: {v["value"]: v["count"] for v in values} for name, values in body["facets"].items()}
        answers.append((body["total"], {name: counts for name, counts in facets.items() if counts}))
    return answers


def _assert_degraded(client: httpx.Client, healthy: Answers) -> None:
    for _ in range(2):  # several searches during the outage, one warning in the log
        assert _totals(client, degraded=True) == healthy
    page = client.get("/fi/search", params={"q": "uinti"})
    assert page.status_code == 200 and SIMPLIFIED in page.text
    words = client.get("/api/v1/search", params={"q": "kuntosali"})
    assert words.status_code == 200 and words.json()["degraded"] is True and words.json()["total"] > 0
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] | {"search_pending_changes": 0} == {
        "database": "ok",
        "search": "unavailable",
        "search_pending_changes": 0,
    }


def _recovered(client: httpx.Client, healthy: Answers) -> None:
    wait_for(
        lambda: client.get("/readyz").json()["checks"]["search"] == "ok", "the index to answer", every=0.1
    )
    assert _totals(client, degraded=False) == healthy


def test_an_unreadable_index_answers_from_the_database_and_recovers(
    loaded: Catalogue, fault_databases: Databases, tmp_path: Path
) -> None:
    catalogue = loaded.copy(fault_databases, tmp_path / "data")
    index = catalogue.index_dir
    meta = index / catalogue.current_generation() / "meta.json"
    good = meta.read_bytes()
    meta.write_bytes(b'{"segments": [')  # corrupt before the server starts
    log = tmp_path / "server.log"
    # Without root's override, so that a chmod holds for the server as for any service user.
    with (
        served(catalogue.env(), log, wrapper=UNPRIVILEGED) as server,
        httpx.Client(base_url=server.url) as client,
    ):
        from_database = _totals(client, degraded=True)
        meta.write_bytes(good)  # repaired: the index answers, and the same
        _recovered(client, from_database)
        healthy = _totals(client, degraded=False)
        assert all(total for total, _facets in healthy)
        for fault, repair in (
            (lambda: meta.write_bytes(b"\0" * 64), lambda: meta.write_bytes(good)),
            (lambda: os.chmod(index, 0), lambda: os.chmod(index, 0o755)),
        ):
            fault()
            _assert_degraded(client, healthy)
            repair()
            _recovered(client, healthy)
    lines = log.read_text(errors="replace").splitlines()
    outages = [line for line in lines if "search engine tantivy unavailable" in line]
    assert len(outages) == 3, "\n".join(lines)  # at start-up, corrupt, permission denied
    assert sum("search engine tantivy answers again" in line for line in lines) == 3
    assert not [line for line in lines if " ERROR " in line or "CRITICAL" in line]
    assert sum(line.startswith("Traceback") for line in lines) <= len(outages)  # one per outage at most


def _assert_unavailable(client: httpx.Client, service_id: str) -> None:
    pages = {
        "fi": "/fi/search?q=uinti&municipality=398",
        "sv": f"/sv/services/{service_id}",
        "en": f"/en/services/{service_id}/print",
    }
    for lang, path in pages.items():
        response = client.get(path)
        assert response.status_code == 503, (path, response.status_code)
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["retry-after"] == "30"
        assert UNAVAILABLE[lang] in response.text and 'role="alert"' in response.text, path
    for path in ("/api/v1/services", f"/api/v1/services/{service_id}"):
        response = client.get(path)
        assert response.status_code == 503, (path, response.status_code)
        assert response.json()["error"] == "unavailable"
    # The search API may still answer from the index, or not: never a 500.
    assert client.get("/api/v1/search?q=uinti").status_code in (200, 503)
    assert client.get("/readyz").status_code == 503
    assert client.get("/healthz").status_code == 200


def _assert_answers(client: httpx.Client, service_id: str) -> None:
    for path in (f"/sv/services/{service_id}", "/fi/search?q=uinti&municipality=398", "/api/v1/services"):
        assert client.get(path).status_code == 200, path
    assert client.get("/readyz").status_code == 200


def test_an_unreachable_database_is_a_readable_503_and_service_resumes(
    loaded: Catalogue, fault_databases: Databases, tmp_path: Path
) -> None:
    catalogue = loaded.copy(fault_databases, tmp_path / "data")
    service_id = str(catalogue.scalar(text("SELECT id FROM service ORDER BY name_fi LIMIT 1")))
    log = tmp_path / "server.log"
    if fault_databases.kind == "postgresql":
        url = make_url(catalogue.url)
        with relay(url.host or "127.0.0.1", url.port or 5432) as database:
            env = catalogue.env(
                DATABASE_URL=url.set(port=database.port).render_as_string(hide_password=False)
            )
            with served(env, log) as server, httpx.Client(base_url=server.url) as client:
                _assert_answers(client, service_id)
                database.cut()  # the database host goes away under open connections
                _assert_unavailable(client, service_id)
                database.restore()
                wait_for(lambda: client.get("/readyz").status_code == 200, "the database back", every=0.2)
                _assert_answers(client, service_id)
    else:
        # A volume not mounted yet: the database path is an empty directory when the server starts.
        path = tmp_path / "mnt" / "tarjotin.sqlite3"
        path.mkdir(parents=True)
        env = catalogue.env(DATABASE_URL=f"sqlite:///{path}")
        with served(env, log) as server, httpx.Client(base_url=server.url) as client:
            _assert_unavailable(client, service_id)
            shutil.rmtree(path)  # mounted: the database is there
            source = str(make_url(catalogue.url).database)
            with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(path)) as dst:
                src.backup(dst)
            _assert_answers(client, service_id)
    text_log = log.read_text(errors="replace")
    assert "database unavailable (OperationalError)" in text_log
    assert " 500 " not in text_log and "unhandled" not in text_log
