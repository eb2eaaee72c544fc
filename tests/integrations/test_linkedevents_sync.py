"""LinkedEvents through the real client and engine: full and incremental crawls from recorded pages."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from app.catalogue.enums import ServiceStatus, Source
from app.catalogue.models import Organisation, Schedule, Service, ServiceAtLocation, SyncRun
from app.settings import Settings
from integrations.context import MappingContext
from integrations.errors import IntegrationError
from integrations.linkedevents.client import LinkedEventsSource, make_linkedevents_source, resolve
from integrations.source import SyncMode
from integrations.sync import RunStatus, SyncEngine
from tests.integrations.conftest import FAST

FIXTURES = Path(__file__).parent / "fixtures" / "linkedevents"


def _settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def replay(context: MappingContext) -> Callable[[Path], LinkedEventsSource]:
    def build(directory: Path) -> LinkedEventsSource:
        return make_linkedevents_source(_settings(), context, from_dir=directory, policy=FAST)

    return build


def _services(session: Session) -> dict[str, Service]:
    session.expire_all()  # the store writes with bulk statements: read the rows afresh
    rows = session.exec(select(Service).where(Service.source == Source.LINKEDEVENTS)).all()
    return {row.external_id: row for row in rows}


def _read(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _write(directory: Path, name: str, body: Any) -> None:
    (directory / name).write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")


def test_full_crawl_lists_courses_once_and_leaves_umbrellas_out(
    session: Session, sync_engine: SyncEngine, replay
) -> None:
    report = sync_engine.run(replay(FIXTURES), mode=SyncMode.FULL)
    assert (report.status, report.failed) == (RunStatus.SUCCEEDED, 0)
    services = _services(session)
    # agx3 is an umbrella, agx6 meets in Tampere; the course's ten meetings are not listings.
    assert sorted(services) == ["lahti:agx1", "lahti:agx2", "lahti:agx4", "lahti:agx5"]
    course = services["lahti:agx1"]
    [link] = session.exec(select(ServiceAtLocation).where(ServiceAtLocation.service_id == course.id)).all()
    [series] = session.exec(select(Schedule).where(Schedule.service_at_location_id == link.id)).all()
    assert series.rrule == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20260324T215959Z"
    organisation = session.get(Organisation, course.organisation_id)
    assert organisation is not None
    assert (organisation.name_fi, organisation.business_id) == ("Lahden Seniorit ry", "0201256-6")
    # The walk's place came by reference only and was fetched from /place/.
    walk = services["lahti:agx4"]
    [walk_link] = session.exec(select(ServiceAtLocation).where(ServiceAtLocation.service_id == walk.id)).all()
    assert walk_link.location_id == link.location_id
    second = sync_engine.run(replay(FIXTURES), mode=SyncMode.FULL)
    assert (second.created, second.updated, second.retired) == (0, 0, 0)


def _incremental_directory(tmp_path: Path) -> Path:
    """What `last_modified_since` returns after: a meeting deleted, the talk cancelled, a new event."""
    directory = tmp_path / "incremental"
    shutil.copytree(FIXTURES, directory)
    page1 = _read("event_page1.json")
    course, lecture, _umbrella = page1["data"]
    subs = [
        e
        for name in ("event_sub_lahti_agx1_page1.json", "event_sub_lahti_agx1_page2.json")
        for e in _read(name)["data"]
    ]
    deleted_meeting = {**subs[-1], "deleted": True, "last_modified_time": "2026-03-01T10:00:00Z"}
    cancelled = {**lecture, "event_status": "EventCancelled"}
    new = {
        **lecture,
        "id": "lahti:agx7",
        "@id": "https://linkedevents.example/v1/event/lahti:agx7/",
        "name": {"fi": "Uusi luento"},
    }
    _write(
        directory,
        "event_page1.json",
        {"meta": {"count": 3, "next": None}, "data": [deleted_meeting, cancelled, new]},
    )
    (directory / "event_page2.json").unlink()
    # The series as the API now lists it: without the deleted meeting.
    _write(directory, "event_lahti_agx1.json", course)
    _write(
        directory, "event_sub_lahti_agx1_page2.json", {"meta": {"count": 9, "next": None}, "data": subs[6:-1]}
    )
    return directory


def test_incremental_crawl_rebuilds_the_series_and_retires_cancelled(
    session: Session, sync_engine: SyncEngine, replay, tmp_path: Path
) -> None:
    sync_engine.run(replay(FIXTURES), mode=SyncMode.FULL)
    report = sync_engine.run(replay(_incremental_directory(tmp_path)), mode=SyncMode.INCREMENTAL)
    assert report.mode == "incremental" and report.status == RunStatus.SUCCEEDED
    run = session.get(SyncRun, report.run_id)
    assert run is not None and run.since is not None
    services = _services(session)
    assert services["lahti:agx2"].status == ServiceStatus.RETIRED
    assert services["lahti:agx7"].status == ServiceStatus.ACTIVE
    # Events the increment did not mention stay as they were.
    assert services["lahti:agx5"].status == ServiceStatus.ACTIVE
    course = services["lahti:agx1"]
    [link] = session.exec(select(ServiceAtLocation).where(ServiceAtLocation.service_id == course.id)).all()
    [series] = session.exec(select(Schedule).where(Schedule.service_at_location_id == link.id)).all()
    assert series.until is not None and series.until.isoformat() == "2026-03-17"
    assert (report.retired, report.created) == (1, 1)


def test_a_missing_page_of_meetings_keeps_the_stored_series(
    session: Session, sync_engine: SyncEngine, replay, tmp_path: Path
) -> None:
    sync_engine.run(replay(FIXTURES), mode=SyncMode.FULL)
    before = _services(session)["lahti:agx1"].content_hash
    directory = tmp_path / "gap"
    shutil.copytree(FIXTURES, directory)
    (directory / "event_sub_lahti_agx1_page2.json").unlink()
    report = sync_engine.run(replay(directory), mode=SyncMode.FULL)
    assert report.status == RunStatus.INCOMPLETE and report.retired == 0
    after = _services(session)["lahti:agx1"]
    assert after.content_hash == before and after.status == ServiceStatus.ACTIVE


def test_malformed_page_is_counted_and_nothing_is_retired(
    session: Session, sync_engine: SyncEngine, replay, tmp_path: Path
) -> None:
    sync_engine.run(replay(FIXTURES), mode=SyncMode.FULL)
    directory = tmp_path / "malformed"
    shutil.copytree(FIXTURES, directory)
    (directory / "event_page2.json").write_text("{not json", encoding="utf-8")
    report = sync_engine.run(replay(directory), mode=SyncMode.FULL)
    assert report.status == RunStatus.INCOMPLETE and report.retired == 0 and report.failed == 1
    assert all(row.status == ServiceStatus.ACTIVE for row in _services(session).values())


def test_requests_carry_the_documented_filters(context: MappingContext) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"meta": {"count": 0, "next": None}, "data": []})

    settings = _settings(
        linkedevents_base_url="https://api.example/linkedevents/v1/", linkedevents_publisher="ytj:0201256-6"
    )
    source = make_linkedevents_source(settings, context, policy=FAST, transport=httpx.MockTransport(handler))
    from datetime import UTC, datetime

    from integrations.source import CrawlState

    list(
        source.crawl(
            mode=SyncMode.INCREMENTAL, since=datetime(2026, 3, 1, 12, tzinfo=UTC), state=CrawlState()
        )
    )
    list(source.crawl(mode=SyncMode.FULL, since=None, state=CrawlState()))
    incremental, full = (request.url for request in seen)
    assert incremental.path == "/linkedevents/v1/event/"
    assert incremental.params["last_modified_since"] == "2026-03-01T12:00:00Z"
    assert incremental.params["show_deleted"] == "true"
    assert incremental.params["event_type"] == "General,Course,Volunteering"
    assert incremental.params["publisher"] == "ytj:0201256-6"
    assert "hide_recurring_children" not in incremental.params
    assert full.params["hide_recurring_children"] == "true" and "last_modified_since" not in full.params


def test_replay_resolver_and_settings(tmp_path: Path, context: MappingContext) -> None:
    def url(path: str) -> httpx.Request:
        return httpx.Request("GET", f"http://replay.invalid/v1{path}")

    assert resolve(FIXTURES, url("/event/?page=2")) == (FIXTURES / "event_page2.json").read_bytes()
    assert resolve(FIXTURES, url("/event/?super_event=lahti:agx1&page=1")) is not None
    assert resolve(FIXTURES, url("/place/tprek:2101/")) is not None
    assert resolve(FIXTURES, url("/place/..%2Fsecret/")) is None
    assert resolve(FIXTURES, url("/keyword/yso:p916/")) is None
    with pytest.raises(IntegrationError, match="event_page1"):
        make_linkedevents_source(_settings(), context, from_dir=tmp_path)
    with pytest.raises(IntegrationError, match="LINKEDEVENTS_PUBLISHER"):
        make_linkedevents_source(_settings(linkedevents_publisher="a b"), context)
