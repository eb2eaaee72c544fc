"""`tarjotin demo staff|users|token` and `tarjotin api-client create|list|revoke` on a database of their own."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from app.catalogue.codes import load_code_tables
from app.db import get_engine, make_engine
from app.settings import get_settings
from tests.conftest import run_migrations


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    engine = make_engine(f"sqlite:///{tmp_path / 'tarjotin.sqlite3'}")
    run_migrations(engine)
    with Session(engine) as session:
        load_code_tables(session)
        session.commit()
    engine.dispose()
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("ENVIRONMENT", "development")
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield CliRunner()
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_demo_staff_users_and_token(cli_env: CliRunner) -> None:
    from app.accounts.tokens import parse_person_token
    from tarjotin.cli import cli

    assert cli_env.invoke(cli, ["demo", "staff"]).exit_code == 0
    assert cli_env.invoke(cli, ["demo", "staff"]).exit_code == 0  # idempotent
    listed = cli_env.invoke(cli, ["demo", "users", "--json"])
    rows = json.loads(listed.stdout)
    assert len(rows) == 12
    assert {row["role"] for row in rows} >= {
        "referrer",
        "coordinator",
        "exercise_counsellor",
        "provider_contact",
        "provider_admin",
        "municipal_analyst",
        "county_analyst",
        "moderator",
        "admin",
    }
    nurse = next(row for row in rows if row["email"] == "hoitaja@demo.example")
    assert nurse["unit"] == "Lahden terveysasema, hoitotyö"
    assert nurse["organisation_id"] and nurse["organisation_name"].startswith("Päijät-Hämeen hyvinvointialue")
    token = cli_env.invoke(cli, ["demo", "token", "hoitaja@demo.example"]).stdout.strip()
    secret = get_settings().secret_key.get_secret_value()
    assert parse_person_token(token, secret, max_age_seconds=3600) is not None
    assert cli_env.invoke(cli, ["demo", "token", "nobody@demo.example"]).exit_code == 1


def test_api_client_create_list_revoke(cli_env: CliRunner) -> None:
    from tarjotin.cli import cli

    cli_env.invoke(cli, ["demo", "staff"])
    organisation_id = json.loads(cli_env.invoke(cli, ["demo", "users", "--json"]).stdout)[0][
        "organisation_id"
    ]
    created = cli_env.invoke(
        cli,
        ["api-client", "create", "--organisation", organisation_id, "--role", "referrer", "--name", "PTJ"],
    )
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("tjc_")
    client_id = created.output.split("API client ")[1].split()[0]
    assert cli_env.invoke(cli, ["api-client", "list"]).exit_code == 0
    assert cli_env.invoke(cli, ["api-client", "revoke", client_id]).exit_code == 0
    from app.accounts.models import ApiClient

    with Session(get_engine()) as session:
        client = session.get(ApiClient, uuid.UUID(client_id))
        assert client is not None and client.revoked_at is not None and len(client.secret_hash) == 64
    bad_role = cli_env.invoke(
        cli, ["api-client", "create", "--organisation", organisation_id, "--role", "wizard", "--name", "x"]
    )
    assert bad_role.exit_code == 2
