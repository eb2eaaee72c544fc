"""Shared fixtures: a migrated database per engine, one rolled-back transaction per test.

Database tests run on every engine listed in TEST_DATABASES (default "sqlite,postgresql").
PostgreSQL comes from TEST_POSTGRES_URL (an admin URL; default the local server on 127.0.0.1:5432);
each run creates and drops its own throw-away database.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import hypothesis
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from app.catalogue.codes import load_code_tables
from app.db import get_session, make_engine, normalise_url
from app.settings import Settings
from tests.servers import require

# Property tests check behaviour, not speed: on a busy 2-core CI machine Hypothesis's timing checks
# (slow input generation, per-example deadline) fail runs whose every example passed.
hypothesis.settings.register_profile(
    "shared-machine",
    deadline=None,
    suppress_health_check=[hypothesis.HealthCheck.too_slow, hypothesis.HealthCheck.filter_too_much],
)
hypothesis.settings.load_profile("shared-machine")

DEFAULT_PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _engines() -> list[str]:
    return [
        name.strip()
        for name in os.environ.get("TEST_DATABASES", "sqlite,postgresql").split(",")
        if name.strip()
    ]


def run_migrations(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    from tarjotin.cli import alembic_config

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _postgres_engine(worker: str) -> Iterator[Engine]:
    admin_url = normalise_url(os.environ.get("TEST_POSTGRES_URL", DEFAULT_PG_ADMIN_URL))
    try:
        admin = make_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=None)
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        require(
            False,
            "PostgreSQL",
            f"cannot connect to {make_url(admin_url).render_as_string(hide_password=True)} ({type(exc).__name__}); set TEST_POSTGRES_URL or run .ci/run",
        )
        raise  # unreachable: require() skips or fails
    name = f"tarjotin_test_{worker}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name)
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=_engines())
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A freshly migrated database with the code tables loaded."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    if request.param == "sqlite":
        path = Path(tmp_path_factory.mktemp("db")) / "test.sqlite3"
        engine = make_engine(f"sqlite:///{path}")
        generator: Iterator[Engine] | None = None
    elif request.param == "postgresql":
        generator = _postgres_engine(worker)
        engine = next(generator)
    else:
        raise pytest.UsageError(f"unknown engine {request.param!r} in TEST_DATABASES")
    run_migrations(engine)
    with Session(engine) as session:
        load_code_tables(session)
        session.commit()
    yield engine
    engine.dispose()
    if generator is not None:
        with contextlib.suppress(StopIteration):
            next(generator)


@pytest.fixture(autouse=True)
def _fresh_municipality_names() -> None:
    """Each test builds its own catalogue in the same database: the names a search reads as places
    (kept for minutes by a running server, search.intent) are read again for each test."""
    from search.intent import forget_municipality_names

    forget_municipality_names()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test.

    Code under test may commit: with create_savepoint it only releases a savepoint.
    """
    connection = engine.connect()
    transaction = connection.begin()
    db_session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield db_session
    finally:
        db_session.close()
        transaction.rollback()
        connection.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def app(session: Session, settings: Settings):  # type: ignore[no-untyped-def]
    from tarjotin.asgi import create_app

    application = create_app(settings)

    def _session() -> Iterator[Session]:
        yield session
        session.commit()

    application.dependency_overrides[get_session] = _session
    return application


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
