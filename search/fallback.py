"""Database-backed search: what answers (with `degraded: true`) when the search engine is down.

Plain SQL that runs on SQLite and PostgreSQL: every word must appear in a name, summary,
description or term label; if nothing matches all words, any word will do (`relaxed`).
"""

from __future__ import annotations

import dataclasses
import html
import json
import math
import re
import uuid
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import (
    String,
    and_,
    case,
    column,
    func,
    literal,
    literal_column,
    or_,
    table,
    type_coerce,
    union,
    union_all,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import aliased, selectinload
from sqlalchemy.sql import Select
from sqlmodel import Session, col, select

from app.catalogue import meeting_times
from app.catalogue.enums import ServiceStatus, Taxonomy
from app.catalogue.meeting_times import ScheduleLike
from app.catalogue.models import (
    Location,
    Organisation,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceTerm,
)
from app.catalogue.overlay import ServiceOverlay
from search.documents import SUMMARY_LIMIT, when_lines
from search.types import (
    Facet,
    FacetValue,
    GeoPoint,
    SearchHit,
    SearchQuery,
    SearchResult,
    Sort,
    chosen_facets,
    without_filter,
)

_TEXT_FIELDS = [
    f"{name}_{lang}" for name in ("name", "summary", "description") for lang in ("fi", "sv", "en")
]
_WORD = re.compile(r"\w+", re.UNICODE)
EARTH_RADIUS_KM = 6371.0088


def words_of(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if len(w) >= 2][:8]


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def _like(column: Any, word: str) -> Any:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(f"%{escaped}%", escape="\\")


def _joined(columns: Sequence[Any]) -> Any:
    """coalesce(a, '') || ' ' || coalesce(b, '') ...: the fields of a row as one text. A word (\\w+)
    never holds the space, so it matches within one field as it did field by field. Spelled as the
    migration 20261207_fallback_1 spells its index expressions (constants inline, left to right):
    PostgreSQL uses an expression index only for the identical expression."""
    parts = [func.coalesce(column, literal_column("''")) for column in columns]
    joined: Any = parts[0]
    for part in parts[1:]:
        joined = joined.op("||")(literal_column("' '")).op("||")(part)
    return func.lower(joined)


def _word_sources_postgresql(word: str) -> list[Any]:
    """Selections of the ids of services with the word in their texts or in their term labels,
    through the pg_trgm indexes (a sequential scan where the extension could not be created: the same
    answer, slower)."""
    service = aliased(Service)
    own = select(service.id).where(_like(_joined([getattr(service, name) for name in _TEXT_FIELDS]), word))
    labels = _joined([getattr(ServiceTerm, f"label_{lang}") for lang in ("fi", "sv", "en")])
    return [own, select(ServiceTerm.service_id).where(_like(labels, word))]


# SQLite: FTS5 trigram tables the migration keeps in step with triggers. Their rowids are those of
# service_text_key, which maps them to service ids.
_TEXT_KEY = table("service_text_key", column("id"), column("service_id"))
_TEXTS = table("service_text", column("rowid"), column("body"))
_LABEL_TEXTS = table("service_label_text", column("rowid"), column("body"))
_INDEX_NAMES = {"ix_service_search_text", "ix_service_term_search_text"}


def outside_the_models(name: str | None, type_: str) -> bool:
    """Whether a database object is one of the text indexes above, which the migration
    20261207_fallback_1 keeps and the models do not describe (no SQLAlchemy construct for an FTS5
    table or an index that exists only where pg_trgm does): comparing models with the database
    (autogenerate, tests/test_migrations.py) leaves them out. FTS5 adds its own tables named
    after its table (service_text_data, ..._idx, ..._content, ..._docsize, ..._config)."""
    if name is None:
        return False
    if type_ == "table":
        return any(name == t or name.startswith(f"{t}_") for t in (_TEXTS.name, _LABEL_TEXTS.name))
    return type_ == "index" and name in _INDEX_NAMES


def _word_sources_sqlite(word: str) -> list[Any]:
    """As _word_sources_postgresql. The trigram tokenizer folds case (all of Unicode, where SQLite's
    lower() folds ASCII only) and a phrase of a word's trigrams is the word as a substring; a word
    shorter than a trigram is looked for with LIKE over the same texts (a scan)."""

    def found(fts: Any) -> Any:
        if len(word) >= 3:
            condition = literal_column(fts.name).op("MATCH")('"' + word.replace('"', '""') + '"')
        else:
            condition = _like(fts.c.body, word)
        return select(_TEXT_KEY.c.service_id).where(_TEXT_KEY.c.id.in_(select(fts.c.rowid).where(condition)))

    return [found(_TEXTS), found(_LABEL_TEXTS)]


def _with_any_word(dialect: str, words: Sequence[str]) -> Any:
    """The services with any of the words in their texts or term labels (one word: with that word)."""
    sources = _word_sources_sqlite if dialect == "sqlite" else _word_sources_postgresql
    return col(Service.id).in_(union(*(source for word in words for source in sources(word))))


def _term_in(taxonomy: Taxonomy, codes: Sequence[str]) -> Any:
    return (
        select(ServiceTerm.service_id)
        .where(
            ServiceTerm.service_id == Service.id,
            ServiceTerm.taxonomy == taxonomy.value,
            col(ServiceTerm.code).in_(codes),
        )
        .exists()
    )


def _location_exists(*conditions: Any) -> Any:
    return (
        select(ServiceAtLocation.id)
        .join(Location, col(Location.id) == ServiceAtLocation.location_id)
        .where(ServiceAtLocation.service_id == Service.id, *conditions)
        .exists()
    )


def _overlay_exists(condition: Any) -> Any:
    """The provider's overlay of the service says so (capacity, referrals)."""
    return (
        select(ServiceOverlay.service_id).where(ServiceOverlay.service_id == Service.id, condition).exists()
    )


def _json_list_has(column: Any, values: Sequence[str]) -> Any:
    """A JSON list column holds any of the values. Its text holds each member quoted, as the JSON
    serialiser wrote it; the values are checked codes (languages, accessibility features), and LIKE's
    wildcards in them are escaped. One test on a column, where a JSON function would need a join."""
    text = sql_cast(column, String)
    return or_(*(_like(text, json.dumps(value)) for value in values))


def _filters(query: SearchQuery) -> list[Any]:
    conditions: list[Any] = [
        col(Service.status).in_([ServiceStatus.ACTIVE.value, ServiceStatus.TEMPORARILY_CLOSED.value])
    ]
    if query.municipalities:
        # As the engines index it (search.documents): a place in the municipality or offered to it.
        conditions.append(
            or_(
                _location_exists(col(Location.municipality_code).in_(query.municipalities)),
                select(ServiceArea.service_id)
                .where(
                    ServiceArea.service_id == Service.id,
                    col(ServiceArea.municipality_code).in_(query.municipalities),
                )
                .exists(),
            )
        )
    if query.themes:
        conditions.append(_term_in(Taxonomy.THEME, query.themes))
    if query.target_groups:
        conditions.append(_term_in(Taxonomy.PTV_TARGET_GROUP, query.target_groups))
    if query.formats:
        conditions.append(_term_in(Taxonomy.FORMAT, query.formats))
    if query.free is not None:
        conditions.append(Service.is_free == query.free)
    if query.capacities:
        conditions.append(_overlay_exists(col(ServiceOverlay.capacity).in_(query.capacities)))
    if query.referrals:
        answers = [value == "true" for value in query.referrals]
        conditions.append(_overlay_exists(col(ServiceOverlay.accepts_referrals).in_(answers)))
    if query.provider_kinds:
        conditions.append(
            select(Organisation.id)
            .where(
                Organisation.id == Service.organisation_id, col(Organisation.kind).in_(query.provider_kinds)
            )
            .exists()
        )
    if query.languages:
        conditions.append(_json_list_has(Service.languages, query.languages))
    if query.accessibility:
        # As the engines index it: a feature of any of the service's places.
        conditions.append(
            _location_exists(_json_list_has(Location.accessibility_features, query.accessibility))
        )
    if query.age is not None:
        conditions.append(or_(col(Service.min_age).is_(None), col(Service.min_age) <= query.age))
        conditions.append(or_(col(Service.max_age).is_(None), col(Service.max_age) >= query.age))
    return conditions


def _name_order() -> list[Any]:
    return [func.lower(func.coalesce(Service.name_fi, Service.name_sv, Service.name_en)), col(Service.id)]


def _matching_ids(session: Session, conditions: list[Any], limit: int | None = None) -> list[uuid.UUID]:
    statement = select(Service.id).where(*conditions).order_by(*_name_order())
    if limit is not None:
        statement = statement.limit(limit)
    return list(session.exec(statement).all())


def _around(point: tuple[float, float], radius_km: float) -> list[Any]:
    """A latitude/longitude box around the circle (a little larger): places outside it are farther
    than radius_km, so SQL leaves them out before haversine_km measures the rest exactly."""
    lat, lon = point
    angle = radius_km / EARTH_RADIUS_KM * 1.001 + 1e-9  # radians, with room for rounding
    dlat = math.degrees(angle)
    conditions = [col(Location.latitude).between(lat - dlat, lat + dlat)]
    if abs(lat) + dlat < 89.0 and angle < math.pi / 2:
        dlon = math.degrees(math.asin(min(1.0, math.sin(angle) / math.cos(math.radians(abs(lat) + dlat)))))
        if lon - dlon >= -180.0 and lon + dlon <= 180.0:
            conditions.append(col(Location.longitude).between(lon - dlon, lon + dlon))
    return conditions


def _distances(session: Session, matched: Select[Any], point: tuple[float, float]) -> dict[uuid.UUID, float]:
    rows = session.exec(
        select(ServiceAtLocation.service_id, Location.latitude, Location.longitude)
        .join(Location, col(Location.id) == ServiceAtLocation.location_id)
        .where(
            col(ServiceAtLocation.service_id).in_(matched),
            col(Location.latitude).is_not(None),
            col(Location.longitude).is_not(None),
        )
    ).all()
    nearest: dict[uuid.UUID, float] = {}
    for service_id, lat, lon in rows:
        if lat is None or lon is None:
            continue
        distance = haversine_km(point, (lat, lon))
        if distance < nearest.get(service_id, math.inf):
            nearest[service_id] = distance
    return nearest


# Above this many matches the fallback (a degraded mode) leaves the schedule facets uncounted rather
# than read every schedule of the catalogue on each search; their filters still hold.
PYTHON_FACET_LIMIT = 5000
# Ids per statement where a list of ids is looked up (SQLite limits a statement's parameters).
_ID_CHUNK = 500


# What meeting_times.when_facets reads of a schedule: selected as plain rows, not ORM objects
# (building thousands of Schedule objects was most of a degraded search's time).
_SCHEDULE_COLUMNS = [
    col(getattr(Schedule, name))
    for name in (
        "kind",
        "byday",
        "opens_at",
        "closes_at",
        "closes_next_day",
        "valid_from",
        "valid_to",
        "closed",
        "by_appointment",
        "rrule",
        "dtstart",
        "until",
        "exdates",
    )
]


@dataclasses.dataclass
class _When:
    meetings: list[ScheduleLike] = dataclasses.field(default_factory=list)
    hours: list[ScheduleLike] = dataclasses.field(default_factory=list)


_WhenFacets = dict[uuid.UUID, tuple[list[str], list[str]]]


def _when_facets(session: Session, ids: list[uuid.UUID], known: _WhenFacets) -> _WhenFacets:
    """(weekdays, times of day) of each service, by the rule of the search documents
    (meeting_times.when_facets): its meeting times, else its places' opening hours. `known` holds
    those read before in the same search (a chosen facet's alternatives read the same services
    again); what is read here is added to it."""
    missing = [i for i in ids if i not in known]
    rows: dict[uuid.UUID, _When] = {i: _When() for i in missing}
    for start in range(0, len(missing), _ID_CHUNK):
        chunk = missing[start : start + _ID_CHUNK]
        own = select(col(Schedule.service_id), *_SCHEDULE_COLUMNS).where(col(Schedule.service_id).in_(chunk))
        for row in session.execute(own):
            rows[row[0]].meetings.append(cast(ScheduleLike, row))
            rows[row[0]].hours.append(cast(ScheduleLike, row))
        at_place = (
            select(col(ServiceAtLocation.service_id), *_SCHEDULE_COLUMNS)
            .join(Schedule, col(Schedule.service_at_location_id) == ServiceAtLocation.id)
            .where(col(ServiceAtLocation.service_id).in_(chunk))
        )
        for row in session.execute(at_place):
            rows[row[0]].meetings.append(cast(ScheduleLike, row))
        of_place = (
            select(col(ServiceAtLocation.service_id), *_SCHEDULE_COLUMNS)
            .join(Schedule, col(Schedule.location_id) == ServiceAtLocation.location_id)
            .where(col(ServiceAtLocation.service_id).in_(chunk))
        )
        for row in session.execute(of_place):
            rows[row[0]].hours.append(cast(ScheduleLike, row))
    known.update((i, meeting_times.when_facets(w.meetings, w.hours)) for i, w in rows.items())
    return known


def _python_filtering(query: SearchQuery) -> bool:
    """Whether a filter only Python can apply is chosen (weekdays and times of day: schedules)."""
    return bool(query.weekdays or query.times_of_day)


def _python_filters(
    session: Session, query: SearchQuery, ids: list[uuid.UUID], known: _WhenFacets
) -> tuple[list[uuid.UUID], dict[str, list[FacetValue]]]:
    """The filters and facets SQL cannot answer: weekdays and times of day, which a service's
    schedules decide by the rules of meeting_times. The ids that pass, and their counts."""
    if not ids:
        return ids, {}
    if not _python_filtering(query) and len(ids) > PYTHON_FACET_LIMIT:
        return ids, {}
    when = _when_facets(session, ids, known)
    kept = [
        i
        for i in ids
        if (not query.weekdays or set(query.weekdays) & set(when[i][0]))
        and (not query.times_of_day or set(query.times_of_day) & set(when[i][1]))
    ]
    counts: dict[str, dict[str, int]] = {Facet.WEEKDAY.value: {}, Facet.TIME_OF_DAY.value: {}}
    for i in kept:
        for facet, values in ((Facet.WEEKDAY.value, when[i][0]), (Facet.TIME_OF_DAY.value, when[i][1])):
            for value in values:
                counts[facet][value] = counts[facet].get(value, 0) + 1
    return kept, {
        facet: [FacetValue(v, c) for v, c in sorted(values.items(), key=lambda item: (-item[1], item[0]))]
        for facet, values in counts.items()
        if values
    }


_TERM_FACETS = {
    Taxonomy.THEME.value: Facet.THEME,
    Taxonomy.PTV_TARGET_GROUP.value: Facet.TARGET_GROUP,
    Taxonomy.FORMAT.value: Facet.FORMAT,
}
# In this order in the result, as the engines give them.
_SQL_FACETS = (
    Facet.MUNICIPALITY,
    Facet.THEME,
    Facet.TARGET_GROUP,
    Facet.FORMAT,
    Facet.FREE,
    Facet.CAPACITY,
    Facet.REFERRALS,
    Facet.PROVIDER_KIND,
    Facet.LANGUAGE,
    Facet.ACCESSIBILITY,
)
# Counted in SQL from JSON lists, for results up to PYTHON_FACET_LIMIT (each costs a parse of every
# match's list, half a second at 100,000 services) and, like the schedule facets, left out when no
# match has a value.
_LIST_FACETS = (Facet.LANGUAGE.value, Facet.ACCESSIBILITY.value)


_TOTAL = "total"  # the row of _facet_rows that counts the matches themselves


def _list_members(dialect: str, column: Any) -> Any:
    """The members of a JSON list column as rows with a `value`, beside the row that holds the list
    (a function in FROM may read the rows before it on both engines)."""
    if dialect == "sqlite":
        return func.json_each(column).table_valued("value")
    return func.json_array_elements_text(column).table_valued("value").render_derived()


def _facet_rows(matched: Select[Any], dialect: str, *, lists: bool) -> Any:
    """One statement counting every SQL facet of the services `matched` selects: the matches are
    found once (a CTE) rather than once per facet and per chunk of ids."""
    ids = matched.cte("matched")
    within = select(ids.c[0])
    # Services by municipality, where they have a place or which they are offered to (the index's way).
    places = union(
        select(ServiceAtLocation.service_id, col(Location.municipality_code).label("code"))
        .join(Location, col(Location.id) == ServiceAtLocation.location_id)
        .where(col(ServiceAtLocation.service_id).in_(within)),
        select(ServiceArea.service_id, col(ServiceArea.municipality_code).label("code")).where(
            col(ServiceArea.service_id).in_(within)
        ),
    ).subquery()

    def text(value: Any) -> Any:
        return type_coerce(value, String)

    lists_of_values = []
    if lists:
        languages = _list_members(dialect, Service.languages)
        # A service has a feature when one of its places has it: counted once per service. The
        # places' lists are read once each, then joined to the services' places.
        features = _list_members(dialect, Location.accessibility_features)
        place_features = (
            select(col(Location.id).label("location_id"), features.c.value.label("value"))
            .select_from(Location)
            .join(features, literal_column("1") == literal_column("1"))
            .subquery()
        )
        lists_of_values = [
            select(literal(Facet.LANGUAGE.value, String), text(languages.c.value), func.count())
            .select_from(Service)
            .join(languages, literal_column("1") == literal_column("1"))
            .where(col(Service.id).in_(within))
            .group_by(languages.c.value),
            select(
                literal(Facet.ACCESSIBILITY.value, String),
                text(place_features.c.value),
                func.count(func.distinct(ServiceAtLocation.service_id)),
            )
            .join(place_features, place_features.c.location_id == ServiceAtLocation.location_id)
            .where(col(ServiceAtLocation.service_id).in_(within))
            .group_by(place_features.c.value),
        ]
    return union_all(
        select(literal(_TOTAL, String), literal("", String), func.count()).select_from(ids),
        select(
            literal(Facet.MUNICIPALITY.value, String),
            text(places.c.code),
            func.count(func.distinct(places.c.service_id)),
        )
        .where(places.c.code.is_not(None))
        .group_by(places.c.code),
        select(text(ServiceTerm.taxonomy), text(ServiceTerm.code), func.count())
        .where(col(ServiceTerm.service_id).in_(within), col(ServiceTerm.taxonomy).in_(list(_TERM_FACETS)))
        .group_by(ServiceTerm.taxonomy, ServiceTerm.code),
        select(
            literal(Facet.FREE.value, String),
            case((col(Service.is_free).is_(True), literal("true", String)), else_=literal("false", String)),
            func.count(),
        )
        .where(col(Service.id).in_(within), col(Service.is_free).is_not(None))
        .group_by(col(Service.is_free)),
        select(literal(Facet.CAPACITY.value, String), text(ServiceOverlay.capacity), func.count())
        .where(col(ServiceOverlay.service_id).in_(within), col(ServiceOverlay.capacity).is_not(None))
        .group_by(col(ServiceOverlay.capacity)),
        select(
            literal(Facet.REFERRALS.value, String),
            case(
                (col(ServiceOverlay.accepts_referrals).is_(True), literal("true", String)),
                else_=literal("false", String),
            ),
            func.count(),
        )
        .where(col(ServiceOverlay.service_id).in_(within), col(ServiceOverlay.accepts_referrals).is_not(None))
        .group_by(col(ServiceOverlay.accepts_referrals)),
        select(literal(Facet.PROVIDER_KIND.value, String), text(Organisation.kind), func.count())
        .join(Service, col(Service.organisation_id) == Organisation.id)
        .where(col(Service.id).in_(within), col(Organisation.kind).is_not(None))
        .group_by(Organisation.kind),
        *lists_of_values,
    )


def _facets(
    session: Session, matched: Select[Any] | list[uuid.UUID]
) -> tuple[dict[str, list[FacetValue]], int]:
    """The SQL facets and the count of the services `matched` selects, or of a list of ids (in
    chunks: SQLite limits the parameters of a statement; the chunks do not overlap, so their counts
    add up). A list of ids is looked up by key, not searched for again. Languages and accessibility
    are counted for up to PYTHON_FACET_LIMIT ids (see _LIST_FACETS)."""
    lists = not isinstance(matched, Select) and len(matched) <= PYTHON_FACET_LIMIT
    selections = (
        [matched]
        if isinstance(matched, Select)
        else [
            select(Service.id).where(col(Service.id).in_(matched[i : i + _ID_CHUNK]))
            for i in range(0, len(matched), _ID_CHUNK)
        ]
    )
    counts: dict[str, dict[str, int]] = {facet.value: {} for facet in _SQL_FACETS}
    total = 0
    dialect = session.get_bind().dialect.name
    for selection in selections:
        for name, value, count in session.execute(_facet_rows(selection, dialect, lists=lists)):
            if name == _TOTAL:
                total += count
                continue
            facet = str(_TERM_FACETS.get(name, name))
            counts[facet][value] = counts[facet].get(value, 0) + count
    facets = {
        facet: [FacetValue(v, c) for v, c in sorted(values.items(), key=lambda item: (-item[1], item[0]))]
        for facet, values in counts.items()
        if values or (facet not in _LIST_FACETS)
    }
    return facets, total


def _snippet(service: Service, words: list[str], lang: str) -> str | None:
    if not words:
        return None
    order = [lang, *[other for other in ("fi", "sv", "en") if other != lang]]
    for field in ("summary", "description"):
        for language in order:
            text = getattr(service, f"{field}_{language}") or ""
            lowered = text.lower()
            position = min((p for p in (lowered.find(w) for w in words) if p >= 0), default=-1)
            if position < 0:
                continue
            start = max(0, position - 60)
            excerpt = (
                ("…" if start else "") + text[start : start + 180] + ("…" if start + 180 < len(text) else "")
            )
            escaped = html.escape(excerpt)
            pattern = re.compile("|".join(re.escape(html.escape(w)) for w in words), re.IGNORECASE)
            return pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", escaped)
    return None


def _localized(obj: Any, prefix: str) -> dict[str, str]:
    return {lang: value for lang in ("fi", "sv", "en") if (value := getattr(obj, f"{prefix}_{lang}", None))}


def search_database(session: Session, query: SearchQuery) -> SearchResult:
    """Search the catalogue tables; a chosen facet counts its alternatives (see search.service)."""
    known: _WhenFacets = {}
    result = _search_database(session, query, known=known)
    for facet in chosen_facets(query):
        other = _search_database(
            session,
            dataclasses.replace(without_filter(query, facet), page=1),
            items=False,
            only=facet,
            known=known,
        )
        if facet.value in other.facets:  # the database counts some facets only (see _facets)
            result.facets[facet.value] = other.facets[facet.value]
    return result


_PYTHON_FACETS = (Facet.WEEKDAY, Facet.TIME_OF_DAY)


def _search_database(
    session: Session,
    query: SearchQuery,
    *,
    items: bool = True,
    only: Facet | None = None,
    known: _WhenFacets | None = None,
) -> SearchResult:
    """The matches, their facets and (with `items`) the page of hits.

    The ids of every match are read only when Python must look at each one (distance, schedules,
    or few enough matches to count their schedule facets); otherwise SQL
    counts, pages and counts the facets of a large result itself."""
    words = words_of(query.q)
    filters = _filters(query)
    if query.near is not None and query.radius_km is not None:
        filters.append(_location_exists(*_around(query.near, query.radius_km)))
    # Distances decide a radius, and order a page; counting a chosen facet's alternatives without a
    # radius needs none.
    measuring = query.near is not None and (query.radius_km is not None or items)
    by_python = measuring or _python_filtering(query)
    limit = None if by_python else PYTHON_FACET_LIMIT + 1
    relaxed = False
    dialect = session.get_bind().dialect.name
    conditions = [*filters, *(_with_any_word(dialect, [w]) for w in words)]
    ids = _matching_ids(session, conditions, limit)
    if not ids and len(words) > 1:
        conditions = [*filters, _with_any_word(dialect, words)]
        ids = _matching_ids(session, conditions, limit)
        relaxed = bool(ids)
    matched = select(Service.id).where(*conditions)
    start = (query.page - 1) * query.per_page
    distances: dict[uuid.UUID, float] = {}
    if not by_python and len(ids) > PYTHON_FACET_LIMIT:
        # A large result: counted and faceted in SQL, in one more pass over the matches (the
        # schedule facets are left uncounted: see PYTHON_FACET_LIMIT). The first
        # ids in name order are at hand; a page beyond them is read on its own.
        facets, total = _facets(session, matched)
        if not items:
            page_ids = []
        elif start + query.per_page <= len(ids):
            page_ids = ids[start : start + query.per_page]
        else:
            page_ids = list(
                session.exec(matched.order_by(*_name_order()).offset(start).limit(query.per_page)).all()
            )
    else:
        if measuring and query.near is not None and ids:
            distances = _distances(session, matched, query.near)
            if query.radius_km is not None:
                ids = [i for i in ids if distances.get(i, math.inf) <= query.radius_km]
            if query.sort is Sort.DISTANCE or query.radius_km is not None:
                ids.sort(key=lambda i: distances.get(i, math.inf))
        if only is not None and only not in _PYTHON_FACETS and not _python_filtering(query):
            python_facets: dict[str, list[FacetValue]] = {}  # only `only` is wanted, and SQL counts it
        else:
            ids, python_facets = _python_filters(session, query, ids, {} if known is None else known)
        if not ids:
            facets = {}
        elif query.radius_km is None and not _python_filtering(query) and len(ids) > PYTHON_FACET_LIMIT:
            # Python only ordered the matches (by distance): SQL counts them all in one pass.
            facets = _facets(session, matched)[0]
        else:
            facets = _facets(session, ids)[0]
        facets.update(python_facets)
        total = len(ids)
        page_ids = ids[start : start + query.per_page] if items else []
    if not items:
        return SearchResult(
            items=[], total=total, facets=facets, page=query.page, per_page=query.per_page, relaxed=relaxed
        )
    services = {
        s.id: s
        for s in session.exec(
            select(Service)
            .where(col(Service.id).in_(page_ids))
            .options(
                selectinload(Service.organisation),  # type: ignore[arg-type]
                selectinload(Service.terms),  # type: ignore[arg-type]
                selectinload(Service.schedules),  # type: ignore[arg-type]
                selectinload(Service.service_at_locations).selectinload(ServiceAtLocation.location),  # type: ignore[arg-type]
                selectinload(Service.service_at_locations).selectinload(ServiceAtLocation.schedules),  # type: ignore[arg-type]
            )
        ).all()
    }
    overlays = {
        o.service_id: o
        for o in session.exec(select(ServiceOverlay).where(col(ServiceOverlay.service_id).in_(page_ids)))
    }
    hits = []
    for service_id in page_ids:
        overlay = overlays.get(service_id)
        service = services[service_id]
        locations = [sal.location for sal in service.service_at_locations]
        hits.append(
            SearchHit(
                id=str(service.id),
                source=service.source,
                external_id=service.external_id,
                name=_localized(service, "name"),
                summary={lang: text[:SUMMARY_LIMIT] for lang, text in _localized(service, "summary").items()},
                snippet=_snippet(service, words, query.lang),
                distance_km=round(distances[service_id], 2) if service_id in distances else None,
                organisation_name=_localized(service.organisation, "name"),
                municipality_codes=tuple(
                    sorted({loc.municipality_code for loc in locations if loc.municipality_code})
                ),
                themes=tuple(sorted(t.code for t in service.terms if t.taxonomy == Taxonomy.THEME.value)),
                is_free=service.is_free,
                points=tuple(
                    GeoPoint(loc.latitude, loc.longitude)
                    for loc in locations
                    if loc.latitude is not None and loc.longitude is not None
                ),
                demo=service.is_demo,
                when=when_lines(service),
                formats=tuple(sorted(t.code for t in service.terms if t.taxonomy == Taxonomy.FORMAT.value)),
                capacity=overlay.capacity.value if overlay and overlay.capacity else None,
                accepts_referrals=overlay.accepts_referrals if overlay else None,
            )
        )
    return SearchResult(
        items=hits,
        total=total,
        facets=facets,
        page=query.page,
        per_page=query.per_page,
        relaxed=relaxed,
    )


__all__ = ["and_", "haversine_km", "search_database", "words_of"]
