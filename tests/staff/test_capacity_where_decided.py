"""Issue 17's done-when: a provider admin's capacity change appears in search (filter and card) and in the
referral form without a sync, and survives a full re-sync of the listing from PTV."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.accounts.models import Membership, Role
from app.catalogue.models import Service
from app.catalogue.overlay import Capacity
from app.catalogue.selfservice import get_overlay
from app.settings import Settings
from app.timeutil import utcnow
from integrations.context import load_mapping_context
from integrations.ptv.v11.client import make_v11_source
from integrations.source import SyncMode
from integrations.sync import SyncEngine
from search.indexer import drain_changes, rebuild
from search.types import SearchQuery
from tests.integrations import v11_pages as v11
from tests.integrations.conftest import FAST
from tests.staff.conftest import csrf_token, sign_in

ORG = "00000000-0000-4000-8000-0000000000a1"
PLACE = "00000000-0000-4000-8000-0000000000c1"
CHAIRS = "00000000-0000-4000-8000-000000000101"
WATER = "00000000-0000-4000-8000-000000000102"


def _crawl(directory: Path, chairs_name: str) -> Path:
    # Last changed at the source seven months ago: due for the half-yearly confirmation, not yet stale.
    modified = (utcnow() - timedelta(days=210)).strftime("%Y-%m-%dT%H:%M:%S.000000Z")
    return v11.write_crawl(
        directory,
        services={
            "398": [
                v11.service(CHAIRS, chairs_name, ORG, channels=(PLACE,), modified=modified),
                v11.service(WATER, "Vesijumppa seniorit", ORG, channels=(PLACE,), modified=modified),
            ],
            "098": [],
        },
        channels={"398": [v11.location(PLACE, "Liikuntahalli", ORG)], "098": []},
        organisations=[v11.organisation(ORG, "Liikuntaseura ry")],
    )


def _full_sync(session: Session, settings: Settings, directory: Path) -> None:
    context = load_mapping_context(session, settings)
    engine = SyncEngine(session, known_municipalities=context.known_municipalities, retire_threshold=0.2)
    source = make_v11_source(
        context, ("398", "098"), base_url="http://unused", timeout=5, from_dir=directory, policy=FAST
    )
    report = engine.run(source, mode=SyncMode.FULL)
    assert report.failed == 0


def _found(index, **filters) -> list[str]:  # type: ignore[no-untyped-def]
    return [hit.id for hit in index.search(SearchQuery(**filters)).items]


def test_room_set_by_the_provider_shows_at_once_everywhere_and_survives_a_full_resync(
    app: FastAPI, client: TestClient, session: Session, settings: Settings, demo_staff: dict, tmp_path: Path
) -> None:
    _full_sync(session, settings, _crawl(tmp_path / "first", "Tuolijumppa seniorit"))
    index = app.state.search_index
    assert index is not None
    rebuild(session, index)
    chairs = session.exec(select(Service).where(Service.external_id == CHAIRS)).one()
    admin_id = uuid.UUID(demo_staff["vire@demo.example"])
    session.add(
        Membership(user_id=admin_id, organisation_id=chairs.organisation_id, role=Role.PROVIDER_ADMIN)
    )
    session.commit()
    assert _found(index, capacities=("full",)) == []
    # The re-indexing after a save runs in a background task with its own session: here it must see the
    # test's transaction, as in production it sees the committed request.
    app.state.engine = session.connection()

    sign_in(client, "vire@demo.example")
    # Both listings are due for the half-yearly confirmation.
    assert client.get("/staff/listings").text.count("(vahvista tiedot)") == 2
    token = csrf_token(client, f"/staff/listings/{chairs.id}")
    saved = client.post(
        f"/staff/listings/{chairs.id}",
        data={
            "accepts_referrals": "true",
            "referral_methods": ["form"],
            "capacity": "full",
            "csrftoken": token,
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert client.get("/staff/listings").text.count("(vahvista tiedot)") == 1  # saving confirms it too

    # Search: the engine's filter (no sync, no reindex command) and the card.
    assert _found(index, capacities=("full",)) == [str(chairs.id)]
    assert _found(index, q="jumppa", referrals=("true",)) == [str(chairs.id)]
    page = " ".join(client.get("/fi/search?q=jumppa&capacity=full").text.split())
    assert "Tuolijumppa seniorit" in page and "Vesijumppa seniorit" not in page
    assert "<dt>Tilaa</dt><dd>Tällä hetkellä täynnä</dd>" in page
    assert "<dt>Lähetteet</dt><dd>Ottaa vastaan lähetteitä</dd>" in page

    # The referral form's own search marks it full.
    client.cookies.clear()
    sign_in(client, "hoitaja@demo.example")
    token = csrf_token(client, "/staff/referrals/new")
    form = client.post("/staff/referrals/new", data={"q": "seniorit", "op": "search", "csrftoken": token})
    assert form.status_code == 200
    found = " ".join(form.text.split())
    chairs_label = found[found.index(f'<label for="svc-{chairs.id}">') :]
    assert chairs_label.split("</label>")[0].endswith('<strong class="badge warning">Täynnä</strong>')
    water_label = found[
        found.index(
            f'<label for="svc-{session.exec(select(Service.id).where(Service.external_id == WATER)).one()}">'
        ) :
    ]
    assert "badge" not in water_label.split("</label>")[0]

    # A full re-sync that changes the listing at its source keeps the provider's word, in the index too.
    _full_sync(session, settings, _crawl(tmp_path / "second", "Tuolijumppa seniorit, uusi ryhmä"))
    session.commit()
    drain_changes(session, index)
    overlay = get_overlay(session, chairs.id)
    assert overlay is not None and overlay.capacity is Capacity.FULL and overlay.accepts_referrals is True
    renamed = index.search(SearchQuery(q="uusi ryhmä", capacities=("full",))).items
    assert [(hit.id, hit.capacity) for hit in renamed] == [(str(chairs.id), "full")]
    rebuild(session, index)
    assert _found(index, capacities=("full",)) == [str(chairs.id)]
