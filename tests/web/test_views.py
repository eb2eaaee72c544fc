"""View models of the results page: facet options and snippet languages. Pure functions."""

from __future__ import annotations

from search.types import Facet, FacetValue, SearchHit, SearchResult
from web.pages import state as st
from web.pages import views


def result_with(facets: dict[str, list[FacetValue]]) -> SearchResult:
    return SearchResult(items=[], total=0, facets=facets, page=1, per_page=20)


def test_long_facets_show_the_most_common_values_and_every_chosen_one() -> None:
    counts = [FacetValue(f"{code:03d}", 1000 - code) for code in range(1, 300)]
    state = st.SearchState(municipalities=("299",))
    labels = {Facet.MUNICIPALITY: {v.value: f"Kunta {v.value}" for v in counts}}
    (group,) = [
        g
        for g in views.facet_groups(state, result_with({"municipality": counts}), "fi", labels)
        if g.facet is Facet.MUNICIPALITY
    ]
    values = [o.value for o in group.options]
    assert len(values) == views.MAX_OPTIONS
    assert values[0] == "299" and group.options[0].checked  # chosen first, though the least common
    assert set(values[1:]) == {f"{code:03d}" for code in range(1, views.MAX_OPTIONS)}


def test_a_chosen_value_without_hits_stays_visible_with_zero() -> None:
    state = st.SearchState(themes=("luonto",))
    groups = views.facet_groups(state, result_with({"theme": [FacetValue("liikunta", 3)]}), "fi", {})
    (theme,) = [g for g in groups if g.facet is Facet.THEME]
    assert [(o.value, o.count, o.checked) for o in theme.options] == [
        ("liikunta", 3, False),
        ("luonto", 0, True),
    ]


def test_price_is_a_single_choice_in_a_fixed_order() -> None:
    groups = views.facet_groups(
        st.SearchState(), result_with({"free": [FacetValue("false", 9), FacetValue("true", 2)]}), "fi", {}
    )
    (free,) = [g for g in groups if g.facet is Facet.FREE]
    assert free.single and [o.value for o in free.options] == ["true", "false"]


def test_snippet_language_comes_from_the_summary_it_was_cut_from() -> None:
    summaries = {"fi": "Vesijumppaa ikäihmisille & muille.", "sv": "Vattengympa för äldre."}
    assert views.snippet_language("<mark>Vesijumppa</mark>a ikäihmisille &amp; muille.", summaries) == "fi"
    assert views.snippet_language("…gympa för <mark>äldre</mark>", summaries) == "sv"
    assert views.snippet_language("from the description only", summaries) is None


def test_an_unplaceable_snippet_gives_way_to_the_summary() -> None:
    hit = SearchHit(
        id="1", source="ptv", external_id="x", name={"fi": "Kuoro"}, summary={"fi": "Laulua."},
        snippet="something <mark>else</mark>",
    )  # fmt: skip
    view = views.hit_view(hit, "sv", {Facet.MUNICIPALITY: {}, Facet.THEME: {}})
    assert view.snippet is None
    assert view.summary is not None and view.summary.lang == "fi" and view.summary.fallback


def test_links_from_source_data_are_only_web_mail_and_phone() -> None:
    from web.pages.content import safe_href

    assert safe_href("https://example.fi/ilmo") == "https://example.fi/ilmo"
    assert safe_href(" www.example.fi/ilmo ") == "https://www.example.fi/ilmo"
    assert safe_href("mailto:a@example.fi") == "mailto:a@example.fi"
    assert safe_href("javascript:alert(1)") is None
    assert safe_href("JavaScript:alert(1)") is None
    assert safe_href("data:text/html,x") is None
    assert safe_href("") is None and safe_href(None) is None
