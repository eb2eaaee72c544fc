"""Schemathesis on the whole /api/v1: generated requests, valid and invalid, against the OpenAPI description.

Zero 5xx and zero responses that break their own schema (status codes, content types and bodies),
over at least 1,000 cases, on a catalogue with real ids, schedules and times in it. Derandomized,
so a failure is reproducible; the case is printed with the failure.
"""

from __future__ import annotations

import os
from datetime import time
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err, Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.catalogue.enums import ContactKind
from search.indexer import rebuild
from tests.factories import make_location, make_organisation, make_service

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Examples per operation and mode. Generation costs more than the calls, and lists and search more
# than one record by id, so those get fewer: over 1,000 cases in all, in about a minute on 2 cores.
EXAMPLES = {GenerationMode.POSITIVE: 80, GenerationMode.NEGATIVE: 50}
EXAMPLES_BY_ID = 220
MIN_CASES = 1000


def _seed(session: Session) -> dict[str, str]:
    organisation = make_organisation(session, name_fi="Lahden Seniorit ry")
    place = make_location(
        session,
        name_fi="Kisapuisto",
        postal_code="15110",
        municipality_code="398",
        latitude=60.98,
        longitude=25.66,
    )
    service = make_service(
        session,
        organisation=organisation,
        name_fi="Senioreiden kuntosali",
        summary_fi="Kuntosaliryhmä",
        locations=(place,),
        area_municipalities=("398",),
        weekly=(("TU", time(8, 0), time(9, 30)), ("TH", time(13, 0), time(13, 45))),
        contacts=((ContactKind.PHONE, "+358 40 123 4567"),),
    )
    session.commit()
    return {"service_id": str(service.id), "organisation_id": str(organisation.id)}


def test_the_api_answers_every_generated_request_within_its_schema(
    app: FastAPI, session: Session, engine: Engine
) -> None:
    engines = os.environ.get("TEST_DATABASES", "sqlite,postgresql")
    if engine.dialect.name == "sqlite" and "postgresql" in engines:
        pytest.skip("runs once, on PostgreSQL (the production database); the page sweep covers SQLite")
    ids = _seed(session)
    if app.state.search_index is not None:
        rebuild(session, app.state.search_index)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app).include(path_regex="^/api/v1/")
    results = list(schema.get_all_operations())
    broken = [result.err() for result in results if isinstance(result, Err)]
    assert not broken, broken  # every operation's description is valid
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) >= 4
    cases = 0
    failures: list[str] = []

    for operation in operations:
        if _needs_sign_in(operation):
            print(f"{operation.label}: needs sign-in, in the staff run")
            continue
        # An operation that answers an anonymous request 401 must say so (and runs in the staff test).
        probe = operation.as_strategy(generation_mode=GenerationMode.POSITIVE).example()
        assert probe.call().status_code not in (401, 403), f"{operation.label} does not document 401"
        runs: list[tuple[GenerationMode, dict[str, str] | None]] = [
            (GenerationMode.POSITIVE, None),
            (GenerationMode.NEGATIVE, None),
        ]
        pinned = {p: ids[p] for p in ids if "{" + p + "}" in operation.path}
        if pinned:
            runs.append((GenerationMode.POSITIVE, pinned))
        for mode, path_parameters in runs:
            examples = EXAMPLES_BY_ID if "{" in operation.path else EXAMPLES[mode]
            sent = _sweep(operation, mode, path_parameters, examples, checks=CHECKS, failures=failures)
            cases += sent
            print(f"{operation.label} {mode.value}: {sent} cases")
    assert not failures, "\n\n".join(failures)
    assert cases >= MIN_CASES, cases


def _sweep(
    operation: Any,
    mode: GenerationMode,
    path_parameters: dict[str, str] | None,
    examples: int,
    *,
    checks: list[Any],
    failures: list[str],
    headers: dict[str, str] | None = None,
) -> int:
    """Send up to `examples` generated requests of one operation, repeatably; failures are appended (the
    first 20) and the number of requests sent is returned."""
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)
    sent = 0

    @given(case=strategy)
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        nonlocal sent
        sent += 1
        try:
            case.call_and_validate(checks=checks, headers=headers)
        except (AssertionError, FailureGroup) as exc:  # failures, or several at once
            if len(failures) < 20:
                failures.append(f"{case.operation.label}: {case.as_curl_command(headers)}\n{exc}")

    try:
        run()
    except Unsatisfiable:
        # No invalid request exists for an operation without parameters: nothing to send.
        assert mode is GenerationMode.NEGATIVE, operation.label
    return sent


def _needs_sign_in(operation: Any) -> bool:
    return "401" in operation.definition.raw.get("responses", {})


def _only_refusals(ctx: Any, response: Any, case: schemathesis.Case) -> bool | None:
    """Without credentials, a staff operation refuses (401, or 403), whatever else is wrong."""
    assert response.status_code in (401, 403), f"{response.status_code} without credentials"
    return None


STAFF_EXAMPLES = {GenerationMode.POSITIVE: 40, GenerationMode.NEGATIVE: 30}
MIN_STAFF_CASES = 500


@pytest.fixture
def staff_app(session: Session, tmp_path) -> FastAPI:  # type: ignore[no-untyped-def]
    """The app with a rate limit no generated run reaches (429 itself is documented and tested apart)."""
    from collections.abc import Iterator

    from app.db import get_session
    from app.settings import Settings
    from tarjotin.asgi import create_app

    application = create_app(
        Settings(data_dir=tmp_path, api_rate_limit="100000/minute", _env_file=None)  # type: ignore[call-arg]
    )

    def _session() -> Iterator[Session]:
        yield session
        session.commit()

    application.dependency_overrides[get_session] = _session
    # What opens its own session (the caller, read before a body that could not be parsed) reads the
    # test's transaction too.
    application.state.engine = session.connection()
    return application


def test_the_staff_api_refuses_strangers_and_answers_clients_within_its_schema(
    staff_app: FastAPI, session: Session, engine: Engine
) -> None:
    """The referral and follow-up API (and /me): without credentials every generated request gets
    401 or 403; with an API client's token, zero 5xx and every answer within its description."""
    from app.accounts.models import ApiClient, Role
    from app.accounts.tokens import client_token, hash_secret, new_client_secret
    from tests.referrals.world import NOW, issue, make_world

    engines = os.environ.get("TEST_DATABASES", "sqlite,postgresql")
    if engine.dialect.name == "sqlite" and "postgresql" in engines:
        pytest.skip("runs once, on PostgreSQL (the production database)")
    world = make_world(session)
    issued = issue(session, world, actor=world.client)
    secret = new_client_secret()
    analyst = ApiClient(
        name="Raportointi",
        organisation_id=world.county.id,
        role=Role.COUNTY_ANALYST,
        secret_hash=hash_secret(secret),
        expires_at=NOW.replace(year=2030),
    )
    session.add(analyst)
    session.commit()
    tokens = {
        "referrals": world.client_tokens["client"],
        "staff": world.client_tokens["client"],
        "follow-up": client_token(analyst.id, secret),
    }
    pinned = {"referral_id": str(issued.referral.id)}
    schema = schemathesis.openapi.from_asgi("/openapi.json", staff_app).include(path_regex="^/api/v1/")
    operations = [r.ok() for r in schema.get_all_operations() if isinstance(r, Ok)]
    staff = [operation for operation in operations if _needs_sign_in(operation)]
    assert {operation.path for operation in staff} >= {
        "/api/v1/me",
        "/api/v1/referrals",
        "/api/v1/referrals/{referral_id}",
        "/api/v1/referrals/{referral_id}/transitions",
        "/api/v1/followup",
        "/api/v1/followup.csv",
        "/api/v1/followup.xlsx",
    }
    cases = 0
    failures: list[str] = []
    for operation in staff:
        token = tokens[operation.definition.raw["tags"][0]]
        path_parameters = {p: pinned[p] for p in pinned if "{" + p + "}" in operation.path} or None
        for signed_in in (False, True):
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                sent = _sweep(
                    operation,
                    mode,
                    path_parameters,
                    STAFF_EXAMPLES[mode],
                    checks=CHECKS if signed_in else [*CHECKS, _only_refusals],
                    headers={"Authorization": f"Bearer {token}"} if signed_in else None,
                    failures=failures,
                )
                cases += sent
                print(f"{operation.label} signed_in={signed_in} {mode.value}: {sent} cases")
    assert not failures, "\n\n".join(failures)
    assert cases >= MIN_STAFF_CASES, cases


def test_dates_in_the_staff_api_found_by_schemathesis(staff_app: FastAPI, session: Session) -> None:
    """A day filter compared a naive time with stored UTC times (500 on every use), and a date in
    year 1 overflowed the follow-up period's arithmetic (500): days are Finnish days, dates bounded."""
    from fastapi.testclient import TestClient

    from tests.referrals.world import issue, make_world

    world = make_world(session)
    issue(session, world, actor=world.client)  # created 2026-12-07 12:00 in Finland
    session.commit()
    headers = {"Authorization": f"Bearer {world.client_tokens['client']}"}
    with TestClient(staff_app, raise_server_exceptions=False) as client:

        def listed(**params: str) -> int:
            response = client.get("/api/v1/referrals", params=params, headers=headers)
            assert response.status_code == 200, response.text
            return int(response.json()["total"])

        assert listed(created_from="2026-12-07", created_to="2026-12-07") == 1
        assert listed(created_from="2026-12-08") == 0 and listed(created_to="2026-12-06") == 0
        for path in ("/api/v1/referrals?created_to=0001-01-01", "/api/v1/followup?to=0001-01-01"):
            response = client.get(path, headers=headers)
            assert response.status_code == 422 and response.json()["error"] == "invalid_request", path
