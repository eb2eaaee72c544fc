"""The peer for bench/search.py: PostgreSQL full-text search as Helsinki's service map does it.

`to_tsvector('finnish', ...)` (Snowball stemming, no compound splitting) over Finnish text with
term labels, 'simple' over Swedish and English; when the words find nothing, pg_trgm word
similarity on names catches typos; when not all words match, any word will do. Filters, facets and
distance in SQL over one denormalised table. It implements the SearchIndex protocol so the app
serves it exactly as it serves the engines.
"""

from __future__ import annotations

import html
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from app.db import normalise_url
from search.finnish import words
from search.types import Facet, FacetValue, GeoPoint, SearchHit, SearchQuery, SearchResult, Sort

BUILD_SQL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "DROP TABLE IF EXISTS bench_fts",
    """
    CREATE TABLE bench_fts AS
    SELECT s.id, s.source, s.external_id, s.name_fi, s.name_sv, s.name_en, s.summary_fi, s.summary_sv, s.summary_en,
           setweight(to_tsvector('finnish', coalesce(s.name_fi, '')), 'A')
           || setweight(to_tsvector('simple', coalesce(s.name_sv, '') || ' ' || coalesce(s.name_en, '')), 'A')
           || setweight(to_tsvector('finnish', coalesce(s.summary_fi, '') || ' ' || coalesce(s.description_fi, '')
                || ' ' || coalesce((SELECT string_agg(coalesce(t.label_fi, tt.label_fi, th.name_fi, ''), ' ')
                   FROM service_term t
                   LEFT JOIN taxonomy_term tt ON tt.taxonomy = t.taxonomy AND tt.code = t.code
                   LEFT JOIN theme th ON t.taxonomy = 'theme' AND th.code = t.code
                   WHERE t.service_id = s.id), '')), 'B')
           || setweight(to_tsvector('simple', coalesce(s.summary_sv, '') || ' ' || coalesce(s.description_sv, '')
                || ' ' || coalesce(s.summary_en, '') || ' ' || coalesce(s.description_en, '')), 'B') AS doc,
           lower(coalesce(s.name_fi, '') || ' ' || coalesce(s.name_sv, '') || ' ' || coalesce(s.name_en, '')) AS names,
           ARRAY(SELECT DISTINCT l.municipality_code FROM service_at_location sal JOIN location l ON l.id = sal.location_id
                 WHERE sal.service_id = s.id AND l.municipality_code IS NOT NULL) AS municipality,
           ARRAY(SELECT t.code FROM service_term t WHERE t.service_id = s.id AND t.taxonomy = 'theme') AS theme,
           ARRAY(SELECT t.code FROM service_term t WHERE t.service_id = s.id AND t.taxonomy = 'ptv_target_group') AS target_group,
           ARRAY(SELECT json_array_elements_text(s.languages::json)) AS language,
           CASE WHEN s.is_free IS NULL THEN NULL WHEN s.is_free THEN 'true' ELSE 'false' END AS free,
           o.kind AS provider_kind,
           ARRAY(SELECT DISTINCT f FROM service_at_location sal JOIN location l ON l.id = sal.location_id,
                 json_array_elements_text(l.accessibility_features::json) f WHERE sal.service_id = s.id) AS accessibility,
           ARRAY(SELECT DISTINCT sc.byday FROM schedule sc WHERE sc.service_id = s.id AND sc.byday IS NOT NULL) AS weekday,
           ARRAY(SELECT DISTINCT CASE WHEN sc.opens_at < '12:00' THEN 'morning' WHEN sc.opens_at < '17:00'
                 THEN 'afternoon' ELSE 'evening' END FROM schedule sc WHERE sc.service_id = s.id AND sc.opens_at IS NOT NULL)
                 AS time_of_day,
           coalesce(s.min_age, 0) AS min_age, coalesce(s.max_age, 200) AS max_age,
           (SELECT l.latitude FROM service_at_location sal JOIN location l ON l.id = sal.location_id
            WHERE sal.service_id = s.id AND l.latitude IS NOT NULL ORDER BY l.id LIMIT 1) AS lat,
           (SELECT l.longitude FROM service_at_location sal JOIN location l ON l.id = sal.location_id
            WHERE sal.service_id = s.id AND l.latitude IS NOT NULL ORDER BY l.id LIMIT 1) AS lon,
           lower(coalesce(s.name_fi, s.name_sv, s.name_en, '')) AS name_key
    FROM service s JOIN organisation o ON o.id = s.organisation_id
    WHERE s.status IN ('active', 'temporarily_closed')
    """,
    "ALTER TABLE bench_fts ADD PRIMARY KEY (id)",
    *(
        f"ALTER TABLE bench_fts ALTER COLUMN {c} TYPE text[]"
        for c in (
            "municipality",
            "theme",
            "target_group",
            "language",
            "accessibility",
            "weekday",
            "time_of_day",
        )
    ),
    "CREATE INDEX ON bench_fts USING gin (doc)",
    "CREATE INDEX ON bench_fts USING gin (names gin_trgm_ops)",
    "CREATE INDEX ON bench_fts USING gin (municipality)",
    "CREATE INDEX ON bench_fts USING gin (theme)",
    "CREATE INDEX ON bench_fts (lat, lon)",
    "CREATE INDEX ON bench_fts (name_key)",
    "ANALYZE bench_fts",
]

_ARRAY_FILTERS = {
    "municipality": "municipalities",
    "theme": "themes",
    "target_group": "target_groups",
    "language": "languages",
    "accessibility": "accessibility",
    "weekday": "weekdays",
    "time_of_day": "times_of_day",
}
_DISTANCE = (
    "(12742.0176 * asin(sqrt(power(sin(radians(lat - :lat) / 2), 2)"
    " + cos(radians(:lat)) * cos(radians(lat)) * power(sin(radians(lon - :lon) / 2), 2))))"
)


def build(engine: Engine) -> None:
    with engine.begin() as connection:
        for statement in BUILD_SQL:
            connection.execute(text(statement))


class PostgresFtsIndex:
    name = "postgresql-fts"

    def __init__(self, database_url: str) -> None:
        self.engine = create_engine(normalise_url(database_url), pool_size=16, max_overflow=0)

    def health(self) -> bool:
        return True

    def _where(self, query: SearchQuery, params: dict[str, Any]) -> list[str]:
        where: list[str] = []
        for column, attribute in _ARRAY_FILTERS.items():
            values = list(getattr(query, attribute))
            if values:
                params[column] = values
                where.append(f"{column} && CAST(:{column} AS text[])")
        if query.provider_kinds:
            params["provider_kind"] = list(query.provider_kinds)
            where.append("provider_kind = ANY(CAST(:provider_kind AS text[]))")
        if query.free is not None:
            params["free"] = "true" if query.free else "false"
            where.append("free = :free")
        if query.age is not None:
            params["age"] = query.age
            where.append("min_age <= :age AND max_age >= :age")
        if query.near is not None:
            params["lat"], params["lon"] = query.near
            if query.radius_km is not None:
                params["radius"] = query.radius_km
                params["dlat"] = query.radius_km / 111.0
                params["dlon"] = query.radius_km / 50.0
                where.append(
                    "lat BETWEEN :lat - :dlat AND :lat + :dlat AND lon BETWEEN :lon - :dlon AND :lon + :dlon"
                    f" AND {_DISTANCE} <= :radius"
                )
        return where

    def search(self, query: SearchQuery) -> SearchResult:
        params: dict[str, Any] = {"limit": query.per_page, "offset": (query.page - 1) * query.per_page}
        filters = self._where(query, params)
        typed = words(query.q)
        relaxed = False
        with self.engine.connect() as connection:
            if typed:
                params["q"] = " ".join(typed)
                params["q_any"] = " or ".join(typed)
                params["q_trgm"] = " ".join(typed)
                attempts = [
                    (
                        "doc @@ websearch_to_tsquery('finnish', :q)",
                        "ts_rank(doc, websearch_to_tsquery('finnish', :q))",
                        False,
                    ),
                    (
                        "doc @@ websearch_to_tsquery('finnish', :q_any)",
                        "ts_rank(doc, websearch_to_tsquery('finnish', :q_any))",
                        True,
                    ),
                    (":q_trgm <% names", "word_similarity(:q_trgm, names)", True),
                ]
                where, rank = " AND ".join(["false", *filters]), "0"
                for match, match_rank, is_relaxed in attempts:
                    if is_relaxed and match.startswith("doc") and len(typed) < 2:
                        continue
                    candidate = " AND ".join([match, *filters])
                    found = connection.execute(
                        text(f"SELECT 1 FROM bench_fts WHERE {candidate} LIMIT 1"), params
                    ).first()
                    if found:
                        where, rank = candidate, match_rank
                        relaxed = is_relaxed and match.startswith("doc")
                        break
            else:
                where, rank = " AND ".join(filters) or "true", "0"
            if query.near is not None and (query.sort == Sort.DISTANCE or query.radius_km is not None):
                order = f"{_DISTANCE} NULLS LAST, id"
            elif typed and query.sort != Sort.NAME and rank != "0":
                order = f"{rank} DESC, id"
            else:
                order = "name_key, id"
            distance = _DISTANCE if query.near is not None else "NULL"
            rows = connection.execute(
                text(
                    f"SELECT id, source, external_id, name_fi, name_sv, name_en, summary_fi, summary_sv, summary_en,"
                    f" municipality, theme, free, lat, lon, {distance} AS distance"
                    f" FROM bench_fts WHERE {where} ORDER BY {order} LIMIT :limit OFFSET :offset"
                ),
                params,
            ).all()
            facet_sql = " UNION ALL ".join(
                ["SELECT 'total', NULL, count(*) FROM m"]
                + [f"SELECT '{c}', v, count(*) FROM m, unnest(m.{c}) v GROUP BY v" for c in _ARRAY_FILTERS]
                + [
                    f"SELECT '{c}', {c}, count(*) FROM m WHERE {c} IS NOT NULL GROUP BY {c}"
                    for c in ("free", "provider_kind")
                ]
            )
            counted = connection.execute(
                text(f"WITH m AS MATERIALIZED (SELECT * FROM bench_fts WHERE {where}) {facet_sql}"), params
            ).all()
        total = 0
        facets: dict[str, list[FacetValue]] = {f.value: [] for f in Facet}
        for facet, value, count in counted:
            if facet == "total":
                total = int(count)
            else:
                facets[facet].append(FacetValue(str(value), int(count)))
        for values in facets.values():
            values.sort(key=lambda v: (-v.count, v.value))
        lowered = [w.lower() for w in typed]
        items = []
        for row in rows:
            name = {
                lang: getattr(row, f"name_{lang}")
                for lang in ("fi", "sv", "en")
                if getattr(row, f"name_{lang}")
            }
            summary = {
                lang: getattr(row, f"summary_{lang}")
                for lang in ("fi", "sv", "en")
                if getattr(row, f"summary_{lang}")
            }
            snippet = None
            text_ = summary.get(query.lang) or next(iter(summary.values()), "")
            if lowered and text_:
                escaped = html.escape(text_)
                for word in lowered:
                    escaped = escaped.replace(word, f"<mark>{word}</mark>")
                snippet = escaped
            items.append(
                SearchHit(
                    id=str(row.id),
                    source=row.source,
                    external_id=row.external_id,
                    name=name,
                    summary=summary,
                    snippet=snippet,
                    distance_km=round(row.distance, 2) if row.distance is not None else None,
                    municipality_codes=tuple(row.municipality),
                    themes=tuple(row.theme),
                    is_free=None if row.free is None else row.free == "true",
                    points=(GeoPoint(row.lat, row.lon),) if row.lat is not None else (),
                )
            )
        return SearchResult(
            items=items,
            total=total,
            facets=facets if total else {},
            page=query.page,
            per_page=query.per_page,
            relaxed=relaxed,
        )
