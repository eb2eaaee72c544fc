"""Facet counts of the embedded engine: every value of a multi-valued facet is counted once per
service, whether counted from the two single-valued columns or, past their buckets, the full one."""

from __future__ import annotations

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


def test_facet_counts_follow_the_other_filters() -> None:
    documents = _documents()
    index = TantivyIndex()
    index.replace_all(documents)

    result = index.search(SearchQuery(municipalities=("398",), per_page=1))

    chosen = [d for d in documents if "398" in d.municipalities]
    assert result.total == len(chosen)
    assert {v.value: v.count for v in result.facets["weekday"]} == _expected(chosen, "weekdays")
    # The chosen facet counts its alternatives as if it were not chosen (search.service).
    assert {v.value: v.count for v in result.facets["municipality"]} == _expected(documents, "municipalities")
