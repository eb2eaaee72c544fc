"""Type-ahead (search.typeahead) on every engine, and on the database when the engine is down."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import Session

from app.catalogue.models import Service
from search.indexer import rebuild
from search.meilisearch_index import MeilisearchIndex
from search.query import analyse_query
from search.tantivy_index import TantivyIndex
from search.typeahead import Kind, Suggestions, best_label, match_rank, suggest, tokens_of
from tests.factories import make_location, make_organisation, make_service
from tests.servers import free_port


def _of(result: Suggestions, kind: Kind) -> list[tuple[str, str]]:
    return [(s.value, s.label) for s in result.items if s.kind is kind]


# -- pure matching ----------------------------------------------------------------------------------


def test_match_rank_prefers_a_name_that_begins_with_the_first_word() -> None:
    typed = analyse_query("kunto")
    assert match_rank(tokens_of("Kuntosali"), typed) == 0
    assert match_rank(tokens_of("Nuorten kuntosalivuoro"), typed) == 1
    assert match_rank(tokens_of("Vesijumppa"), typed) is None


def test_every_word_must_match_and_only_the_last_may_be_unfinished() -> None:
    name = tokens_of("Liikuntaryhmä ikääntyneille")
    assert match_rank(name, analyse_query("liikuntaryhmä ikä")) == 0
    assert match_rank(name, analyse_query("ikääntyneille liikuntaryhmä")) == 1
    # A finished word that only begins a compound ("liikunta" in liikuntaryhmä) ranks lower.
    assert match_rank(name, analyse_query("liikunta ikä")) == 2
    assert match_rank(name, analyse_query("liikuntaryhmä uinti")) is None


def test_folded_and_inflected_words_match() -> None:
    assert match_rank(tokens_of("Hyvinkää"), analyse_query("hyvinkaa")) == 0
    assert match_rank(tokens_of("Lahti"), analyse_query("lahdessa ")) == 0
    assert match_rank(tokens_of("Kuntosali"), analyse_query("kuntosalille")) == 0


def test_the_label_shown_is_in_the_readers_language_where_it_matches_there() -> None:
    names = {"fi": "Seniorijumppa ruotsiksi", "sv": "Seniorgymnastik på svenska"}
    assert best_label(names, analyse_query("senior"), "fi") == ("Seniorijumppa ruotsiksi", "fi", 0)
    assert best_label(names, analyse_query("senior"), "sv") == ("Seniorgymnastik på svenska", "sv", 0)
    # Typed in Swedish on the Finnish page: the Swedish name, which is what was typed.
    assert best_label(names, analyse_query("seniorgym"), "fi") == ("Seniorgymnastik på svenska", "sv", 0)
    assert best_label({"fi": "Kuntosali"}, analyse_query("kuntosli"), "en") == ("Kuntosali", "fi", 2)


def test_inside_a_compound_and_with_a_typo_rank_last() -> None:
    assert match_rank(tokens_of("Kuntosali"), analyse_query("sali")) == 2
    assert match_rank(tokens_of("Kuntosali"), analyse_query("kuntosli")) == 2
    # Two letters inside a word match too much to help; a synonym is not in the name at all.
    assert match_rank(tokens_of("Kuntosali"), analyse_query("sa")) is None
    assert best_label({"fi": "Vesijumppa"}, analyse_query("liikun"), "fi") is None


# -- on the engines ---------------------------------------------------------------------------------


def test_services_whose_names_begin_with_the_typed_letters(
    session: Session, catalogue: dict[str, Service], search_index
) -> None:  # type: ignore[no-untyped-def]
    result = suggest("kunto", lang="fi", session=session, index=search_index)
    assert not result.degraded
    assert _of(result, Kind.SERVICE) == [
        (str(catalogue["kuntosali"].id), "Kuntosali"),
        (str(catalogue["nuorten"].id), "Nuorten kuntosalivuoro"),
    ]


def test_an_inflected_word_finds_its_base_form_in_names(
    session: Session, catalogue: dict[str, Service], search_index
) -> None:  # type: ignore[no-untyped-def]
    services = _of(suggest("kuntosalille", lang="fi", session=session, index=search_index), Kind.SERVICE)
    assert services[0] == (str(catalogue["kuntosali"].id), "Kuntosali")
    assert (str(catalogue["nuorten"].id), "Nuorten kuntosalivuoro") in services


def test_a_second_word_narrows_the_names(
    session: Session, catalogue: dict[str, Service], search_index
) -> None:  # type: ignore[no-untyped-def]
    services = _of(suggest("nuorten kunt", lang="fi", session=session, index=search_index), Kind.SERVICE)
    assert services == [(str(catalogue["nuorten"].id), "Nuorten kuntosalivuoro")]


def test_a_swedish_name_in_swedish(session: Session, catalogue: dict[str, Service], search_index) -> None:  # type: ignore[no-untyped-def]
    result = suggest("seniorgym", lang="sv", session=session, index=search_index)
    [service] = [s for s in result.items if s.kind is Kind.SERVICE]
    assert (service.value, service.label, service.label_lang) == (
        str(catalogue["seniorgymnastik"].id),
        "Seniorgymnastik på svenska",
        "sv",
    )
    assert service.detail["fi"] == "Lahden Seudun Liikunta ry"


def test_themes_with_their_count_of_listings(
    session: Session, catalogue: dict[str, Service], search_index
) -> None:  # type: ignore[no-untyped-def]
    fi = suggest("vertais", lang="fi", session=session, index=search_index)
    assert [(s.value, s.label, s.count) for s in fi.items if s.kind is Kind.THEME] == [
        ("vertaistuki", "Vertaistuki", 2)
    ]
    sv = suggest("kamrat", lang="sv", session=session, index=search_index)
    assert [(s.value, s.label, s.count) for s in sv.items if s.kind is Kind.THEME] == [
        ("vertaistuki", "Kamratstöd", 2)
    ]
    # A theme no listing carries is not offered.
    assert _of(suggest("digi", lang="fi", session=session, index=search_index), Kind.THEME) == []


def test_places_only_where_there_are_listings(
    session: Session, catalogue: dict[str, Service], search_index
) -> None:  # type: ignore[no-untyped-def]
    result = suggest("hyvin", lang="fi", session=session, index=search_index)
    assert [(s.value, s.label, s.count) for s in result.items if s.kind is Kind.PLACE] == [
        ("106", "Hyvinkää", 1)
    ]
    # On the Swedish page the Swedish name, unless the Finnish one is what was typed.
    assert _of(suggest("hyvin", lang="sv", session=session, index=search_index), Kind.PLACE) == [
        ("106", "Hyvinge")
    ]
    assert _of(suggest("hyvink", lang="sv", session=session, index=search_index), Kind.PLACE) == [
        ("106", "Hyvinkää")
    ]
    # Lahti has six listings; Helsinki none, Lapinlahti none.
    assert _of(suggest("lahdessa ", lang="fi", session=session, index=search_index), Kind.PLACE) == [
        ("398", "Lahti")
    ]
    assert _of(suggest("helsin", lang="fi", session=session, index=search_index), Kind.PLACE) == []


def test_themes_and_places_come_before_services(
    session: Session, catalogue: dict[str, Service], search_index
) -> None:  # type: ignore[no-untyped-def]
    result = suggest("liikun", lang="fi", session=session, index=search_index)
    # Only names that say what was typed: not the water gym the index finds through a synonym.
    assert [(s.kind, s.label) for s in result.items] == [
        (Kind.THEME, "Liikunta"),
        (Kind.SERVICE, "Liikuntaryhmä ikääntyneille"),
    ]


@pytest.mark.parametrize(
    "typed", ["", "k", "  ", "*", '"', "::", "(((", "\x00\x01", "a" * 500, "') OR 1=1 --"]
)
def test_nothing_or_little_for_short_and_odd_input(
    session: Session, catalogue: dict[str, Service], search_index, typed: str
) -> None:  # type: ignore[no-untyped-def]
    result = suggest(typed, lang="fi", session=session, index=search_index)
    assert result.items == []


def test_the_database_answers_when_the_engine_is_down(
    session: Session, catalogue: dict[str, Service]
) -> None:
    down = MeilisearchIndex(f"http://127.0.0.1:{free_port()}", index_uid="nobody_home")
    result = suggest("kunto", lang="fi", session=session, index=down)
    assert result.degraded
    assert _of(result, Kind.SERVICE) == [
        (str(catalogue["kuntosali"].id), "Kuntosali"),
        (str(catalogue["nuorten"].id), "Nuorten kuntosalivuoro"),
    ]
    themes = suggest("vertais", lang="fi", session=session, index=down)
    assert [(s.value, s.count) for s in themes.items if s.kind is Kind.THEME] == [("vertaistuki", 2)]
    places = suggest("hyvin", lang="fi", session=session, index=None)
    assert [(s.value, s.count) for s in places.items if s.kind is Kind.PLACE] == [("106", 1)]


def _twins(session: Session) -> dict[str, Service]:
    """One name from one provider in two municipalities, and from a second provider."""
    city = make_organisation(session, name_fi="Kaksoiskaupunki", name_sv="Tvillingstad")
    other = make_organisation(session, name_fi="Muistiyhdistys ry", business_id="1234567-1")
    services = {
        "lahti": make_service(
            session,
            organisation=city,
            name_fi="Muistikahvila",
            locations=(make_location(session, name_fi="Kirjasto", municipality_code="398"),),
        ),
        "heinola": make_service(
            session,
            organisation=city,
            name_fi="Muistikahvila",
            locations=(make_location(session, name_fi="Seurakuntatalo", municipality_code="111"),),
        ),
        "other": make_service(
            session, organisation=other, name_fi="Muistikahvila", area_municipalities=("398",)
        ),
    }
    session.flush()
    return services


@pytest.mark.parametrize("backend", ["tantivy", "meilisearch", "database"])
def test_one_name_in_two_places_reads_as_two_choices(
    session: Session, backend: str, request: pytest.FixtureRequest
) -> None:
    services = _twins(session)
    index: TantivyIndex | MeilisearchIndex | None = None
    if backend == "tantivy":
        index = TantivyIndex()
    elif backend == "meilisearch":
        server = request.getfixturevalue("meilisearch_server")
        index = MeilisearchIndex(server.url, index_uid=f"test_{uuid.uuid4().hex[:12]}")
    if index is not None:
        rebuild(session, index)
    for lang, lahti, heinola in (("fi", "Lahti", "Heinola"), ("sv", "Lahtis", "Heinola")):
        result = suggest("muistikah", lang=lang, session=session, index=index)
        assert result.degraded is (index is None)
        found = {s.value: s for s in result.items if s.kind is Kind.SERVICE}
        assert set(found) == {str(s.id) for s in services.values()}
        # The provider's two read apart by their place; the other provider's needs no place.
        assert found[str(services["lahti"].id)].place[lang] == lahti
        assert found[str(services["heinola"].id)].place[lang] == heinola
        assert found[str(services["other"].id)].place == {}
