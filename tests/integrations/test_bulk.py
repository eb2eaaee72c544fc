"""bulk.insert_rows stores exactly what a Core insert stores (same conversions), on both engines."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Any, cast

import pytest
from sqlalchemy import Table, insert, text
from sqlmodel import Session

from app.catalogue.enums import OrganisationKind, RecordStatus, ScheduleKind
from app.catalogue.models import CatalogueChange, Location, Organisation, Schedule
from integrations.bulk import insert_rows

ORGANISATION, LOCATION, SCHEDULE, CHANGES = (
    cast(Table, model.__table__)  # type: ignore[union-attr]
    for model in (Organisation, Location, Schedule, CatalogueChange)
)
NOW = datetime(2026, 5, 4, 3, 2, 1, 123456, tzinfo=UTC)


def _stored(session: Session, table: str, ids: list[Any], skip: set[str]) -> list[dict[str, Any]]:
    # As the driver returns them, without SQLAlchemy's result conversions.
    rows = session.connection().exec_driver_sql(f"SELECT * FROM {table}").mappings().all()
    by_id = {str(row["id"]).replace("-", ""): row for row in rows}
    return [{k: v for k, v in by_id[i.hex].items() if k not in skip} for i in ids]


def _organisation(**changes: Any) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "source": "ptv",
        "external_id": f"o-{uuid.uuid4()}",
        "kind": OrganisationKind.NGO,
        "name_fi": "Liikuntaseura ry",
        "name_sv": None,
        "business_id": "1234567-8",
        "status": RecordStatus.ACTIVE,
        "content_hash": "ab" * 32,
        "source_modified_at": NOW,
        "first_seen_at": NOW,
        "last_synced_at": NOW,
        "created_at": NOW,
        "updated_at": NOW,
        "is_demo": False,
        **changes,
    }


def test_rows_are_stored_as_a_core_insert_stores_them(session: Session) -> None:
    core, bulk = _organisation(), _organisation(is_demo=True, name_sv="Idrottsföreningen")
    session.execute(insert(ORGANISATION), [core])
    insert_rows(session, ORGANISATION, [bulk])
    skip = {"id", "external_id", "is_demo", "name_sv"}
    first, second = _stored(session, "organisation", [core["id"], bulk["id"]], skip)
    assert first == second
    stored = session.get(Organisation, bulk["id"])
    assert stored is not None and (stored.is_demo, stored.name_sv) == (True, "Idrottsföreningen")

    place = {
        "id": uuid.uuid4(),
        "source": "ptv",
        "external_id": "p-1",
        "organisation_id": core["id"],
        "name_fi": "Halli",
        "latitude": 60.98,
        "longitude": 25.66,
        "accessibility_features": ["ramp", "lift"],
        "status": RecordStatus.ACTIVE,
        "updated_at": NOW,
    }
    core_place = {**place, "id": uuid.uuid4(), "external_id": "p-2"}
    session.execute(insert(LOCATION), [core_place])
    insert_rows(session, LOCATION, [place])
    timestamps = {"first_seen_at", "last_synced_at", "created_at"}  # defaults: now, per insert
    first, second = _stored(
        session, "location", [core_place["id"], place["id"]], {"id", "external_id"} | timestamps
    )
    assert first == second
    stored_place = session.get(Location, place["id"])
    assert stored_place is not None and stored_place.accessibility_features == ["ramp", "lift"]
    assert stored_place.first_seen_at is not None and stored_place.is_demo is False  # Python defaults

    schedule = {
        "location_id": place["id"],
        "kind": ScheduleKind.SESSION,
        "byday": "MO,WE",
        "opens_at": time(17, 30),
        "closes_at": time(1, 0),
        "closes_next_day": True,
        "valid_from": date(2026, 1, 1),
        "dtstart": date(2026, 1, 5),
        "exdates": ["2026-02-23"],
        "timezone": "Europe/Helsinki",
        "sort_order": 0,
    }
    ids = [uuid.uuid4(), uuid.uuid4()]
    session.execute(insert(SCHEDULE), [{**schedule, "id": ids[0]}])
    insert_rows(session, SCHEDULE, [{**schedule, "id": ids[1]}])
    first, second = _stored(session, "schedule", ids, {"id"})
    assert first == second
    # Rows without an id get one each (a callable default is called per row); an autoincrement
    # key is left to the database.
    insert_rows(session, SCHEDULE, [schedule, schedule])
    insert_rows(session, CHANGES, [{"service_id": ids[0], "changed_at": NOW}] * 2)
    count = session.connection().exec_driver_sql("SELECT count(DISTINCT id) FROM schedule").scalar_one()
    changes = (
        session.connection().exec_driver_sql("SELECT count(DISTINCT id) FROM catalogue_change").scalar_one()
    )
    assert (count, changes) == (4, 2)


def test_a_failing_insert_raises_and_the_savepoint_keeps_the_rest(session: Session) -> None:
    kept = _organisation()
    insert_rows(session, ORGANISATION, [kept])
    with pytest.raises(Exception), session.begin_nested():  # the driver's own error class
        insert_rows(session, ORGANISATION, [_organisation(), {**_organisation(), "id": kept["id"]}])
    total = session.connection().execute(text("SELECT count(*) FROM organisation")).scalar_one()
    assert total == 1 and session.get(Organisation, kept["id"]) is not None
