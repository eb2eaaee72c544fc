"""Meilisearch as the search engine: the only module that imports the meilisearch client.

Index settings live here, in code, and are applied on every rebuild. Writes are asynchronous tasks:
each is awaited with a timeout sized to the amount of data. A full rebuild fills a new index and
swaps it with the live one in a single task, so searchers never see a half-built index.

Matching (DESIGN.md §5): Meilisearch does not stem Finnish, and with its default matching strategy
("last") it drops query words from the end, so base forms appended after the typed words would be
dropped first. Each query word is therefore sent as ONE form, its Voikko base form when it has one
(the documents carry base forms, compound parts and synonyms in `lemmas`), with matchingStrategy
"all": every word must match. Only when nothing matches all words is the query repeated with
"frequency" and the answer marked relaxed.
"""

from __future__ import annotations

import html
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Literal

import meilisearch
import requests
from meilisearch.errors import MeilisearchApiError, MeilisearchCommunicationError, MeilisearchTimeoutError

from app.errors import Unavailable
from search.documents import SearchDocument
from search.query import QueryWord, analyse_query, haversine_km, meilisearch_filters, quote_filter_value
from search.types import (
    Facet,
    FacetValue,
    GeoPoint,
    NameMatch,
    SearchHit,
    SearchQuery,
    SearchResult,
    Sort,
    chosen_facets,
    without_filter,
)

log = logging.getLogger(__name__)

NO_MIN_AGE, NO_MAX_AGE = 0, 200
BATCH = 5_000
SEARCH_TIMEOUT_S = 5
WRITE_TIMEOUT_S = 120
# Waiting for tasks: a fixed part plus a share per document (measured 41 s for 50k documents on 2 cores).
TASK_BASE_MS = 60_000
TASK_PER_DOCUMENT_MS = 5
_PRE, _POST = "\ue000", "\ue001"  # private-use marks, turned into <mark> after HTML escaping

LANGS = ("fi", "sv", "en")
FACETS = [f.value for f in Facet]
SEARCHABLE = [
    "name_fi",
    "name_sv",
    "name_en",
    "lemmas_name",
    "lemmas_main",
    "terms_fi",
    "terms_sv",
    "terms_en",
    "summary_fi",
    "summary_sv",
    "summary_en",
    "description_fi",
    "description_sv",
    "description_en",
    "organisation_fi",
    "organisation_sv",
    "organisation_en",
    # Every text's lemmas last: the "attribute" rule ranks a word in the name (lemmas_name), keywords,
    # classes or ontology terms (lemmas_main) above the same word found only deep in a description.
    "lemmas",
]
RETRIEVED = [
    "id",
    "source",
    "external_id",
    "demo",
    "name",
    "summary",
    "organisation_name",
    "municipality",
    "theme",
    "free",
    "points",
    "when",
    "format",
    "capacity",
    "referrals",
]


def index_settings() -> dict[str, Any]:
    """The settings of every index this module creates."""
    return {
        "searchableAttributes": SEARCHABLE,
        "filterableAttributes": ["id", *FACETS, "min_age", "max_age", "_geo"],
        "sortableAttributes": ["name_key", "_geo"],
        "displayedAttributes": ["*"],
        # "sort" first: a reader who asks for nearest first gets exactly that, as from the embedded engine.
        "rankingRules": ["sort", "words", "typo", "proximity", "attribute", "exactness"],
        "typoTolerance": {
            "enabled": True,
            "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9},
            "disableOnAttributes": [],
        },
        # No query-time synonyms: the documents carry their synonyms (search.synonyms.expand), as
        # in the embedded engine. Query-time ones chained ("kuntosali" -> "gym" -> a listing
        # carrying "water gym") and so found what the embedded engine does not.
        "synonyms": {},
        "localizedAttributes": [
            {"attributePatterns": ["*_sv"], "locales": ["swe"]},
            {"attributePatterns": ["*_en"], "locales": ["eng"]},
            {"attributePatterns": ["*_fi", "lemmas", "lemmas_main", "lemmas_name"], "locales": ["fin"]},
        ],
        "faceting": {"maxValuesPerFacet": 1000},
        "pagination": {"maxTotalHits": 1_000_000},
    }


def _yes_no(value: bool | None) -> str | None:
    """A boolean facet as Meilisearch filters it: a string (null: not said, matches neither)."""
    return None if value is None else ("true" if value else "false")


def to_meilisearch(doc: SearchDocument) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": doc.id,
        "source": doc.source,
        "external_id": doc.external_id,
        "demo": doc.demo,
        "name": doc.name,
        "summary": doc.summary,
        "organisation_name": doc.organisation_name,
        "lemmas": doc.lemmas,
        "lemmas_main": doc.main_lemmas,
        "lemmas_name": doc.name_lemmas,
        "name_key": doc.name_key,
        "municipality": doc.municipalities,
        "theme": doc.themes,
        "target_group": doc.target_groups,
        "language": doc.languages,
        "provider_kind": doc.provider_kind,
        "accessibility": doc.accessibility,
        "weekday": doc.weekdays,
        "time_of_day": doc.times_of_day,
        "format": doc.formats,
        "capacity": doc.capacity,
        "referrals": _yes_no(doc.accepts_referrals),
        "free": _yes_no(doc.free),
        "min_age": doc.min_age if doc.min_age is not None else NO_MIN_AGE,
        "max_age": doc.max_age if doc.max_age is not None else NO_MAX_AGE,
        "points": [list(p) for p in doc.points],
        "when": doc.when,
    }
    for lang in LANGS:
        record[f"name_{lang}"] = doc.name.get(lang)
        record[f"summary_{lang}"] = doc.summary.get(lang)
        record[f"description_{lang}"] = doc.description.get(lang)
        record[f"organisation_{lang}"] = doc.organisation_name.get(lang)
        record[f"terms_{lang}"] = doc.terms.get(lang, [])
    # Meilisearch knows one point per document: the first place (radius and distance sorting use it).
    if doc.points:
        record["_geo"] = {"lat": doc.points[0][0], "lng": doc.points[0][1]}
    return record


def _facet_values(distribution: dict[str, Any]) -> list[FacetValue]:
    return sorted(
        (FacetValue(str(v), int(c)) for v, c in distribution.items()), key=lambda fv: (-fv.count, fv.value)
    )


def _batches(items: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _formatted_snippet(formatted: dict[str, Any], lang: str) -> str | None:
    order = [lang, *(other for other in LANGS if other != lang)]
    for field in ("summary", "description", "name"):
        for language in order:
            text = formatted.get(f"{field}_{language}")
            if isinstance(text, str) and _PRE in text:
                return html.escape(text).replace(_PRE, "<mark>").replace(_POST, "</mark>")
    return None


class MeilisearchIndex:
    """A SearchIndex on a Meilisearch server; raises Unavailable when the server cannot answer."""

    name = "meilisearch"

    def __init__(self, url: str, api_key: str | None = None, index_uid: str = "services") -> None:
        self.uid = index_uid
        self._search_client = meilisearch.Client(url, api_key, timeout=SEARCH_TIMEOUT_S)
        self._client = meilisearch.Client(url, api_key, timeout=WRITE_TIMEOUT_S)

    # -- writing --------------------------------------------------------------------------------

    def _wait(self, task: Any, timeout_ms: int) -> None:
        done = self._client.wait_for_task(task.task_uid, timeout_in_ms=timeout_ms, interval_in_ms=20)
        if done.status != "succeeded":
            raise Unavailable("The search index could not be updated.") from RuntimeError(
                f"Meilisearch task {task.task_uid} {done.status}: {done.error}"
            )

    def _exists(self, uid: str) -> bool:
        try:
            self._client.get_index(uid)
        except MeilisearchApiError as exc:
            if exc.code == "index_not_found":
                return False
            raise
        return True

    def _create(self, uid: str) -> None:
        self._wait(self._client.create_index(uid, {"primaryKey": "id"}), TASK_BASE_MS)
        self._wait(self._client.index(uid).update_settings(index_settings()), TASK_BASE_MS)

    def ensure_index(self) -> None:
        """Create the live index with its settings if it does not exist yet."""
        with self._errors():
            if not self._exists(self.uid):
                self._create(self.uid)

    def replace_all(
        self, documents: Iterable[SearchDocument], progress: Callable[[int], None] | None = None
    ) -> int:
        """Fill a new index, then swap it with the live one in one atomic task."""
        with self._errors():
            build_uid = f"{self.uid}_build_{time.time_ns()}"
            self._create(build_uid)
            build = self._client.index(build_uid)
            count = 0
            try:
                for batch in _batches((to_meilisearch(d) for d in documents), BATCH):
                    task = build.add_documents(batch, primary_key="id")
                    self._wait(task, TASK_BASE_MS + TASK_PER_DOCUMENT_MS * len(batch))
                    count += len(batch)
                    if progress is not None:
                        progress(len(batch))
                if not self._exists(self.uid):
                    # An empty placeholder: the swap brings the settings along with the documents.
                    self._wait(self._client.create_index(self.uid, {"primaryKey": "id"}), TASK_BASE_MS)
                self._wait(self._client.swap_indexes([{"indexes": [self.uid, build_uid]}]), TASK_BASE_MS)
            finally:
                # After the swap the build index holds the old documents; before it, a failed build.
                try:
                    self._wait(self._client.delete_index(build_uid), TASK_BASE_MS)
                except Exception as exc:  # the server went away: the leftover is harmless, say so
                    log.warning("could not delete Meilisearch index %s: %s", build_uid, exc)
            return count

    def apply(self, upserts: Sequence[SearchDocument], deletes: Iterable[str]) -> None:
        """Replace or add `upserts` and remove `deletes`; waits until Meilisearch has applied them."""
        with self._errors():
            index = self._client.index(self.uid)
            if not self._exists(self.uid):
                self._create(self.uid)
            removed = list(dict.fromkeys(deletes))
            if removed:
                for start in range(0, len(removed), 1000):
                    chunk = removed[start : start + 1000]
                    expression = f"id IN [{', '.join(quote_filter_value(i) for i in chunk)}]"
                    self._wait(index.delete_documents(filter=expression), TASK_BASE_MS)
            for batch in _batches((to_meilisearch(d) for d in upserts), BATCH):
                task = index.add_documents(batch, primary_key="id")
                self._wait(task, TASK_BASE_MS + TASK_PER_DOCUMENT_MS * len(batch))

    # -- reading --------------------------------------------------------------------------------

    class _Errors:
        def __enter__(self) -> None:
            return None

        def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> Literal[False]:
            if exc is None or isinstance(exc, Unavailable):
                return False
            if isinstance(exc, MeilisearchApiError) and exc.code == "index_not_found":
                # A new server, or one that lost its data: degraded until `tarjotin reindex`.
                raise Unavailable("The search index must be rebuilt: run tarjotin reindex.") from exc
            if isinstance(exc, MeilisearchApiError) and exc.status_code < 500:
                # Our request was refused: a bug to fix, but readers still get database answers.
                log.error("Meilisearch refused a request: %s %s", exc.code, exc.message)
            if isinstance(
                exc,
                MeilisearchApiError
                | MeilisearchCommunicationError
                | MeilisearchTimeoutError
                | requests.RequestException,
            ):
                raise Unavailable("The search index cannot answer right now.") from exc
            return False

    def _errors(self) -> _Errors:
        return self._Errors()

    def health(self) -> bool:
        try:
            return bool(self._search_client.is_healthy())
        except Exception:
            return False

    def count(self) -> int:
        with self._errors():
            return int(self._client.index(self.uid).get_stats().number_of_documents)

    def _params(self, query: SearchQuery, strategy: str) -> dict[str, Any]:
        params: dict[str, Any] = {
            "filter": meilisearch_filters(query),
            "facets": FACETS,
            "page": query.page,
            "hitsPerPage": query.per_page,
            "attributesToRetrieve": RETRIEVED,
            "attributesToHighlight": [
                f"{f}_{lang}" for f in ("summary", "description", "name") for lang in LANGS
            ],
            "attributesToCrop": [f"{f}_{lang}" for f in ("summary", "description") for lang in LANGS],
            "cropLength": 30,
            "cropMarker": "…",
            "highlightPreTag": _PRE,
            "highlightPostTag": _POST,
            "matchingStrategy": strategy,
        }
        if (query.near is not None and query.sort == Sort.DISTANCE) or (
            query.near is not None and query.radius_km is not None
        ):
            lat, lon = query.near  # type: ignore[misc]
            params["sort"] = [f"_geoPoint({lat:.6f}, {lon:.6f}):asc"]
        elif query.sort == Sort.NAME or (not query.q.strip() and query.sort == Sort.RELEVANCE):
            params["sort"] = ["name_key:asc"]
        return params

    def search(self, query: SearchQuery) -> SearchResult:
        words = analyse_query(query.q)
        # One form per word: the base form leads, as the documents' `lemmas` carry it (see above).
        q = " ".join(w.lemma for w in words)
        index = self._search_client.index(self.uid)
        relaxed = False
        with self._errors():
            answer = index.search(q, self._params(query, "all"))
            if not answer.get("totalHits") and len(words) > 1:
                partial = index.search(q, self._params(query, "frequency"))
                if partial.get("totalHits"):
                    answer, relaxed = partial, True
            # A chosen facet counts its alternatives as if it were not chosen (search.service).
            alternatives = {
                facet: index.search(
                    q,
                    {
                        "filter": meilisearch_filters(without_filter(query, facet)),
                        "facets": [facet.value],
                        "hitsPerPage": 0,
                        "matchingStrategy": "frequency" if relaxed else "all",
                    },
                ).get("facetDistribution", {})
                for facet in chosen_facets(query)
            }
        result = self._result(answer, query, words, relaxed)
        for facet, distribution in alternatives.items():
            result.facets[facet.value] = _facet_values(distribution.get(facet.value, {}))
        return result

    # -- type-ahead (search.typeahead) ------------------------------------------------------------

    def suggest_names(self, words: Sequence[QueryWord], limit: int) -> list[NameMatch]:
        """Services whose name matches every word (the last one as typed so far), best first."""
        if not words:
            return []
        # One form per word as for searches (base forms lead; lemmas_name carries them); Meilisearch
        # matches the last word as a prefix, so "kuntosalille" and "kuntos" both find a Kuntosali.
        q = " ".join(w.lemma for w in words)
        with self._errors():
            answer = self._search_client.index(self.uid).search(
                q,
                {
                    "attributesToSearchOn": ["name_fi", "name_sv", "name_en", "lemmas_name"],
                    "attributesToRetrieve": ["id", "name", "organisation_name", "municipality"],
                    "limit": limit,
                    "matchingStrategy": "all",
                },
            )
        return [
            NameMatch(
                id=hit["id"],
                name=hit.get("name") or {},
                organisation_name=hit.get("organisation_name") or {},
                municipalities=hit.get("municipality") or [],
            )
            for hit in answer.get("hits", [])
        ]

    def count_values(self, facet: Facet, values: Sequence[str]) -> dict[str, int]:
        """How many services carry each value of a facet."""
        chosen = list(dict.fromkeys(values))
        if not chosen:
            return {}
        with self._errors():
            answer = self._search_client.index(self.uid).search(
                "",
                {
                    "filter": [f"{facet.value} IN [{', '.join(quote_filter_value(v) for v in chosen)}]"],
                    "facets": [facet.value],
                    "hitsPerPage": 0,
                },
            )
        distribution = (answer.get("facetDistribution") or {}).get(facet.value, {})
        return {value: int(distribution.get(value, 0)) for value in chosen}

    def _result(
        self, answer: dict[str, Any], query: SearchQuery, words: list[QueryWord], relaxed: bool
    ) -> SearchResult:
        items = []
        for hit in answer.get("hits", []):
            points = [tuple(p) for p in hit.get("points") or []]
            distance = None
            if query.near is not None and points:
                distance = round(min(haversine_km(query.near, (p[0], p[1])) for p in points), 2)
            items.append(
                SearchHit(
                    id=hit["id"],
                    source=hit["source"],
                    external_id=hit["external_id"],
                    name=hit.get("name") or {},
                    summary=hit.get("summary") or {},
                    snippet=_formatted_snippet(hit.get("_formatted") or {}, query.lang) if words else None,
                    distance_km=distance,
                    organisation_name=hit.get("organisation_name") or {},
                    municipality_codes=tuple(hit.get("municipality") or ()),
                    themes=tuple(hit.get("theme") or ()),
                    is_free=None if hit.get("free") is None else hit["free"] == "true",
                    points=tuple(GeoPoint(p[0], p[1]) for p in points),
                    demo=bool(hit.get("demo")),
                    when=hit.get("when") or {},
                    formats=tuple(hit.get("format") or ()),
                    capacity=hit.get("capacity"),
                    accepts_referrals=None if hit.get("referrals") is None else hit["referrals"] == "true",
                )
            )
        distribution = answer.get("facetDistribution") or {}
        total = int(answer.get("totalHits") or 0)
        facets = {facet: _facet_values(distribution.get(facet, {})) for facet in FACETS} if total else {}
        return SearchResult(
            items=items,
            total=total,
            facets=facets,
            page=query.page,
            per_page=query.per_page,
            relaxed=relaxed,
        )


__all__ = ["MeilisearchIndex", "index_settings", "to_meilisearch"]
