"""The same activity from Lähellä.fi and PTV is one service with both provenances, in either order."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlmodel import Session, select

from app.catalogue.enums import RecordStatus, ServiceStatus, Source
from app.catalogue.models import Service, ServiceSourceLink
from app.settings import Settings
from integrations.context import MappingContext
from integrations.dedupe import name_key, places_match
from integrations.lahella.client import make_lahella_source
from integrations.source import SyncMode
from integrations.sync import RunStatus, SyncEngine
from tests.integrations import v11_pages as v11
from tests.integrations.conftest import FAST

LAHELLA = Path(__file__).parent / "fixtures" / "lahella"
ORG = "00000000-0000-4000-8000-0000000000a1"
PLACE = "00000000-0000-4000-8000-0000000000b1"
CHAIR = "00000000-0000-4000-8000-000000000c01"  # the chair exercise group, as Lähellä.fi pushed it to PTV
OTHER = "00000000-0000-4000-8000-000000000c02"  # a different service of the same association
BUSINESS_ID = "0201256-6"


def _ptv_crawl(
    directory: Path, *, chair_name: str = "Tuolijumppa ikäihmisille", with_chair: bool = True
) -> Path:
    organisation = v11.organisation(ORG, "Lahden Seniorit ry")
    organisation["businessCode"] = BUSINESS_ID
    services = [v11.service(OTHER, "Seniorien kuntosaliryhmä", ORG, channels=(PLACE,))]
    if with_chair:
        services.append(v11.service(CHAIR, chair_name, ORG, channels=(PLACE,)))
    return v11.write_crawl(
        directory,
        services={"398": services},
        channels={"398": [v11.location(PLACE, "Seniorikeskus", ORG)]},
        organisations=[organisation],
    )


@pytest.fixture
def ptv(v11_source, tmp_path: Path):  # type: ignore[no-untyped-def]
    return lambda **kwargs: v11_source(_ptv_crawl(tmp_path / "ptv", **kwargs), ("398",))


@pytest.fixture
def lahella(context: MappingContext):  # type: ignore[no-untyped-def]
    settings = Settings(
        lahella_organisation_name="Lahden Seniorit ry",
        lahella_business_id=BUSINESS_ID,
        _env_file=None,  # type: ignore[call-arg]
    )
    return lambda directory=LAHELLA: make_lahella_source(settings, context, from_dir=directory, policy=FAST)


def _chair(session: Session) -> list[Service]:
    session.expire_all()  # the store writes with bulk statements: read the rows afresh
    return list(
        session.exec(
            select(Service).where(
                Service.name_fi == "Tuolijumppa ikäihmisille", Service.status != ServiceStatus.RETIRED
            )
        ).all()
    )


def _links(session: Session, service: Service) -> set[tuple[str, str, str]]:
    rows = session.exec(select(ServiceSourceLink).where(ServiceSourceLink.service_id == service.id)).all()
    return {(row.source, row.external_id, row.status) for row in rows}


def test_ptv_first_then_lahella_keeps_one_service_with_lahella_content(
    session: Session, sync_engine: SyncEngine, ptv, lahella
) -> None:
    sync_engine.run(ptv(), mode=SyncMode.FULL)
    [before] = _chair(session)
    report = sync_engine.run(lahella(), mode=SyncMode.FULL)
    assert report.status == RunStatus.SUCCEEDED
    [service] = _chair(session)
    # The row and its id stay; Lähellä.fi, where the association writes, provides the content.
    assert service.id == before.id
    assert (service.source, service.external_id) == (Source.LAHELLA, "a-1001")
    assert service.min_age == 65 and service.name_sv == "Stolgympa för seniorer"
    assert _links(session, service) == {(Source.PTV, CHAIR, RecordStatus.ACTIVE)}
    # The association's other PTV service is untouched.
    other = session.exec(select(Service).where(Service.external_id == OTHER)).one()
    assert other.source == Source.PTV and other.status == ServiceStatus.ACTIVE
    # Re-runs of both sources change nothing and keep one listing.
    again_ptv = sync_engine.run(ptv(), mode=SyncMode.FULL)
    again_lahella = sync_engine.run(lahella(), mode=SyncMode.FULL)
    for again in (again_ptv, again_lahella):
        assert (again.status, again.created, again.updated, again.retired) == (RunStatus.SUCCEEDED, 0, 0, 0)
    assert len(_chair(session)) == 1


def test_lahella_first_then_ptv_adds_the_provenance_only(
    session: Session, sync_engine: SyncEngine, ptv, lahella
) -> None:
    sync_engine.run(lahella(), mode=SyncMode.FULL)
    [before] = _chair(session)
    report = sync_engine.run(ptv(), mode=SyncMode.FULL)
    assert report.status == RunStatus.SUCCEEDED
    [service] = _chair(session)
    assert service.id == before.id and service.content_hash == before.content_hash
    assert (service.source, service.external_id) == (Source.LAHELLA, "a-1001")
    assert _links(session, service) == {(Source.PTV, CHAIR, RecordStatus.ACTIVE)}
    again = sync_engine.run(ptv(), mode=SyncMode.FULL)
    assert (again.created, again.updated, again.retired) == (0, 0, 0)
    again_lahella = sync_engine.run(lahella(), mode=SyncMode.FULL)
    assert (again_lahella.created, again_lahella.updated, again_lahella.retired) == (0, 0, 0)
    assert len(_chair(session)) == 1


def test_a_different_name_or_business_id_is_a_different_service(
    session: Session, sync_engine: SyncEngine, ptv, lahella
) -> None:
    sync_engine.run(ptv(chair_name="Tuolijumppa työikäisille"), mode=SyncMode.FULL)
    sync_engine.run(lahella(), mode=SyncMode.FULL)
    names = session.exec(
        select(Service.source, Service.name_fi).where(Service.status != ServiceStatus.RETIRED)
    ).all()
    assert (Source.PTV, "Tuolijumppa työikäisille") in names
    assert (Source.LAHELLA, "Tuolijumppa ikäihmisille") in names
    assert not session.exec(select(ServiceSourceLink)).all()


def test_provenances_follow_their_sources(
    session: Session, sync_engine: SyncEngine, ptv, lahella, tmp_path: Path
) -> None:
    sync_engine.run(lahella(), mode=SyncMode.FULL)
    sync_engine.run(ptv(), mode=SyncMode.FULL)
    # PTV stops publishing it: the PTV provenance is retired, the service stays (Lähellä.fi has it).
    report = sync_engine.run(ptv(with_chair=False), mode=SyncMode.FULL, force=True)
    [service] = _chair(session)
    assert _links(session, service) == {(Source.PTV, CHAIR, RecordStatus.RETIRED)}
    assert report.retired == 0
    # PTV publishes it again and Lähellä.fi withdraws it: PTV's copy takes the row over.
    sync_engine.run(ptv(), mode=SyncMode.FULL)
    withdrawn = tmp_path / "withdrawn"
    shutil.copytree(LAHELLA, withdrawn)
    page = json.loads((withdrawn / "activities_4711_skip0.json").read_text(encoding="utf-8"))
    page["items"][0]["status"] = "draft"  # the association unpublished it
    (withdrawn / "activities_4711_skip0.json").write_text(json.dumps(page), encoding="utf-8")
    sync_engine.run(lahella(withdrawn), mode=SyncMode.FULL, force=True)
    assert not _chair(session)  # retired by its own source for now
    sync_engine.run(ptv(), mode=SyncMode.FULL)
    [revived] = _chair(session)
    assert revived.id == service.id and (revived.source, revived.external_id) == (Source.PTV, CHAIR)
    assert _links(session, revived) == {(Source.LAHELLA, "a-1001", RecordStatus.RETIRED)}
    # And back: the activity returns to Lähellä.fi, which takes the content again.
    sync_engine.run(lahella(), mode=SyncMode.FULL)
    [back] = _chair(session)
    assert back.id == service.id and back.source == Source.LAHELLA
    assert _links(session, back) == {(Source.PTV, CHAIR, RecordStatus.ACTIVE)}


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Tuolijumppa – ikäihmisille!", "tuolijumppa ikäihmisille", True),
        ("Tuolijumppa  ikäihmisille", "TUOLIJUMPPA IKÄIHMISILLE", True),
        ("Tuolijumppa ikäihmisille", "Tuolijumppa ikaihmisille", False),
        ("Vertaisryhmä_1", "vertaisryhmä 1", True),
    ],
)
def test_name_key(a: str, b: str, same: bool) -> None:
    assert (name_key(a) == name_key(b)) is same
    assert name_key("  ") is None and name_key(None) is None


def test_places_match() -> None:
    lahti, hollola = frozenset({"398"}), frozenset({"098"})
    none: frozenset[str] = frozenset()
    assert places_match(lahti, none, lahti, hollola)
    assert not places_match(lahti, lahti, hollola, lahti)  # places decide when both have them
    assert places_match(none, lahti, hollola, lahti | hollola)  # online on one side: areas decide
    assert not places_match(none, hollola, lahti, none)
    assert places_match(none, none, lahti, none)
