"""The search contract between the engines (search/) and their callers (web/).

Within one facet the chosen values are alternatives (OR); different facets must all hold (AND).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Protocol


class Facet(StrEnum):
    MUNICIPALITY = "municipality"
    THEME = "theme"
    TARGET_GROUP = "target_group"
    LANGUAGE = "language"
    FREE = "free"
    PROVIDER_KIND = "provider_kind"
    ACCESSIBILITY = "accessibility"
    WEEKDAY = "weekday"
    TIME_OF_DAY = "time_of_day"
    FORMAT = "format"  # how one takes part: online, group, course ... (Taxonomy.FORMAT)
    # The provider's own word (app.catalogue.overlay), read live from the overlay when indexed.
    CAPACITY = "capacity"  # places_free, waiting_list, full
    REFERRALS = "referrals"  # "true": takes referrals, "false": does not


class TimeOfDay(StrEnum):
    MORNING = "morning"  # a time range overlapping 0:00-12:00
    AFTERNOON = "afternoon"  # overlapping 12:00-17:00
    EVENING = "evening"  # overlapping 17:00-24:00


class Sort(StrEnum):
    RELEVANCE = "relevance"
    DISTANCE = "distance"
    NAME = "name"


WEEKDAYS: tuple[str, ...] = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class SearchQuery:
    q: str = ""
    lang: str = "fi"  # the reader's language: snippets and names in it first
    municipalities: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    target_groups: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    free: bool | None = None
    provider_kinds: tuple[str, ...] = ()
    accessibility: tuple[str, ...] = ()
    weekdays: tuple[str, ...] = ()
    times_of_day: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    capacities: tuple[str, ...] = ()  # Capacity values
    referrals: tuple[str, ...] = ()  # "true" and/or "false": whether the provider takes referrals
    age: int | None = None
    near: tuple[float, float] | None = None  # (latitude, longitude), WGS84
    radius_km: float | None = None
    sort: Sort = Sort.RELEVANCE
    page: int = 1
    per_page: int = 20
    # Read "ilmainen"/"gratis"/"free" and municipality names in q as filters (search.intent).
    read_words: bool = False


# Each facet's chosen values, as the SearchQuery field that holds them.
FACET_FILTERS: dict[Facet, str] = {
    Facet.MUNICIPALITY: "municipalities",
    Facet.THEME: "themes",
    Facet.TARGET_GROUP: "target_groups",
    Facet.LANGUAGE: "languages",
    Facet.FREE: "free",
    Facet.PROVIDER_KIND: "provider_kinds",
    Facet.ACCESSIBILITY: "accessibility",
    Facet.WEEKDAY: "weekdays",
    Facet.TIME_OF_DAY: "times_of_day",
    Facet.FORMAT: "formats",
    Facet.CAPACITY: "capacities",
    Facet.REFERRALS: "referrals",
}


def chosen_facets(query: SearchQuery) -> list[Facet]:
    """The facets the query filters on."""
    return [facet for facet, field in FACET_FILTERS.items() if getattr(query, field) not in ((), None)]


def without_filter(query: SearchQuery, facet: Facet) -> SearchQuery:
    """The same query with no values chosen for `facet`."""
    cleared: dict[str, Any] = {FACET_FILTERS[facet]: None if facet is Facet.FREE else ()}
    return replace(query, **cleared)


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int


@dataclass(frozen=True)
class GeoPoint:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class SearchHit:
    id: str
    source: str
    external_id: str
    name: dict[str, str]  # by language; only languages the listing has
    summary: dict[str, str]
    # Short excerpt with the matched words in <mark>; HTML-escaped apart from the marks.
    snippet: str | None = None
    distance_km: float | None = None
    organisation_name: dict[str, str] = field(default_factory=dict)
    municipality_codes: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    is_free: bool | None = None
    points: tuple[GeoPoint, ...] = ()
    demo: bool = False
    # The weekly meeting pattern per place, by language ("torstaisin klo 13.00–13.45 · Asikkalan
    # palvelukeskus"); empty when the listing gives only its places' opening hours.
    when: dict[str, list[str]] = field(default_factory=dict)
    formats: tuple[str, ...] = ()  # "online" marks a listing used on the web, wherever one lives
    capacity: str | None = None  # the provider's word on room: places_free, waiting_list, full
    accepts_referrals: bool | None = None  # None: the provider has not said


@dataclass(frozen=True)
class SearchResult:
    items: list[SearchHit]
    total: int
    facets: dict[str, list[FacetValue]]
    page: int
    per_page: int
    degraded: bool = False  # answered by the database fallback because the engine is down
    relaxed: bool = False  # not every word matched; these are the best partial matches
    suggestion: str | None = None  # did-you-mean
    understood: Understood | None = None  # words of q read as filters (SearchQuery.read_words)


@dataclass(frozen=True)
class Understood:
    """Words of the query read as filters: the free-of-charge word, and municipalities named."""

    free_word: str | None = None  # as typed
    places: tuple[tuple[str, str], ...] = ()  # (word as typed, municipality code)
    place_relaxed: bool = False  # nothing in those municipalities: the results are from everywhere


class SearchIndex(Protocol):
    """What every engine offers. Implementations raise app.errors.Unavailable when down."""

    name: str

    def health(self) -> bool: ...

    def search(self, query: SearchQuery) -> SearchResult: ...


@dataclass(frozen=True)
class NameMatch:
    """A service whose name matches what is being typed (type-ahead, search.typeahead)."""

    id: str
    name: dict[str, str]  # by language; only languages the listing has
    organisation_name: dict[str, str] = field(default_factory=dict)
    municipalities: list[str] = field(default_factory=list)  # codes: its places' and its service areas'
