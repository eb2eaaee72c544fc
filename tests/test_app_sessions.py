"""Requests read the database of the app's own settings, not the environment's."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.catalogue.codes import load_code_tables
from app.db import make_engine
from app.settings import Settings
from tarjotin.asgi import create_app
from tests.conftest import run_migrations
from tests.factories import make_service


def test_an_app_reads_the_database_its_settings_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The environment names another database: it must not be the one read.
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.sqlite3'}")
    settings = Settings(data_dir=tmp_path / "own", _env_file=None)  # type: ignore[call-arg]
    settings = settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'own.sqlite3'}"})
    engine = make_engine(settings.database_url)
    run_migrations(engine)
    with Session(engine) as session:
        load_code_tables(session)
        make_service(session, name_fi="Oma palvelu")
        session.commit()
    engine.dispose()

    app = create_app(settings)
    with TestClient(app) as client:
        body = client.get("/api/v1/services").json()
        assert body["total"] == 1 and body["items"][0]["name"]["fi"] == "Oma palvelu"
        assert client.get("/readyz").json()["checks"]["database"] == "ok"
    assert not (tmp_path / "elsewhere.sqlite3").exists()
    app.state.engine.dispose()
