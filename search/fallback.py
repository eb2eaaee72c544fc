"""Database-backed search: what answers (with `degraded: true`) when the search engine is down.

Plain SQL that runs on SQLite and PostgreSQL: every word must appear in a name, summary,
description or term label; if nothing matches all words, any word will do (`relaxed`).
"""

from __future__ import annotations

import dataclasses
import html
import math
import re
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, func, or_, union
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from app.catalogue import meeting_times
from app.catalogue.enums import ServiceStatus, Taxonomy
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
    return func.lower(column).like(f"%{escaped}%", escape="\\")


def _word_condition(word: str) -> Any:
    in_text = [_like(getattr(Service, name), word) for name in _TEXT_FIELDS]
    in_terms = (
        select(ServiceTerm.service_id)
        .where(
            ServiceTerm.service_id == Service.id,
            or_(*(_like(getattr(ServiceTerm, f"label_{lang}"), word) for lang in ("fi", "sv", "en"))),
        )
        .exists()
    )
    return or_(*in_text, in_terms)


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


def _municipality_counts(chunk: Sequence[uuid.UUID]) -> Any:
    """Services by municipality, where they have a place or which they are offered to (the index's way)."""
    pairs = union(
        select(ServiceAtLocation.service_id, col(Location.municipality_code).label("code"))
        .join(Location, col(Location.id) == ServiceAtLocation.location_id)
        .where(col(ServiceAtLocation.service_id).in_(chunk)),
        select(ServiceArea.service_id, col(ServiceArea.municipality_code).label("code")).where(
            col(ServiceArea.service_id).in_(chunk)
        ),
    ).subquery()
    return select(pairs.c.code, func.count(func.distinct(pairs.c.service_id))).group_by(pairs.c.code)


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
    if query.age is not None:
        conditions.append(or_(col(Service.min_age).is_(None), col(Service.min_age) <= query.age))
        conditions.append(or_(col(Service.max_age).is_(None), col(Service.max_age) >= query.age))
    return conditions


def _matching_ids(session: Session, conditions: list[Any]) -> list[uuid.UUID]:
    name = func.lower(func.coalesce(Service.name_fi, Service.name_sv, Service.name_en))
    return list(session.exec(select(Service.id).where(*conditions).order_by(name, col(Service.id))).all())


def _distances(session: Session, ids: list[uuid.UUID], point: tuple[float, float]) -> dict[uuid.UUID, float]:
    rows = session.exec(
        select(ServiceAtLocation.service_id, Location.latitude, Location.longitude)
        .join(Location, col(Location.id) == ServiceAtLocation.location_id)
        .where(col(ServiceAtLocation.service_id).in_(ids), col(Location.latitude).is_not(None))
    ).all()
    nearest: dict[uuid.UUID, float] = {}
    for service_id, lat, lon in rows:
        if lat is None or lon is None:
            continue
        distance = haversine_km(point, (lat, lon))
        if distance < nearest.get(service_id, math.inf):
            nearest[service_id] = distance
    return nearest


# Above this many matches the fallback (a degraded mode) leaves the schedule and accessibility facets
# uncounted rather than read every schedule of the catalogue on each search; their filters still hold.
PYTHON_FACET_LIMIT = 5000


@dataclasses.dataclass
class _When:
    meetings: list[Schedule] = dataclasses.field(default_factory=list)
    hours: list[Schedule] = dataclasses.field(default_factory=list)


def _when_facets(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[list[str], list[str]]]:
    """(weekdays, times of day) of each service, by the rule of the search documents
    (meeting_times.when_facets): its meeting times, else its places' opening hours."""
    rows: dict[uuid.UUID, _When] = {i: _When() for i in ids}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for schedule in session.exec(select(Schedule).where(col(Schedule.service_id).in_(chunk))):
            assert schedule.service_id is not None
            rows[schedule.service_id].meetings.append(schedule)
            rows[schedule.service_id].hours.append(schedule)
        at_place = (
            select(ServiceAtLocation.service_id, Schedule)
            .join(Schedule, col(Schedule.service_at_location_id) == ServiceAtLocation.id)
            .where(col(ServiceAtLocation.service_id).in_(chunk))
        )
        for service_id, schedule in session.exec(at_place):
            rows[service_id].meetings.append(schedule)
        of_place = (
            select(ServiceAtLocation.service_id, Schedule)
            .join(Schedule, col(Schedule.location_id) == ServiceAtLocation.location_id)
            .where(col(ServiceAtLocation.service_id).in_(chunk))
        )
        for service_id, schedule in session.exec(of_place):
            rows[service_id].hours.append(schedule)
    return {i: meeting_times.when_facets(w.meetings, w.hours) for i, w in rows.items()}


def _accessibility(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, set[str]]:
    """The accessibility features of each service's places (a JSON list on the place)."""
    features: dict[uuid.UUID, set[str]] = {i: set() for i in ids}
    for start in range(0, len(ids), 500):
        for service_id, values in session.exec(
            select(ServiceAtLocation.service_id, Location.accessibility_features)
            .join(Location, col(Location.id) == ServiceAtLocation.location_id)
            .where(col(ServiceAtLocation.service_id).in_(ids[start : start + 500]))
        ):
            features[service_id].update(values or ())
    return features


def _languages(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, set[str]]:
    """The languages each service is offered in (a JSON list on the service)."""
    languages: dict[uuid.UUID, set[str]] = {}
    for start in range(0, len(ids), 500):
        for service_id, values in session.exec(
            select(Service.id, Service.languages).where(col(Service.id).in_(ids[start : start + 500]))
        ):
            languages[service_id] = set(values or ())
    return languages


def _python_filters(
    session: Session, query: SearchQuery, ids: list[uuid.UUID]
) -> tuple[list[uuid.UUID], dict[str, list[FacetValue]]]:
    """The filters and facets the tables cannot answer in SQL on both engines (schedules decide
    weekdays and times of day; features and languages are JSON lists): the ids that pass, and
    their counts."""
    if not ids:
        return ids, {}
    filtering = bool(query.weekdays or query.times_of_day or query.accessibility or query.languages)
    if not filtering and len(ids) > PYTHON_FACET_LIMIT:
        return ids, {}
    when = _when_facets(session, ids)
    features = _accessibility(session, ids)
    languages = _languages(session, ids)
    kept = [
        i
        for i in ids
        if (not query.weekdays or set(query.weekdays) & set(when[i][0]))
        and (not query.times_of_day or set(query.times_of_day) & set(when[i][1]))
        and (not query.accessibility or set(query.accessibility) & features[i])
        and (not query.languages or set(query.languages) & languages[i])
    ]
    counts: dict[str, dict[str, int]] = {
        Facet.WEEKDAY.value: {},
        Facet.TIME_OF_DAY.value: {},
        Facet.ACCESSIBILITY.value: {},
        Facet.LANGUAGE.value: {},
    }
    for i in kept:
        for facet, values in (
            (Facet.WEEKDAY.value, when[i][0]),
            (Facet.TIME_OF_DAY.value, when[i][1]),
            (Facet.ACCESSIBILITY.value, sorted(features[i])),
            (Facet.LANGUAGE.value, sorted(languages[i])),
        ):
            for value in values:
                counts[facet][value] = counts[facet].get(value, 0) + 1
    return kept, {
        facet: [FacetValue(v, c) for v, c in sorted(values.items(), key=lambda item: (-item[1], item[0]))]
        for facet, values in counts.items()
        if values
    }


def _facets(session: Session, ids: list[uuid.UUID]) -> dict[str, list[FacetValue]]:
    if not ids:
        return {}
    facets: dict[str, list[FacetValue]] = {}

    # Chunk the id list: SQLite limits bound parameters per statement.
    def counted(statement_for: Any) -> list[FacetValue]:
        counts: dict[str, int] = {}
        for start in range(0, len(ids), 500):
            for value, count in session.exec(statement_for(ids[start : start + 500])).all():
                if value is not None:
                    counts[str(value)] = counts.get(str(value), 0) + count
        return [FacetValue(v, c) for v, c in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]

    facets[Facet.MUNICIPALITY] = counted(_municipality_counts)
    for facet, taxonomy in (
        (Facet.THEME, Taxonomy.THEME),
        (Facet.TARGET_GROUP, Taxonomy.PTV_TARGET_GROUP),
        (Facet.FORMAT, Taxonomy.FORMAT),
    ):
        facets[facet] = counted(
            lambda chunk, taxonomy=taxonomy: (
                select(ServiceTerm.code, func.count())
                .where(col(ServiceTerm.service_id).in_(chunk), ServiceTerm.taxonomy == taxonomy.value)
                .group_by(ServiceTerm.code)
            )
        )
    facets[Facet.FREE] = counted(
        lambda chunk: (
            select(Service.is_free, func.count())
            .where(col(Service.id).in_(chunk))
            .group_by(col(Service.is_free))
        )
    )
    facets[Facet.FREE] = [FacetValue(v.value.lower(), v.count) for v in facets[Facet.FREE]]
    facets[Facet.CAPACITY] = counted(
        lambda chunk: (
            select(ServiceOverlay.capacity, func.count())
            .where(col(ServiceOverlay.service_id).in_(chunk))
            .group_by(col(ServiceOverlay.capacity))
        )
    )
    facets[Facet.REFERRALS] = [
        FacetValue(v.value.lower(), v.count)
        for v in counted(
            lambda chunk: (
                select(ServiceOverlay.accepts_referrals, func.count())
                .where(col(ServiceOverlay.service_id).in_(chunk))
                .group_by(col(ServiceOverlay.accepts_referrals))
            )
        )
    ]
    facets[Facet.PROVIDER_KIND] = counted(
        lambda chunk: (
            select(Organisation.kind, func.count())
            .join(Service, col(Service.organisation_id) == Organisation.id)
            .where(col(Service.id).in_(chunk))
            .group_by(Organisation.kind)
        )
    )
    return facets


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
    result = _search_database(session, query)
    for facet in chosen_facets(query):
        other = _search_database(
            session, dataclasses.replace(without_filter(query, facet), page=1, per_page=1)
        )
        if facet.value in other.facets:  # the database counts some facets only (see _facets)
            result.facets[facet.value] = other.facets[facet.value]
    return result


def _search_database(session: Session, query: SearchQuery) -> SearchResult:
    words = words_of(query.q)
    filters = _filters(query)
    relaxed = False
    ids = _matching_ids(session, [*filters, *(_word_condition(w) for w in words)])
    if not ids and len(words) > 1:
        ids = _matching_ids(session, [*filters, or_(*(_word_condition(w) for w in words))])
        relaxed = bool(ids)
    distances: dict[uuid.UUID, float] = {}
    if query.near is not None and ids:
        distances = _distances(session, ids, query.near)
        if query.radius_km is not None:
            ids = [i for i in ids if distances.get(i, math.inf) <= query.radius_km]
        if query.sort is Sort.DISTANCE or query.radius_km is not None:
            ids.sort(key=lambda i: distances.get(i, math.inf))
    ids, python_facets = _python_filters(session, query, ids)
    facets = _facets(session, ids)
    facets.update(python_facets)
    start = (query.page - 1) * query.per_page
    page_ids = ids[start : start + query.per_page]
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
    items = []
    for service_id in page_ids:
        overlay = overlays.get(service_id)
        service = services[service_id]
        locations = [sal.location for sal in service.service_at_locations]
        items.append(
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
        items=items,
        total=len(ids),
        facets=facets,
        page=query.page,
        per_page=query.per_page,
        relaxed=relaxed,
    )


__all__ = ["and_", "haversine_km", "search_database", "words_of"]
