"""A recorded PTV v11 crawl (fixtures/ptv-v11): v11's own charge words, and services whose organisation
the crawl does not return, stored with the organisation summary they carry until a later crawl fills it in."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlmodel import Session, select

from app.catalogue.enums import OrganisationKind, RecordStatus
from app.catalogue.models import Organisation, Service
from integrations.source import SyncMode
from integrations.sync import RunStatus

RECORDED = Path(__file__).parent / "fixtures" / "ptv-v11"
SEURA = "5a8e2c1d-7f3b-4e6a-9c0d-1b2a3c4d5e01"
PERHE = "5a8e2c1d-7f3b-4e6a-9c0d-1b2a3c4d5e02"


def _sid(n: int) -> str:
    return f"5a8e2c1d-7f3b-4e6a-9c0d-{n:012d}"


def _services(session: Session) -> dict[str, Service]:
    return {service.external_id: service for service in session.exec(select(Service)).all()}


def _organisation(session: Session, external_id: str) -> Organisation:
    return session.exec(select(Organisation).where(Organisation.external_id == external_id)).one()


def _crawl(tmp_path: Path, *, later: bool = False) -> Path:
    directory = tmp_path / ("later" if later else "first")
    shutil.copytree(
        RECORDED, directory, ignore=shutil.ignore_patterns("later", "README.md"), dirs_exist_ok=True
    )
    if later:
        shutil.copy(RECORDED / "later" / "Organization_batch2.json", directory)
    return directory


def test_every_service_is_imported_with_its_price_information(session, sync_engine, v11_source, tmp_path):
    report = sync_engine.run(v11_source(_crawl(tmp_path)), mode=SyncMode.FULL)
    assert (report.status, report.failed) == (RunStatus.SUCCEEDED, 0)
    services = _services(session)
    assert len(services) == 6
    free = {n: services[_sid(n)].is_free for n in range(1, 7)}
    # FreeOfCharge and Chargeable are v11's words; "Other" (it depends) and null state neither.
    assert free == {1: True, 2: False, 3: True, 4: False, 5: None, 6: None}
    assert services[_sid(2)].price_text_fi == "5 € / kerta, kausimaksu 40 €."
    assert (services[_sid(5)].price_text_fi or "").startswith("Osallistuminen maksutonta")
    assert services[_sid(1)].price_text_fi is None and services[_sid(1)].price_text_sv is None


def test_services_whose_organisation_is_missing_are_kept_and_filled_in_later(
    session, sync_engine, v11_source, tmp_path
):
    first = sync_engine.run(v11_source(_crawl(tmp_path)), mode=SyncMode.FULL)
    assert (first.status, first.failed, first.created) == (RunStatus.SUCCEEDED, 0, 9)  # 6 + 2 + 1
    summary = _organisation(session, PERHE)
    assert summary.summary_only and summary.status == RecordStatus.ACTIVE
    assert (summary.name_fi, summary.kind, summary.description_fi) == (
        "Lahden Perheyhdistys ry",
        OrganisationKind.OTHER,
        None,
    )
    services = _services(session)
    assert services[_sid(3)].organisation_id == services[_sid(4)].organisation_id == summary.id
    assert not _organisation(session, SEURA).summary_only

    # Still missing: nothing changes and the organisation is not retired while its services name it.
    again = sync_engine.run(v11_source(_crawl(tmp_path)), mode=SyncMode.FULL)
    assert (again.status, again.created, again.updated, again.retired) == (RunStatus.SUCCEEDED, 0, 0, 0)
    session.expire_all()
    assert _organisation(session, PERHE).status == RecordStatus.ACTIVE

    # A later crawl returns it: the same row is filled in, its services keep pointing at it.
    later = sync_engine.run(v11_source(_crawl(tmp_path, later=True)), mode=SyncMode.FULL)
    assert (later.status, later.created, later.updated) == (RunStatus.SUCCEEDED, 0, 1)
    session.expire_all()
    filled = _organisation(session, PERHE)
    assert filled.id == summary.id and not filled.summary_only
    assert (filled.kind, filled.description_fi) == (OrganisationKind.NGO, "Lahden Perheyhdistys ry kuvaus")
    assert _services(session)[_sid(3)].organisation_id == filled.id
