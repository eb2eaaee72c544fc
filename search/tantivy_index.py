"""The embedded search engine (tantivy): in memory for tests, a directory on disk by default.

Tantivy allows one writer per index. A full rebuild writes a new generation directory and then
switches the `current` symlink atomically; searchers notice the switch and open the new generation,
so nobody waits. Writers (rebuilds and incremental updates, possibly from other processes such as
`tarjotin sync`) serialise on a lock file, so an update made during a rebuild lands in the new
generation instead of being lost with the old one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import math
import os
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson
import tantivy

from app.errors import Unavailable
from search.documents import SearchDocument
from search.query import QueryWord, analyse_query, covering_cells, distances_km, geo_cells
from search.snippets import snippet_for
from search.types import (
    FACET_FILTERS,
    Facet,
    FacetValue,
    GeoPoint,
    NameMatch,
    SearchHit,
    SearchQuery,
    SearchResult,
    Sort,
    chosen_facets,
)

log = logging.getLogger(__name__)

MAX_POINTS = 8  # distances use a service's first 8 places (fast fields are single-valued)
CANDIDATE_CAP = 50_000  # most documents a geo query ranks by exact distance
NO_MIN_AGE, NO_MAX_AGE = 0, 200
DISTANCE_RINGS_KM = (2.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0)
SCHEMA_VERSION = "6"
# Facet counting reads two single-valued columns per facet (see _facet_columns): NONE fills a
# column for a document without values; REST_SEPARATOR joins the values after the first (codes
# never contain spaces). REST_BUCKETS caps the distinct value sets read from the second column;
# past it, counting falls back to the facet's multi-valued column.
NONE = "-"
REST_SEPARATOR = " "
FIRST_BUCKETS = 1000
REST_BUCKETS = 2000
ALL_BUCKETS = 10_000
_SAFE_VALUE = re.compile(
    r"[\w.-]{1,100}"
)  # codes as the query language can carry them quoted  # the fallback reads every value (tantivy refuses more than 65,000 buckets)

_FACET_FIELDS: dict[Facet, str] = {
    Facet.MUNICIPALITY: "municipality",
    Facet.THEME: "theme",
    Facet.TARGET_GROUP: "target_group",
    Facet.LANGUAGE: "language",
    Facet.FREE: "free",
    Facet.PROVIDER_KIND: "provider_kind",
    Facet.ACCESSIBILITY: "accessibility",
    Facet.WEEKDAY: "weekday",
    Facet.TIME_OF_DAY: "time_of_day",
    Facet.FORMAT: "format",
    Facet.CAPACITY: "capacity",
    Facet.REFERRALS: "referrals",
}
_TEXT_FIELDS = {
    "fold": ("name_fi", "body_fi", "terms_fi", "org", "lemmas", "lemmas_main", "lemmas_name"),
    "sv": ("name_sv", "body_sv", "terms_sv"),
    "en": ("name_en", "body_en", "terms_en"),
}


def _analyzers() -> dict[str, tantivy.TextAnalyzer]:
    def build(*filters: tantivy.Filter) -> tantivy.TextAnalyzer:
        builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        for f in (tantivy.Filter.remove_long(60), tantivy.Filter.lowercase(), *filters):
            builder = builder.filter(f)
        return builder.build()

    return {
        "fold": build(tantivy.Filter.ascii_fold()),
        # Swedish and English texts with their own Snowball stemmers; folding after stemming.
        "sv": build(tantivy.Filter.stemmer("swedish"), tantivy.Filter.ascii_fold()),
        "en": build(tantivy.Filter.stemmer("english"), tantivy.Filter.ascii_fold()),
    }


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    for tokenizer, names in _TEXT_FIELDS.items():
        for name in names:
            builder.add_text_field(name, tokenizer_name=tokenizer)
    for name in (*_FACET_FIELDS.values(), "cell"):
        builder.add_text_field(name, fast=name != "cell", tokenizer_name="raw")
    for name in _FACET_FIELDS.values():
        builder.add_text_field(f"{name}_first", fast=True, tokenizer_name="raw")
        builder.add_text_field(f"{name}_rest", fast=True, tokenizer_name="raw")
    # 63 bits of the service id, indexed and fast: geo queries collect the exact set of services
    # within the radius from fast fields (no stored-document reads) to count facets over them.
    builder.add_integer_field("key", indexed=True, fast=True)
    builder.add_integer_field("min_age", indexed=True, fast=True)
    builder.add_integer_field("max_age", indexed=True, fast=True)
    builder.add_integer_field("name_key", fast=True)
    for slot in range(MAX_POINTS):
        builder.add_float_field(f"lat{slot}", fast=True)
        builder.add_float_field(f"lon{slot}", fast=True)
    builder.add_bytes_field("payload", stored=True)
    return builder.build()


def _name_key(folded: str) -> int:
    """The first 7 bytes of the folded name as a number: sorts like the name's beginning."""
    return int.from_bytes(folded.encode("utf-8")[:7].ljust(7, b"\0"), "big")


def _facet_columns(name: str, values: Sequence[str]) -> dict[str, str]:
    """A facet's values as two single-valued columns: the first value, and the rest joined.

    Why: tantivy counts terms of a column with exactly one value per document about ten times
    faster than those of an optional or multi-valued column (2-3 ms for 100,000 documents, on
    every search that shows facets). Most services have one value per facet; the sets of the
    rest are few, and each of their buckets is split back into values when counting.
    """
    unique = sorted({v for v in values if v and REST_SEPARATOR not in v and v != NONE})
    return {
        f"{name}_first": unique[0] if unique else NONE,
        f"{name}_rest": REST_SEPARATOR.join(unique[1:]) or NONE,
    }


def to_tantivy(doc: SearchDocument) -> tantivy.Document:
    fields: dict[str, Any] = {
        "id": doc.id,
        "key": _key(doc.id),
        "min_age": doc.min_age if doc.min_age is not None else NO_MIN_AGE,
        "max_age": doc.max_age if doc.max_age is not None else NO_MAX_AGE,
        "name_key": _name_key(doc.name_key),
        "org": " ".join(doc.organisation_name.values()),
        "lemmas": " ".join(doc.lemmas),
        "lemmas_main": " ".join(doc.main_lemmas),
        "lemmas_name": " ".join(doc.name_lemmas),
        "municipality": doc.municipalities,
        "theme": doc.themes,
        "target_group": doc.target_groups,
        "language": doc.languages,
        "provider_kind": [doc.provider_kind] if doc.provider_kind else [],
        "accessibility": doc.accessibility,
        "weekday": doc.weekdays,
        "time_of_day": doc.times_of_day,
        "format": doc.formats,
        "capacity": [doc.capacity] if doc.capacity else [],
        "referrals": [] if doc.accepts_referrals is None else ["true" if doc.accepts_referrals else "false"],
        "cell": sorted({cell for lat, lon in doc.points for cell in geo_cells(lat, lon)}),
    }
    if doc.free is not None:
        fields["free"] = "true" if doc.free else "false"
    for name in _FACET_FIELDS.values():
        value = fields.get(name, [])
        fields.update(_facet_columns(name, [value] if isinstance(value, str) else value))
    for lang in ("fi", "sv", "en"):
        fields[f"name_{lang}"] = doc.name.get(lang, "")
        fields[f"body_{lang}"] = " ".join(t for t in (doc.summary.get(lang), doc.description.get(lang)) if t)
        fields[f"terms_{lang}"] = " ".join(doc.terms.get(lang, []))
    for slot, (lat, lon) in enumerate(doc.points[:MAX_POINTS]):
        fields[f"lat{slot}"] = lat
        fields[f"lon{slot}"] = lon
    payload = {
        "source": doc.source,
        "external_id": doc.external_id,
        "name": doc.name,
        "summary": doc.summary,
        "description": doc.description,
        "organisation_name": doc.organisation_name,
        "municipalities": doc.municipalities,
        "themes": doc.themes,
        "free": doc.free,
        "points": doc.points,
        "demo": doc.demo,
        "when": doc.when,
        "formats": doc.formats,
        "capacity": doc.capacity,
        "accepts_referrals": doc.accepts_referrals,
    }
    fields["payload"] = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return tantivy.Document(**{k: v for k, v in fields.items() if v not in ("", [])})


def _key(service_id: str) -> int:
    return uuid.UUID(service_id).int >> 65


def _count(result: tantivy.SearchResult) -> int:
    return int(getattr(result, "count", 0) or 0)  # the type stubs lack `count`


def _new_index(path: Path | None) -> tantivy.Index:
    index = tantivy.Index(_schema(), path=str(path) if path is not None else None, reuse=True)
    for name, analyzer in _analyzers().items():
        index.register_tokenizer(name, analyzer)
    return index


class TantivyIndex:
    """A SearchIndex on tantivy. `path=None` keeps everything in memory (tests)."""

    name = "tantivy"

    def __init__(self, path: Path | None = None) -> None:
        self._root = path
        self._lock = threading.Lock()
        self._analyzers = _analyzers()
        self._schema = _schema()
        self._generation: str | None = None
        self._meta_stamp: tuple[int, int, int] = (0, 0, 0)
        self._index: tantivy.Index | None
        if path is None:
            self._index = _new_index(None)
        else:
            try:
                path.mkdir(parents=True, exist_ok=True)
                if not (path / "current").exists():
                    with self._writer_lock():
                        if not (path / "current").exists():
                            self._switch_to(self._fresh_generation())
                self._index = self._open_current()
            except Unavailable:
                log.warning("search index at %s is from an older version: run `tarjotin reindex`", path)
                self._index = None
            except Exception as exc:
                # Unreadable (permissions, a volume not mounted) or corrupt: the index is opened again
                # on each search, so searches answer from the database until it can be read, and a
                # rebuild (`tarjotin reindex`) can still replace a corrupt generation.
                log.warning("search index at %s cannot be opened (%s)", path, type(exc).__name__)
                self._index = None

    # -- generations on disk --------------------------------------------------------------------

    @contextlib.contextmanager
    def _writer_lock(self) -> Iterator[None]:
        if self._root is None:
            with self._lock:
                yield
            return
        with (self._root / "writer.lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _fresh_generation(self) -> Path:
        assert self._root is not None
        generation = self._root / f"gen-{SCHEMA_VERSION}-{time.time_ns()}"
        generation.mkdir()
        _new_index(generation)
        return generation

    def _switch_to(self, generation: Path) -> None:
        assert self._root is not None
        link = self._root / f"current.{os.getpid()}.tmp"
        with contextlib.suppress(FileNotFoundError):
            link.unlink()
        link.symlink_to(generation.name)
        os.replace(link, self._root / "current")  # atomic: searchers see the old or the new one
        for old in self._root.glob("gen-*"):
            if old.name != generation.name:
                # Open readers keep their memory maps of deleted files (POSIX).
                shutil.rmtree(old, ignore_errors=True)

    def _stamp(self, generation: str) -> tuple[int, int, int]:
        assert self._root is not None
        try:
            meta = os.stat(self._root / generation / "meta.json")
        except OSError:
            return (0, 0, 0)
        # tantivy replaces meta.json (a new inode) on each commit.
        return (meta.st_ino, meta.st_mtime_ns, meta.st_size)

    def _open_current(self) -> tantivy.Index:
        assert self._root is not None
        target = os.readlink(self._root / "current")
        if not target.startswith(f"gen-{SCHEMA_VERSION}-"):
            # Built by an older version with other fields: searches answer from the database
            # (degraded) until `tarjotin reindex` builds a current one.
            raise Unavailable("The search index must be rebuilt: run tarjotin reindex.")
        index = _new_index(self._root / target)
        self._generation = target
        return index

    def _current(self) -> tantivy.Index:
        if self._root is not None:
            try:
                target = os.readlink(self._root / "current")
            except OSError as exc:
                raise Unavailable("The search index directory is not readable.") from exc
            if target != self._generation or self._index is None:
                with self._lock:
                    if target != self._generation or self._index is None:
                        self._index = self._open_current()
                        self._meta_stamp = self._stamp(target)
            else:
                # Another process may have committed an incremental update: reload only then,
                # as reloading builds a new searcher (measurable at hundreds of requests a second).
                stamp = self._stamp(target)
                if stamp != self._meta_stamp:
                    self._index.reload()
                    self._meta_stamp = stamp
        assert self._index is not None
        return self._index

    # -- writing --------------------------------------------------------------------------------

    def replace_all(
        self, documents: Iterable[SearchDocument], progress: Callable[[int], None] | None = None
    ) -> int:
        """Build a new index from `documents` and switch to it atomically; returns the count."""
        with self._writer_lock():
            if self._root is None:
                index = _new_index(None)
                generation = None
            else:
                generation = self._fresh_generation()
                index = _new_index(generation)
            count = 0
            try:
                writer = index.writer(heap_size=200_000_000, num_threads=1)
                for doc in documents:
                    writer.add_document(to_tantivy(doc))
                    count += 1
                    if progress is not None:
                        progress(1)
                writer.commit()
                writer.wait_merging_threads()
            except BaseException:
                if generation is not None:
                    shutil.rmtree(generation, ignore_errors=True)
                raise
            if generation is None:
                index.reload()
                self._index = index
            else:
                self._switch_to(generation)
                self._index = self._open_current()
            return count

    def apply(self, upserts: Sequence[SearchDocument], deletes: Iterable[str]) -> None:
        """Replace or add `upserts` and remove the services `deletes` in one commit."""
        with self._writer_lock():
            index = self._current() if self._root is None else self._open_current()
            writer = index.writer(heap_size=50_000_000, num_threads=1)
            for service_id in {*deletes, *(d.id for d in upserts)}:
                writer.delete_documents_by_term("id", service_id)
            for doc in upserts:
                writer.add_document(to_tantivy(doc))
            writer.commit()
            writer.wait_merging_threads()
            if self._root is None:
                index.reload()
            else:
                self._index = index

    # -- reading --------------------------------------------------------------------------------

    def health(self) -> bool:
        try:
            self._current().searcher()
        except Exception:
            return False
        return True

    def count(self) -> int:
        return int(self._current().searcher().num_docs)

    def search(self, query: SearchQuery) -> SearchResult:
        try:
            return self._search(query)
        except Unavailable:
            raise
        except Exception as exc:
            # Logged by search.service (once per outage), with this as the cause.
            raise Unavailable("The search index cannot answer right now.") from exc
        except BaseException as exc:
            # A Rust panic inside tantivy arrives as pyo3's PanicException (a BaseException).
            if type(exc).__name__ != "PanicException":
                raise
            raise Unavailable("The search index cannot answer right now.") from exc

    # -- type-ahead (search.typeahead) ------------------------------------------------------------

    def suggest_names(self, words: Sequence[QueryWord], limit: int) -> list[NameMatch]:
        """Services whose name matches every word (the last one as typed so far), best first."""
        return self._guarded(lambda: self._suggest_names(words, limit))

    def count_values(self, facet: Facet, values: Sequence[str]) -> dict[str, int]:
        """How many services carry each value of a facet (a term's posting list, no aggregation)."""
        return self._guarded(lambda: self._count_values(facet, values))

    def _guarded(self, read: Callable[[], Any]) -> Any:
        try:
            return read()
        except Unavailable:
            raise
        except Exception as exc:
            raise Unavailable("The search index cannot answer right now.") from exc
        except BaseException as exc:
            if type(exc).__name__ != "PanicException":
                raise
            raise Unavailable("The search index cannot answer right now.") from exc

    def _name_word_query(self, word: QueryWord) -> tantivy.Query:
        """One word against the names only: what a suggestion shows must contain what was typed.

        The name's base forms and compound parts (lemmas_name) let "salille" and "sali" find a
        Kuntosali. Prefix and typo matches score a constant, so a whole word found in a name
        ranks above them (search.typeahead orders the candidates again)."""
        schema = self._schema
        Q = tantivy.Query
        clauses: list[tantivy.Query] = []
        for value in {word.folded, *word.base_forms}:
            for field in ("name_fi", "lemmas_name"):
                clauses.append(Q.boost_query(Q.term_query(schema, field, value), 3.0))
        for lang in ("sv", "en"):
            for value in self._text_terms(f"name_{lang}", lang, word.text):
                clauses.append(Q.boost_query(Q.term_query(schema, f"name_{lang}", value), 3.0))
        if word.prefix and len(word.folded) >= 2:
            # As Meilisearch, which is sent the base form: "kuntosalille" begins "kuntosalivuoro".
            for value in {word.folded, word.lemma}:
                for field in ("name_fi", "lemmas_name", "name_sv", "name_en"):
                    prefix = Q.fuzzy_term_query(schema, field, value, distance=0, prefix=True)
                    clauses.append(Q.boost_query(prefix, 2.0))
        if word.typos and not word.known:
            for field in ("name_fi", "lemmas_name", "name_sv", "name_en"):
                fuzzy = Q.fuzzy_term_query(schema, field, word.folded, distance=1, prefix=word.prefix)
                clauses.append(Q.boost_query(fuzzy, 0.5))
        return Q.boolean_query([(tantivy.Occur.Should, c) for c in clauses])

    def _suggest_names(self, words: Sequence[QueryWord], limit: int) -> list[NameMatch]:
        if not words:
            return []
        searcher = self._current().searcher()
        query = self._all([self._name_word_query(w) for w in words])
        matches = []
        for _score, address in searcher.search(query, limit=limit).hits:
            doc = searcher.doc(address)
            payload = orjson.loads(bytes(doc["payload"][0]))
            matches.append(
                NameMatch(
                    id=str(doc["id"][0]),
                    name=payload["name"],
                    organisation_name=payload["organisation_name"],
                    municipalities=payload.get("municipalities") or [],
                )
            )
        return matches

    def _count_values(self, facet: Facet, values: Sequence[str]) -> dict[str, int]:
        searcher = self._current().searcher()
        field = _FACET_FIELDS[facet]
        return {
            value: _count(
                searcher.search(tantivy.Query.term_query(self._schema, field, value), limit=1, count=True)
            )
            for value in dict.fromkeys(values)
        }

    def _text_terms(self, field: str, analyzer: str, word: str) -> list[str]:
        return list(dict.fromkeys(self._analyzers[analyzer].analyze(word)))

    def _word_query(self, word: QueryWord) -> tantivy.Query:
        schema = self._schema
        Q = tantivy.Query
        clauses: list[tantivy.Query] = []

        def term(field: str, value: str, boost: float) -> None:
            clauses.append(Q.boost_query(Q.term_query(schema, field, value), boost))

        # What the listing is (its name, keywords, classes, ontology terms and themes, with their
        # base forms, parts and synonyms in lemmas_main; the name's alone in lemmas_name, which
        # counts again) outweighs a word deep in its description (body_fi, and lemmas, every text's).
        phrase = " " in word.text  # a phrase of the synonym list: one joined word (search.query)
        folded_terms = [] if phrase else self._text_terms("name_fi", "fold", word.text)
        for value in {word.folded, *folded_terms}:
            term("name_fi", value, 4.0)
            term("body_fi", value, 0.5)
            term("terms_fi", value, 2.0)
            term("org", value, 0.5)
            term("lemmas_name", value, 3.0)
            term("lemmas_main", value, 3.0)
            term("lemmas", value, 0.75)
        for base in word.base_forms:
            term("lemmas_name", base, 3.0)
            term("lemmas_main", base, 3.0)
            term("lemmas", base, 1.0)
            term("name_fi", base, 3.0)
        for lang in ("sv", "en"):
            values = self._text_terms(f"name_{lang}", lang, word.text)
            if phrase and len(values) > 1:
                # Every word of the phrase in the same field ("peer support" in a theme's label).
                for field_name, boost in (
                    (f"name_{lang}", 4.0),
                    (f"body_{lang}", 1.0),
                    (f"terms_{lang}", 2.0),
                ):
                    every = Q.boolean_query(
                        [(tantivy.Occur.Must, Q.term_query(schema, field_name, v)) for v in values]
                    )
                    clauses.append(Q.boost_query(every, boost))
                continue
            for value in values:
                term(f"name_{lang}", value, 4.0)
                term(f"body_{lang}", value, 1.0)
                term(f"terms_{lang}", value, 2.0)
        # A word Voikko knows is spelled right: looking for its typos would only cost time and
        # bring in near-miss words. Unknown words (typos, Swedish, English, names) get them.
        typos = 0 if word.known else word.typos
        if typos or (word.prefix and len(word.folded) >= 2):
            fields = (
                ("lemmas_main", "lemmas", "name_fi", "name_sv", "name_en")
                if typos
                else ("lemmas_main", "lemmas", "name_fi", "name_sv")
            )
            for field in fields:
                fuzzy = Q.fuzzy_term_query(schema, field, word.folded, distance=typos, prefix=word.prefix)
                clauses.append(Q.boost_query(fuzzy, 0.5))
        return Q.boolean_query([(tantivy.Occur.Should, c) for c in clauses])

    def _filter_queries(self, query: SearchQuery) -> tuple[dict[Facet, tantivy.Query], list[tantivy.Query]]:
        """The facet filters by facet, and the other filters (age)."""
        schema = self._schema
        Q = tantivy.Query
        by_facet: dict[Facet, tantivy.Query] = {}
        for facet in chosen_facets(query):
            if facet is Facet.FREE:
                by_facet[facet] = Q.term_query(schema, "free", "true" if query.free else "false")
            else:
                values: Sequence[str] = getattr(query, FACET_FILTERS[facet])
                by_facet[facet] = Q.term_set_query(schema, _FACET_FIELDS[facet], list(dict.fromkeys(values)))
        others: list[tantivy.Query] = []
        if query.age is not None:
            age = int(query.age)
            others.append(
                Q.range_query(schema, "min_age", tantivy.FieldType.Integer, lower_bound=-1, upper_bound=age)
            )
            others.append(
                Q.range_query(
                    schema, "max_age", tantivy.FieldType.Integer, lower_bound=age, upper_bound=10_000
                )
            )
        return by_facet, others

    @staticmethod
    def _all(queries: Sequence[tantivy.Query]) -> tantivy.Query:
        if not queries:
            return tantivy.Query.all_query()
        if len(queries) == 1:
            return queries[0]
        return tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in queries])

    def _cells_query(self, center: tuple[float, float], radius_km: float) -> tantivy.Query | None:
        cells = covering_cells(center, radius_km)
        if cells is None:
            return None
        return tantivy.Query.term_set_query(self._schema, "cell", cells)

    def _distances(
        self, searcher: tantivy.Searcher, addresses: list[Any], center: tuple[float, float]
    ) -> list[float]:
        nearest = [math.inf] * len(addresses)
        if not addresses:
            return nearest
        for slot in range(MAX_POINTS):
            lats = searcher.fast_field_values(f"lat{slot}", addresses)
            lons = searcher.fast_field_values(f"lon{slot}", addresses)
            placed: list[int] = []
            latitudes: list[float] = []
            longitudes: list[float] = []
            for i, (lat, lon) in enumerate(zip(lats, lons, strict=True)):
                if lat is not None and lon is not None:
                    placed.append(i)
                    latitudes.append(float(lat))
                    longitudes.append(float(lon))
            if not placed:
                break
            measured = distances_km(center, latitudes, longitudes)
            for i, d in zip(placed, measured, strict=True):
                if d < nearest[i]:
                    nearest[i] = d
        return nearest

    def _only(self, keys: list[int]) -> tantivy.Query:
        """The services with these keys: a union of term queries.

        Why not term_set_query: on this field it walks the whole term dictionary (about 4 ms at
        100,000 services, for any number of keys); single-term lookups cost a fraction of that.
        """
        Q = tantivy.Query
        return Q.boolean_query(
            [(tantivy.Occur.Should, Q.term_query(self._schema, "key", key)) for key in keys]
        )

    def _within_radius(
        self, searcher: tantivy.Searcher, main: tantivy.Query, center: tuple[float, float], ring: float | None
    ) -> list[tuple[float, int, Any]]:
        """(distance, rank, address) of the matches within `ring` km (every match if None), nearest first."""
        cells = self._cells_query(center, ring) if ring is not None else None
        candidate_query = self._all([main, cells]) if cells is not None else main
        hits = searcher.search(candidate_query, limit=CANDIDATE_CAP, count=True).hits
        addresses = [address for _score, address in hits]
        nearest = self._distances(searcher, addresses, center)
        limit = ring if ring is not None else math.inf
        return sorted(
            (
                (d, i, address)
                for i, (d, address) in enumerate(zip(nearest, addresses, strict=True))
                if d <= limit or ring is None
            ),
            key=lambda item: (item[0], item[1]),
        )

    def _radius_facet_query(
        self, searcher: tantivy.Searcher, main: tantivy.Query, ranked: list[tuple[float, int, Any]]
    ) -> tantivy.Query:
        """`main` restricted to the ranked matches (the ones within the radius)."""
        if not ranked:
            return tantivy.Query.empty_query()
        keys = searcher.fast_field_values("key", [address for _d, _i, address in ranked])
        return self._all([main, self._only([int(k) for k in keys if k is not None])])

    def _search(self, query: SearchQuery) -> SearchResult:
        index = self._current()
        searcher = index.searcher()
        words = analyse_query(query.q)
        by_facet, others = self._filter_queries(query)
        filters = [*by_facet.values(), *others]
        relaxed = False
        word_part: list[tantivy.Query] = []
        if words:
            word_part = [self._word_query(w) for w in words]
            main = self._all([*word_part, *filters])
            if len(words) > 1 and _count(searcher.search(main, limit=1, count=True)) == 0:
                any_word = tantivy.Query.boolean_query(
                    [(tantivy.Occur.Should, q) for q in word_part], minimum_number_should_match=1
                )
                relaxed_query = self._all([any_word, *filters])
                if _count(searcher.search(relaxed_query, limit=1, count=True)):
                    main, relaxed, word_part = relaxed_query, True, [any_word]
        else:
            main = self._all(filters)

        def without(facet: Facet) -> tantivy.Query:
            """`main` without the facet's own filter: its alternatives' counts (see search.service)."""
            return self._all([*word_part, *(q for f, q in by_facet.items() if f is not facet), *others])

        offset = (query.page - 1) * query.per_page
        wanted = offset + query.per_page
        page: list[tuple[Any, float | None]] = []  # (address, distance)
        facet_queries: dict[Facet | None, tantivy.Query] = {None: main}
        for chosen in by_facet:
            facet_queries[chosen] = without(chosen)
        within_radius = query.near is not None and query.radius_km is not None
        if query.near is not None and (query.radius_km is not None or query.sort == Sort.DISTANCE):
            center = query.near
            rings: list[float | None] = (
                [query.radius_km] if query.radius_km is not None else [*DISTANCE_RINGS_KM, None]
            )
            ranked: list[tuple[float, int, Any]] = []
            for ring in rings:
                ranked = self._within_radius(searcher, main, center, ring)
                if query.radius_km is not None or len(ranked) >= wanted or ring is None:
                    break
            if within_radius:
                total = len(ranked)
                for key, facet_query in list(facet_queries.items()):
                    matches = (
                        ranked
                        if key is None
                        else self._within_radius(searcher, facet_query, center, query.radius_km)
                    )
                    facet_queries[key] = self._radius_facet_query(searcher, facet_query, matches)
            else:
                total = _count(searcher.search(main, limit=1, count=True))
            page = [(address, d if math.isfinite(d) else None) for d, _i, address in ranked[offset:wanted]]
        else:
            if query.sort == Sort.NAME or (not words and query.sort == Sort.RELEVANCE):
                result = searcher.search(
                    main,
                    limit=query.per_page,
                    count=True,
                    offset=offset,
                    order_by_field="name_key",
                    order=tantivy.Order.Asc,
                )
            else:
                result = searcher.search(main, limit=query.per_page, count=True, offset=offset)
            total = _count(result)
            addresses = [address for _score, address in result.hits]
            if query.near is not None:
                nearest = self._distances(searcher, addresses, query.near)
                page = [(a, d if math.isfinite(d) else None) for a, d in zip(addresses, nearest, strict=True)]
            else:
                page = [(a, None) for a in addresses]

        items = [self._hit(searcher.doc(address), distance, words, query.lang) for address, distance in page]
        columns = self._valued_columns(searcher)
        if by_facet and word_part and not within_radius:
            # Measured at 100,000 services: one pass over the word matches with filter aggregations
            # beats a pass per chosen facet by 10-35 %; with no words (every service matches) it
            # loses by as much, as each filter is then tested on every service.
            base = self._all([*word_part, *others])
            facets = self._facets_with_alternatives(searcher, query, base, facet_queries, total, columns)
        else:
            facets = self._facets_pass_by_pass(searcher, facet_queries, total, columns)
        return SearchResult(
            items=items,
            total=total,
            facets=facets,
            page=query.page,
            per_page=query.per_page,
            relaxed=relaxed,
        )

    @staticmethod
    def _valued_columns(searcher: tantivy.Searcher) -> frozenset[str]:
        """The facet columns in which some document has a value (anything but NONE).

        Why: a terms aggregation costs about 0.1 ms per column over 100,000 documents even when
        every document holds NONE there, and most `_rest` columns (and the facets a catalogue does
        not use) are like that; counting them found nothing. The term dictionary tells in a few
        microseconds per column. It may still list a value of deleted documents only: that column is
        then counted, as before, never skipped wrongly. Read per search, so an update committed by
        another process (a sync) shows at once.
        """
        columns: set[str] = set()
        for field in _FACET_FIELDS.values():
            for column in (f"{field}_first", f"{field}_rest"):
                if any(term != NONE for term, _count in searcher.terms_with_prefix(column, "", limit=2)):
                    columns.add(column)
        return frozenset(columns)

    @staticmethod
    def _aggregation(wanted: Sequence[Facet], columns: frozenset[str]) -> dict[str, Any]:
        """Terms of the two single-valued columns of each wanted facet (see _facet_columns), of those
        that hold any value (_valued_columns)."""
        aggregation: dict[str, Any] = {}
        for facet in wanted:
            field = _FACET_FIELDS[facet]
            for part, size in (("first", FIRST_BUCKETS), ("rest", REST_BUCKETS)):
                if f"{field}_{part}" in columns:
                    aggregation[f"{facet.value}_{part}"] = {
                        "terms": {"field": f"{field}_{part}", "size": size}
                    }
        return aggregation

    def _facets(
        self,
        searcher: tantivy.Searcher,
        query: tantivy.Query,
        wanted: Sequence[Facet],
        columns: frozenset[str],
    ) -> dict[str, list[FacetValue]]:
        aggregation = self._aggregation(wanted, columns)
        answer = searcher.aggregate(query, aggregation) if aggregation else {}
        return self._read_facets(searcher, query, answer, wanted)

    def _read_facets(
        self,
        searcher: tantivy.Searcher,
        query: tantivy.Query,
        answer: dict[str, Any],
        wanted: Sequence[Facet],
    ) -> dict[str, list[FacetValue]]:
        """Counts by value from an answer to _aggregation(wanted); `query` is what it counted over."""
        overflow = [
            facet
            for facet in wanted
            if any(
                answer.get(f"{facet.value}_{part}", {}).get("sum_other_doc_count")
                for part in ("first", "rest")
            )
        ]
        exact: dict[str, Any] = {}
        if overflow:
            # More distinct value sets than the buckets read: count the multi-valued columns.
            exact = searcher.aggregate(
                query,
                {f.value: {"terms": {"field": _FACET_FIELDS[f], "size": ALL_BUCKETS}} for f in overflow},
            )
        facets: dict[str, list[FacetValue]] = {}
        for facet in wanted:
            counts: dict[str, int] = {}
            if facet in overflow:
                for bucket in exact.get(facet.value, {}).get("buckets", []):
                    counts[str(bucket["key"])] = int(bucket["doc_count"])
            else:
                for bucket in answer.get(f"{facet.value}_first", {}).get("buckets", []):
                    counts[str(bucket["key"])] = int(bucket["doc_count"])
                for bucket in answer.get(f"{facet.value}_rest", {}).get("buckets", []):
                    for value in str(bucket["key"]).split(REST_SEPARATOR):
                        counts[value] = counts.get(value, 0) + int(bucket["doc_count"])
                counts.pop(NONE, None)
            ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
            facets[facet.value] = [FacetValue(value, count) for value, count in ordered if count]
        return facets

    @staticmethod
    def _filter_string(query: SearchQuery, facet: Facet) -> str | None:
        """A chosen facet's filter in tantivy's query language; None for a value it cannot spell safely."""
        if facet is Facet.FREE:
            return f'free:"{"true" if query.free else "false"}"'
        values = list(dict.fromkeys(getattr(query, FACET_FILTERS[facet])))
        if not all(_SAFE_VALUE.fullmatch(v) for v in values):
            return None
        field = _FACET_FIELDS[facet]
        return "(" + " OR ".join(f'{field}:"{v}"' for v in values) + ")"

    def _facets_pass_by_pass(
        self,
        searcher: tantivy.Searcher,
        facet_queries: dict[Facet | None, tantivy.Query],
        total: int,
        columns: frozenset[str],
    ) -> dict[str, list[FacetValue]]:
        """Facets within the results (None's query), and each chosen facet over its own query."""
        facets = self._facets(searcher, facet_queries[None], tuple(_FACET_FIELDS), columns) if total else {}
        for facet in facet_queries:
            if facet is not None:
                # Counted even when nothing matches: they show where the same search does find something.
                facets.update(self._facets(searcher, facet_queries[facet], (facet,), columns))
        return facets

    def _facets_with_alternatives(
        self,
        searcher: tantivy.Searcher,
        query: SearchQuery,
        base: tantivy.Query,
        facet_queries: dict[Facet | None, tantivy.Query],
        total: int,
        columns: frozenset[str],
    ) -> dict[str, list[FacetValue]]:
        """The facets within the results, and each chosen facet as if it were not chosen.

        One pass where it can: `base` is the search without its facet filters, and each set of
        counts is a filter aggregation over it (the words are matched once instead of once per
        chosen facet). A value the query language cannot carry falls back to one pass per set.
        """
        chosen = [f for f in facet_queries if f is not None]
        spelled: dict[Facet, str] = {}
        for facet in chosen:
            text = self._filter_string(query, facet)
            if text is None:
                return self._facets_pass_by_pass(searcher, facet_queries, total, columns)
            spelled[facet] = text
        groups: dict[str, tuple[str, Sequence[Facet]]] = {}
        if total:  # with no results, only the chosen facets' alternatives are shown
            groups["all"] = (" AND ".join(spelled.values()), tuple(_FACET_FIELDS))
        for facet in chosen:
            # "*": with only this facet chosen, its alternatives are counted over every match.
            groups[facet.value] = (
                " AND ".join(v for f, v in spelled.items() if f is not facet) or "*",
                (facet,),
            )
        aggregation = {
            name: {"filter": spelled_filter, "aggs": aggs}
            for name, (spelled_filter, wanted) in groups.items()
            if (aggs := self._aggregation(wanted, columns))
        }
        answer = searcher.aggregate(base, aggregation) if aggregation else {}
        facets = (
            self._read_facets(searcher, facet_queries[None], answer.get("all", {}), tuple(_FACET_FIELDS))
            if total
            else {}
        )
        for facet in chosen:
            facets.update(
                self._read_facets(searcher, facet_queries[facet], answer.get(facet.value, {}), (facet,))
            )
        return facets

    @staticmethod
    def _hit(doc: tantivy.Document, distance: float | None, words: list[QueryWord], lang: str) -> SearchHit:
        payload = orjson.loads(bytes(doc["payload"][0]))
        return SearchHit(
            id=str(doc["id"][0]),
            source=payload["source"],
            external_id=payload["external_id"],
            name=payload["name"],
            summary=payload["summary"],
            snippet=snippet_for([payload["summary"], payload["description"], payload["name"]], words, lang),
            distance_km=round(distance, 2) if distance is not None else None,
            organisation_name=payload["organisation_name"],
            municipality_codes=tuple(payload["municipalities"]),
            themes=tuple(payload["themes"]),
            is_free=payload["free"],
            points=tuple(GeoPoint(lat, lon) for lat, lon in payload["points"]),
            demo=payload["demo"],
            when=payload.get("when") or {},
            formats=tuple(payload.get("formats") or ()),
            capacity=payload.get("capacity"),
            accepts_referrals=payload.get("accepts_referrals"),
        )
