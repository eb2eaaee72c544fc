"""Finnish analysis, synonyms, query words, geo cells and filter expressions: pure functions."""

from __future__ import annotations

import logging

import pytest

from search import finnish
from search.finnish import analyse_word, fold, lemmas_of_text
from search.query import (
    analyse_query,
    covering_cells,
    distances_km,
    edit_distance,
    geo_cells,
    haversine_km,
    meilisearch_filters,
    quote_filter_value,
)
from search.synonyms import expand, parse_synonym_groups, parse_synonyms, synonym_groups
from search.types import SearchQuery


@pytest.fixture(autouse=True)
def _voikko() -> None:
    if finnish.analyser_backend() not in ("voikko", "pyvoikko"):
        pytest.skip("Neither Voikko nor pyvoikko is installed (make install brings pyvoikko)")


def test_base_forms_and_compound_parts() -> None:
    assert analyse_word("kuntosalille").base_forms == ("kuntosali",)
    assert {"kunto", "sali"} <= set(analyse_word("kuntosalille").parts)
    assert "ryhmä" in analyse_word("vertaistukiryhmä").parts
    assert "ryhmä" in analyse_word("liikuntaryhmiä").parts
    assert "liikunta" in analyse_word("liikuntaryhmiä").parts
    assert analyse_word("tasapainoharjotelu").base_forms == ()


def test_lemmas_of_text() -> None:
    lemmas = lemmas_of_text(["Vesijumppaa lämpimässä altaassa", None])
    assert {"vesijumppa", "vesi", "jumppa", "lämmin", "allas"} <= set(lemmas)


def test_fold() -> None:
    assert fold("Ikääntyneille Åbo") == "ikaantyneille abo"


def test_synonyms_file_parses_and_expands() -> None:
    assert ("jumppa", "liikuntaryhmä", "voimistelu") in synonym_groups()
    assert parse_synonym_groups("# comment\na, b  # why\n\nc\n") == [("a", "b")]
    assert expand(["dementia", "kävely"])[:2] == ["dementia", "kävely"]
    assert "muistisairaus" in expand(["dementia"])
    # One-way: a memory café is for people with memory disorders, not every such listing a café.
    assert parse_synonyms("a, b => c, d\n") == ([], [(("a", "b"), ("c", "d"))])
    assert "muistisairas" in expand(["muistikahvila"])
    assert "muistikahvila" not in expand(["muistisairas"])
    # Swedish and English words find the Finnish listings.
    assert {"vattengympa", "waterexercise"} <= set(expand(["vesijumppa"]))


def test_query_words() -> None:
    words = analyse_query("Kuntosalille ryhm")
    assert [w.folded for w in words] == ["kuntosalille", "ryhm"]
    assert words[0].base_forms == ("kuntosali",) and words[0].lemma == "kuntosali"
    assert not words[0].prefix and words[1].prefix
    assert [w.typos for w in analyse_query("ui uinti tasapainoharjoittelu")] == [0, 1, 2]


def test_edit_distance() -> None:
    assert edit_distance("tasapainoharjotelu", "tasapainoharjoittelu", 2) == 2
    assert edit_distance("kuntosali", "kuntosalli", 1) == 1
    assert edit_distance("ab", "ba", 1) == 1
    assert edit_distance("kissa", "koira", 1) == 2


def test_geo_cells_cover_the_circle() -> None:
    center = (60.98, 25.66)
    cells = covering_cells(center, 10)
    assert cells is not None
    # A point 9.9 km east lies in one of the covering cells at the chosen level.
    level = cells[0].split(":")[0]
    east = (60.98, 25.66 + 9.9 / (111.32 * 0.4853))
    assert 9.5 < haversine_km(center, east) < 10.5
    assert any(cell in cells for cell in geo_cells(*east) if cell.startswith(level + ":"))
    assert covering_cells(center, 3000) is None


def test_distances_from_one_center_are_the_haversine_distances() -> None:
    center = (60.98, 25.66)
    points = [(60.98, 25.66), (60.1699, 24.9384), (65.0121, 25.4651), (-33.86, 151.21), (60.98, -154.34)]
    measured = distances_km(center, [p[0] for p in points], [p[1] for p in points])
    assert measured[0] == 0.0
    assert measured == pytest.approx([haversine_km(center, p) for p in points], rel=1e-12)


def test_meilisearch_filters_escape_values() -> None:
    assert quote_filter_value('a"b\\c') == '"a\\"b\\\\c"'
    filters = meilisearch_filters(
        SearchQuery(
            municipalities=("398", "098"),
            free=True,
            age=70,
            near=(60.98, 25.66),
            radius_km=2.5,
            themes=('x" OR 1=1',),
        )
    )
    assert filters == [
        'municipality IN ["398", "098"]',
        'theme IN ["x\\" OR 1=1"]',
        'free = "true"',
        "min_age <= 70",
        "max_age >= 70",
        "_geoRadius(60.980000, 25.660000, 2500)",
    ]


def _hide(monkeypatch, *modules: str) -> None:  # type: ignore[no-untyped-def]
    import builtins

    real_import = builtins.__import__

    def hidden(name, *args, **kwargs):  # type: ignore[no-untyped-def]
        if name in modules:
            raise ImportError(f"{name}: cannot open shared object file")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", hidden)


def test_without_system_voikko_pyvoikko_stands_in(monkeypatch, caplog) -> None:
    _hide(monkeypatch, "libvoikko")
    with caplog.at_level(logging.INFO, logger="search.finnish"):
        analyser = finnish._Analyser()
    assert analyser.backend == "pyvoikko"
    assert analyser.analyse("kuntosalille").base_forms == ("kuntosali",)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_snowball_is_the_last_resort_and_says_so_loudly(monkeypatch, caplog) -> None:
    _hide(monkeypatch, "libvoikko", "pyvoikko")
    with caplog.at_level(logging.WARNING, logger="search.finnish"):
        analyser = finnish._Analyser()
    assert analyser.backend == "snowball"
    assert analyser.analyse("kuntosalille").base_forms == ("kuntosal",)
    errors = [r for r in caplog.records if "Snowball" in r.getMessage()]
    assert len(errors) == 1 and errors[0].levelno == logging.ERROR
    # Asked for by name, it is what was wanted: no error.
    caplog.clear()
    assert finnish._Analyser("snowball").backend == "snowball"
    assert not caplog.records


def test_closest_query_replaces_only_unknown_words() -> None:
    from search.suggest import closest_query, words_of

    vocabulary = words_of(["Vesijumppa", "Kuntosali ikääntyneille", None])
    assert closest_query("kuntosali vesijymppa", vocabulary) == "kuntosali vesijumppa"
    assert closest_query("kuntosali", vocabulary) is None
    assert closest_query("zzzqqq", vocabulary) is None
