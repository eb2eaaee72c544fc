"""Query analysis and filter expressions: pure functions, shared by the engines.

A query word matches a document when the word, one of its base forms, a synonym of those (added to
documents at index time), a prefix of a word (the last query word only: search as you type) or a
word within the allowed typos of it appears. Every word must match; when no document matches them
all, the engines answer the best partial matches and say so (`relaxed`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from search.finnish import analyse_word, fold, words
from search.synonyms import joined, phrases
from search.types import SearchQuery

MAX_QUERY_WORDS = 10
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class QueryWord:
    text: str  # lowercased, as typed
    folded: str  # without diacritics, as the engines compare
    base_forms: tuple[str, ...]  # folded Finnish base forms, other than the word itself
    prefix: bool  # the last word of the query: may be unfinished
    typos: int  # edits allowed, as Meilisearch's defaults: 1 from 5 letters, 2 from 9
    known: bool = False  # the Finnish dictionary knows the word: it is spelled right

    @property
    def lemma(self) -> str:
        """The one form to send where only one fits: the first base form, else the word."""
        return self.base_forms[0] if self.base_forms else self.folded


def allowed_typos(word: str) -> int:
    if len(word) >= 9:
        return 2
    if len(word) >= 5:
        return 1
    return 0


# Function words of the three languages: a query must match every word, and listings without a
# Swedish or English text never say "för" or "for" ("simning för seniorer"). Dropped unless the
# query has nothing else.
STOP_WORDS = frozenset(
    {
        *("ja", "tai", "sekä", "myös"),
        *("och", "eller", "för", "i", "på", "med", "av", "till", "en", "ett", "som", "att"),
        *("and", "or", "for", "the", "a", "an", "in", "of", "to", "with", "at", "on"),
    }
)


def _join_phrases(found: list[str]) -> list[str]:
    """Words that make a phrase of the synonym list become one word, as documents carry it
    ("water gym" -> "water gym", matched as "watergym"); the text keeps its space."""
    known = phrases()
    if not known:
        return found
    longest = max(len(p) for p in known)
    result: list[str] = []
    i = 0
    while i < len(found):
        for size in range(min(longest, len(found) - i), 1, -1):
            if tuple(found[i : i + size]) in known:
                result.append(" ".join(found[i : i + size]))
                i += size
                break
        else:
            result.append(found[i])
            i += 1
    return result


def analyse_query(q: str) -> list[QueryWord]:
    raw = [w for w in words(q) if len(w) >= 1]
    raw = [w for w in raw if w not in STOP_WORDS] or raw
    raw = _join_phrases(raw)[:MAX_QUERY_WORDS]
    # Hyphenated words come with their parts: keep only the whole word for matching.
    unique = list(dict.fromkeys(raw))
    result: list[QueryWord] = []
    for position, word in enumerate(unique):
        folded = fold(joined(word))
        analysis = analyse_word(word)
        bases = tuple(dict.fromkeys(fold(b) for b in analysis.base_forms if fold(b) != folded))
        result.append(
            QueryWord(
                text=word,
                folded=folded,
                base_forms=bases,
                prefix=position == len(unique) - 1 and not q.endswith((" ", '"')),
                typos=allowed_typos(folded),
                known=bool(analysis.base_forms),
            )
        )
    return result


@lru_cache(maxsize=200_000)
def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance with adjacent transpositions, or limit + 1 when it is above `limit`.

    Only the band of cells within `limit` of the diagonal can hold a distance <= limit.
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    over = limit + 1
    previous2: list[int] = []
    previous = [j if j <= limit else over for j in range(len(b) + 1)]
    for i in range(1, len(a) + 1):
        current = [i if i <= limit else over] + [over] * len(b)
        low, high = max(1, i - limit), min(len(b), i + limit)
        ca = a[i - 1]
        best = current[0]
        for j in range(low, high + 1):
            cb = b[j - 1]
            value = previous[j - 1] + (ca != cb)
            if previous[j] + 1 < value:
                value = previous[j] + 1
            if current[j - 1] + 1 < value:
                value = current[j - 1] + 1
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb and previous2[j - 2] + 1 < value:
                value = previous2[j - 2] + 1
            current[j] = min(value, over)
            if value < best:
                best = value
        if best > limit:
            return over
        previous2, previous = previous, current
    return min(previous[-1], over)


def word_matches(query_word: QueryWord, folded_word: str, folded_lemmas: Iterable[str] = ()) -> bool:
    """Does a word of a text (folded, with its folded base forms) match a query word? For snippets."""
    candidates = (folded_word, *folded_lemmas)
    targets = (query_word.folded, *query_word.base_forms)
    for candidate in candidates:
        for target in targets:
            if candidate == target:
                return True
            if query_word.prefix and len(target) >= 2 and candidate.startswith(target):
                return True
            # Typos are looked for only in words that begin like the query word: cheap, and a
            # highlight on a word that differs from its first letter would puzzle the reader.
            if query_word.typos and len(candidate) >= 4 and candidate[:1] == target[:1]:
                heads = {candidate, candidate[: len(target)]} if query_word.prefix else {candidate}
                if any(edit_distance(h, target, query_word.typos) <= query_word.typos for h in heads):
                    return True
    return False


# ------------------------------------------------------------------------------------------------
# Geography
# ------------------------------------------------------------------------------------------------


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))


def distances_km(center: tuple[float, float], latitudes: list[float], longitudes: list[float]) -> list[float]:
    """haversine_km from `center` to each point, with the center's share worked out once.

    A radius search measures every candidate in the covering cells (thousands per query).
    """
    lat1, lon1 = math.radians(center[0]), math.radians(center[1])
    cos1 = math.cos(lat1)
    radians, sin, cos, asin, sqrt = math.radians, math.sin, math.cos, math.asin, math.sqrt
    diameter = 2 * EARTH_RADIUS_KM
    result = []
    for latitude, longitude in zip(latitudes, longitudes, strict=True):
        lat2 = radians(latitude)
        h = sin((lat2 - lat1) / 2) ** 2 + cos1 * cos(lat2) * sin((radians(longitude) - lon1) / 2) ** 2
        result.append(diameter * asin(sqrt(h if h < 1.0 else 1.0)))
    return result


# Grid levels for geo prefiltering: cell height in degrees of latitude (width is twice that in
# longitude, about square in Finland). A radius query looks up the cells of the smallest level
# that covers the circle with at most MAX_CELLS cells; exact distances are computed afterwards.
GEO_LEVELS: tuple[float, ...] = (0.02, 0.1, 0.5, 2.5)
MAX_CELLS = 100


def geo_cells(latitude: float, longitude: float) -> list[str]:
    """The cells of every level a point lies in."""
    return [
        f"{level}:{math.floor(latitude / step)}:{math.floor(longitude / (2 * step))}"
        for level, step in enumerate(GEO_LEVELS)
    ]


def covering_cells(center: tuple[float, float], radius_km: float) -> list[str] | None:
    """Cells that together contain every point within radius_km of center; None: too wide to help."""
    lat, lon = center
    dlat = radius_km / 111.0
    cos_lat = max(math.cos(math.radians(min(abs(lat) + dlat, 89.0))), 0.01)
    dlon = radius_km / (111.32 * cos_lat)
    for level, step in enumerate(GEO_LEVELS):
        lat_cells = range(math.floor((lat - dlat) / step), math.floor((lat + dlat) / step) + 1)
        lon_cells = range(math.floor((lon - dlon) / (2 * step)), math.floor((lon + dlon) / (2 * step)) + 1)
        if len(lat_cells) * len(lon_cells) <= MAX_CELLS:
            return [f"{level}:{a}:{b}" for a in lat_cells for b in lon_cells]
    return None


# ------------------------------------------------------------------------------------------------
# Meilisearch filter expressions
# ------------------------------------------------------------------------------------------------


def quote_filter_value(value: str) -> str:
    """A Meilisearch filter string literal: double-quoted, with backslashes and quotes escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _any_of(attribute: str, values: Iterable[str]) -> str | None:
    chosen = list(dict.fromkeys(values))
    if not chosen:
        return None
    return f"{attribute} IN [{', '.join(quote_filter_value(v) for v in chosen)}]"


def meilisearch_filters(query: SearchQuery) -> list[str]:
    """One expression per facet (alternatives within a facet, every facet must hold)."""
    expressions = [
        _any_of("municipality", query.municipalities),
        _any_of("theme", query.themes),
        _any_of("target_group", query.target_groups),
        _any_of("language", query.languages),
        _any_of("provider_kind", query.provider_kinds),
        _any_of("accessibility", query.accessibility),
        _any_of("weekday", query.weekdays),
        _any_of("time_of_day", query.times_of_day),
        _any_of("format", query.formats),
        _any_of("capacity", query.capacities),
        _any_of("referrals", query.referrals),
    ]
    if query.free is not None:
        expressions.append(f"free = {quote_filter_value('true' if query.free else 'false')}")
    if query.age is not None:
        age = int(query.age)
        expressions.append(f"min_age <= {age}")
        expressions.append(f"max_age >= {age}")
    if query.near is not None and query.radius_km is not None:
        lat, lon = (float(v) for v in query.near)
        meters = round(float(query.radius_km) * 1000)
        expressions.append(f"_geoRadius({lat:.6f}, {lon:.6f}, {meters})")
    return [e for e in expressions if e]
