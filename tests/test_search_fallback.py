"""The database fallback answers queries with filters, facets and distance."""

from __future__ import annotations

import math

import pytest
from sqlmodel import Session

from app.catalogue.enums import OrganisationKind
from search import fallback
from search.documents import schedule_facets
from search.fallback import haversine_km, search_database
from search.service import search_services
from search.types import SearchQuery, SearchResult, Sort
from tests.factories import make_location, make_organisation, make_service
from tests.search.catalogue import build_catalogue


def test_words_filters_facets_and_distance(session: Session) -> None:
    lahti = make_location(session, municipality_code="398", latitude=60.9827, longitude=25.6612)
    hyvinkaa = make_location(session, municipality_code="106", latitude=60.6333, longitude=24.8667)
    ngo = make_organisation(session, kind=OrganisationKind.NGO, name_fi="Liikuntaseura ry")
    make_service(
        session,
        name_fi="Vesijumppa senioreille",
        summary_fi="Rauhallinen vesijumppa",
        locations=(lahti,),
        organisation=ngo,
    )
    make_service(
        session,
        name_fi="Kuntosaliryhmä",
        summary_fi="Ohjattu kuntosali",
        locations=(hyvinkaa,),
        is_free=False,
    )
    make_service(session, name_fi="Lukupiiri", themes=("kulttuuri",), locations=(lahti,))

    result = search_database(session, SearchQuery(q="vesijumppa"))
    assert [h.name["fi"] for h in result.items] == ["Vesijumppa senioreille"]
    assert result.items[0].snippet is not None and "<mark>" in result.items[0].snippet

    result = search_database(
        session, SearchQuery(themes=("liikunta",), near=(60.98, 25.66), sort=Sort.DISTANCE)
    )
    assert [h.name["fi"] for h in result.items] == ["Vesijumppa senioreille", "Kuntosaliryhmä"]
    assert result.items[0].distance_km is not None and result.items[0].distance_km < 1
    facets = {f.value: f.count for f in result.facets["municipality"]}
    assert facets == {"398": 1, "106": 1}

    result = search_database(session, SearchQuery(near=(60.98, 25.66), radius_km=10))
    assert {h.name["fi"] for h in result.items} == {"Vesijumppa senioreille", "Lukupiiri"}

    relaxed = search_database(session, SearchQuery(q="vesijumppa karaoke"))
    assert relaxed.relaxed and [h.name["fi"] for h in relaxed.items] == ["Vesijumppa senioreille"]


def test_search_services_without_engine_is_degraded(session: Session) -> None:
    make_service(session, name_fi="Tanssi")
    result = search_services(SearchQuery(q="tanssi"), session=session, index=None)
    assert result.degraded and result.total == 1


def test_haversine() -> None:
    # Helsinki-Lahti: 0.81° north (90.3 km) and 0.72° east at 60.6° N (39.4 km) -> 98.5 km
    assert 98.0 < haversine_km((60.1699, 24.9384), (60.9827, 25.6612)) < 99.0


def test_the_fallback_filters_and_counts_as_the_index_does(session: Session) -> None:
    """Found by the fault suite (tests/hardening/test_outages.py): during an index outage a
    municipality filter missed services offered to the municipality from a place elsewhere, and a
    language filter was ignored, so the same search gave other totals."""
    from search.tantivy_index import TantivyIndex

    heinola = make_location(session, municipality_code="111", latitude=61.2, longitude=26.03)
    make_service(session, name_fi="Muistineuvonta", locations=(heinola,), area_municipalities=("111", "398"))
    make_service(session, name_fi="Samtalsgrupp", locations=(heinola,), languages=["sv", "fi"])
    make_service(session, name_fi="Kävelyryhmä", locations=(heinola,))
    index = TantivyIndex()
    from search.indexer import rebuild

    rebuild(session, index)
    for query in (
        SearchQuery(municipalities=("398",)),
        SearchQuery(languages=("sv",)),
        SearchQuery(languages=("en",)),
        SearchQuery(themes=("liikunta",)),
    ):
        engine, database = index.search(query), search_database(session, query)
        assert database.total == engine.total, query
        for facet in ("municipality", "language"):
            counts = {v.value: v.count for v in database.facets.get(facet, [])}
            assert counts == {v.value: v.count for v in engine.facets.get(facet, [])}, (query, facet)
    assert search_database(session, SearchQuery(municipalities=("398",))).total == 1
    assert search_database(session, SearchQuery(languages=("sv",))).total == 1
    facets = search_database(session, SearchQuery(themes=("liikunta",))).facets
    assert {v.value: v.count for v in facets["municipality"]} == {"111": 3, "398": 1}
    assert {v.value: v.count for v in facets["language"]} == {"fi": 3, "sv": 1}


SQL_FACETS = (
    "municipality",
    "theme",
    "target_group",
    "format",
    "free",
    "capacity",
    "referrals",
    "provider_kind",
)


def _shown(result: SearchResult) -> tuple:  # type: ignore[type-arg]
    return (
        result.total,
        result.relaxed,
        [(h.id, h.distance_km, h.snippet, h.when) for h in result.items],
        {f: [(v.value, v.count) for v in result.facets.get(f, [])] for f in SQL_FACETS},
    )


@pytest.mark.parametrize(
    "query",
    [
        SearchQuery(),
        SearchQuery(q="kuntosali"),
        SearchQuery(q="vesijumppa karaoke"),
        SearchQuery(themes=("liikunta",), per_page=2, page=2),
        SearchQuery(municipalities=("398",), free=True),
        SearchQuery(q="ryhmä", provider_kinds=("ngo",), per_page=1, page=3),
        SearchQuery(q="zzqxvw"),
    ],
    ids=repr,
)
def test_a_large_result_is_counted_paged_and_faceted_in_sql_as_in_python(
    session: Session, query: SearchQuery, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above PYTHON_FACET_LIMIT matches SQL counts, pages and facets; the answer is the same."""
    build_catalogue(session)
    by_ids = search_database(session, query)
    monkeypatch.setattr(fallback, "PYTHON_FACET_LIMIT", 0)
    in_sql = search_database(session, query)
    assert _shown(in_sql) == _shown(by_ids)
    if by_ids.total:
        assert by_ids.facets["weekday"]  # counted from the schedules below the limit
        assert by_ids.facets["language"]  # and from the JSON lists
        # left uncounted above it, as documented
        assert not {"weekday", "language", "accessibility"} & set(in_sql.facets)


@pytest.mark.parametrize(("north_km", "east_km"), [(9.9, 0), (10.1, 0), (0, 9.9), (0, 10.1), (7.1, -7.0)])
def test_the_radius_is_measured_exactly(session: Session, north_km: float, east_km: float) -> None:
    """SQL narrows to a box around the circle; haversine_km decides, so edges are as before."""
    centre = (60.9827, 25.6612)
    lat = centre[0] + north_km / 111.2
    lon = centre[1] + east_km / (111.2 * math.cos(math.radians(centre[0])))
    place = make_location(session, municipality_code="398", latitude=lat, longitude=lon)
    make_service(session, name_fi="Reunalla", locations=(place,))
    result = search_database(session, SearchQuery(near=centre, radius_km=10))
    inside = haversine_km(centre, (lat, lon)) <= 10
    assert [h.name["fi"] for h in result.items] == (["Reunalla"] if inside else [])
    assert result.total == int(inside)


def test_weekday_and_accessibility_filters_read_schedules_as_before(session: Session) -> None:
    catalogue = build_catalogue(session)
    for query in (
        SearchQuery(weekdays=("TH",)),
        SearchQuery(times_of_day=("evening",), themes=("liikunta",)),
        SearchQuery(accessibility=("wheelchair",)),
        SearchQuery(accessibility=("wheelchair", "hearing"), languages=("sv", "en")),
        SearchQuery(languages=("fi",)),
    ):
        result = search_database(session, query)
        expected = {
            key
            for key, service in catalogue.items()
            if service.status in ("active", "temporarily_closed") and _passes(service, query)
        }
        assert {h.id for h in result.items} == {str(catalogue[k].id) for k in expected}, query


def _passes(service, query: SearchQuery) -> bool:  # type: ignore[no-untyped-def]
    weekdays, times = schedule_facets(service)
    features = {f for sal in service.service_at_locations for f in sal.location.accessibility_features}
    return (
        (not query.weekdays or bool(set(query.weekdays) & set(weekdays)))
        and (not query.times_of_day or bool(set(query.times_of_day) & set(times)))
        and (not query.accessibility or bool(set(query.accessibility) & features))
        and (not query.languages or bool(set(query.languages) & set(service.languages)))
        and (not query.themes or any(t.code in query.themes for t in service.terms if t.taxonomy == "theme"))
    )


@pytest.mark.parametrize("chunk", [500, 1])
def test_language_and_accessibility_facets_count_each_service_once(
    session: Session, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counted in SQL from the JSON lists (a service with two places that both have a feature counts
    once), in one statement or in chunks of ids."""
    monkeypatch.setattr(fallback, "_ID_CHUNK", chunk)
    ramp = make_location(session, municipality_code="398", accessibility_features=["wheelchair", "hearing"])
    lift = make_location(session, municipality_code="398", accessibility_features=["wheelchair"])
    plain = make_location(session, municipality_code="398", accessibility_features=[])
    make_service(session, name_fi="Kahdessa paikassa", locations=(ramp, lift), languages=["fi", "sv"])
    make_service(session, name_fi="Yhdessä paikassa", locations=(lift,), languages=["sv"])
    make_service(session, name_fi="Ilman", locations=(plain,), languages=[])
    result = search_database(session, SearchQuery(municipalities=("398",)))
    counts = {f: {v.value: v.count for v in result.facets.get(f, [])} for f in ("language", "accessibility")}
    assert counts == {"language": {"sv": 2, "fi": 1}, "accessibility": {"wheelchair": 2, "hearing": 1}}
    chosen = search_database(session, SearchQuery(municipalities=("398",), languages=("sv",)))
    assert chosen.total == 2
    # A chosen facet still counts its alternatives (what choosing another value would give).
    assert {v.value: v.count for v in chosen.facets["language"]} == {"sv": 2, "fi": 1}
    assert search_database(session, SearchQuery(accessibility=("hearing",))).total == 1
