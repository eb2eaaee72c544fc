"""Resident pages under /fi/, /sv/ and /en/: front page, search results, service page, print views.

Routes are thin: parse the URL, call search or the catalogue, build a view, render. With the
HX-Request header the same templates render only the part that changes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.catalogue import queries, selfservice
from app.catalogue.enums import RecordStatus, ScheduleKind, ServiceStatus, Taxonomy
from app.catalogue.ical import MeetingEvent, calendar_file
from app.catalogue.meeting_times import HELSINKI
from app.catalogue.models import Schedule, Service
from app.catalogue.short_links import normalise_code, service_for_code
from app.catalogue.short_links import short_codes as _short_codes
from app.errors import NotFound
from app.settings import Settings, get_settings
from app.timeutil import utcnow
from search.service import search_services
from search.types import Facet, SearchResult
from web.deps import SearchIndexDep, SessionDep
from web.i18n import LOCALES, gettext, negotiate_locale
from web.pages import state as st
from web.pages import views
from web.pages.content import local, pick, safe_href
from web.pages.handout import (
    ContactView,
    Handout,
    contact_view,
    handout_of,
    handouts,
    load_services,
    post_office,
    seed_of,
)
from web.pages.labels import SOURCE_NAMES, label_maps, language_label
from web.pages.places import locate
from web.pages.provider_facts import card_facts, provider_facts
from web.pages.site import catalogue_has_demo_data, served_municipalities
from web.pages.templating import is_htmx, render
from web.pages.when import when_view


def _note_demo(request: Request, session: SessionDep) -> None:
    """Every page says so while the catalogue holds demo data (base.html reads this)."""
    settings = getattr(request.app.state, "settings", None) or get_settings()
    request.state.demo_catalogue = catalogue_has_demo_data(session, settings.database_url)


router = APIRouter(include_in_schema=False, dependencies=[Depends(_note_demo)])
# Any first segment: one that is not a language is a page not found (404), never a validation error.
LangPath = Annotated[str, Path()]
PRINT_PER_PAGE = 100


def _settings(request: Request) -> Settings:
    return getattr(request.app.state, "settings", None) or get_settings()


def _base_url(request: Request) -> str:
    """The public address of the site (BASE_URL): printed handouts and QR codes point there."""
    settings = getattr(request.app.state, "settings", None) or get_settings()
    return str(settings.base_url).rstrip("/")


def _locale(lang: str) -> str:
    if lang not in LOCALES:
        raise NotFound("The page or resource was not found.", code="not_found")
    return lang


def _params(request: Request) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    return params


@router.get("/")
def root(request: Request) -> RedirectResponse:
    """The bare address: to the front page in the language the browser asks for."""
    return RedirectResponse(f"/{negotiate_locale(request)}/", status_code=303)


@router.get("/{lang}/")
def front_page(request: Request, lang: LangPath, session: SessionDep) -> Response:
    locale = _locale(lang)
    themes = [
        {
            "code": theme.code,
            "name": pick({"fi": theme.name_fi, "sv": theme.name_sv, "en": theme.name_en}, locale),
            "description": pick(
                {"fi": theme.description_fi, "sv": theme.description_sv, "en": theme.description_en}, locale
            ),
            "url": f"/{locale}/search?theme={theme.code}",
        }
        for theme in queries.list_themes(session)
    ]
    return render(request, locale, "front.html", {"themes": themes, "title": None})


@dataclass(frozen=True)
class ResolvedPlace:
    near: tuple[float, float] | None
    label: str | None
    not_found: bool
    # The typed address was not found exactly: `label` is what the search is near instead.
    approximate: bool = False
    # Outside the area served: the nearest results in the area, with no distance limit.
    outside_area: bool = False
    # "Hämeenkatu" is a street in several towns: what to type instead.
    alternatives: tuple[str, ...] = ()


def _resolve(request: Request, session: Session, state: st.SearchState, locale: str) -> ResolvedPlace:
    if state.lat is not None and state.lon is not None:
        return ResolvedPlace((state.lat, state.lon), state.where or gettext(locale, "your location"), False)
    if state.where:
        settings = getattr(request.app.state, "settings", None) or get_settings()
        located = locate(session, settings, state.where)
        if located.place is None:
            return ResolvedPlace(None, None, True, alternatives=located.alternatives)
        place = located.place
        return ResolvedPlace(
            (place.latitude, place.longitude),
            place.label,
            False,
            approximate=place.approximate,
            outside_area=located.outside_area,
        )
    return ResolvedPlace(None, None, False)


def _search(
    request: Request, locale: str, session: Session, index: Any, per_page: int
) -> tuple[st.SearchState, SearchResult, ResolvedPlace]:
    state = st.state_from_params(_params(request))
    place = _resolve(request, session, state, locale)
    query = st.to_query(
        state, lang=locale, near=place.near, per_page=per_page, within_radius=not place.outside_area
    )
    result = search_services(query, session=session, index=index)
    return state, result, place


def _results_context(
    locale: str,
    session: Session,
    state: st.SearchState,
    result: SearchResult,
    place: ResolvedPlace,
    *,
    base_url: str,
    served: set[str] | None = None,
    printing: bool = False,
) -> dict[str, Any]:
    base = f"/{locale}/search"
    codes: dict[Facet, set[str]] = {facet: set(state.values_of(facet)) for facet, _ in st.FACET_PARAMS}
    for facet_name, values in result.facets.items():
        codes.setdefault(Facet(facet_name), set()).update(v.value for v in values)
    for hit in result.items:
        codes[Facet.MUNICIPALITY].update(hit.municipality_codes)
    understood_codes = [code for _w, code in result.understood.places] if result.understood else []
    codes[Facet.MUNICIPALITY].update(understood_codes)
    labels = label_maps(session, locale, dict(codes.items()))
    hits = [views.hit_view(hit, locale, labels) for hit in result.items]
    pages = max(1, -(-result.total // result.per_page))
    # The meeting times come with the hits: the handouts read only addresses and contacts.
    details = handouts(
        session,
        [hit.id for hit in hits],
        locale,
        base_url,
        with_qr=printing,
        when={hit.id: hit.when for hit in hits},
    )
    return {
        "handouts": details,
        "shortlist": _shortlist_links(locale, state, details),
        "state": state,
        # Room and referrals are the provider's own word, read live so a change shows at once.
        "card_facts": card_facts(session, [hit.id for hit in result.items], now=utcnow(), locale=locale),
        "result": result,
        "hits": hits,
        "facets": views.facet_groups(
            state, result, locale, labels, {Facet.MUNICIPALITY: served} if served else None
        ),
        "active_filters": views.active_filters(
            state, locale, base, labels, place.label, nearest_only=place.outside_area
        ),
        "heading": views.results_heading(locale, result.total),
        "place": place,
        "place_choices": [
            {"label": choice, "url": base + st.query_string(st.with_changes(state, where=choice, page=1))}
            for choice in place.alternatives
        ],
        "radii": st.RADII_KM,
        "page_count": pages,
        "prev_url": base + st.query_string(st.with_changes(state, page=state.page - 1))
        if state.page > 1
        else None,
        "next_url": base + st.query_string(st.with_changes(state, page=state.page + 1))
        if state.page < pages
        else None,
        "list_url": base + st.query_string(st.with_changes(state, view=st.View.LIST)),
        "map_url": base + st.query_string(st.with_changes(state, view=st.View.MAP)),
        "print_url": f"{base}/print" + st.query_string(st.with_changes(state, view=st.View.LIST)),
        "clear_url": base + st.query_string(st.without_filters(state)),
        "suggestion_url": base + st.query_string(st.with_changes(state, q=result.suggestion))
        if result.suggestion
        else None,
        "self_url": base + st.query_string(state),
        # Words read as filters (search.intent): what was done, and the search as typed instead.
        "understood_places": ", ".join(labels[Facet.MUNICIPALITY].get(c, c) for c in understood_codes),
        "plain_url": base + st.query_string(st.with_changes(state, plain=True))
        if result.understood
        else None,
        "map_points": views.map_points(hits) if state.view is st.View.MAP else "[]",
    }


MAP_HITS = 300  # the map shows the whole search up to this many activities (page weight budget)


def _whole_map(
    locale: str,
    session: Session,
    index: Any,
    state: st.SearchState,
    place: ResolvedPlace,
) -> dict[str, Any]:
    """The map of every hit of the search (not only this page), the searched place and the radius."""
    # One search for the map's hits (more than a page's): one pass of the engine, not one per page.
    query = st.to_query(
        st.with_changes(state, page=1),
        lang=locale,
        near=place.near,
        per_page=MAP_HITS,
        within_radius=not place.outside_area,
    )
    hits = list(search_services(query, session=session, index=index).items)[:MAP_HITS]
    origin = None
    if place.near is not None:
        origin = {
            "lat": round(place.near[0], 5),
            "lon": round(place.near[1], 5),
            "label": place.label or "",
            "radius_km": None if place.outside_area else state.radius_km,
        }
    return {
        "map_points": views.map_points_of(hits, locale),
        "map_origin": origin,
        "map_shown": len(hits),
    }


ONLINE_APART = 5  # online listings shown after a place's own results


def _online_apart(
    locale: str,
    session: Session,
    index: Any,
    state: st.SearchState,
    result: SearchResult,
    place: ResolvedPlace,
) -> tuple[list[views.HitView], str | None]:
    """Online listings that match everything but the place: a place filter does not drop them, they
    are shown apart after the local results (on the first page)."""
    # A place not found or outside the area filters nothing, so the online ones are among the results.
    within_radius = place.near is not None and not place.outside_area
    place_filtered = within_radius or bool(state.municipalities)
    if not place_filtered or state.page != 1 or state.view is not st.View.LIST or "online" in state.formats:
        return [], None
    anywhere = st.with_changes(
        state, where="", lat=None, lon=None, municipalities=(), formats=("online",), page=1
    )
    query = st.to_query(anywhere, lang=locale, near=None, per_page=ONLINE_APART + len(result.items))
    online = search_services(query, session=session, index=index)
    shown = {hit.id for hit in result.items}
    items = [hit for hit in online.items if hit.id not in shown][:ONLINE_APART]
    if not items:
        return [], None
    labels = label_maps(
        session, locale, {Facet.MUNICIPALITY: {c for hit in items for c in hit.municipality_codes}}
    )
    more = f"/{locale}/search" + st.query_string(anywhere) if online.total > len(items) else None
    return [views.hit_view(hit, locale, labels) for hit in items], more


@router.get("/{lang}/search")
def search_page(request: Request, lang: LangPath, session: SessionDep, index: SearchIndexDep) -> Response:
    locale = _locale(lang)
    per_page = st.MAP_PER_PAGE if request.query_params.get("view") == st.View.MAP else st.PER_PAGE
    state, result, place = _search(request, locale, session, index, per_page)
    last_page = max(1, -(-result.total // result.per_page))
    if state.page > last_page:
        # An old link, or a typed page number past the end: the last page there is, not an empty one.
        return RedirectResponse(
            f"/{locale}/search" + st.query_string(st.with_changes(state, page=last_page)), status_code=303
        )
    # A submitted form carries empty and default fields; the address bar shows the canonical URL,
    # the one shared links and the language switch use.
    canonical = st.query_string(state)
    context = _results_context(
        locale,
        session,
        state,
        result,
        place,
        base_url=_base_url(request),
        served=served_municipalities(_settings(request)),
    )
    context["online_hits"], context["online_more_url"] = _online_apart(
        locale, session, index, state, result, place
    )
    context["card_facts"].update(
        card_facts(session, [hit.id for hit in context["online_hits"]], now=utcnow(), locale=locale)
    )
    context["title"] = gettext(locale, "Search results") if state.q == "" else state.q
    if state.view is st.View.MAP and result.total:
        context.update(_whole_map(locale, session, index, state, place))
    if is_htmx(request):
        return render(
            request,
            locale,
            "search/fragment.html",
            context,
            query=canonical,
            headers={"HX-Push-Url": f"/{locale}/search{canonical}"},
        )
    if list(request.query_params.multi_items()) != st.to_params(state):
        return RedirectResponse(f"/{locale}/search{canonical}", status_code=303)
    return render(request, locale, "search/page.html", context)


@router.get("/{lang}/search/print")
def search_print(request: Request, lang: LangPath, session: SessionDep, index: SearchIndexDep) -> Response:
    locale = _locale(lang)
    state, result, place = _search(request, locale, session, index, PRINT_PER_PAGE)
    context = _results_context(
        locale,
        session,
        state,
        result,
        place,
        base_url=_base_url(request),
        served=served_municipalities(_settings(request)),
        printing=True,
    )
    context["title"] = gettext(locale, "Search results")
    return render(request, locale, "search/print.html", context)


# ---------------------------------------------------------------------------------------------
# Service page
# ---------------------------------------------------------------------------------------------


def _service_context(
    locale: str, session: Session, service: Service, *, base_url: str, printing: bool = False
) -> dict[str, Any]:
    terms = service.terms
    theme_codes = {t.code for t in terms if t.taxonomy == Taxonomy.THEME.value}
    group_codes = {t.code for t in terms if t.taxonomy == Taxonomy.PTV_TARGET_GROUP.value}
    locations = [sal.location for sal in service.service_at_locations]
    labels = label_maps(
        session,
        locale,
        {
            Facet.THEME: theme_codes,
            Facet.TARGET_GROUP: group_codes,
            Facet.MUNICIPALITY: {loc.municipality_code for loc in locations if loc.municipality_code}
            | {area.municipality_code for area in service.areas},
        },
    )
    places = [
        {
            "name": local(loc, "name", locale),
            "street": local(loc, "street_address", locale),
            "postal_code": loc.postal_code,
            "post_office": post_office(loc, locale),
            "municipality": labels[Facet.MUNICIPALITY].get(loc.municipality_code or "", ""),
            "latitude": loc.latitude,
            "longitude": loc.longitude,
            "accessibility": local(loc, "accessibility", locale),
            "features": [
                labels[Facet.ACCESSIBILITY].get(f, f)
                for f in loc.accessibility_features
                if f in labels[Facet.ACCESSIBILITY]
            ],
            # What the data does not say: never read as "not accessible", only as unknown.
            "features_unknown": [
                label
                for f, label in labels[Facet.ACCESSIBILITY].items()
                if f not in (loc.accessibility_features or ())
            ],
            "schedules": loc.schedules,
            "contacts": [contact_view(str(c.kind), c.value, local(c, "label", locale)) for c in loc.contacts],
        }
        for loc in locations
    ]
    organisation = service.organisation
    contacts: list[ContactView] = [
        contact_view(str(c.kind), c.value, local(c, "label", locale)) for c in service.contacts
    ]
    if not contacts and organisation is not None:
        # The service lists no contact of its own: the provider's are the way to reach it.
        for kind, value in (
            ("phone", organisation.phone),
            ("email", organisation.email),
            ("web", organisation.website),
        ):
            if value:
                contacts.append(contact_view(kind, value))
    age = None
    if service.min_age is not None and service.max_age is not None:
        age = gettext(locale, "Ages %(low)s–%(high)s", low=str(service.min_age), high=str(service.max_age))
    elif service.min_age is not None:
        age = gettext(locale, "From age %(low)s", low=str(service.min_age))
    elif service.max_age is not None:
        age = gettext(locale, "Up to age %(high)s", high=str(service.max_age))
    overlay = selfservice.get_overlay(session, service.id)
    code = short_codes_of(session, [service])[service.id]
    return {
        "handout": handout_of(service, code, locale, base_url, with_qr=printing),
        "service": service,
        "provider_facts": provider_facts(
            overlay, selfservice.last_verified(service, overlay), now=utcnow(), locale=locale
        ),
        "name": local(service, "name", locale),
        "summary": local(service, "summary", locale),
        "description": local(service, "description", locale),
        "how_to_join": local(service, "how_to_join", locale),
        "price_text": local(service, "price_text", locale),
        "themes": [labels[Facet.THEME].get(c, c) for c in sorted(theme_codes)],
        "target_groups": [labels[Facet.TARGET_GROUP].get(c, c) for c in sorted(group_codes)],
        "age": age,
        "places": places,
        "areas": sorted(labels[Facet.MUNICIPALITY].get(a.municipality_code, "") for a in service.areas),
        "when": when_view(service, locale, datetime.now(HELSINKI).date()),
        "calendar_url": f"/{locale}/services/{service.id}/calendar.ics",
        "contacts": contacts,
        "organisation": organisation,
        "registration_href": safe_href(service.registration_url),
        # A demo listing is invented: its source address (Suomi.fi) has no page to link to.
        "source_href": None if service.is_demo else safe_href(service.source_url),
        "organisation_name": local(organisation, "name", locale) if organisation else None,
        # An organisation known only from its services' summary has no kind of its own to show.
        "provider_kind": labels[Facet.PROVIDER_KIND].get(str(organisation.kind), "")
        if organisation and not organisation.summary_only
        else "",
        "languages": [language_label(code, locale) for code in service.languages],
        "source_name": gettext(locale, SOURCE_NAMES.get(service.source, service.source)),
        # The same listing from other sources (kept as one service by integrations.dedupe).
        "other_sources": [
            {
                "name": gettext(locale, SOURCE_NAMES.get(link.source, link.source)),
                "href": safe_href(link.source_url),
            }
            for link in sorted(service.source_links, key=lambda link: link.source)
            if link.status == RecordStatus.ACTIVE and link.source != service.source
        ],
        "updated_at": service.source_modified_at or service.last_synced_at,
        "retired": service.status == ServiceStatus.RETIRED,
        "temporarily_closed": service.status == ServiceStatus.TEMPORARILY_CLOSED,
        "map_points": views.map_points(
            [
                views.HitView(
                    id=str(service.id),
                    url=f"/{locale}/services/{service.id}",
                    name=local(loc, "name", locale) or local(service, "name", locale),
                    summary=None,
                    snippet=None,
                    organisation=None,
                    municipalities=[],
                    themes=[],
                    is_free=None,
                    distance_km=None,
                    demo=False,
                    points=[(loc.latitude, loc.longitude)]
                    if loc.latitude is not None and loc.longitude is not None
                    else [],
                )
                for loc in locations
            ]
        ),
    }


def _service_or_none(session: Session, service_id: uuid.UUID) -> Service | None:
    try:
        return queries.get_service(session, service_id)
    except NotFound:
        return None


def _unavailable(request: Request, locale: str, session: Session, service: Service | None) -> Response:
    """A listing retired since its link was shared (410), or an id we never had (404): say so, and
    offer a search for the same kind of activity in the same place."""
    search = st.SearchState()
    name = None
    if service is not None:
        name = local(service, "name", locale)
        themes = sorted(t.code for t in service.terms if t.taxonomy == Taxonomy.THEME.value)[:1]
        towns = sorted(
            {
                sal.location.municipality_code
                for sal in service.service_at_locations
                if sal.location.municipality_code
            }
        )[:1]
        search = st.SearchState(themes=tuple(themes), municipalities=tuple(towns))
    context = {
        "name": name,
        "retired": service is not None,
        "similar_url": f"/{locale}/search" + st.query_string(search),
        "title": gettext(locale, "This activity is no longer available.")
        if service is not None
        else gettext(locale, "We could not find this activity."),
    }
    template = "service/unavailable_htmx.html" if is_htmx(request) else "service/unavailable.html"
    return render(request, locale, template, context, status_code=410 if service is not None else 404)


@router.get("/{lang}/services/{service_id}")
def service_page(
    request: Request, lang: LangPath, service_id: Annotated[uuid.UUID, Path()], session: SessionDep
) -> Response:
    locale = _locale(lang)
    service = _service_or_none(session, service_id)
    if service is None or service.status == ServiceStatus.RETIRED:
        return _unavailable(request, locale, session, service)
    context = _service_context(
        locale,
        session,
        service,
        base_url=_base_url(request),
    )
    context["title"] = context["name"].text if context["name"] else ""
    template = "service/htmx.html" if is_htmx(request) else "service/page.html"
    return render(request, locale, template, context)


@router.get("/{lang}/services/{service_id}/print")
def service_print(
    request: Request, lang: LangPath, service_id: Annotated[uuid.UUID, Path()], session: SessionDep
) -> Response:
    locale = _locale(lang)
    service = _service_or_none(session, service_id)
    if service is None or service.status == ServiceStatus.RETIRED:
        return _unavailable(request, locale, session, service)
    context = _service_context(
        locale,
        session,
        service,
        base_url=_base_url(request),
        printing=True,
    )
    context["title"] = context["name"].text if context["name"] else ""
    return render(request, locale, "service/print.html", context)


def short_codes_of(session: Session, services: list[Service]) -> dict[uuid.UUID, str]:
    return _short_codes(session, [(service.id, seed_of(service)) for service in services])


# ---------------------------------------------------------------------------------------------
# Short addresses and the shortlist
# ---------------------------------------------------------------------------------------------


@router.get("/s/{code}")
def short_address(
    request: Request, code: Annotated[str, Path(max_length=40)], session: SessionDep
) -> Response:
    """A short address read from paper or over the phone: to the listing, in the browser's language."""
    normalised = normalise_code(code)
    service_id = service_for_code(session, normalised) if normalised else None
    if service_id is None:
        raise NotFound("No activity has this short address.", code="short_address_not_found")
    return RedirectResponse(f"/{negotiate_locale(request)}/services/{service_id}", status_code=302)


@dataclass(frozen=True)
class ShortlistEntry:
    handout: Handout
    name: Any
    summary: Any
    organisation: Any
    is_free: bool | None
    demo: bool
    retired: bool
    remove_url: str


def _shortlist_links(locale: str, state: st.SearchState, details: dict[str, Handout]) -> dict[str, Any]:
    """Add / remove links of each hit (the list lives in the URL), and the list's own addresses."""
    base = f"/{locale}/search"
    chosen = {hit_id: handout.code in state.shortlist for hit_id, handout in details.items()}
    queries = st.shortlist_query_strings(
        state,
        (
            tuple(c for c in state.shortlist if c != handout.code)
            if chosen[hit_id]
            else (*state.shortlist, handout.code)[-st.MAX_VALUES :]
            for hit_id, handout in details.items()
        ),
    )
    toggles: dict[str, tuple[bool, str]] = {
        hit_id: (chosen[hit_id], base + query) for hit_id, query in zip(details, queries, strict=True)
    }
    query = st.query_string(st.SearchState(shortlist=state.shortlist))
    return {
        "count": len(state.shortlist),
        "toggles": toggles,
        "url": f"/{locale}/shortlist{query}",
        "print_url": f"/{locale}/shortlist/print{query}",
    }


def _shortlist_context(request: Request, locale: str, session: Session, *, printing: bool) -> dict[str, Any]:
    codes = st.shortlist_from_params(_params(request))
    ids: list[uuid.UUID] = []
    for code in codes:
        service_id = service_for_code(session, code)
        if service_id is not None:
            ids.append(service_id)
    services = load_services(session, ids)
    by_service = short_codes_of(session, services)
    base_url = _base_url(request)
    entries = []
    for service in services:
        remaining = tuple(c for c in codes if c != by_service[service.id])
        remaining_query = st.query_string(st.SearchState(shortlist=remaining))
        entries.append(
            ShortlistEntry(
                handout=handout_of(service, by_service[service.id], locale, base_url, with_qr=printing),
                name=local(service, "name", locale),
                summary=local(service, "summary", locale),
                organisation=local(service.organisation, "name", locale) if service.organisation else None,
                is_free=service.is_free,
                demo=service.is_demo,
                retired=service.status == ServiceStatus.RETIRED,
                remove_url=f"/{locale}/shortlist{remaining_query}",
            )
        )
    query = st.query_string(st.SearchState(shortlist=codes))
    return {
        "entries": entries,
        "missing": len(codes) - len(entries),
        "share_url": f"{base_url}/{locale}/shortlist{query}",
        "print_url": f"/{locale}/shortlist/print{query}",
        "page_url": f"/{locale}/shortlist{query}",
        "search_url": f"/{locale}/search{query}",
        "title": gettext(locale, "My list"),
    }


@router.get("/{lang}/shortlist")
def shortlist_page(request: Request, lang: LangPath, session: SessionDep) -> Response:
    """Listings put aside without signing in: the list is in the address, to print or share."""
    locale = _locale(lang)
    return render(
        request, locale, "shortlist/page.html", _shortlist_context(request, locale, session, printing=False)
    )


@router.get("/{lang}/shortlist/print")
def shortlist_print(request: Request, lang: LangPath, session: SessionDep) -> Response:
    locale = _locale(lang)
    return render(
        request, locale, "shortlist/print.html", _shortlist_context(request, locale, session, printing=True)
    )


def _meetings_and_breaks(rows: list[Schedule]) -> tuple[list[Schedule], list[Schedule]]:
    return (
        [r for r in rows if r.kind == ScheduleKind.SESSION and not r.closed],
        [r for r in rows if r.kind == ScheduleKind.EXCEPTION],
    )


@router.get("/{lang}/services/{service_id}/calendar.ics")
def service_calendar(
    request: Request, lang: LangPath, service_id: Annotated[uuid.UUID, Path()], session: SessionDep
) -> Response:
    """The activity's meeting times as a recurring calendar event per place (RFC 5545)."""
    locale = _locale(lang)
    service = queries.get_service(session, service_id)
    name = local(service, "name", locale)
    page_url = f"{request.base_url}{locale}/services/{service.id}"
    summary = local(service, "summary", locale)
    note = gettext(locale, "Check the times before you go: %(url)s", url=page_url)
    description = f"{summary.text}\n\n{note}" if summary else note
    rows, breaks = _meetings_and_breaks(service.schedules)
    events = [
        MeetingEvent(
            f"{service.id}@palvelutarjotin",
            name.text if name else "",
            rows,
            breaks,
            None,
            description,
            page_url,
        )
    ]
    for sal in service.service_at_locations:
        place = sal.location
        town = " ".join(p for p in (place.postal_code, str(post_office(place, locale) or "")) if p)
        address = ", ".join(
            p
            for p in (
                str(local(place, "name", locale) or ""),
                str(local(place, "street_address", locale) or ""),
                town,
            )
            if p
        )
        rows, breaks = _meetings_and_breaks(sal.schedules)
        events.append(
            MeetingEvent(
                f"{sal.id}@palvelutarjotin",
                name.text if name else "",
                rows,
                breaks,
                address or None,
                description,
                page_url,
            )
        )
    body = calendar_file(events, now=utcnow(), today=datetime.now(HELSINKI).date())
    if b"BEGIN:VEVENT" not in body:
        raise NotFound(
            "This activity has no regular meeting times to add to a calendar.", code="no_meeting_times"
        )
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{service.id}.ics"'},
    )


# ---------------------------------------------------------------------------------------------
# About the site: the accessibility statement and the privacy notice
# ---------------------------------------------------------------------------------------------


def _about_context(request: Request, locale: str) -> dict[str, Any]:
    settings = getattr(request.app.state, "settings", None) or get_settings()
    return {
        "operator": settings.site_operator,
        "feedback_email": settings.accessibility_feedback_email,
        "feedback_href": safe_href(settings.accessibility_feedback_url),
        "authority": settings.accessibility_authority,
        "authority_href": safe_href(settings.accessibility_authority_url),
        "statement_date": settings.accessibility_statement_date,
        "controller": settings.privacy_controller,
        "privacy_contact": settings.privacy_contact,
        "dpo_contact": settings.privacy_dpo_contact,
        "log_client_ip": settings.log_client_ip,
        "tile_host": urlsplit(settings.map_tile_url).hostname or "",
        "base_url": _base_url(request),
    }


@router.get("/{lang}/accessibility")
def accessibility_statement(request: Request, lang: LangPath) -> Response:
    """Saavutettavuusseloste: what the Act on the Provision of Digital Services (306/2019) asks for."""
    locale = _locale(lang)
    context = _about_context(request, locale)
    context["title"] = gettext(locale, "Accessibility statement")
    return render(request, locale, "about/accessibility.html", context)


@router.get("/{lang}/privacy")
def privacy_notice(request: Request, lang: LangPath) -> Response:
    """Tietosuojaseloste of the public pages (GDPR art. 13)."""
    locale = _locale(lang)
    context = _about_context(request, locale)
    context["title"] = gettext(locale, "Privacy notice")
    return render(request, locale, "about/privacy.html", context)
