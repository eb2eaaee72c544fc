"""The synonym list (search/data/synonyms.txt): groups of words that find each other, and one-way rules."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

SYNONYMS_FILE = Path(__file__).parent / "data" / "synonyms.txt"


def _words(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(word.strip().lower() for word in text.split(",") if word.strip()))


def parse_synonyms(text: str) -> tuple[list[tuple[str, ...]], list[tuple[tuple[str, ...], tuple[str, ...]]]]:
    """(groups, one-way rules): "a, b, c" is a group; "a, b => c" adds c to what says a or b."""
    groups: list[tuple[str, ...]] = []
    rules: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if "=>" in line:
            narrow, broad = (_words(side) for side in line.split("=>", 1))
            if narrow and broad:
                rules.append((narrow, broad))
            continue
        group = _words(line)
        if len(group) > 1:
            groups.append(group)
    return groups, rules


def parse_synonym_groups(text: str) -> list[tuple[str, ...]]:
    return parse_synonyms(text)[0]


@cache
def _parsed() -> tuple[list[tuple[str, ...]], list[tuple[tuple[str, ...], tuple[str, ...]]]]:
    return parse_synonyms(SYNONYMS_FILE.read_text(encoding="utf-8"))


@cache
def synonym_groups() -> tuple[tuple[str, ...], ...]:
    """The groups whose words are alike (not the one-way rules)."""
    return tuple(_parsed()[0])


@cache
def _by_word() -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}

    def add(word: str, others: Iterable[str]) -> None:
        known = table.setdefault(word, [])
        known.extend(other for other in others if other != word and other not in known)

    for group in synonym_groups():
        for word in group:
            add(word, group)
    for narrow, broad in _parsed()[1]:
        for word in narrow:
            add(word, broad)
    return {word: tuple(others) for word, others in table.items()}


def joined(phrase: str) -> str:
    """A phrase of the list as the one word documents carry ("water gym" -> "watergym"): the query
    joins the same words (search.query), so "gym" alone does not find the water-exercise groups."""
    return phrase.replace(" ", "")


@cache
def phrases() -> frozenset[tuple[str, ...]]:
    """The phrases of the list, as their words."""
    entries = [w for group in synonym_groups() for w in group]
    entries += [w for narrow, broad in _parsed()[1] for w in (*narrow, *broad)]
    return frozenset(tuple(entry.split()) for entry in entries if " " in entry)


def expand(lemmas: Iterable[str]) -> list[str]:
    """The lemmas followed by their synonyms not already present, in order (phrases joined)."""
    seen = dict.fromkeys(lemmas)
    table = _by_word()
    for lemma in list(seen):
        for other in table.get(lemma, ()):
            seen.setdefault(joined(other), None)
    return list(seen)
