"""Finnish analysis: base forms (lemmas) and compound parts of words, with Voikko.

Meilisearch and tantivy tokenise Finnish without stemming or compound splitting, so `kuntosalille`
would not find `kuntosali` and `ryhmä` would not find `vertaistukiryhmä`. Every document therefore
carries the base forms and compound parts of its Finnish text, and each query word is looked up by
its base form too. Without Voikko (libvoikko1 + voikko-fi) the Snowball Finnish stemmer stands in:
it gives no compound parts, and says so once in the log.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

log = logging.getLogger(__name__)

_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*", re.UNICODE)
# Compound parts shorter than this are morphemes like "tasa" or "n", too weak to match on their own.
MIN_PART_LENGTH = 3


@lru_cache(maxsize=100_000)
def fold(word: str) -> str:
    """Lowercase and strip diacritics (ä -> a, ö -> o, å -> a), as both engines compare words."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """The words of a text, lowercased, hyphenated words split into their parts too."""
    found: list[str] = []
    for match in _WORD.findall(text.lower()):
        if "-" in match:
            found.extend(part for part in match.split("-") if part)
        found.append(match.replace("-", ""))
    return found


@dataclass(frozen=True)
class WordAnalysis:
    base_forms: tuple[str, ...]  # lowercased; empty when the word is unknown
    parts: tuple[str, ...]  # base forms of compound parts (kuntosaliryhmä -> kunto, sali, ryhmä)


class _Analyser:
    """Voikko when installed, else Snowball. Voikko is not thread-safe: calls are serialised."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._voikko: Any = None
        self._stemmer: Any = None
        self.backend = "none"
        try:
            import libvoikko

            self._voikko = libvoikko.Voikko("fi")
            self.backend = "voikko"
        except Exception as exc:  # OSError (no libvoikko.so.1) or VoikkoException (no dictionary)
            import Stemmer

            self._stemmer = Stemmer.Stemmer("finnish")
            self.backend = "snowball"
            log.warning(
                "Voikko is not available (%s): Finnish search uses the Snowball stemmer, "
                "without compound splitting. Install libvoikko1 and voikko-fi for better results.",
                type(exc).__name__,
            )

    def analyse(self, word: str) -> WordAnalysis:
        if self._voikko is None:
            stem = self._stemmer.stemWord(word)
            return WordAnalysis((stem,) if stem != word else (), ())
        with self._lock:
            analyses = self._voikko.analyze(word)
        bases: list[str] = []
        parts: list[str] = []
        for analysis in analyses:
            base = (analysis.get("BASEFORM") or "").lower()
            if base and base not in bases:
                bases.append(base)
            for part in _compound_parts(word, base, analysis):
                if part not in parts and part != base:
                    parts.append(part)
        return WordAnalysis(tuple(bases), tuple(parts))


def _compound_parts(word: str, base: str, analysis: dict[str, str]) -> list[str]:
    parts: list[str] = []
    # WORDBASES: "+kunto(kunto)+sali(sali)"; "(+ta)" marks a derivational suffix, not a word.
    for _surface, lemma in re.findall(r"\+([^+(]+)(?:\(([^)]*)\))?", analysis.get("WORDBASES") or ""):
        if lemma and not lemma.startswith("+") and len(lemma) >= MIN_PART_LENGTH:
            parts.append(lemma.lower().replace("=", ""))
    # STRUCTURE: "=ppppp=ppppppp" marks where each compound part of the written word begins; parts
    # before the last are uninflected, the last one takes the rest of the base form.
    structure = analysis.get("STRUCTURE") or ""
    letters = [ch for ch in structure if ch != "="]
    if structure.count("=") > 1 and len(letters) == len(word):
        bounds: list[int] = []
        position = 0
        for ch in structure:
            if ch == "=":
                bounds.append(position)
            else:
                position += 1
        lowered = word.lower()
        segments = [lowered[a:b] for a, b in zip(bounds, [*bounds[1:], len(word)], strict=True)]
        prefix = "".join(segments[:-1])
        if base.startswith(prefix):
            segments[-1] = base[len(prefix) :]
        parts.extend(s for s in segments if len(s) >= MIN_PART_LENGTH)
    return parts


_analyser: _Analyser | None = None
_analyser_lock = threading.Lock()


def analyser_backend() -> str:
    return _get().backend


def _get() -> _Analyser:
    global _analyser
    if _analyser is None:
        with _analyser_lock:
            if _analyser is None:
                _analyser = _Analyser()
    return _analyser


@lru_cache(maxsize=200_000)
def analyse_word(word: str) -> WordAnalysis:
    """Base forms and compound parts of one lowercased word."""
    if len(word) < 2 or word.isdigit():
        return WordAnalysis((), ())
    return _get().analyse(word)


def lemmas_of_text(texts: Iterable[str | None]) -> list[str]:
    """Base forms and compound parts of every word of the texts, in first-seen order."""
    seen: dict[str, None] = {}
    for text in texts:
        if not text:
            continue
        for word in words(text):
            analysis = analyse_word(word)
            for lemma in (*analysis.base_forms, *analysis.parts):
                seen.setdefault(lemma, None)
    return list(seen)
