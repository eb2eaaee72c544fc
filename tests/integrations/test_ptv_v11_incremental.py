"""PTV v11 incremental runs against the replay server: changed ids by `date`, `list?guids=` batches of
at most 100, archived services retired, services that left our scope retired, and never an auth header."""

from __future__ import annotations

from sqlmodel import Session, select

from app.catalogue.enums import ServiceStatus
from app.catalogue.models import Service
from integrations.ptv.v11.client import make_v11_source
from integrations.source import SyncMode
from integrations.sync import RunStatus, SyncEngine
from tests.integrations import v11_pages as v11
from tests.integrations.conftest import FAST
from tests.integrations.replay_server import ReplayApi, serve

ORG = "00000000-0000-4000-8000-000000000001"
PLACE = "00000000-0000-4000-8000-0000000000c1"
OLD = "2026-05-01T10:00:00.000000Z"
NEW = "2099-01-01T00:00:00.000000Z"  # "after the last run" whatever today is


def _sid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def test_incremental_run_fetches_only_changes(session: Session, context) -> None:
    services = [
        v11.service(_sid(n), f"Palvelu {n}", ORG, channels=(PLACE,), modified=OLD) for n in range(1, 251)
    ]
    api = ReplayApi(
        services={"398": services},
        channels={"398": [v11.location(PLACE, "Halli", ORG)]},
        organisations=[v11.organisation(ORG, "Seura ry")],
    )
    engine = SyncEngine(session, known_municipalities=context.known_municipalities)
    with serve(api) as base_url:

        def run(mode: SyncMode):
            source = make_v11_source(context, ["398"], base_url=base_url, timeout=5, policy=FAST)
            return engine.run(source, mode=mode)

        first = run(SyncMode.INCREMENTAL)  # no earlier run: falls back to a full crawl
        assert (first.mode, first.status, first.created) == ("full", RunStatus.SUCCEEDED, 252)
        # 120 services change, one leaves our classes, one is archived.
        for item in services[:120]:
            item["modified"] = NEW
            item["serviceNames"][0]["value"] += " (uusi)"
        services[130].update(modified=NEW, serviceClasses=[{"code": "P2.1", "name": []}])
        api.archived = [_sid(200)]
        api.requests.clear()
        second = run(SyncMode.INCREMENTAL)
    assert (second.mode, second.status, second.updated, second.retired, second.created) == (
        "incremental",
        RunStatus.SUCCEEDED,
        120,
        2,
        0,
    )
    guid_requests = [r for r in api.requests if "/Service/list?" in r]
    assert len(guid_requests) == 2 and all(r.count(",") < 100 for r in guid_requests)
    assert not any("/list/area/" in r for r in api.requests)  # no full listing
    statuses = dict(session.exec(select(Service.external_id, Service.status)).all())
    assert statuses[_sid(131)] == ServiceStatus.RETIRED and statuses[_sid(200)] == ServiceStatus.RETIRED
    assert statuses[_sid(1)] == ServiceStatus.ACTIVE
    name = session.exec(select(Service.name_fi).where(Service.external_id == _sid(1))).one()
    assert name == "Palvelu 1 (uusi)"


def test_v11_requests_carry_no_auth_header(context) -> None:
    import httpx

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"pageNumber": 1, "pageSize": 100, "pageCount": 0, "itemList": []})

    source = make_v11_source(context, ["398"], base_url="https://ptv.test", timeout=5, policy=FAST)
    source.fetcher.client._transport = httpx.MockTransport(handler)  # the client as built, another transport
    from integrations.source import CrawlState

    list(source.crawl(mode=SyncMode.FULL, since=None, state=CrawlState()))
    assert seen and all("authorization" not in r.headers and "x-api-key" not in r.headers for r in seen)
