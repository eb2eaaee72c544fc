"""Lähellä.fi through the real client and engine: recorded pages, a local server, credentials, faults."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from app.catalogue.enums import ServiceStatus, Source
from app.catalogue.models import Location, Organisation, Schedule, Service, ServiceAtLocation, SyncError
from app.settings import Settings
from integrations.context import MappingContext
from integrations.errors import IntegrationError
from integrations.lahella.client import LahellaAuth, LahellaSource, make_lahella_source, recorded_groups
from integrations.source import SyncMode
from integrations.sync import RunStatus, SyncEngine
from tests.integrations.conftest import FAST

FIXTURES = Path(__file__).parent / "fixtures" / "lahella"


def _settings(**values: Any) -> Settings:
    return Settings(
        lahella_organisation_name="Lahden Seniorit ry",
        lahella_business_id="0201256-6",
        _env_file=None,  # type: ignore[call-arg]
        **values,
    )


@pytest.fixture
def replay(context: MappingContext) -> Callable[[Path], LahellaSource]:
    def build(directory: Path) -> LahellaSource:
        return make_lahella_source(_settings(), context, from_dir=directory, policy=FAST)

    return build


def _services(session: Session) -> dict[str, Service]:
    session.expire_all()  # the store writes with bulk statements: read the rows afresh
    rows = session.exec(select(Service).where(Service.source == Source.LAHELLA)).all()
    return {row.external_id: row for row in rows}


def test_replay_imports_published_activities_in_the_area(
    session: Session, sync_engine: SyncEngine, replay
) -> None:
    report = sync_engine.run(replay(FIXTURES), mode=SyncMode.FULL)
    assert (report.status, report.failed, report.pages) == (RunStatus.SUCCEEDED, 0, 2)
    services = _services(session)
    # a-1004 is a draft and a-1006 meets in Tampere: neither is listed.
    assert sorted(services) == ["a-1001", "a-1002", "a-1003", "a-1005"]
    chair = services["a-1001"]
    assert chair.name_fi == "Tuolijumppa ikäihmisille" and chair.min_age == 65
    organisation = session.get(Organisation, chair.organisation_id)
    assert organisation is not None
    assert (organisation.name_fi, organisation.business_id) == ("Lahden Seniorit ry", "0201256-6")
    [link] = session.exec(select(ServiceAtLocation).where(ServiceAtLocation.service_id == chair.id)).all()
    location = session.get(Location, link.location_id)
    assert location is not None and location.municipality_code == "398" and location.latitude == 60.9827
    [session_row] = session.exec(select(Schedule).where(Schedule.service_at_location_id == link.id)).all()
    # One row for twenty Tuesdays: the recurrence is stored, not expanded.
    assert session_row.rrule == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20260526T205959Z"
    assert session_row.exdates == ["2026-02-24"]


def test_second_identical_run_changes_nothing(session: Session, sync_engine: SyncEngine, replay) -> None:
    first = sync_engine.run(replay(FIXTURES), mode=SyncMode.FULL)
    second = sync_engine.run(replay(FIXTURES), mode=SyncMode.FULL)
    assert first.created > 0
    assert (second.status, second.created, second.updated, second.retired) == (RunStatus.SUCCEEDED, 0, 0, 0)
    assert second.unchanged == first.created


def test_a_withdrawn_activity_is_retired_and_comes_back(
    session: Session, sync_engine: SyncEngine, replay, tmp_path: Path
) -> None:
    sync_engine.run(replay(FIXTURES), mode=SyncMode.FULL)
    directory = tmp_path / "withdrawn"
    shutil.copytree(FIXTURES, directory)
    page = json.loads((directory / "activities_4711_skip3.json").read_text(encoding="utf-8"))
    page["items"] = [item for item in page["items"] if item["_key"] != "a-1005"]
    (directory / "activities_4711_skip3.json").write_text(json.dumps(page), encoding="utf-8")
    report = sync_engine.run(replay(directory), mode=SyncMode.FULL, force=True)
    assert report.retired == 1
    assert _services(session)["a-1005"].status == ServiceStatus.RETIRED
    again = sync_engine.run(replay(FIXTURES), mode=SyncMode.FULL)
    assert again.updated == 2  # the service and its place
    assert _services(session)["a-1005"].status == ServiceStatus.ACTIVE


def test_missing_page_and_bad_record_keep_what_was_stored(
    session: Session, sync_engine: SyncEngine, replay, tmp_path: Path
) -> None:
    sync_engine.run(replay(FIXTURES), mode=SyncMode.FULL)
    before = {key: row.content_hash for key, row in _services(session).items()}
    directory = tmp_path / "broken"
    directory.mkdir()
    page = json.loads((FIXTURES / "activities_4711_skip0.json").read_text(encoding="utf-8"))
    page["items"][1]["traits"]["channels"][0]["events"][0]["recurrence"]["period"] = "P9Y"
    (directory / "activities_4711_skip0.json").write_text(json.dumps(page), encoding="utf-8")
    # activities_4711_skip3.json is missing: the crawl is incomplete and retires nothing.
    report = sync_engine.run(replay(directory), mode=SyncMode.FULL)
    assert report.status == RunStatus.INCOMPLETE and report.retired == 0 and report.failed == 2
    after = _services(session)
    assert {key: row.content_hash for key, row in after.items()} == before
    assert all(row.status == ServiceStatus.ACTIVE for row in after.values())
    errors = session.exec(select(SyncError).where(SyncError.run_id == report.run_id)).all()
    assert {error.external_id for error in errors} == {"a-1002", None}


def test_recordings_name_their_group(tmp_path: Path, context: MappingContext) -> None:
    assert recorded_groups(FIXTURES) == ["4711"]
    with pytest.raises(IntegrationError, match="no activities"):
        make_lahella_source(_settings(), context, from_dir=tmp_path)
    for group in ("a", "b"):
        (tmp_path / f"activities_{group}_skip0.json").write_text('{"items": [], "hasMore": false}')
    with pytest.raises(IntegrationError, match="LAHELLA_GROUP"):
        make_lahella_source(_settings(), context, from_dir=tmp_path)
    assert make_lahella_source(_settings(lahella_group="b"), context, from_dir=tmp_path).context.group == "b"


def test_live_client_needs_group_and_credentials(context: MappingContext) -> None:
    with pytest.raises(IntegrationError, match="LAHELLA_GROUP"):
        make_lahella_source(_settings(lahella_auth_token="x"), context)
    with pytest.raises(IntegrationError, match="credentials"):
        make_lahella_source(_settings(lahella_group="4711"), context)


# -- against an HTTP API with the real paging, auth and retry code --------------------------------


class FakeLahella:
    """A Lähellä.fi API in a MockTransport: skip/limit paging, cookie auth with refresh, injected faults."""

    def __init__(self, items: list[dict[str, Any]]) -> None:
        self.items = items
        self.valid_token = "fresh"
        self.refreshes = 0
        self.faults: list[int] = []  # status codes to answer the next requests with
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/api/v1/auth/token":
            if "REFRESH_TOKEN=refresh-1" not in request.headers.get("cookie", ""):
                return httpx.Response(401, json={"status": "Unauthorized"})
            self.refreshes += 1
            return httpx.Response(
                200,
                json={"status": "Success"},
                headers=[
                    ("set-cookie", "AUTH_TOKEN=fresh; Path=/"),
                    ("set-cookie", "REFRESH_TOKEN=refresh-2; Path=/"),
                ],
            )
        if f"AUTH_TOKEN={self.valid_token}" not in request.headers.get("cookie", ""):
            return httpx.Response(401, json={"message": "not logged in"})
        if self.faults:
            return httpx.Response(self.faults.pop(0), headers={"Retry-After": "0"})
        assert request.url.path == "/v1/activities"
        assert request.url.params["groups[0]"] == "4711"
        skip, limit = int(request.url.params["skip"]), int(request.url.params["limit"])
        chunk = self.items[skip : skip + limit]
        return httpx.Response(
            200, json={"items": chunk, "total": len(self.items), "hasMore": skip + limit < len(self.items)}
        )


@pytest.fixture
def api() -> Iterator[FakeLahella]:
    items = [
        item
        for path in sorted(FIXTURES.glob("activities_*.json"))
        for item in json.loads(path.read_text(encoding="utf-8"))["items"]
    ]
    yield FakeLahella(items)


def _live(api: FakeLahella, context: MappingContext, page_size: int = 2) -> LahellaSource:
    settings = _settings(
        lahella_group="4711",
        lahella_auth_token="expired",
        lahella_refresh_token="refresh-1",
        lahella_base_url="http://lahella.test",
    )
    source = make_lahella_source(settings, context, policy=FAST, transport=httpx.MockTransport(api))
    source.page_size = page_size
    return source


def test_expired_login_is_refreshed_and_pages_follow_skip(
    session: Session, sync_engine_in_thread: SyncEngine, api: FakeLahella, context: MappingContext
) -> None:
    report = sync_engine_in_thread.run(_live(api, context), mode=SyncMode.FULL)
    assert report.status == RunStatus.SUCCEEDED and report.pages == 3
    assert api.refreshes == 1
    skips = [r.url.params["skip"] for r in api.requests if r.url.path == "/v1/activities"]
    assert skips == ["0", "0", "2", "4"]  # the first try was refused (401) and repeated after the refresh
    assert len(_services(session)) == 4


def test_server_errors_are_retried(
    session: Session, sync_engine: SyncEngine, api: FakeLahella, context: MappingContext
) -> None:
    api.valid_token = "expired"
    api.faults = [503, 429]
    report = sync_engine.run(_live(api, context), mode=SyncMode.FULL)
    assert report.status == RunStatus.SUCCEEDED and len(_services(session)) == 4


def test_a_source_that_stays_down_fails_the_run_and_keeps_the_data(
    session: Session, sync_engine: SyncEngine, api: FakeLahella, context: MappingContext, replay
) -> None:
    sync_engine.run(replay(FIXTURES), mode=SyncMode.FULL)
    api.valid_token = "expired"
    api.faults = [500] * 10
    report = sync_engine.run(_live(api, context), mode=SyncMode.FULL, force=True)
    assert report.status == RunStatus.FAILED and report.retired == 0
    assert all(row.status == ServiceStatus.ACTIVE for row in _services(session).values())


def test_refused_login_fails_with_a_readable_message(
    sync_engine: SyncEngine, api: FakeLahella, context: MappingContext
) -> None:
    api.valid_token = "something-else"
    report = sync_engine.run(_live(api, context), mode=SyncMode.FULL)
    assert report.status == RunStatus.FAILED and report.message is not None and "401" in report.message


def test_partner_token_is_a_bearer_header() -> None:
    auth = LahellaAuth(auth_token="a", refresh_token="r", partner_token="p")
    request = httpx.Request("GET", "http://lahella.test/v1/activities")
    flow = auth.auth_flow(request)
    signed = next(flow)
    assert signed.headers["Authorization"] == "Bearer p" and "cookie" not in signed.headers
