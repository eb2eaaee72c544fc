"""Read the rows HSDS records are built from, a batch at a time, in a fixed number of queries.

Plain Core selects (no ORM identity map): rows carry the columns as attributes and cost far less to
build, which the bulk export needs (thousands of services a second, memory flat with the batch size).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from app.catalogue.models import (
    Contact,
    Location,
    Municipality,
    Organisation,
    Region,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceSourceLink,
    ServiceTerm,
    TaxonomyTerm,
    Theme,
)
from app.catalogue.overlay import ServiceOverlay
from app.opendata.bundles import (
    Labels,
    LocationBundle,
    Lookups,
    OrganisationBundle,
    Row,
    SalBundle,
    ServiceBundle,
    StreamCache,
    TermInfo,
)

B = TypeVar("B")
CHUNK = 500  # ids per IN (...): well inside every engine's limit on bound parameters


def _table(model: Any) -> Any:
    return model.__table__


def _rows_in(
    session: Session, model: Any, column: str, ids: Sequence[Any], order_by: Sequence[str] = ()
) -> list[Row]:
    if not ids:
        return []
    connection = session.connection()
    table = _table(model)
    key = table.c[column]
    ordering = [table.c[name] for name in order_by]
    if connection.dialect.name == "postgresql":
        # One array parameter instead of an IN list of hundreds: the statement's text stays the same (so
        # SQLAlchemy's compiled cache and the server's prepared statement serve every batch) and neither
        # side renders or parses a placeholder per id, which cost a third of a batch's loading time.
        statement = select(table).where(key == any_(bindparam("ids", type_=ARRAY(key.type))))
        return list(connection.execute(statement.order_by(*ordering), {"ids": list(ids)}).all())
    rows: list[Row] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows.extend(connection.execute(select(table).where(key.in_(chunk)).order_by(*ordering)).all())
    return rows


def _group(rows: Iterable[Row], key: str) -> dict[Any, list[Row]]:
    grouped: dict[Any, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


def load_lookups(session: Session) -> Lookups:
    """The code tables: municipalities, regions, and labels of every known vocabulary term."""
    municipalities = {
        row.code: row for row in session.connection().execute(select(_table(Municipality))).all()
    }
    regions = {row.code: row for row in session.connection().execute(select(_table(Region))).all()}
    terms: dict[tuple[str, str], TermInfo] = {}
    for row in session.connection().execute(select(_table(TaxonomyTerm))).all():
        terms[(row.taxonomy, row.code)] = TermInfo(
            Labels(row.label_fi, row.label_sv, row.label_en), row.parent_code
        )
    for row in session.connection().execute(select(_table(Theme))).all():
        terms[("theme", row.code)] = TermInfo(
            Labels(row.name_fi, row.name_sv, row.name_en),
            None,
            Labels(row.description_fi, row.description_sv, row.description_en)
            if row.description_fi or row.description_sv or row.description_en
            else None,
        )
    for row in municipalities.values():
        terms[("municipality", row.code)] = TermInfo(Labels(row.name_fi, row.name_sv, row.name_en))
    return Lookups(municipalities=municipalities, regions=regions, terms=terms)


def load_location_bundles(
    session: Session, ids: Sequence[uuid.UUID], *, as_json: bool = False
) -> dict[uuid.UUID, LocationBundle]:
    ids = list(dict.fromkeys(ids))
    rows = _rows_in(session, Location, "id", ids)
    schedules = _group(_rows_in(session, Schedule, "location_id", ids, ("sort_order",)), "location_id")
    contacts = _group(_rows_in(session, Contact, "location_id", ids, ("sort_order",)), "location_id")
    return {
        row.id: LocationBundle(row, schedules.get(row.id, []), contacts.get(row.id, []), as_json=as_json)
        for row in rows
    }


def load_organisation_bundles(
    session: Session, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, OrganisationBundle]:
    ids = list(dict.fromkeys(ids))
    rows = _rows_in(session, Organisation, "id", ids)
    contacts = _group(_rows_in(session, Contact, "organisation_id", ids, ("sort_order",)), "organisation_id")
    return {row.id: OrganisationBundle(row, contacts.get(row.id, [])) for row in rows}


def _through(
    cache: dict[Any, B], limit: int, ids: Sequence[uuid.UUID], load: Callable[[list[uuid.UUID]], dict[Any, B]]
) -> dict[Any, B]:
    """The bundles of these ids: the cached ones, and the others loaded and then cached (oldest out)."""
    wanted = list(dict.fromkeys(ids))
    found = {key: cache[key] for key in wanted if key in cache}
    missing = [key for key in wanted if key not in found]
    if missing:
        loaded = load(missing)
        found.update(loaded)
        cache.update(loaded)
        for _ in range(len(cache) - limit):
            del cache[next(iter(cache))]
    return found


def load_service_bundles(
    session: Session, ids: Sequence[uuid.UUID], cache: StreamCache | None = None
) -> list[ServiceBundle]:
    """The services with these ids and everything their full HSDS record needs, in the given order.

    With a stream's `cache`, places and organisations an earlier batch loaded are taken from it."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return []
    services = {row.id: row for row in _rows_in(session, Service, "id", ids)}
    organisation_ids = [row.organisation_id for row in services.values()]
    if cache is None:
        organisations = load_organisation_bundles(session, organisation_ids)
    else:
        organisations = _through(
            cache.organisations,
            cache.max_organisations,
            organisation_ids,
            lambda missing: load_organisation_bundles(session, missing),
        )
    terms = _group(_rows_in(session, ServiceTerm, "service_id", ids), "service_id")
    areas = _group(_rows_in(session, ServiceArea, "service_id", ids), "service_id")
    sal_rows = _rows_in(session, ServiceAtLocation, "service_id", ids)
    location_ids = [row.location_id for row in sal_rows]
    if cache is None:
        locations = load_location_bundles(session, location_ids)
    else:
        cache.slim()

        def load_places(missing: list[uuid.UUID]) -> dict[uuid.UUID, LocationBundle]:
            cache.loaded(missing)
            return load_location_bundles(session, missing, as_json=True)

        locations = _through(cache.locations, cache.max_locations, location_ids, load_places)
    sal_schedules = _group(
        _rows_in(session, Schedule, "service_at_location_id", [row.id for row in sal_rows], ("sort_order",)),
        "service_at_location_id",
    )
    sals: dict[uuid.UUID, list[SalBundle]] = defaultdict(list)
    for row in sorted(sal_rows, key=lambda r: str(r.id)):
        location = locations.get(row.location_id)
        if location is not None:
            sals[row.service_id].append(SalBundle(row, location, sal_schedules.get(row.id, [])))
    schedules = _group(_rows_in(session, Schedule, "service_id", ids, ("sort_order",)), "service_id")
    contacts = _group(_rows_in(session, Contact, "service_id", ids, ("sort_order",)), "service_id")
    links = _group(_rows_in(session, ServiceSourceLink, "service_id", ids), "service_id")
    overlays = {row.service_id: row for row in _rows_in(session, ServiceOverlay, "service_id", ids)}
    bundles: list[ServiceBundle] = []
    for service_id in ids:
        row = services.get(service_id)
        if row is None:
            continue
        bundles.append(
            ServiceBundle(
                row=row,
                organisation=organisations[row.organisation_id],
                terms=terms.get(service_id, []),
                areas=areas.get(service_id, []),
                sals=sals.get(service_id, []),
                schedules=schedules.get(service_id, []),
                contacts=contacts.get(service_id, []),
                source_links=links.get(service_id, []),
                overlay=overlays.get(service_id),
            )
        )
    return bundles
