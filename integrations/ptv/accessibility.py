"""Accessibility features from the Accessibility Register's sentences (esteettömyystiedot) in PTV.

The register writes each place as fixed Finnish sentence forms ("Sisäänkäynnin yhteydessä on yli
2 cm korkeita kynnyksiä.", "Toimipiste sijaitsee samassa kerroksessa kuin sisäänkäynti."). A
feature is claimed only where those forms say so positively and nothing said of the place
contradicts it: a false "wheelchair accessible" sends someone to a door they cannot pass, while a
missing one only leaves the question open (the page then says the data does not tell).

Sentences are read clause by clause in Finnish (every register sentence has a Finnish form); a
clause counts only when it matches a whole form below, so "esteettömäksi merkitty wc, jossa ei ole
tarpeeksi tilaa pyörätuolille" or "ei induktiosilmukkaa" never reads as a positive.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from app.catalogue.enums import AccessibilityFeature


class Fact(StrEnum):
    STEP_FREE_ENTRANCE = "step_free_entrance"
    SAME_FLOOR = "same_floor"  # no floors to change between the entrance and the place
    LIFT = "lift"
    ACCESSIBLE_TOILET = "accessible_toilet"
    INDUCTION_LOOP = "induction_loop"
    # What rules a feature out:
    STEPS_OR_THRESHOLDS = "steps_or_thresholds"
    TOO_NARROW_FOR_WHEELCHAIR = "too_narrow_for_wheelchair"
    NO_LIFT = "no_lift"


_PLACE = r"(?:tiloissa|tilassa|toimipisteessä|toimipisteen tiloissa|rakennuksessa|salissa)"
# Whole-clause forms (lower case, one space, no final full stop).
_FORMS: list[tuple[Fact, re.Pattern[str]]] = [
    (Fact.STEP_FREE_ENTRANCE, re.compile(r"sisäänkäynnillä ei ole kynnystä eikä portaita")),
    (
        Fact.STEP_FREE_ENTRANCE,
        re.compile(
            r"sisäänkäynnin yhteydessä ei ole (?:portaita|kynnyksiä|portaita eikä (?:yli 2 cm korkeita )?kynnyksiä)"
        ),
    ),
    (Fact.STEP_FREE_ENTRANCE, re.compile(r"sisäänkäynti on (?:tasoissa|kadun tasossa|maan tasossa)")),
    (Fact.SAME_FLOOR, re.compile(r"toimipiste sijaitsee samassa kerroksessa kuin sisäänkäynti")),
    (Fact.LIFT, re.compile(r"kerrosten välillä on hissi")),
    (Fact.LIFT, re.compile(r"toimipisteeseen pääsee hissillä")),
    (Fact.LIFT, re.compile(rf"{_PLACE} on hissi")),
    (Fact.ACCESSIBLE_TOILET, re.compile(rf"{_PLACE} on esteetön wc(?: ja induktiosilmukka)?")),
    (Fact.INDUCTION_LOOP, re.compile(rf"{_PLACE} on (?:esteetön wc ja )?induktiosilmukka")),
    (Fact.INDUCTION_LOOP, re.compile(r"(?:palvelupisteessä|asiakaspalvelussa) on induktiosilmukka")),
]
# Statements that rule something out, wherever they appear in a clause.
_AGAINST: list[tuple[Fact, re.Pattern[str]]] = [
    (Fact.STEPS_OR_THRESHOLDS, re.compile(r"yli 2 cm korkei(?:ta|a) kynnyks")),
    (Fact.STEPS_OR_THRESHOLDS, re.compile(r"(?<!ei ole )(?<!eikä )\b(?:porras|portaita|porrasaskel)")),
    (Fact.TOO_NARROW_FOR_WHEELCHAIR, re.compile(r"ei (?:ole )?(?:tarpeeksi|riittävästi) tilaa pyörätuoli")),
    (Fact.TOO_NARROW_FOR_WHEELCHAIR, re.compile(r"pyörätuoli ei mahdu")),
    (Fact.NO_LIFT, re.compile(r"ei (?:ole )?hissiä")),
]
_NEGATIONS = re.compile(r"\b(?:ei|eikä|ilman|puuttuu)\b")


def clauses(text: str) -> list[str]:
    """A register sentence (sometimes several in one value) as normalised clauses."""
    flat = " ".join(text.lower().split())
    return [c.strip(" .") for c in re.split(r"(?<=[.!?])\s+", flat) if c.strip(" .")]


def facts_of(sentences: Iterable[str]) -> set[Fact]:
    """Every fact the Finnish sentences state, for and against."""
    found: set[Fact] = set()
    for sentence in sentences:
        for clause in clauses(sentence):
            for fact, form in _FORMS:
                # A positive form must be the whole clause; the step-free forms carry their own "ei".
                if form.fullmatch(clause) and (
                    fact is Fact.STEP_FREE_ENTRANCE or not _NEGATIONS.search(clause)
                ):
                    found.add(fact)
            for fact, pattern in _AGAINST:
                if pattern.search(clause) and not any(form.fullmatch(clause) for _, form in _FORMS[:3]):
                    found.add(fact)
    return found


def features_of(facts: set[Fact]) -> tuple[str, ...]:
    """The features a resident can filter on, where the facts establish them."""
    features: list[str] = []
    reachable = (
        Fact.STEP_FREE_ENTRANCE in facts
        and (Fact.SAME_FLOOR in facts or Fact.LIFT in facts)
        and Fact.STEPS_OR_THRESHOLDS not in facts
        and not (Fact.NO_LIFT in facts and Fact.SAME_FLOOR not in facts)
    )
    if reachable and Fact.TOO_NARROW_FOR_WHEELCHAIR not in facts:
        features.append(AccessibilityFeature.WHEELCHAIR.value)
    if reachable:
        features.append(AccessibilityFeature.ROLLATOR.value)
    if Fact.INDUCTION_LOOP in facts:
        features.append(AccessibilityFeature.HEARING.value)
    # No register form in the data states guidance for people with visual impairments (tactile
    # paths, braille, audio guidance), so VISUAL is never derived here.
    return tuple(features)


def finnish_sentences(entrances: Iterable[Mapping[str, Any]] | None) -> list[str]:
    """The Finnish text of every accessibility sentence of a PTV channel's entrances."""
    sentences: list[str] = []
    for entrance in entrances or ():
        if not isinstance(entrance, Mapping):
            continue
        for group in entrance.get("accessibilitySentences") or ():
            if not isinstance(group, Mapping):
                continue
            for item in group.get("sentences") or ():
                if not isinstance(item, Mapping):
                    continue
                for text in item.get("sentence") or ():
                    if isinstance(text, Mapping) and text.get("language") == "fi" and text.get("value"):
                        sentences.append(str(text["value"]))
    return sentences


def accessibility_features(entrances: Iterable[Mapping[str, Any]] | None) -> tuple[str, ...]:
    """PTV entrances with register sentences -> the features they establish."""
    return features_of(facts_of(finnish_sentences(entrances)))
