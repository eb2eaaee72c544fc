"""After a sync that changed a known set, `modified_after` returns exactly those services (and the ones
whose place changed, and the one retired), and every id stays what it was: Hollola's demo pages
through the real PTV v11 path, twice."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from app.catalogue.models import Location, Service, ServiceAtLocation
from app.settings import Settings
from tests.hsds.conftest import DEMO, make_client

HOLLOLA = "098"


def _sync(session: Session, settings: Settings, directory: Path) -> None:
    from integrations.context import load_mapping_context
    from integrations.ptv.factory import make_source
    from integrations.source import SyncMode
    from integrations.sync import RunStatus, SyncEngine

    context = load_mapping_context(session, settings)
    engine = SyncEngine(session, known_municipalities=context.known_municipalities, is_demo=True)
    report = engine.run(make_source(session, settings, context, directory), mode=SyncMode.FULL)
    assert report.status == RunStatus.SUCCEEDED, report


def _rewrite(path: Path, change: Any) -> None:
    body = json.loads(path.read_text(encoding="utf-8"))
    body["itemList"] = change(body["itemList"])
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")


def _all_ids(node: Any) -> set[str]:
    if isinstance(node, dict):
        return ({node["id"]} if "id" in node else set()) | {i for v in node.values() for i in _all_ids(v)}
    if isinstance(node, list):
        return {i for v in node for i in _all_ids(v)}
    return set()


def _content(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _content(v) for k, v in node.items() if k not in ("metadata", "assured_date")}
    if isinstance(node, list):
        return [_content(v) for v in node]
    return node


def test_modified_after_names_exactly_what_a_sync_changed_and_ids_stay(
    session: Session, tmp_path: Path
) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    for name in (
        "Service_098_page1.json",
        "ServiceChannel_098_page1.json",
        *(p.name for p in DEMO.glob("Organization_*.json")),
    ):
        shutil.copy(DEMO / name, pages / name)
    settings = Settings(
        data_dir=tmp_path, wellbeing_counties=[], municipalities=[HOLLOLA], hsds_rate_limit=0, _env_file=None
    )  # type: ignore[call-arg]
    _sync(session, settings, pages)
    services = json.loads((pages / "Service_098_page1.json").read_text(encoding="utf-8"))["itemList"]
    ours = {s.external_id: str(s.id) for s in session.exec(select(Service)).all()}
    renamed, retired = [s["id"] for s in services[:2]], services[2]["id"]
    assert {renamed[0], renamed[1], retired} <= ours.keys()
    # A place some services are held at (whose own records do not change).
    link = session.exec(select(ServiceAtLocation)).first()
    assert link is not None
    place = session.get(Location, link.location_id)
    assert place is not None
    at_place = {
        str(sal.service_id)
        for sal in session.exec(select(ServiceAtLocation).where(ServiceAtLocation.location_id == place.id))
    }

    with make_client(session, settings) as client:
        before = {
            s["id"]: s
            for s in (
                json.loads(line)
                for line in client.get("/hsds/services", params={"format": "ndjson"}).text.splitlines()
            )
        }
        assert before
        cut = datetime.now(UTC)

        def rename(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
            kept = [item for item in items if item["id"] != retired]
            for item in kept:
                if item["id"] in renamed:
                    item["serviceNames"][0]["value"] += " (uusi nimi)"
            return kept

        def rename_place(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
            for item in items:
                if item["id"] == place.external_id:
                    item["serviceChannelNames"][0]["value"] += " (remontoitu)"
            return items

        _rewrite(pages / "Service_098_page1.json", rename)
        _rewrite(pages / "ServiceChannel_098_page1.json", rename_place)
        _sync(session, settings, pages)

        changed = client.get(
            "/hsds/services", params={"modified_after": cut.isoformat(), "per_page": 1000}
        ).json()["contents"]
        expected = {ours[renamed[0]], ours[renamed[1]], ours[retired]} | at_place
        assert {s["id"] for s in changed} == expected
        assert {s["id"]: s["status"] for s in changed}[ours[retired]] == "inactive"
        assert all(
            s["name"].endswith("(uusi nimi)") for s in changed if s["id"] in {ours[r] for r in renamed}
        )
        # Nothing else moved, and the ids did not change: not the services', nor any nested object's.
        after = {
            s["id"]: s
            for s in (
                json.loads(line)
                for line in client.get("/hsds/services", params={"format": "ndjson"}).text.splitlines()
            )
        }
        assert after.keys() == before.keys() - {ours[retired]}
        for service_id, record in after.items():
            assert _all_ids(record) == _all_ids(before[service_id]), service_id
            if service_id not in expected:  # the same content; only when it was last synced moved on
                assert _content(record) == _content(before[service_id])
        minimal = client.get(
            "/hsds/services", params={"modified_after": cut.isoformat(), "minimal": "true"}
        ).json()
        assert {s["id"] for s in minimal["contents"]} == expected
