"""View models of the resident pages: what the templates show, built from the search result.

Kept apart from the routes so the routes stay thin (parse, call, render) and this stays testable.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from markupsafe import Markup

from search.types import Facet, SearchHit, SearchResult
from web.i18n import gettext
from web.pages import state as st
from web.pages.content import LocalText, pick
from web.pages.labels import FACET_TITLES

MAX_OPTIONS = 20  # values shown per facet


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    count: int
    checked: bool
    id: str


@dataclass(frozen=True)
class FacetGroup:
    facet: Facet
    param: str
    title: str
    options: list[Option]
    single: bool = False  # radio buttons (price), not checkboxes


@dataclass(frozen=True)
class ActiveFilter:
    label: str
    remove_url: str


@dataclass(frozen=True)
class HitView:
    id: str
    url: str
    name: LocalText | None
    summary: LocalText | None
    snippet: LocalText | None
    organisation: LocalText | None
    municipalities: list[str]
    themes: list[str]
    is_free: bool | None
    distance_km: float | None
    demo: bool
    points: list[tuple[float, float]] = field(default_factory=list)
    when: list[str] = field(default_factory=list)  # meeting times per place, in the reader's language
    online: bool = False  # used on the web: shown apart from a place's results, never filtered out by it


def results_heading(locale: str, total: int) -> str:
    return gettext(locale, "Results: %(num)s", num=str(total))


_TAG = re.compile(r"<[^>]+>")


def snippet_language(snippet: str, summaries: dict[str, str]) -> str | None:
    """The language of an engine's snippet: the summary it was cut from, if we can tell."""
    core = html.unescape(_TAG.sub("", snippet)).strip(" …")
    if not core:
        return None
    for lang, summary in summaries.items():
        if core in summary:
            return lang
    return None


def _snippet(hit: SearchHit, locale: str) -> LocalText | None:
    # Only a snippet whose language is known: its lang attribute and fallback marker must be right.
    if not hit.snippet:
        return None
    lang = snippet_language(hit.snippet, dict(hit.summary))
    if lang is None:
        return None
    # The engines return snippets HTML-escaped apart from <mark>: the contract in search/types.py.
    return LocalText(Markup(hit.snippet), lang, lang != locale)


def hit_view(hit: SearchHit, locale: str, labels: dict[Facet, dict[str, str]]) -> HitView:
    return HitView(
        id=hit.id,
        url=f"/{locale}/services/{hit.id}",
        name=pick(dict(hit.name), locale),
        summary=pick(dict(hit.summary), locale),
        snippet=_snippet(hit, locale),
        organisation=pick(dict(hit.organisation_name), locale),
        municipalities=[labels[Facet.MUNICIPALITY].get(c, c) for c in hit.municipality_codes],
        themes=[labels[Facet.THEME].get(c, c) for c in hit.themes],
        is_free=hit.is_free,
        distance_km=hit.distance_km,
        demo=hit.demo,
        points=[(p.latitude, p.longitude) for p in hit.points],
        when=list(hit.when.get(locale) or hit.when.get("fi") or []),
        online="online" in hit.formats,
    )


def facet_groups(
    state: st.SearchState,
    result: SearchResult,
    locale: str,
    labels: dict[Facet, dict[str, str]],
    allowed: dict[Facet, set[str]] | None = None,
) -> list[FacetGroup]:
    """Facets the engine counted, plus every chosen value (a chosen value with no hits stays visible)."""
    groups: list[FacetGroup] = []
    for facet, param in st.FACET_PARAMS:
        chosen = state.values_of(facet)
        counts = {fv.value: fv.count for fv in result.facets.get(facet.value, [])}
        values = list(counts)
        if facet is Facet.FREE:
            values = [v for v in ("true", "false") if v in counts or v in chosen]
        elif facet is Facet.WEEKDAY:
            values = [d for d in st.WEEKDAYS if d in counts or d in chosen]
        elif facet is Facet.ACCESSIBILITY:
            values = [a for a in st.ACCESSIBILITY_NEEDS if a in counts or a in chosen]
        elif facet in (Facet.CAPACITY, Facet.REFERRALS):
            fixed = st.CAPACITIES if facet is Facet.CAPACITY else st.REFERRALS
            values = [v for v in fixed if v in counts or v in chosen]
        else:
            if allowed and facet in allowed:
                # A service offered across a county border counts there too, but the catalogue
                # covers only its own area: those municipalities are not choices (unless chosen).
                values = [v for v in values if v in allowed[facet] or v in chosen]
            values += [v for v in chosen if v not in counts]
        if not values:
            continue
        if len(values) > MAX_OPTIONS:
            # A list of hundreds of checkboxes helps no one (and costs a phone dearly): the most
            # common values, plus every chosen one. A place is better found with "near".
            values = [v for v in values if v in chosen] + [v for v in values if v not in chosen]
            values = values[: max(MAX_OPTIONS, len(chosen))]
        names = labels.get(facet, {})
        options = [
            Option(
                value=value,
                label=names.get(value, value),
                count=counts.get(value, 0),
                checked=value in chosen,
                id=f"f-{param}-{value}".replace(".", "_"),
            )
            for value in values
        ]
        if facet in (Facet.MUNICIPALITY, Facet.LANGUAGE):
            options.sort(key=lambda o: (not o.checked, o.label.casefold()))
        groups.append(
            FacetGroup(
                facet, param, gettext(locale, FACET_TITLES[facet]), options, single=facet is Facet.FREE
            )
        )
    return groups


def active_filters(
    state: st.SearchState,
    locale: str,
    base: str,
    labels: dict[Facet, dict[str, str]],
    place_label: str | None,
    *,
    nearest_only: bool = False,
) -> list[ActiveFilter]:
    """The chips of what filters the results; a place is one only when it was found (`place_label`)."""
    active: list[ActiveFilter] = []
    for facet, _param in st.FACET_PARAMS:
        for value in state.values_of(facet):
            label = labels.get(facet, {}).get(value, value)
            active.append(ActiveFilter(label, base + st.query_string(st.without_value(state, facet, value))))
    if state.age is not None:
        label = gettext(locale, "Age %(age)s", age=str(state.age))
        active.append(ActiveFilter(label, base + st.query_string(st.with_changes(state, age=None))))
    if state.has_place and place_label is not None:
        label = (
            gettext(locale, "Nearest to %(place)s", place=place_label)
            if nearest_only
            else gettext(locale, "Within %(km)s km of %(place)s", km=str(state.radius_km), place=place_label)
        )
        active.append(ActiveFilter(label, base + st.query_string(st.without_place(state))))
    return active


def map_points_of(hits: Iterable[SearchHit], locale: str) -> str:
    """Markers for every hit given (the whole search, not one page), as JSON like `map_points`."""
    points = []
    for hit in hits:
        name = pick(dict(hit.name), locale)
        for point in hit.points:
            points.append(
                {
                    "name": name.text if name else "",
                    "url": f"/{locale}/services/{hit.id}",
                    "lat": round(point.latitude, 5),
                    "lon": round(point.longitude, 5),
                }
            )
    # Compact: up to a few hundred activities' places go into the page.
    return json.dumps(points, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def map_points(hits: list[HitView]) -> str:
    """Markers for the map, as JSON for a <script type="application/json"> block."""
    points = [
        {"name": hit.name.text if hit.name else "", "url": hit.url, "lat": lat, "lon": lon}
        for hit in hits
        for lat, lon in hit.points
    ]
    # Escape "<" so that no text can close the script element.
    return json.dumps(points, ensure_ascii=False).replace("<", "\\u003c")
