"""The synonym list (search/data/synonyms.txt): groups of Finnish base forms that find each other."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

SYNONYMS_FILE = Path(__file__).parent / "data" / "synonyms.txt"


def parse_synonym_groups(text: str) -> list[tuple[str, ...]]:
    groups: list[tuple[str, ...]] = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        group = tuple(dict.fromkeys(word.strip().lower() for word in line.split(",") if word.strip()))
        if len(group) > 1:
            groups.append(group)
    return groups


@cache
def synonym_groups() -> tuple[tuple[str, ...], ...]:
    return tuple(parse_synonym_groups(SYNONYMS_FILE.read_text(encoding="utf-8")))


@cache
def _by_word() -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    for group in synonym_groups():
        for word in group:
            table.setdefault(word, [])
            table[word].extend(other for other in group if other != word and other not in table[word])
    return {word: tuple(others) for word, others in table.items()}


def expand(lemmas: Iterable[str]) -> list[str]:
    """The lemmas followed by their synonyms not already present, in order."""
    seen = dict.fromkeys(lemmas)
    table = _by_word()
    for lemma in list(seen):
        for other in table.get(lemma, ()):
            seen.setdefault(other, None)
    return list(seen)
