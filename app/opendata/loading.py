"""Read the rows HSDS records are built from, a batch at a time, in a fixed number of queries.

Plain Core selects (no ORM identity map): rows carry the columns as attributes and cost far less to
build, which the bulk export needs (thousands of services a second, memory flat with the batch size).
"""

from __future__ import annotations

import uuid
from collections import defaultdict, namedtuple
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache, partial
from typing import Any, TypeVar

from sqlalchemy import Text, any_, bindparam, cast, select
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


def _is_uuid(column: Any) -> bool:
    try:
        return column.type.python_type is uuid.UUID  # type: ignore[no-any-return]
    except NotImplementedError:
        return False


@lru_cache(maxsize=64)
def _shape(table: Any, postgresql: bool) -> tuple[Any, Callable[[Any], Row], tuple[int, ...]]:
    """How a table's rows are read: the statement's columns, the row type, which columns are UUIDs.

    Rows become named tuples (an attribute costs a tenth of a SQLAlchemy Row's, and a record reads
    dozens) whose UUIDs are text: a record writes each id as text several times, and str(UUID) costs
    about a microsecond each time. PostgreSQL sends them as text (no UUID objects made at all)."""
    uuids = tuple(i for i, column in enumerate(table.c) if _is_uuid(column))
    columns = [
        cast(column, Text).label(column.name) if postgresql and i in uuids else column
        for i, column in enumerate(table.c)
    ]
    make = namedtuple(f"{table.name}_row", [column.name for column in table.c])._make  # type: ignore[attr-defined]
    return columns, make, () if postgresql else uuids


def _plain(
    table: Any, connection: Any, statement: Callable[[list[Any]], Any], params: Any = None
) -> list[Row]:
    columns, make, uuids = _shape(table, connection.dialect.name == "postgresql")
    result = (
        connection.execute(statement(columns), params)
        if params is not None
        else connection.execute(statement(columns))
    )
    rows = result.all()  # one fetch: row by row costs a driver and a SQLAlchemy call each
    if not uuids:
        return [make(row) for row in rows]
    return [
        make([str(value) if i in uuids and value is not None else value for i, value in enumerate(row)])
        for row in rows
    ]


def _rows_in(
    session: Session, model: Any, column: str, ids: Sequence[Any], order_by: Sequence[str] = ()
) -> list[Row]:
    """The rows of `model` whose `column` is one of `ids` (UUIDs or their text), as plain named tuples
    with their UUIDs as text."""
    if not ids:
        return []
    connection = session.connection()
    table = _table(model)
    key = table.c[column]
    ordering = [table.c[name] for name in order_by]
    if connection.dialect.name == "postgresql":
        # One array parameter instead of an IN list of hundreds: the statement's text stays the same (so
        # SQLAlchemy's compiled cache and the server's prepared statement serve every batch) and neither
        # side renders or parses a placeholder per id, which cost a third of a batch's loading time. The
        # ids go as text and the server casts them (the index on the key still serves).
        wanted = key == any_(cast(bindparam("ids", type_=ARRAY(Text)), ARRAY(key.type)))
        return _plain(
            table,
            connection,
            lambda columns: select(*columns).where(wanted).order_by(*ordering),
            {"ids": [str(i) for i in ids]},
        )
    as_uuids = [i if isinstance(i, uuid.UUID) else uuid.UUID(i) for i in ids]
    rows: list[Row] = []
    for start in range(0, len(as_uuids), CHUNK):
        rows.extend(
            _plain(table, connection, partial(_in_chunk, key, as_uuids[start : start + CHUNK], ordering))
        )
    return rows


def _in_chunk(key: Any, chunk: list[uuid.UUID], ordering: list[Any], columns: list[Any]) -> Any:
    return select(*columns).where(key.in_(chunk)).order_by(*ordering)


def _all(session: Session, model: Any) -> list[Row]:
    table = _table(model)
    return _plain(table, session.connection(), lambda columns: select(*columns))


def _group(rows: Iterable[Row], key: str) -> dict[Any, list[Row]]:
    grouped: dict[Any, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


def _keyed(ids: Sequence[Any], found: dict[str, B]) -> dict[Any, B]:
    """`found` (by id as text) keyed by the ids the caller gave (UUIDs or text)."""
    return {given: found[key] for given in ids if (key := str(given)) in found}


def load_lookups(session: Session) -> Lookups:
    """The code tables: municipalities, regions, and labels of every known vocabulary term."""
    municipalities = {row.code: row for row in _all(session, Municipality)}
    regions = {row.code: row for row in _all(session, Region)}
    terms: dict[tuple[str, str], TermInfo] = {}
    for row in _all(session, TaxonomyTerm):
        terms[(row.taxonomy, row.code)] = TermInfo(
            Labels(row.label_fi, row.label_sv, row.label_en), row.parent_code
        )
    for row in _all(session, Theme):
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
    session: Session, ids: Sequence[Any], *, as_json: bool = False
) -> dict[Any, LocationBundle]:
    ids = list(dict.fromkeys(ids))
    rows = _rows_in(session, Location, "id", ids)
    schedules = _group(_rows_in(session, Schedule, "location_id", ids, ("sort_order",)), "location_id")
    contacts = _group(_rows_in(session, Contact, "location_id", ids, ("sort_order",)), "location_id")
    found = {
        row.id: LocationBundle(row, schedules.get(row.id, []), contacts.get(row.id, []), as_json=as_json)
        for row in rows
    }
    return _keyed(ids, found)


def load_organisation_bundles(session: Session, ids: Sequence[Any]) -> dict[Any, OrganisationBundle]:
    ids = list(dict.fromkeys(ids))
    rows = _rows_in(session, Organisation, "id", ids)
    contacts = _group(_rows_in(session, Contact, "organisation_id", ids, ("sort_order",)), "organisation_id")
    return _keyed(ids, {row.id: OrganisationBundle(row, contacts.get(row.id, [])) for row in rows})


def _through(
    cache: dict[Any, B], limit: int, ids: Sequence[Any], load: Callable[[list[Any]], dict[Any, B]]
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
    session: Session, given: Sequence[uuid.UUID | str], cache: StreamCache | None = None
) -> list[ServiceBundle]:
    """The services with these ids and everything their full HSDS record needs, in the given order.

    With a stream's `cache`, places and organisations an earlier batch loaded are taken from it."""
    ids = list(dict.fromkeys(str(i) for i in given))  # rows carry their ids as text
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

        def load_places(missing: list[Any]) -> dict[Any, LocationBundle]:
            cache.loaded(missing)
            return load_location_bundles(session, missing, as_json=True)

        locations = _through(cache.locations, cache.max_locations, location_ids, load_places)
    sal_schedules = _group(
        _rows_in(session, Schedule, "service_at_location_id", [row.id for row in sal_rows], ("sort_order",)),
        "service_at_location_id",
    )
    sals: dict[Any, list[SalBundle]] = defaultdict(list)
    for row in sorted(sal_rows, key=lambda r: r.id):
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
