"""Fixtures for the HSDS API: the reference schemas from ../shared, and the demo catalogue loaded once
per module (the same path as `make run`: the committed PTV pages through the real sync)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator, FormatChecker  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.db import get_session
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "demo" / "ptv-v11"


def reference_dir() -> Path:
    """../shared/reference/hsds beside the clone (CI checks ../shared out there), or HSDS_REFERENCE_DIR."""
    configured = os.environ.get("HSDS_REFERENCE_DIR")
    candidates = (
        [Path(configured)] if configured else [p / "shared" / "reference" / "hsds" for p in ROOT.parents]
    )
    for candidate in candidates:
        if (candidate / "3.0" / "schema" / "service.json").is_file():
            return candidate
    pytest.fail(
        "The HSDS 3.0 reference schemas are missing: expected ../shared/reference/hsds/3.0/schema/ beside "
        "the clone (CI provides ../shared), or set HSDS_REFERENCE_DIR to that hsds folder.",
        pytrace=False,
    )


FORMATS = FormatChecker()


@FORMATS.checks("uri", raises=ValueError)
def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme and (parts.netloc or parts.scheme in ("urn", "mailto")) and " " not in value)


@FORMATS.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.tzinfo is not None and "T" in value


@FORMATS.checks("uuid", raises=ValueError)
def _is_uuid(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return str(uuid.UUID(value)) == value


@cache
def _registry(folder: str) -> Registry:
    resources = []
    for path in sorted(Path(folder).glob("*.json")):
        if path.name == "openapi.json":
            continue
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((path.name, Resource.from_contents(contents, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


@cache
def schema_validator(name: str, version: str = "3.0") -> Draft202012Validator:
    folder = reference_dir() / version / "schema"
    schema = json.loads((folder / name).read_text(encoding="utf-8"))
    return Draft202012Validator(schema, registry=_registry(str(folder)), format_checker=FORMATS)


def assert_valid(name: str, instance: Any, version: str = "3.0") -> None:
    errors = sorted(
        schema_validator(name, version).iter_errors(instance), key=lambda e: list(e.absolute_path)
    )
    assert not errors, f"{name}: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]
    )


def page_schema() -> dict[str, Any]:
    openapi = json.loads((reference_dir() / "3.0" / "schema" / "openapi.json").read_text(encoding="utf-8"))
    return dict(openapi["components"]["schemas"]["Page"])


def load_demo(session: Session, settings: Settings) -> None:
    from integrations.context import load_mapping_context
    from integrations.ptv.factory import make_source
    from integrations.source import SyncMode
    from integrations.sync import RunStatus, SyncEngine

    context = load_mapping_context(session, settings)
    engine = SyncEngine(session, known_municipalities=context.known_municipalities, is_demo=True)
    report = engine.run(make_source(session, settings, context, DEMO), mode=SyncMode.FULL)
    assert report.status == RunStatus.SUCCEEDED


@pytest.fixture(scope="module")
def demo_session(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    """A session holding the demo catalogue, shared by a module's tests and rolled back after them."""
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    settings = Settings(data_dir=tmp_path_factory.mktemp("demo"), _env_file=None)  # type: ignore[call-arg]
    try:
        load_demo(session, settings)
        yield session
    finally:
        session.close()
        transaction.rollback()
        connection.close()


def make_client(session: Session, settings: Settings) -> TestClient:
    from tarjotin.asgi import create_app

    application = create_app(settings)

    def _session() -> Iterator[Session]:
        yield session
        session.flush()

    application.dependency_overrides[get_session] = _session
    return TestClient(application, raise_server_exceptions=False)


@pytest.fixture(scope="module")
def demo_client(demo_session: Session, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("app"), hsds_rate_limit=0, _env_file=None)  # type: ignore[call-arg]
    with make_client(demo_session, settings) as client:
        yield client
