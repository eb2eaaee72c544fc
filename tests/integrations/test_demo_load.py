"""`tarjotin demo load`'s path: the committed demo catalogue through the real v11 client, on both engines."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, col, func, select

from app.catalogue.enums import ServiceStatus, Taxonomy
from app.catalogue.models import Location, Service, ServiceTerm
from integrations.ptv.factory import make_source
from integrations.source import SyncMode
from integrations.sync import RunStatus, SyncEngine

DEMO = Path(__file__).resolve().parents[2] / "demo" / "ptv-v11"


def test_demo_catalogue_loads_with_wgs84_places_and_reloads_unchanged(session: Session, settings, context):
    engine = SyncEngine(session, known_municipalities=context.known_municipalities, is_demo=True)
    first = engine.run(make_source(session, settings, context, DEMO), mode=SyncMode.FULL)
    assert (first.status, first.failed) == (RunStatus.SUCCEEDED, 0)
    active = session.exec(
        select(func.count()).select_from(Service).where(Service.status == ServiceStatus.ACTIVE)
    ).one()
    # 747 services, of which 705 carry a hyte class (demo/README.md); all are in the two counties.
    assert active == 705
    places = session.exec(select(Location).where(Location.latitude.is_not(None))).all()  # type: ignore[union-attr]
    assert len(places) == 291  # 295 places, four with coordinateState NotReceived
    assert all(59.5 < p.latitude < 62.5 and 23.5 < p.longitude < 27.5 for p in places)  # type: ignore[operator]
    # The demo speaks v11's own charge words (FreeOfCharge / Chargeable): both reach is_free.
    charges = dict(session.exec(select(Service.is_free, func.count()).group_by(col(Service.is_free))).all())
    assert charges[True] > 400 and charges[False] > 50 and 0 < charges[None] < 20
    # The "Arjen turvallisuus" tile finds the fall-prevention groups (their keyword names the theme).
    safety = session.exec(
        select(func.count())
        .select_from(ServiceTerm)
        .where(ServiceTerm.taxonomy == Taxonomy.THEME.value, ServiceTerm.code == "arjen-turvallisuus")
    ).one()
    assert safety >= 12
    # "Source: PTV" links to the listing on Suomi.fi.
    urls = session.exec(select(Service.source_url)).all()
    assert all(url and url.startswith("https://www.suomi.fi/palvelut/") for url in urls)
    second = engine.run(make_source(session, settings, context, DEMO), mode=SyncMode.FULL)
    assert (second.status, second.created, second.updated, second.retired) == (RunStatus.SUCCEEDED, 0, 0, 0)
    assert session.exec(select(Service.is_demo).distinct()).all() == [True]
