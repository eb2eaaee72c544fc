"""The search page's state, which is its URL: parse query parameters, and build URLs from a state.

Pure functions: the same state always gives the same URL, so back, reload and sharing a link all
show the same page, with or without JavaScript.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlencode

from app.errors import N_, InvalidInput
from search.types import WEEKDAYS, Facet, SearchQuery, Sort, TimeOfDay

ACCESSIBILITY_NEEDS: tuple[str, ...] = ("wheelchair", "rollator", "visual", "hearing")
# Taxonomy.FORMAT codes (integrations/formats.py): how one takes part.
FORMATS: tuple[str, ...] = ("online", "phone", "group", "course", "drop-in", "event", "trip", "volunteering")
# The provider's own word on room (app.catalogue.overlay.Capacity), and whether it takes referrals.
CAPACITIES: tuple[str, ...] = ("places_free", "waiting_list", "full")
REFERRALS: tuple[str, ...] = ("true", "false")
PROVIDER_KINDS: tuple[str, ...] = (
    "municipality",
    "wellbeing_county",
    "ngo",
    "parish",
    "company",
    "state_agency",
    "other",
)
RADII_KM: tuple[int, ...] = (2, 5, 10, 25, 50)
DEFAULT_RADIUS_KM = 10
PER_PAGE = 20
MAP_PER_PAGE = 50
MAX_PAGE = 1000
MAX_QUERY_LENGTH = 200
MAX_VALUES = 30
MAX_AGE = 120

_MUNICIPALITY = re.compile(r"^\d{3}$")
_TARGET_GROUP = re.compile(r"^KR\d+(\.\d+)*$")
_THEME = re.compile(r"^[a-z0-9_-]{1,40}$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
# A short code of a listing on the shortlist (app.catalogue.short_links).
_SHORT_CODE = re.compile(r"^[23456789ABCDEFGHJKMNPQRSTWXYZ]{5}$")
# Control characters are never typed (and PostgreSQL text cannot hold NUL): dropped from free text.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# ASCII only: str.isdigit() and float() also accept superscripts, other scripts' digits, "1_0" and "inf".
_WHOLE_NUMBER = re.compile(r"^[0-9]{1,6}$")
_DECIMAL = re.compile(r"^-?[0-9]{1,3}(\.[0-9]{1,15})?$")


class View(StrEnum):
    LIST = "list"
    MAP = "map"


# Query parameter name of each facet, in the order the filter panel shows them.
FACET_PARAMS: tuple[tuple[Facet, str], ...] = (
    (Facet.THEME, "theme"),
    (Facet.FREE, "free"),
    (Facet.TARGET_GROUP, "target"),
    (Facet.MUNICIPALITY, "municipality"),
    (Facet.ACCESSIBILITY, "access"),
    (Facet.LANGUAGE, "language"),
    (Facet.WEEKDAY, "weekday"),
    (Facet.TIME_OF_DAY, "time"),
    (Facet.FORMAT, "format"),
    (Facet.REFERRALS, "referrals"),
    (Facet.CAPACITY, "capacity"),
    (Facet.PROVIDER_KIND, "provider"),
)
PARAM_BY_FACET: dict[Facet, str] = dict(FACET_PARAMS)


@dataclass(frozen=True)
class SearchState:
    """Everything the resident chose; `where` is the typed place, lat/lon a resolved or device point."""

    q: str = ""
    themes: tuple[str, ...] = ()
    free: bool | None = None
    target_groups: tuple[str, ...] = ()
    municipalities: tuple[str, ...] = ()
    accessibility: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    weekdays: tuple[str, ...] = ()
    times_of_day: tuple[str, ...] = ()
    provider_kinds: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    capacities: tuple[str, ...] = ()
    referrals: tuple[str, ...] = ()
    where: str = ""
    lat: float | None = None
    lon: float | None = None
    radius_km: int = DEFAULT_RADIUS_KM
    page: int = 1
    view: View = View.LIST
    age: int | None = None  # the reader's age: activities open to it
    plain: bool = False  # search the words as typed: no free-of-charge or municipality words (search.intent)
    # The listings a resident or professional has put aside to print or share (short codes).
    shortlist: tuple[str, ...] = ()

    def values_of(self, facet: Facet) -> tuple[str, ...]:
        if facet is Facet.FREE:
            return () if self.free is None else ("true" if self.free else "false",)
        return {
            Facet.THEME: self.themes,
            Facet.TARGET_GROUP: self.target_groups,
            Facet.MUNICIPALITY: self.municipalities,
            Facet.ACCESSIBILITY: self.accessibility,
            Facet.LANGUAGE: self.languages,
            Facet.WEEKDAY: self.weekdays,
            Facet.TIME_OF_DAY: self.times_of_day,
            Facet.PROVIDER_KIND: self.provider_kinds,
            Facet.FORMAT: self.formats,
            Facet.CAPACITY: self.capacities,
            Facet.REFERRALS: self.referrals,
        }[facet]

    @property
    def has_place(self) -> bool:
        return bool(self.where) or (self.lat is not None and self.lon is not None)

    @property
    def has_filters(self) -> bool:
        return (
            self.has_place or self.age is not None or any(self.values_of(facet) for facet, _ in FACET_PARAMS)
        )


def _invalid(name: str, value: str) -> InvalidInput:
    # The message repeats the value so the reader sees what was wrong; a long one only in part.
    shown = value if len(value) <= 40 else value[:40] + "…"
    return InvalidInput(
        N_("The value %(value)s of %(name)s is not valid."), code="invalid_parameter", name=name, value=shown
    )


def _many(
    params: Mapping[str, Sequence[str]],
    name: str,
    pattern: re.Pattern[str] | None = None,
    allowed: Iterable[str] | None = None,
) -> tuple[str, ...]:
    values: list[str] = []
    allowed_set = set(allowed) if allowed is not None else None
    for raw in params.get(name, ()):
        value = raw.strip()
        if not value:
            continue  # an empty select or checkbox value means "any"
        if (pattern is not None and not pattern.match(value)) or (
            allowed_set is not None and value not in allowed_set
        ):
            raise _invalid(name, value)
        if value not in values:
            values.append(value)
    if len(values) > MAX_VALUES:
        raise _invalid(name, values[MAX_VALUES])
    return tuple(values)


def _one(params: Mapping[str, Sequence[str]], name: str) -> str:
    values = [_CONTROL.sub("", v).strip() for v in params.get(name, ())]
    values = [v for v in values if v]
    return values[-1] if values else ""


def _float(params: Mapping[str, Sequence[str]], name: str, low: float, high: float) -> float | None:
    raw = _one(params, name)
    if not raw:
        return None
    if not _DECIMAL.match(raw):
        raise _invalid(name, raw)
    value = float(raw)
    if not low <= value <= high:
        raise _invalid(name, raw)
    return value


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def state_from_params(params: Mapping[str, Sequence[str]]) -> SearchState:
    """Parse the query string (name -> every value given); raise InvalidInput on a bad value."""
    q = _one(params, "q")
    if len(q) > MAX_QUERY_LENGTH:
        raise InvalidInput(
            N_("The search text can be at most %(limit)s characters long."),
            code="query_too_long",
            limit=str(MAX_QUERY_LENGTH),
        )
    free_raw = _one(params, "free")
    if free_raw not in ("", "true", "false"):
        raise _invalid("free", free_raw)
    page_raw = _one(params, "page") or "1"
    if not _WHOLE_NUMBER.match(page_raw) or not 1 <= int(page_raw) <= MAX_PAGE:
        raise _invalid("page", page_raw)
    radius_raw = _one(params, "radius") or str(DEFAULT_RADIUS_KM)
    if not _WHOLE_NUMBER.match(radius_raw) or int(radius_raw) not in RADII_KM:
        raise _invalid("radius", radius_raw)
    view_raw = _one(params, "view") or View.LIST.value
    if view_raw not in {v.value for v in View}:
        raise _invalid("view", view_raw)
    where = _one(params, "where")
    if len(where) > 120:
        raise _invalid("where", where)
    # A position is kept to about 100 m (three decimals): a shared link never pins down a home.
    lat = _rounded(_float(params, "lat", -90, 90))
    lon = _rounded(_float(params, "lon", -180, 180))
    if (lat is None) != (lon is None):
        raise _invalid("lat" if lat is None else "lon", "")
    age_raw = _one(params, "age")
    if age_raw and (not _WHOLE_NUMBER.match(age_raw) or not 0 <= int(age_raw) <= MAX_AGE):
        raise _invalid("age", age_raw)
    return SearchState(
        q=q,
        themes=_many(params, "theme", _THEME),
        free=None if not free_raw else free_raw == "true",
        target_groups=_many(params, "target", _TARGET_GROUP),
        municipalities=_many(params, "municipality", _MUNICIPALITY),
        accessibility=_many(params, "access", allowed=ACCESSIBILITY_NEEDS),
        languages=_many(params, "language", _LANGUAGE),
        weekdays=_many(params, "weekday", allowed=WEEKDAYS),
        times_of_day=_many(params, "time", allowed=[t.value for t in TimeOfDay]),
        provider_kinds=_many(params, "provider", allowed=PROVIDER_KINDS),
        formats=_many(params, "format", allowed=FORMATS),
        capacities=_many(params, "capacity", allowed=CAPACITIES),
        referrals=_many(params, "referrals", allowed=REFERRALS),
        where=where,
        lat=lat,
        lon=lon,
        radius_km=int(radius_raw),
        page=int(page_raw),
        view=View(view_raw),
        age=int(age_raw) if age_raw else None,
        plain=_one(params, "plain") == "1",
        shortlist=shortlist_from_params(params),
    )


def shortlist_from_params(params: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    """The shortlist's short codes (`list=K7Q2M&list=...`), upper-cased, each once."""
    upper = {"list": [value.strip().upper() for value in params.get("list", ())]}
    return _many(upper, "list", _SHORT_CODE)


def _params_before_list(state: SearchState) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = []
    if state.q:
        params.append(("q", state.q))
    for facet, name in FACET_PARAMS:
        params.extend((name, value) for value in state.values_of(facet))
    if state.where:
        params.append(("where", state.where))
    if state.lat is not None and state.lon is not None:
        params.extend((("lat", f"{state.lat:.3f}"), ("lon", f"{state.lon:.3f}")))
    if state.has_place and state.radius_km != DEFAULT_RADIUS_KM:
        params.append(("radius", str(state.radius_km)))
    if state.age is not None:
        params.append(("age", str(state.age)))
    return params


def _params_after_list(state: SearchState) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = []
    if state.view is not View.LIST:
        params.append(("view", state.view.value))
    if state.plain:
        params.append(("plain", "1"))
    if state.page != 1:
        params.append(("page", str(state.page)))
    return params


def to_params(state: SearchState) -> list[tuple[str, str]]:
    """The state as query parameters, defaults left out, in a fixed order."""
    return [
        *_params_before_list(state),
        *(("list", code) for code in state.shortlist),
        *_params_after_list(state),
    ]


def query_string(state: SearchState) -> str:
    params = to_params(state)
    return ("?" + urlencode(params)) if params else ""


def shortlist_query_strings(state: SearchState, shortlists: Iterable[tuple[str, ...]]) -> list[str]:
    """query_string(with_changes(state, shortlist=codes, page=state.page)) of each `codes`: the
    rest of the address is encoded once (a page of result cards has an add or remove link each)."""
    before = urlencode(_params_before_list(state))
    after = urlencode(_params_after_list(state))
    strings = []
    for codes in shortlists:
        query = "&".join(part for part in (before, urlencode([("list", c) for c in codes]), after) if part)
        strings.append(("?" + query) if query else "")
    return strings


def with_changes(state: SearchState, **changes: object) -> SearchState:
    """A new state; any change other than the page goes back to page 1."""
    if "page" not in changes:
        changes["page"] = 1
    return dataclasses.replace(state, **changes)  # type: ignore[arg-type]


def without_value(state: SearchState, facet: Facet, value: str) -> SearchState:
    if facet is Facet.FREE:
        return with_changes(state, free=None)
    field = {
        Facet.THEME: "themes",
        Facet.TARGET_GROUP: "target_groups",
        Facet.MUNICIPALITY: "municipalities",
        Facet.ACCESSIBILITY: "accessibility",
        Facet.LANGUAGE: "languages",
        Facet.WEEKDAY: "weekdays",
        Facet.TIME_OF_DAY: "times_of_day",
        Facet.PROVIDER_KIND: "provider_kinds",
        Facet.FORMAT: "formats",
        Facet.CAPACITY: "capacities",
        Facet.REFERRALS: "referrals",
    }[facet]
    remaining = tuple(v for v in getattr(state, field) if v != value)
    return with_changes(state, **{field: remaining})


def without_place(state: SearchState) -> SearchState:
    return with_changes(state, where="", lat=None, lon=None, radius_km=DEFAULT_RADIUS_KM)


def without_filters(state: SearchState) -> SearchState:
    return SearchState(q=state.q, view=state.view, shortlist=state.shortlist, plain=state.plain)


def to_query(
    state: SearchState,
    *,
    lang: str,
    near: tuple[float, float] | None,
    per_page: int = PER_PAGE,
    within_radius: bool = True,
) -> SearchQuery:
    """The engine query; `near` is the resolved point of `where` or the device's lat/lon.

    Without `within_radius` (a place outside the area served) results are only sorted by distance.
    """
    return SearchQuery(
        q=state.q,
        lang=lang,
        municipalities=state.municipalities,
        themes=state.themes,
        target_groups=state.target_groups,
        languages=state.languages,
        free=state.free,
        provider_kinds=state.provider_kinds,
        formats=state.formats,
        capacities=state.capacities,
        referrals=state.referrals,
        accessibility=state.accessibility,
        weekdays=state.weekdays,
        times_of_day=state.times_of_day,
        age=state.age,
        near=near,
        radius_km=float(state.radius_km) if near is not None and within_radius else None,
        sort=Sort.DISTANCE if near is not None else Sort.RELEVANCE,
        page=state.page,
        per_page=per_page,
        read_words=not state.plain,
    )
