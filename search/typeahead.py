"""Type-ahead: what to offer while a resident types in the search box (themes, places, services).

Themes and places are the code tables' names that begin with what was typed, offered only where the
search index holds listings for them (with the count); services are the names the index finds for
the words typed so far, the last one a prefix. The index answers as it answers searches; when it is
down, the database does (degraded), as for search (search.service).

Nothing here logs what was typed: a search word can be personal data in a health context.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import func, or_, union_all
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from app.catalogue.enums import ServiceStatus, Taxonomy
from app.catalogue.models import (
    Location,
    Municipality,
    Organisation,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceTerm,
    Theme,
)
from app.errors import Unavailable
from search.finnish import fold, words
from search.query import QueryWord, analyse_query, word_matches
from search.service import outages
from search.types import Facet, NameMatch

MIN_PART = 3  # letters typed that may match inside a word
MIN_LETTERS = 2  # fewer would match most of the catalogue and tell the reader nothing
MAX_QUERY_LENGTH = 100
MAX_THEMES = 2
MAX_PLACES = 3
MAX_SUGGESTIONS = 8
CANDIDATES = 30  # service names read from the engine, ordered again here
MAX_COUNTED = 40  # place names counted in the index for one request ("ha" begins dozens)
CODE_TABLE_TTL_SECONDS = 300.0
SEARCHABLE = (ServiceStatus.ACTIVE.value, ServiceStatus.TEMPORARILY_CLOSED.value)
# The language a name is shown in when it matches in several: the reader's first.
_ORDER: dict[str, tuple[str, ...]] = {
    "fi": ("fi", "sv", "en"),
    "sv": ("sv", "fi", "en"),
    "en": ("en", "fi", "sv"),
}


class Kind(StrEnum):
    THEME = "theme"
    PLACE = "place"
    SERVICE = "service"


@dataclass(frozen=True)
class Suggestion:
    kind: Kind
    value: str  # theme code, municipality code or service id
    label: str  # the name that matched, in the reader's language where it matched in it
    label_lang: str
    count: int | None = None  # listings (themes and places)
    detail: dict[str, str] = field(default_factory=dict)  # a service's organisation, by language
    # Where a service is (its municipalities' names, by language), given only when another suggestion has
    # the same name and provider: without it the two would read alike.
    place: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Suggestions:
    items: list[Suggestion]
    degraded: bool = False  # the engine is down: answered from the database


class SuggestingIndex(Protocol):
    """What an engine offers type-ahead (TantivyIndex, MeilisearchIndex); raises Unavailable when down."""

    name: str

    def suggest_names(self, words: Sequence[QueryWord], limit: int) -> list[NameMatch]: ...

    def count_values(self, facet: Facet, values: Sequence[str]) -> dict[str, int]: ...


# ------------------------------------------------------------------------------------------------
# Matching, pure
# ------------------------------------------------------------------------------------------------


def tokens_of(text: str) -> tuple[str, ...]:
    """The folded words of a name, as the typed words are compared with them."""
    return tuple(words(fold(text)))


def _at_word_start(word: QueryWord, tokens: Sequence[str]) -> bool:
    for token in tokens:
        if token == word.folded or token in word.base_forms:
            return True
        if word.prefix and (token.startswith(word.folded) or token.startswith(word.lemma)):
            return True
    return False


def _within(word: QueryWord, tokens: Sequence[str]) -> bool:
    """Inside a compound ("sali" in kuntosali), or within the typos search allows (search.query)."""
    if len(word.folded) >= MIN_PART and any(word.folded in token for token in tokens):
        return True
    return any(word_matches(word, token) for token in tokens)


def match_rank(tokens: Sequence[str], typed: Sequence[QueryWord]) -> int | None:
    """0: the name begins with the first word typed and holds the others at the start of its words;
    1: it holds every word (the last may be unfinished) at the start of its words; 2: some inside a
    word or with a typo; None: not every word (a listing the engine found through a synonym of its
    name is left out: a suggestion shows what was typed)."""
    if not typed or not tokens:
        return None
    starts = [_at_word_start(w, tokens) for w in typed]
    if all(starts):
        return 0 if _at_word_start(typed[0], tokens[:1]) else 1
    if all(start or _within(w, tokens) for w, start in zip(typed, starts, strict=True)):
        return 2
    return None


def best_label(
    names: Mapping[str, str], typed: Sequence[QueryWord], lang: str
) -> tuple[str, str, int] | None:
    """(name, its language, match_rank) to show: the best matching name, in the reader's language
    when it matches there as well; None when no name matches."""
    order = _ORDER.get(lang, _ORDER["fi"])
    matching = [
        (rank, position, language)
        for position, language in enumerate(order)
        if names.get(language) and (rank := match_rank(tokens_of(names[language]), typed)) is not None
    ]
    if not matching:
        return None
    # The best match, in the reader's language when it matches there as well as elsewhere.
    rank, _position, language = min(matching)
    return names[language], language, rank


# ------------------------------------------------------------------------------------------------
# Code tables: theme and municipality names, cached as the search page caches them
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NamedCode:
    code: str
    names: dict[str, str]  # by language
    tokens: tuple[tuple[str, ...], ...]  # the folded words of each name
    # For a quick "cannot match" before match_rank: each keystroke is checked against ~300 names.
    text: str = ""  # every token, space-separated
    initials: frozenset[str] = frozenset()  # the first letters of the tokens (typos keep the first)

    def may_match(self, typed: Sequence[QueryWord]) -> bool:
        return all(
            w.folded in self.text
            or any(b in self.text for b in w.base_forms)
            or w.folded[:1] in self.initials
            for w in typed
        )


@dataclass(frozen=True)
class CodeTables:
    themes: list[NamedCode]
    municipalities: list[NamedCode]


_tables: dict[str, tuple[float, CodeTables]] = {}
_tables_lock = threading.Lock()


def _named(code: str, names: dict[str, str | None]) -> NamedCode:
    present = {lang: name.strip() for lang, name in names.items() if name and name.strip()}
    tokens = tuple(tokens_of(name) for name in dict.fromkeys(present.values()))
    every = [token for name in tokens for token in name]
    return NamedCode(code, present, tokens, " ".join(every), frozenset(token[:1] for token in every))


def code_tables(session: Session) -> CodeTables:
    """Theme and municipality names; they change only when a deploy loads the code tables, so they
    are read at most every few minutes, keeping the database out of most keystrokes."""
    key = str(session.get_bind().engine.url)
    now = time.monotonic()
    with _tables_lock:
        cached = _tables.get(key)
    if cached is not None and cached[0] > now:
        return cached[1]
    themes = [
        _named(code, {"fi": fi, "sv": sv, "en": en})
        for code, fi, sv, en in session.exec(
            select(Theme.code, Theme.name_fi, Theme.name_sv, Theme.name_en).order_by(col(Theme.sort_order))
        )
    ]
    municipalities = [
        # English uses the Finnish name; only the Finnish and Swedish ones are matched.
        _named(code, {"fi": fi, "sv": sv})
        for code, fi, sv in session.exec(
            select(Municipality.code, Municipality.name_fi, Municipality.name_sv)
        )
    ]
    tables = CodeTables(themes, municipalities)
    if themes and municipalities:  # never cache a table not loaded yet
        with _tables_lock:
            _tables[key] = (now + CODE_TABLE_TTL_SECONDS, tables)
    return tables


def clear_cache() -> None:
    with _tables_lock:
        _tables.clear()


# ------------------------------------------------------------------------------------------------
# The database, when the engine cannot answer
# ------------------------------------------------------------------------------------------------


def _contains(column: Any, text: str) -> Any:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped}%", escape="\\")


def names_from_database(session: Session, typed: Sequence[QueryWord], limit: int) -> list[NameMatch]:
    """Services whose name (in any language) contains every typed word, as typed."""
    if not typed:
        return []
    names = (Service.name_fi, Service.name_sv, Service.name_en)
    conditions = [or_(*(_contains(column, word.text) for column in names)) for word in typed]
    rows = session.execute(
        select_columns(
            col(Service.id),
            col(Service.name_fi),
            col(Service.name_sv),
            col(Service.name_en),
            col(Organisation.name_fi),
            col(Organisation.name_sv),
            col(Organisation.name_en),
        )
        .join(Organisation, col(Organisation.id) == col(Service.organisation_id), isouter=True)
        .where(col(Service.status).in_(SEARCHABLE), *conditions)
        .order_by(func.length(col(Service.name_fi)), col(Service.name_fi))
        .limit(limit)
    ).all()
    places: dict[Any, set[str]] = {row[0]: set() for row in rows}
    if places:
        ids = list(places)
        for service_id, code in session.execute(
            union_all(
                select_columns(col(ServiceAtLocation.service_id), col(Location.municipality_code))
                .join(Location, col(Location.id) == col(ServiceAtLocation.location_id))
                .where(
                    col(ServiceAtLocation.service_id).in_(ids), col(Location.municipality_code).is_not(None)
                ),
                select_columns(col(ServiceArea.service_id), col(ServiceArea.municipality_code)).where(
                    col(ServiceArea.service_id).in_(ids)
                ),
            )
        ):
            places[service_id].add(code)
    return [
        NameMatch(
            id=str(row[0]),
            name={lang: text for lang, text in zip(("fi", "sv", "en"), row[1:4], strict=True) if text},
            organisation_name={
                lang: text for lang, text in zip(("fi", "sv", "en"), row[4:7], strict=True) if text
            },
            municipalities=sorted(places[row[0]]),
        )
        for row in rows
    ]


def counts_from_database(session: Session, facet: Facet, values: Sequence[str]) -> dict[str, int]:
    """Searchable services per theme or municipality (places and service areas), from the database."""
    chosen = list(dict.fromkeys(values))
    if not chosen:
        return {}
    searchable = col(Service.status).in_(SEARCHABLE)
    if facet is Facet.THEME:
        statement: Any = (
            select(ServiceTerm.code, func.count(func.distinct(ServiceTerm.service_id)))
            .join(Service, col(Service.id) == col(ServiceTerm.service_id))
            .where(
                ServiceTerm.taxonomy == Taxonomy.THEME.value, col(ServiceTerm.code).in_(chosen), searchable
            )
            .group_by(ServiceTerm.code)
        )
    elif facet is Facet.MUNICIPALITY:
        pairs = union_all(
            select(
                col(Location.municipality_code).label("code"), col(ServiceAtLocation.service_id).label("sid")
            )
            .join(Location, col(Location.id) == col(ServiceAtLocation.location_id))
            .where(col(Location.municipality_code).in_(chosen)),
            select(
                col(ServiceArea.municipality_code).label("code"), col(ServiceArea.service_id).label("sid")
            ).where(col(ServiceArea.municipality_code).in_(chosen)),
        ).subquery()
        statement = (
            select(pairs.c.code, func.count(func.distinct(pairs.c.sid)))
            .join(Service, col(Service.id) == pairs.c.sid)
            .where(searchable)
            .group_by(pairs.c.code)
        )
    else:  # pragma: no cover - only themes and places are suggested
        raise ValueError(facet)
    counts = {str(code): int(count) for code, count in session.exec(statement)}
    return {value: counts.get(value, 0) for value in chosen}


# ------------------------------------------------------------------------------------------------
# The entry point
# ------------------------------------------------------------------------------------------------


def typed_words(q: str) -> list[QueryWord]:
    """The words of what was typed, the last one unfinished unless a space follows it; [] when too short."""
    text = q[:MAX_QUERY_LENGTH]
    if sum(ch.isalnum() for ch in text) < MIN_LETTERS:
        return []
    return analyse_query(text)


def _codes_matching(
    entries: Iterable[NamedCode], typed: Sequence[QueryWord], lang: str
) -> list[tuple[int, NamedCode, str, str]]:
    found = []
    for entry in entries:
        if not entry.may_match(typed):
            continue
        ranks = [r for tokens in entry.tokens if (r := match_rank(tokens, typed)) is not None]
        if not ranks:
            continue
        shown = best_label(entry.names, typed, lang)
        if shown is not None:
            found.append((min(ranks), entry, shown[0], shown[1]))
    return found


def _counted(
    kind: Kind,
    matching: list[tuple[int, NamedCode, str, str]],
    counts: Mapping[str, int],
    limit: int,
) -> list[Suggestion]:
    ordered = sorted(
        (m for m in matching if counts.get(m[1].code)), key=lambda m: (m[0], -counts[m[1].code], m[2])
    )
    return [
        Suggestion(kind, entry.code, label, label_lang, counts[entry.code])
        for _r, entry, label, label_lang in ordered[:limit]
    ]


def _place_names(codes: Sequence[str], municipalities: Mapping[str, NamedCode]) -> dict[str, str]:
    """The municipalities' names joined, by language (English reads the Finnish ones)."""
    known = [municipalities[code].names for code in codes if code in municipalities]
    out = {}
    for lang, fallback in (("fi", "fi"), ("sv", "fi"), ("en", "fi")):
        names = [n.get(lang) or n.get(fallback) or "" for n in known]
        if any(names):
            out[lang] = ", ".join(name for name in names if name)
    return out


def _services(
    matches: Sequence[NameMatch],
    typed: Sequence[QueryWord],
    lang: str,
    limit: int,
    municipalities: Mapping[str, NamedCode],
) -> list[Suggestion]:
    ranked: list[tuple[int, int, str, Suggestion]] = []
    seen: set[tuple[str, str, tuple[str, ...]]] = set()
    for match in matches:
        shown = best_label(match.name, typed, lang)
        if shown is None:
            continue
        label, label_lang, rank = shown
        organisation = min(match.organisation_name.values(), default="")
        # Listings of one name by one provider in the same municipalities (a weekly group in several
        # places) are one choice; in other municipalities they are other choices, told apart by place.
        key = (fold(label), organisation, tuple(match.municipalities))
        if key in seen:
            continue
        seen.add(key)
        suggestion = Suggestion(
            Kind.SERVICE,
            match.id,
            label,
            label_lang,
            detail=match.organisation_name,
            place=_place_names(match.municipalities, municipalities),
        )
        ranked.append((rank, len(label), fold(label), suggestion))
    ranked.sort(key=lambda item: item[:3])
    chosen = [item[3] for item in ranked[:limit]]
    # The place is said only where the name and provider alone would read the same as another's.
    alike: dict[tuple[str, str], int] = {}
    for suggestion in chosen:
        twin = (fold(suggestion.label), min(suggestion.detail.values(), default=""))
        alike[twin] = alike.get(twin, 0) + 1
    return [
        s if alike[(fold(s.label), min(s.detail.values(), default=""))] > 1 else replace(s, place={})
        for s in chosen
    ]


def suggest(q: str, *, lang: str, session: Session, index: object | None) -> Suggestions:
    """Themes, places and services for what has been typed so far, best first, at most MAX_SUGGESTIONS."""
    typed = typed_words(q)
    if not typed:
        return Suggestions([])
    tables = code_tables(session)
    themes = _codes_matching(tables.themes, typed, lang)
    places = sorted(_codes_matching(tables.municipalities, typed, lang), key=lambda m: (m[0], m[2]))[
        :MAX_COUNTED
    ]
    engine: Any = index if hasattr(index, "suggest_names") and hasattr(index, "count_values") else None
    degraded = False
    names: list[NameMatch] = []
    theme_counts: dict[str, int] = {}
    place_counts: dict[str, int] = {}
    if engine is not None:
        try:
            names = engine.suggest_names(typed, CANDIDATES)
            theme_counts = engine.count_values(Facet.THEME, [m[1].code for m in themes])
            place_counts = engine.count_values(Facet.MUNICIPALITY, [m[1].code for m in places])
        except Unavailable as exc:
            outages.failed(engine.name, exc)
            engine = None
        else:
            outages.answered(engine.name)
    if engine is None:
        degraded = True  # as search.service: whatever the database answers is marked so
        names = names_from_database(session, typed, CANDIDATES)
        theme_counts = counts_from_database(session, Facet.THEME, [m[1].code for m in themes])
        place_counts = counts_from_database(session, Facet.MUNICIPALITY, [m[1].code for m in places])
    items = [
        *_counted(Kind.THEME, themes, theme_counts, MAX_THEMES),
        *_counted(Kind.PLACE, places, place_counts, MAX_PLACES),
    ]
    by_code = {entry.code: entry for entry in tables.municipalities}
    items.extend(_services(names, typed, lang, MAX_SUGGESTIONS - len(items), by_code))
    return Suggestions(items, degraded)
