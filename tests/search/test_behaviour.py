"""One behaviour suite, the same assertions for every engine (see conftest.ENGINES)."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from app.catalogue.enums import ServiceStatus
from app.catalogue.models import Service
from search.indexer import update_services
from search.types import SearchQuery, SearchResult, Sort
from tests.factories import make_service
from tests.search.catalogue import HEINOLA, LAHTI


def keys(result: SearchResult, catalogue: dict[str, Service]) -> list[str]:
    by_id = {str(s.id): key for key, s in catalogue.items()}
    return [by_id.get(hit.id, hit.id) for hit in result.items]


# Every Finnish check of issue 5: the query, the listing it must find.
FINNISH_CHECKS = [
    ("kuntosalille", "kuntosali"),
    ("liikuntaryhmiä", "liikuntaryhma"),
    ("ryhmä", "vertaistuki"),
    ("tasapainoharjoittelua", "tasapaino"),
    ("tasapainoharjotelu", "tasapaino"),
    ("vesijumppaan", "vesijumppa"),
    ("seniorgymnastik", "seniorgymnastik"),
]


@pytest.mark.parametrize(("q", "expected"), FINNISH_CHECKS)
def test_finnish_checks(search_index, catalogue, q: str, expected: str) -> None:
    result = search_index.search(SearchQuery(q=q))
    found = keys(result, catalogue)
    assert expected in found, f"{q!r} should find {expected}, found {found}"
    assert found.index(expected) < 3
    assert not result.relaxed


def test_unrelated_listings_are_not_found(search_index, catalogue) -> None:
    assert "lukupiiri" not in keys(search_index.search(SearchQuery(q="kuntosalille")), catalogue)
    assert search_index.search(SearchQuery(q="xyzzyqq")).total == 0


def test_synonyms_from_the_data_file(search_index, catalogue) -> None:
    # dementia ~ muistisairaus: the memory café says "muistisairaille".
    assert "muistikahvila" in keys(search_index.search(SearchQuery(q="dementia")), catalogue)
    # seniori ~ ikääntynyt: the exercise group is "ikääntyneille".
    assert "liikuntaryhma" in keys(search_index.search(SearchQuery(q="senioreille")), catalogue)


def test_labels_of_terms_in_three_languages(search_index, catalogue) -> None:
    # The memory café's keyword has labels in fi/sv/en; its text has none of these words.
    for q in ("minnessjukdomar", "memory disorders"):
        assert "muistikahvila" in keys(search_index.search(SearchQuery(q=q)), catalogue), q
    # The theme label (Vertaistuki / Kamratstöd / Peer support) finds both peer-support listings.
    found = keys(search_index.search(SearchQuery(q="peer support")), catalogue)
    assert {"vertaistuki", "muistikahvila"} <= set(found)


def test_prefix_while_typing(search_index, catalogue) -> None:
    assert keys(search_index.search(SearchQuery(q="kuntos")), catalogue)[0] in ("kuntosali", "nuorten")
    assert "vesijumppa" in keys(search_index.search(SearchQuery(q="vesiju")), catalogue)


def test_english_and_swedish_fields(search_index, catalogue) -> None:
    assert keys(search_index.search(SearchQuery(q="reading books", lang="en")), catalogue)[0] == "lukupiiri"
    assert "seniorgymnastik" in keys(search_index.search(SearchQuery(q="pensionärer", lang="sv")), catalogue)


def test_partial_matches_instead_of_an_empty_page(search_index, catalogue) -> None:
    result = search_index.search(SearchQuery(q="vesijumppa karaokeilta"))
    assert result.relaxed
    assert keys(result, catalogue)[0] == "vesijumppa"


def test_snippets_highlight_the_matched_words(search_index, catalogue) -> None:
    hit = search_index.search(SearchQuery(q="vesijumppaan")).items[0]
    assert hit.snippet is not None and "<mark>" in hit.snippet
    hit = search_index.search(SearchQuery(q="<script>kuntosali")).items[0]
    assert hit.snippet is None or "<script>" not in hit.snippet


def test_filters_and_facets(search_index, catalogue) -> None:
    result = search_index.search(SearchQuery(municipalities=("098",)))
    assert set(keys(result, catalogue)) == {"liikuntaryhma", "vesijumppa"}
    counts = {v.value: v.count for v in search_index.search(SearchQuery()).facets["municipality"]}
    assert counts == {"398": 5, "098": 2, "106": 1, "111": 1}

    assert set(keys(search_index.search(SearchQuery(themes=("vertaistuki",))), catalogue)) == {
        "vertaistuki",
        "muistikahvila",
    }
    assert keys(search_index.search(SearchQuery(target_groups=("KR1",))), catalogue) == ["liikuntaryhma"]
    assert keys(search_index.search(SearchQuery(languages=("sv",))), catalogue) == ["seniorgymnastik"]
    charged = search_index.search(SearchQuery(free=False))
    assert keys(charged, catalogue) == ["kuntosali"]
    assert {v.value: v.count for v in search_index.search(SearchQuery()).facets["free"]} == {
        "true": 7,
        "false": 1,
    }
    parish = set(keys(search_index.search(SearchQuery(provider_kinds=("parish",))), catalogue))
    assert parish == {"muistikahvila", "lukupiiri"}
    wheelchair = set(keys(search_index.search(SearchQuery(accessibility=("wheelchair",))), catalogue))
    assert wheelchair == {"kuntosali", "vertaistuki", "tasapaino", "seniorgymnastik", "nuorten"}
    assert set(keys(search_index.search(SearchQuery(weekdays=("MO",))), catalogue)) == {
        "kuntosali",
        "seniorgymnastik",
    }
    # A time range counts in every part of the day it overlaps: the gym meets 8-20.
    evening = set(keys(search_index.search(SearchQuery(times_of_day=("evening",))), catalogue))
    assert evening == {"kuntosali", "vertaistuki", "lukupiiri"}
    facets = search_index.search(SearchQuery()).facets
    assert {v.value: v.count for v in facets["time_of_day"]} == {"morning": 4, "afternoon": 2, "evening": 3}
    assert {v.value: v.count for v in facets["weekday"]}["MO"] == 2
    # Two filters: both must hold; two values of one filter: either will do.
    both = search_index.search(SearchQuery(municipalities=("098", "106"), themes=("vertaistuki",)))
    assert keys(both, catalogue) == ["muistikahvila"]


def test_age(search_index, catalogue) -> None:
    teen = set(keys(search_index.search(SearchQuery(q="kuntosali", age=15)), catalogue))
    assert teen == {"nuorten"}
    adult = set(keys(search_index.search(SearchQuery(q="kuntosali", age=30)), catalogue))
    assert adult == {"kuntosali"}
    assert "liikuntaryhma" not in keys(search_index.search(SearchQuery(age=40)), catalogue)
    assert "liikuntaryhma" in keys(search_index.search(SearchQuery(age=70)), catalogue)


def test_near_me(search_index, catalogue) -> None:
    result = search_index.search(SearchQuery(near=HEINOLA, radius_km=5))
    assert keys(result, catalogue) == ["lukupiiri"] and result.total == 1
    assert result.items[0].distance_km is not None and result.items[0].distance_km < 0.1

    result = search_index.search(SearchQuery(near=LAHTI, radius_km=15, per_page=50))
    found = keys(result, catalogue)
    assert set(found) == {
        "kuntosali",
        "vertaistuki",
        "tasapaino",
        "seniorgymnastik",
        "nuorten",
        "liikuntaryhma",
        "vesijumppa",
    }
    distances = [hit.distance_km for hit in result.items]
    assert distances == sorted(distances)  # type: ignore[type-var]
    assert found[-2:] == ["liikuntaryhma", "vesijumppa"] or found[-2:] == ["vesijumppa", "liikuntaryhma"]
    assert {v.value: v.count for v in result.facets["municipality"]} == {"398": 5, "098": 2}

    ordered = search_index.search(SearchQuery(q="kuntosali", near=HEINOLA, sort=Sort.DISTANCE))
    assert ordered.total == 2 and all(hit.distance_km is not None for hit in ordered.items)


def test_paging(search_index, catalogue) -> None:
    first = search_index.search(SearchQuery(per_page=4, page=1))
    second = search_index.search(SearchQuery(per_page=4, page=2))
    third = search_index.search(SearchQuery(per_page=4, page=3))
    assert first.total == 9
    seen = [h.id for h in first.items + second.items + third.items]
    assert len(seen) == len(set(seen)) == 9
    # Without words the order is by name.
    names = [h.name["fi"].lower() for h in first.items]
    assert names == sorted(names)


def test_incremental_update(session: Session, search_index, catalogue) -> None:
    added = make_service(session, name_fi="Sauvakävely", summary_fi="Kävelyä sauvoilla puistossa.")
    catalogue["sauva"] = added
    update_services(session, search_index, {added.id})
    assert keys(search_index.search(SearchQuery(q="sauvakävelyyn")), catalogue) == ["sauva"]

    retired = catalogue["vesijumppa"]
    retired.status = ServiceStatus.RETIRED
    session.add(retired)
    session.flush()
    update_services(session, search_index, {retired.id})
    assert "vesijumppa" not in keys(search_index.search(SearchQuery(q="vesijumppaan")), catalogue)
    assert search_index.search(SearchQuery()).total == 9


def _counts(result: SearchResult, facet: str) -> dict[str, int]:
    return {v.value: v.count for v in result.facets.get(facet, [])}


def test_a_chosen_facet_counts_its_alternatives(search_index, catalogue) -> None:
    everything = search_index.search(SearchQuery())
    in_098 = search_index.search(SearchQuery(municipalities=("098",)))
    assert set(keys(in_098, catalogue)) == {"liikuntaryhma", "vesijumppa"}
    # The municipalities one could add, with the counts they would bring...
    assert _counts(in_098, "municipality") == {"398": 5, "098": 2, "106": 1, "111": 1}
    # ...while the other facets count within the results.
    assert sum(_counts(in_098, "free").values()) == 2
    assert _counts(in_098, "theme") != _counts(everything, "theme")

    # Two chosen facets: each counts as if only the other were chosen.
    both = search_index.search(SearchQuery(municipalities=("098", "106"), themes=("vertaistuki",)))
    assert keys(both, catalogue) == ["muistikahvila"]
    peer = search_index.search(SearchQuery(themes=("vertaistuki",)))
    assert _counts(both, "municipality") == _counts(peer, "municipality")
    places = search_index.search(SearchQuery(municipalities=("098", "106")))
    assert _counts(both, "theme") == _counts(places, "theme")

    # Within a radius, the alternatives are counted within it too.
    near = search_index.search(SearchQuery(near=LAHTI, radius_km=15, municipalities=("098",)))
    assert near.total == 2 and _counts(near, "municipality") == {"398": 5, "098": 2}

    # Nothing found with the chosen place: the facet still shows where the words are found.
    elsewhere = search_index.search(SearchQuery(q="lukupiiri", municipalities=("106",)))
    assert elsewhere.total == 0
    assert _counts(elsewhere, "municipality") == _counts(
        search_index.search(SearchQuery(q="lukupiiri")), "municipality"
    )
    assert _counts(elsewhere, "municipality")


def test_the_listing_that_is_about_it_comes_first(session: Session, search_index, catalogue) -> None:
    """Issue 13: a word in the name (or keywords, classes, ontology terms) outweighs the same word
    deep in a description; the lunch drop-in that mentions peer support trailed the peer group."""
    lunch = make_service(
        session,
        name_fi="Työttömien kohtaamispaikka ja ruokailu",
        summary_fi="Edullinen lounas ja seuraa.",
        description_fi="Lounaan jälkeen on aikaa keskustella. Paikka tarjoaa vertaistuki ja neuvontaa "
        "sekä vertaistuki-iltoja kerran kuussa; vertaistuki on kaikille avointa.",
        themes=("ruoka",),
        service_classes=(),
    )
    catalogue["lunch"] = lunch
    update_services(session, search_index, {lunch.id})
    found = keys(search_index.search(SearchQuery(q="vertaistuki")), catalogue)
    assert found[0] == "vertaistuki" and "lunch" in found


def test_swedish_and_english_find_finnish_only_listings(search_index, catalogue) -> None:
    # The water-exercise group has only a Finnish text: the synonym groups carry sv/en words.
    for q, lang in (("vattengympa", "sv"), ("water exercise", "en"), ("simning för seniorer", "sv")):
        assert "vesijumppa" in keys(search_index.search(SearchQuery(q=q, lang=lang)), catalogue), q
    # A memory café is for people with memory disorders (a one-way synonym).
    assert "muistikahvila" in keys(search_index.search(SearchQuery(q="muistisairaat")), catalogue)
