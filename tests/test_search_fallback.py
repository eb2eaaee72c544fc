"""The database fallback answers queries with filters, facets and distance."""

from __future__ import annotations

from sqlmodel import Session

from app.catalogue.enums import OrganisationKind
from search.fallback import haversine_km, search_database
from search.service import search_services
from search.types import SearchQuery, Sort
from tests.factories import make_location, make_organisation, make_service


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
