"""Size caps on synced content and on the bodies the clients read (reliability report, F2)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.catalogue.models import Service
from integrations import http
from integrations.caps import CAPS, cap_record
from integrations.errors import MalformedResponse
from integrations.http import JsonFetcher, ResponseTooLarge, make_client, read_file
from integrations.ptv.v11.client import PtvV11Source
from integrations.records import Provenance, ServiceLocationLink, ServiceRecord, Text
from integrations.source import SyncMode
from integrations.sync import SyncEngine
from search.indexer import rebuild
from tests.factories import make_service
from tests.integrations import v11_pages as v11

ORG = "00000000-0000-4000-8000-000000000001"
HUGE = 3 * 1024 * 1024  # characters: big enough to matter, small enough for a quick test


def test_every_string_of_a_record_is_cut_to_its_cap() -> None:
    record = ServiceRecord(
        provenance=Provenance("ptv", "s1"),
        organisation_external_id="o1",
        name=Text(fi="n" * 5000, sv="Gym"),
        summary=Text(fi="s" * HUGE),
        description=Text(en="d" * 50_000),
        locations=(ServiceLocationLink("l1", description=Text(fi="x" * 30_000)),),
        languages=("fi", "z" * 10_000),
    )
    capped, where = cap_record(record)
    assert len(capped.name.fi) == CAPS["name"] and capped.name.fi.endswith("…")
    assert capped.name.sv == "Gym"
    assert len(capped.summary.fi) == CAPS["summary"]
    assert len(capped.description.en) == CAPS["description"]
    assert len(capped.locations[0].description.fi) == CAPS["description"]
    assert len(capped.languages[1]) <= 2048
    assert len(where) == 5 and "summary.fi (3145728 characters)" in where
    small = ServiceRecord(
        provenance=Provenance("ptv", "s2"), organisation_external_id="o1", name=Text(fi="x")
    )
    assert cap_record(small) == (small, [])


def test_a_valid_page_with_a_huge_summary_is_stored_cut_with_a_warning(
    tmp_path: Path,
    session: Session,
    sync_engine: SyncEngine,
    v11_source: Callable[..., PtvV11Source],
    caplog: pytest.LogCaptureFixture,
) -> None:
    big = v11.service("00000000-0000-4000-8000-000000000101", "Kylätalo", ORG)
    big["serviceDescriptions"][0]["value"] = "kylätalo " * (HUGE // 9)
    small = v11.service("00000000-0000-4000-8000-000000000102", "Kuntosali", ORG)
    directory = v11.write_crawl(
        tmp_path / "ptv",
        services={"398": [big, small], "098": []},
        channels={"398": [], "098": []},
        organisations=[v11.organisation(ORG, "Seura ry")],
    )
    with caplog.at_level(logging.WARNING, logger="integrations.caps"):
        report = sync_engine.run(v11_source(directory), mode=SyncMode.FULL)
    assert report.ok and report.created == 3, report  # the organisation and two services
    summaries = {s.name_fi: s.summary_fi for s in session.exec(select(Service)).all()}
    assert CAPS["summary"] - 10 < len(summaries["Kylätalo"] or "") <= CAPS["summary"]
    assert summaries["Kuntosali"] == "Kuntosali: lyhyesti"
    warnings = [r.getMessage() for r in caplog.records if r.name == "integrations.caps"]
    assert any("00000000-0000-4000-8000-000000000101" in w and "summary.fi" in w for w in warnings), warnings


def test_a_response_over_the_cap_is_refused_before_it_is_read_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http, "MAX_RESPONSE_BYTES", 1000)
    streamed: list[int] = []

    class Endless(httpx.SyncByteStream):
        def __iter__(self):  # type: ignore[no-untyped-def]
            for _ in range(1000):
                streamed.append(1)
                yield b"[" * 100

    transport = httpx.MockTransport(lambda request: httpx.Response(200, stream=Endless()))
    fetcher = JsonFetcher(make_client("http://source.test", timeout=5, transport=transport))
    with pytest.raises(ResponseTooLarge, match="cap"):
        fetcher.get_json("/page")
    assert len(streamed) <= 11  # stopped at the cap, not after 100 kB
    declared = httpx.MockTransport(lambda request: httpx.Response(200, content=b"[" + b"1," * 600 + b"1]"))
    with pytest.raises(MalformedResponse, match="1,203 bytes"):
        JsonFetcher(make_client("http://source.test", timeout=5, transport=declared)).get_json("/page")
    fine = httpx.MockTransport(lambda request: httpx.Response(200, json=[1, 2]))
    assert JsonFetcher(make_client("http://source.test", timeout=5, transport=fine)).get_json("/x") == [1, 2]


def test_a_recorded_file_over_the_cap_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http, "MAX_RESPONSE_BYTES", 1000)
    path = tmp_path / "Service_398_page1.json"
    path.write_text(json.dumps({"x": "y" * 2000}))
    with pytest.raises(ResponseTooLarge, match=r"Service_398_page1\.json"):
        read_file(path)
    assert read_file(tmp_path / "missing.json") is None


def test_lists_and_search_results_carry_summaries_not_descriptions(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    # A row stored before the caps existed: lists and hits still stay small.
    make_service(session, name_fi="Kylätalo", summary_fi="kylätalo " * 20_000, description_fi="d" * 200_000)
    session.commit()
    rebuild(session, app.state.search_index)
    listed = client.get("/api/v1/services?per_page=100")
    assert listed.status_code == 200 and len(listed.content) < 10_000
    assert listed.json()["items"][0]["description"] is None
    one = client.get(f"/api/v1/services/{listed.json()['items'][0]['id']}").json()
    assert len(one["description"]["fi"]) == 200_000
    found = client.get("/api/v1/search?q=kylätalo")
    assert found.status_code == 200 and found.json()["total"] == 1
    assert len(found.content) < 10_000
    page = client.get("/fi/search?q=kylätalo")
    assert page.status_code == 200 and len(page.content) < 60_000
