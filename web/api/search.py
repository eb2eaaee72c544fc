"""GET /api/v1/search: free text with Finnish analysis, filters, facets and "near me"."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field, StringConstraints

from app.catalogue.enums import AccessibilityFeature, OrganisationKind
from app.errors import InvalidInput
from search.service import search_services
from search.types import SearchQuery, SearchResult, Sort, TimeOfDay
from web.api.schemas import ErrorOut
from web.deps import ReadSessionDep, SearchIndexDep

router = APIRouter(prefix="/api/v1", tags=["search"])

Weekday = Literal["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
Format = Literal["online", "phone", "group", "course", "drop-in", "event", "trip", "volunteering"]
_POINT = re.compile(r"^\s*(-?\d{1,3}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
CapacityCode = Literal["places_free", "waiting_list", "full"]  # app.catalogue.overlay.Capacity
MAX_PER_PAGE = 100
MunicipalityCode = Annotated[str, StringConstraints(pattern=r"^\d{3}$")]
ThemeCode = Annotated[str, StringConstraints(min_length=1, max_length=40)]
TargetGroupCode = Annotated[str, StringConstraints(pattern=r"^KR\d+(\.\d+)*$")]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]


class PointOut(BaseModel):
    latitude: float
    longitude: float


class SearchItemOut(BaseModel):
    id: str
    source: str
    external_id: str
    names: dict[str, str] = Field(description="name by language (fi, sv, en); only those the listing has")
    summaries: dict[str, str]
    snippet: str | None = Field(
        description="excerpt with the matched words in <mark>; HTML-escaped apart from the marks"
    )
    distance: float | None = Field(description="kilometres from `near` to the nearest place, if given")
    organisation_names: dict[str, str]
    municipalities: list[str]
    themes: list[str]
    free: bool | None
    points: list[PointOut]
    demo: bool
    formats: list[str] = Field(
        default_factory=list, description="how one takes part; online: used on the web"
    )
    when: dict[str, list[str]] = Field(
        default_factory=dict,
        description="the weekly meeting times per place, by language (fi, sv, en)",
    )
    capacity: CapacityCode | None = Field(
        default=None,
        description="the provider's own word on room: places_free, waiting_list or full; null: not said",
    )
    accepts_referrals: bool | None = Field(
        default=None,
        description="the provider's own word: takes referrals from professionals; null: not said",
    )


class FacetValueOut(BaseModel):
    value: str
    count: int


class PlaceWordOut(BaseModel):
    word: str = Field(description="the word as typed")
    municipality: str = Field(description="the 3-digit code of the municipality it names")


class UnderstoodOut(BaseModel):
    free_word: str | None = Field(description="the word read as free of charge (ilmainen, gratis, free)")
    places: list[PlaceWordOut] = Field(description="municipalities named in q, searched as a filter")
    place_relaxed: bool = Field(description="true: nothing in those municipalities, results from everywhere")


class SearchOut(BaseModel):
    items: list[SearchItemOut]
    total: int
    page: int
    per_page: int
    facets: dict[str, list[FacetValueOut]] = Field(
        description="counts by filter value within the results (a filter given counts its alternatives); "
        "capacity and referrals (true/false) are the providers' own word"
    )
    degraded: bool = Field(description="true: the search engine is down, answered from the database")
    relaxed: bool = Field(description="true: not every word matched; these are the best partial matches")
    suggestion: str | None = None
    understood: UnderstoodOut | None = Field(
        default=None, description="words of q read as filters (with read_words=true): see UnderstoodOut"
    )


def parse_point(value: str) -> tuple[float, float]:
    """'60.98,25.66' -> (60.98, 25.66); InvalidInput with a readable message otherwise."""
    match = _POINT.match(value)
    if match is None:
        raise InvalidInput(
            "near must be a latitude and a longitude separated by a comma, like 60.98,25.66.",
            code="invalid_near",
        )
    latitude, longitude = float(match.group(1)), float(match.group(2))
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise InvalidInput(
            "near is outside the map: latitude must be between -90 and 90 and longitude between -180 and 180.",
            code="invalid_near",
        )
    return latitude, longitude


def search_payload(result: SearchResult) -> dict[str, Any]:
    """The response body, shaped as SearchOut (the documented schema; a test holds them together).

    Built as plain data and serialised once: validating hundreds of facet values into models
    cost more than the search itself on large result sets.
    """
    return {
        "items": [
            {
                "id": hit.id,
                "source": hit.source,
                "external_id": hit.external_id,
                "names": hit.name,
                "summaries": hit.summary,
                "snippet": hit.snippet,
                "distance": hit.distance_km,
                "organisation_names": hit.organisation_name,
                "municipalities": list(hit.municipality_codes),
                "themes": list(hit.themes),
                "free": hit.is_free,
                "points": [{"latitude": p.latitude, "longitude": p.longitude} for p in hit.points],
                "demo": hit.demo,
                "formats": list(hit.formats),
                "when": hit.when,
                "capacity": hit.capacity,
                "accepts_referrals": hit.accepts_referrals,
            }
            for hit in result.items
        ],
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
        "facets": {
            name: [{"value": v.value, "count": v.count} for v in values]
            for name, values in result.facets.items()
        },
        "degraded": result.degraded,
        "relaxed": result.relaxed,
        "suggestion": result.suggestion,
        "understood": None
        if result.understood is None
        else {
            "free_word": result.understood.free_word,
            "places": [{"word": w, "municipality": c} for w, c in result.understood.places],
            "place_relaxed": result.understood.place_relaxed,
        },
    }


@router.get("/search", response_model=SearchOut, responses={422: {"model": ErrorOut}})
def search(
    session: ReadSessionDep,
    index: SearchIndexDep,
    q: Annotated[
        str, Query(max_length=200, description="words; Finnish inflections, typos and prefixes match")
    ] = "",
    lang: Annotated[
        Literal["fi", "sv", "en"], Query(description="the reader's language for snippets")
    ] = "fi",
    municipality: Annotated[list[MunicipalityCode], Query(description="3-digit municipality code")] = [],  # noqa: B006
    theme: Annotated[list[ThemeCode], Query(description="hyte theme code, e.g. liikunta")] = [],  # noqa: B006
    target_group: Annotated[list[TargetGroupCode], Query(description="PTV target group code, e.g. KR2")] = [],  # noqa: B006
    language: Annotated[list[LanguageCode], Query(description="ISO 639-1 language code")] = [],  # noqa: B006
    free: Annotated[bool | None, Query(description="true: free of charge only; false: charged only")] = None,
    provider_kind: Annotated[list[OrganisationKind], Query()] = [],  # noqa: B006
    accessibility: Annotated[list[AccessibilityFeature], Query()] = [],  # noqa: B006
    weekday: Annotated[list[Weekday], Query(description="MO, TU, WE, TH, FR, SA or SU")] = [],  # noqa: B006
    time_of_day: Annotated[list[TimeOfDay], Query()] = [],  # noqa: B006
    format: Annotated[
        list[Format], Query(description="how one takes part; online: used on the web, wherever one lives")
    ] = [],  # noqa: B006
    capacity: Annotated[
        list[CapacityCode],
        Query(
            description="the provider's word on room: places_free, waiting_list or full (any of those given)"
        ),
    ] = [],  # noqa: B006
    accepts_referrals: Annotated[
        bool | None,
        Query(
            description="true: only activities whose provider takes referrals; false: only those that do not"
        ),
    ] = None,
    age: Annotated[int | None, Query(ge=0, le=120, description="the participant's age in years")] = None,
    near: Annotated[str | None, Query(max_length=60, description="latitude,longitude (WGS84)")] = None,
    radius_km: Annotated[
        float | None, Query(gt=0, le=1000, description="only within this distance of near")
    ] = None,
    sort: Annotated[Sort, Query(description="relevance, distance (needs near) or name")] = Sort.RELEVANCE,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 20,
    read_words: Annotated[
        bool,
        Query(
            description="true: ilmainen/maksuton/gratis/free in q mean free=true, and a municipality's "
            "name in q filters by it (results from everywhere when it has none); false: every word as typed"
        ),
    ] = True,
) -> SearchOut:
    """Search active services. Alternatives within a filter, every filter must hold."""
    point = parse_point(near) if near is not None else None
    if radius_km is not None and point is None:
        raise InvalidInput(
            "radius_km needs near: the point to measure the distance from.", code="invalid_radius"
        )
    if sort is Sort.DISTANCE and point is None:
        raise InvalidInput("Sorting by distance needs near: the point to measure from.", code="invalid_sort")
    query = SearchQuery(
        q=q.strip(),
        lang=lang,
        municipalities=tuple(municipality),
        themes=tuple(theme),
        target_groups=tuple(target_group),
        languages=tuple(language),
        free=free,
        provider_kinds=tuple(k.value for k in provider_kind),
        accessibility=tuple(a.value for a in accessibility),
        weekdays=tuple(weekday),
        times_of_day=tuple(t.value for t in time_of_day),
        formats=tuple(format),
        capacities=tuple(capacity),
        referrals=() if accepts_referrals is None else ("true" if accepts_referrals else "false",),
        age=age,
        near=point,
        radius_km=radius_km,
        sort=sort,
        page=page,
        per_page=per_page,
        read_words=read_words,
    )
    payload = search_payload(search_services(query, session=session, index=index))
    # Serialised here: returned as data, FastAPI would validate it against SearchOut first. orjson: the
    # stdlib's encoder took a twentieth of a request (hundreds of facet values). Distances are finite or
    # null (the engines leave out infinities), so orjson's NaN-as-null never applies.
    return Response(content=orjson.dumps(payload), media_type="application/json")  # type: ignore[return-value]
