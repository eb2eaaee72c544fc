"""Accessibility features from the Accessibility Register's sentences: a labelled set of real
sentences (the recorded kunta-api channel 13992280-… under ../shared/reference/ptv/ and the demo's
forms) and negations, with zero false claims."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from integrations.ptv.accessibility import (
    Fact,
    accessibility_features,
    facts_of,
    features_of,
)

DEMO = Path(__file__).resolve().parents[2] / "demo" / "ptv-v11"

# (sentence, the facts it states) - labelled by hand.
LABELLED: list[tuple[str, set[Fact]]] = [
    # The recorded register record (kunta-api-server/servicechannels/13992280-…).
    (
        "Saattoliikenteen pysähtymispaikka sijaitsee sisäänkäynnin läheisyydessä (etäisyys enintään 5 "
        "metriä), josta sisäänkäynnille pääsee siirtymään sujuvasti.",
        set(),
    ),
    ("Kulkureitti sisäänkäynnille on tasainen ja riittävän leveä sekä valaistu.", set()),
    ("Sisäänkäynti sijaitsee syvennyksessä ja on valaistu.", set()),
    (
        "Sisäänkäynnin ovet erottuvat selkeästi ja lasiovissa on kontrastimerkinnät. Oven ulkopuolella on "
        "riittävästi vapaata tilaa liikkumiselle esim. pyörätuolin kanssa. Ovi avautuu käsin helposti.",
        set(),
    ),
    ("Sisäänkäynnin yhteydessä on yli 2 cm korkeita kynnyksiä.", {Fact.STEPS_OR_THRESHOLDS}),
    ("Toimipiste sijaitsee samassa kerroksessa kuin sisäänkäynti.", {Fact.SAME_FLOOR}),
    ("Tilassa on yli 2 cm korkeita kynnyksiä.", {Fact.STEPS_OR_THRESHOLDS}),
    ("Sisätilojen ovet eivät erotu selkeästi seinästä.", set()),
    (
        "Toimipisteessä on esteettömäksi merkitty wc, jossa ei ole tarpeeksi tilaa pyörätuolille.",
        {Fact.TOO_NARROW_FOR_WHEELCHAIR},
    ),
    # The demo catalogue's forms.
    ("Kulkureitti sisäänkäynnille on tasainen ja valaistu.", set()),
    ("Invapysäköintipaikka on alle 20 metrin päässä sisäänkäynnistä.", set()),
    ("Ovi avautuu automaattisesti.", set()),
    ("Sisäänkäynnillä ei ole kynnystä eikä portaita.", {Fact.STEP_FREE_ENTRANCE}),
    ("Tiloissa on esteetön wc ja induktiosilmukka.", {Fact.ACCESSIBLE_TOILET, Fact.INDUCTION_LOOP}),
    ("Kerrosten välillä on hissi.", {Fact.LIFT}),
    # Negations and near misses: nothing positive may be read from them.
    ("Sisäänkäynnin yhteydessä on portaita.", {Fact.STEPS_OR_THRESHOLDS}),
    ("Sisäänkäynnin yhteydessä on porras, jossa on yli 2 cm korkea kynnys.", {Fact.STEPS_OR_THRESHOLDS}),
    ("Sisäänkäynnin yhteydessä ei ole portaita.", {Fact.STEP_FREE_ENTRANCE}),
    ("Rakennuksessa ei ole hissiä.", {Fact.NO_LIFT}),
    ("Tiloissa ei ole induktiosilmukkaa.", set()),
    ("Tiloissa on esteetön wc, mutta ei induktiosilmukkaa.", set()),
    ("Hissi on rikki, pyörätuoli ei mahdu hissiin.", {Fact.TOO_NARROW_FOR_WHEELCHAIR}),
    ("Esteetön wc puuttuu.", set()),
    ("Kerrosten välillä on hissi, joka ei ole käytössä.", set()),
]


@pytest.mark.parametrize(("sentence", "facts"), LABELLED)
def test_each_labelled_sentence(sentence: str, facts: set[Fact]) -> None:
    assert facts_of([sentence]) == facts


# Places as the register describes them, with the features a resident may rely on.
PLACES: list[tuple[list[str], set[str]]] = [
    # The recorded record: same floor, but thresholds over 2 cm and a toilet too small: nothing.
    ([s for s, _ in LABELLED[:9]], set()),
    # The demo's full description: step-free entrance, a lift, an accessible toilet and a loop.
    ([s for s, _ in LABELLED[9:15]], {"wheelchair", "rollator", "hearing"}),
    # A step-free entrance alone says nothing of the floors inside: unknown, so no claim.
    (["Sisäänkäynnillä ei ole kynnystä eikä portaita."], set()),
    (
        ["Sisäänkäynnillä ei ole kynnystä eikä portaita.", "Tilassa on yli 2 cm korkeita kynnyksiä."],
        set(),
    ),
    (
        [
            "Sisäänkäynnin yhteydessä ei ole portaita.",
            "Toimipiste sijaitsee samassa kerroksessa kuin sisäänkäynti.",
            "Toimipisteessä on esteettömäksi merkitty wc, jossa ei ole tarpeeksi tilaa pyörätuolille.",
        ],
        {"rollator"},
    ),
    (["Sisäänkäynnillä ei ole kynnystä eikä portaita.", "Rakennuksessa ei ole hissiä."], set()),
    (["Tiloissa ei ole induktiosilmukkaa."], set()),
]


@pytest.mark.parametrize(("sentences", "features"), PLACES)
def test_places_get_only_the_features_their_sentences_establish(
    sentences: list[str], features: set[str]
) -> None:
    assert set(features_of(facts_of(sentences))) == features


def test_zero_false_claims_on_the_labelled_set() -> None:
    false_claims = [
        (sentences, claimed)
        for sentences, truth in PLACES
        if not (claimed := set(features_of(facts_of(sentences)))) <= truth
    ]
    assert false_claims == []


def _entrances(channel: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for a in channel.get("addresses") or [] for e in a.get("entrances") or []]


def test_the_demo_has_places_the_wheelchair_filter_finds() -> None:
    found: Counter[tuple[str, ...]] = Counter()
    seen: set[str] = set()
    for page in sorted(DEMO.glob("ServiceChannel_*.json")):
        for channel in json.loads(page.read_text(encoding="utf-8"))["itemList"]:
            if channel["id"] not in seen:
                seen.add(channel["id"])
                found[accessibility_features(_entrances(channel))] += 1
    assert found[("wheelchair", "rollator", "hearing")] >= 30
    assert set(found) == {(), ("wheelchair", "rollator", "hearing")}
