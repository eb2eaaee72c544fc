"""The row comparison of the fault suite (rows.py) tells a whole change from a half-written one."""

from __future__ import annotations

from datetime import time
from pathlib import Path

from sqlmodel import Session, select

from app.catalogue.enums import ContactKind
from app.catalogue.models import Contact, Service
from tests.factories import make_location, make_service
from tests.hardening.databases import Databases, engine
from tests.hardening.rows import half_written, snapshot


def test_a_service_with_children_rewritten_is_whole_and_one_missing_them_is_not(tmp_path: Path) -> None:
    database = engine(Databases("sqlite", tmp_path).migrated())
    with Session(database, expire_on_commit=False) as session:
        place = make_location(session, name_fi="Kisapuisto", municipality_code="398")
        service = make_service(
            session,
            name_fi="Kuntosali",
            locations=(place,),
            weekly=(("TU", time(8), time(9)),),
            contacts=((ContactKind.PHONE, "+358 40 123 4567"),),
        )
        make_service(session, name_fi="Vesijumppa", locations=(place,))
        session.commit()
        service_id = service.id
    before = snapshot(database)
    with Session(database) as session:  # what a killed store could leave: the contact gone, nothing new
        row = session.get(Service, service_id)
        assert row is not None
        row.summary_fi = "Uusi"
        contact = session.exec(select(Contact).where(Contact.service_id == service_id)).one()
        kept = (contact.kind, contact.value)
        session.delete(contact)
        session.commit()
    killed = snapshot(database)
    with Session(database) as session:  # the whole change: the contact written again, a new id
        session.add(Contact(service_id=service_id, kind=kept[0], value=kept[1]))
        session.commit()
    after = snapshot(database)

    assert after.tables["contact"] == before.tables["contact"]  # the same content under a new id
    assert after.tables["service"] != before.tables["service"]
    assert half_written(after, before, after) == []
    assert half_written(before, before, after) == []
    assert half_written(killed, before, after) == [f"service:{service_id.hex}"]
    database.dispose()
