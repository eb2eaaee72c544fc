"""Facet counts of the embedded engine: every value of a multi-valued facet is counted once per
service, whether counted from the two single-valued columns or, past their buckets, the full one."""

from __future__ import annotations

import dataclasses
import itertools
import uuid
from collections import Counter

import pytest

import search.tantivy_index as tantivy_index
from search.documents import SearchDocument
from search.tantivy_index import TantivyIndex
from search.types import SearchQuery


def _doc(
    number: int, municipalities: list[str], accessibility: list[str], weekdays: list[str]
) -> SearchDocument:
    return SearchDocument(
        id=str(uuid.UUID(int=number + 1)),
        source="test",
        external_id=str(number),
        demo=False,
        name={"fi": f"Palvelu {number}"},
        summary={},
        description={},
        organisation_name={},
        terms={},
        lemmas=["palvelu"],
        name_key=f"palvelu {number:04d}",
        municipalities=municipalities,
        accessibility=accessibility,
        weekdays=weekdays,
    )


def _documents() -> list[SearchDocument]:
    codes = ["091", "398", "098", "111", "016", "081"]
    features = ["wheelchair", "induction_loop", "accessible_toilet"]
    documents = []
    for number in range(120):
        # 0 to 3 municipalities, 0 to 2 features and 0 to 3 weekdays, in many combinations.
        municipalities = [codes[(number + k * 2) % len(codes)] for k in range(number % 4)]
        accessibility = features[number % 3 : number % 3 + number % 3]
        weekdays = list(itertools.islice(itertools.cycle(["MO", "WE", "FR"]), number % 4))
        documents.append(_doc(number, municipalities, accessibility, weekdays))
    return documents


def _expected(documents: list[SearchDocument], attribute: str) -> dict[str, int]:
    return dict(Counter(value for d in documents for value in set(getattr(d, attribute))))


@pytest.mark.parametrize("buckets", [None, 1])
def test_multi_valued_facets_count_each_service_once(
    monkeypatch: pytest.MonkeyPatch, buckets: int | None
) -> None:
    if buckets is not None:
        # Fewer buckets than value sets: the counts come from the multi-valued columns instead.
        monkeypatch.setattr(tantivy_index, "REST_BUCKETS", buckets)
        monkeypatch.setattr(tantivy_index, "FIRST_BUCKETS", buckets)
    documents = _documents()
    index = TantivyIndex()
    index.replace_all(documents)

    result = index.search(SearchQuery(per_page=1))

    assert result.total == 120
    for facet, attribute in (
        ("municipality", "municipalities"),
        ("accessibility", "accessibility"),
        ("weekday", "weekdays"),
    ):
        counts = {v.value: v.count for v in result.facets[facet]}
        assert counts == _expected(documents, attribute), facet
        assert tantivy_index.NONE not in counts
        values = result.facets[facet]
        assert values == sorted(values, key=lambda v: (-v.count, v.value))


# With words the chosen facets are counted in one pass of filter aggregations, without in a pass each.
@pytest.mark.parametrize("q", ["", "palvelu"])
def test_facet_counts_follow_the_other_filters(q: str) -> None:
    documents = _documents()
    index = TantivyIndex()
    index.replace_all(documents)

    result = index.search(SearchQuery(q=q, municipalities=("398",), per_page=1))

    chosen = [d for d in documents if "398" in d.municipalities]
    assert result.total == len(chosen)
    assert {v.value: v.count for v in result.facets["weekday"]} == _expected(chosen, "weekdays")
    # The chosen facet counts its alternatives as if it were not chosen (search.service).
    assert {v.value: v.count for v in result.facets["municipality"]} == _expected(documents, "municipalities")


def test_a_value_the_query_language_cannot_carry_is_counted_pass_by_pass() -> None:
    documents = _documents()
    index = TantivyIndex()
    index.replace_all(documents)
    odd = ("398", 'x" OR municipality:"091')  # not a code: must not widen the filter

    result = index.search(SearchQuery(q="palvelu", municipalities=odd, weekdays=("MO",), per_page=1))
    plain = index.search(SearchQuery(q="palvelu", municipalities=("398",), weekdays=("MO",), per_page=1))

    assert result.total == plain.total > 0
    assert result.facets == plain.facets
    everywhere = index.search(SearchQuery(q="palvelu", weekdays=("MO",), per_page=1))
    assert result.facets["municipality"] == everywhere.facets["municipality"]


@pytest.mark.parametrize("q", ["", "palvelu"])
def test_two_chosen_facets_each_count_as_if_only_the_other_were_chosen(q: str) -> None:
    documents = _documents()
    index = TantivyIndex()
    index.replace_all(documents)

    result = index.search(SearchQuery(q=q, municipalities=("398", "091"), weekdays=("MO",), per_page=1))

    in_places = [d for d in documents if {"398", "091"} & set(d.municipalities)]
    on_monday = [d for d in documents if "MO" in d.weekdays]
    both = [d for d in in_places if d in on_monday]
    assert result.total == len(both) > 0
    assert {v.value: v.count for v in result.facets["municipality"]} == _expected(on_monday, "municipalities")
    assert {v.value: v.count for v in result.facets["weekday"]} == _expected(in_places, "weekdays")
    assert {v.value: v.count for v in result.facets["accessibility"]} == _expected(both, "accessibility")


@pytest.mark.parametrize("on_disk", [False, True])
def test_a_facet_nobody_used_is_counted_once_an_update_gives_it_a_value(tmp_path, on_disk: bool) -> None:
    # Columns where every service holds no value are not aggregated (TantivyIndex._valued_columns):
    # the first service that gets one, by an update from this or another process, must show.
    documents = _documents()
    index = TantivyIndex(tmp_path / "index" if on_disk else None)
    index.replace_all(documents)
    assert index.search(SearchQuery(q="palvelu", per_page=1)).facets["format"] == []

    changed = dataclasses.replace(documents[7], formats=["online"])
    twice = dataclasses.replace(documents[8], formats=["online", "phone"])
    # On disk the update comes from another TantivyIndex (as from `tarjotin sync`).
    writer = TantivyIndex(tmp_path / "index") if on_disk else index
    writer.apply([changed, twice], [])

    result = index.search(SearchQuery(q="palvelu", per_page=1))
    assert {v.value: v.count for v in result.facets["format"]} == {"online": 2, "phone": 1}
    chosen = index.search(SearchQuery(q="palvelu", formats=("phone",), per_page=1))
    assert chosen.total == 1
    assert {v.value: v.count for v in chosen.facets["format"]} == {"online": 2, "phone": 1}
