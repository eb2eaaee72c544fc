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

from app.settings import get_settings

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


ANALYSERS = ("auto", "voikko", "pyvoikko", "snowball")


class _Analyser:
    """One of: Voikko (libvoikko1 + voikko-fi from the system), the same voikko-fi transducer from
    PyPI (pyvoikko, on kfst-rs where it installs), or Snowball as the last resort. `choice` is
    FINNISH_ANALYSER: "auto" takes the first of those that loads. Voikko is not thread-safe and
    pyvoikko's lookups are not known to be: calls are serialised (and cached by word, see
    analyse_word, so each distinct word pays once)."""

    def __init__(self, choice: str = "auto") -> None:
        if choice not in ANALYSERS:
            raise ValueError(f"FINNISH_ANALYSER must be one of {', '.join(ANALYSERS)}, not {choice!r}")
        self._lock = threading.Lock()
        self._voikko: Any = None
        self._pyvoikko: Any = None
        self._stemmer: Any = None
        self.backend = "none"
        reasons: list[str] = []
        if choice in ("auto", "voikko"):
            try:
                self._voikko = _native_voikko()
                self.backend = "voikko"
                return
            except Exception as exc:  # OSError (no libvoikko.so.1), or no Finnish dictionary
                reasons.append(f"system Voikko: {exc}")
        if choice in ("auto", "pyvoikko"):
            try:
                import pyvoikko  # loads the voikko-fi transducer (a few seconds)

                self._pyvoikko = pyvoikko
                self.backend = "pyvoikko"
                if choice == "auto":
                    log.info("Finnish analysis: pyvoikko (libvoikko1/voikko-fi are not installed)")
                return
            except Exception as exc:
                reasons.append(f"pyvoikko: {exc}")
        import Stemmer

        self._stemmer = Stemmer.Stemmer("finnish")
        self.backend = "snowball"
        if choice != "snowball":
            # Loud: search finds clearly less without base forms and compound parts.
            log.error(
                "Finnish search falls back to the Snowball stemmer, without compound parts or typo "
                "checks against a dictionary (%s). `pip install pyvoikko kfst-rs` or install "
                "libvoikko1 and voikko-fi, then rebuild the index (tarjotin reindex).",
                "; ".join(reasons),
            )

    def analyse(self, word: str) -> WordAnalysis:
        if self._voikko is not None:
            with self._lock:
                analyses = self._voikko.analyze(word)
            return _from_native(word, analyses)
        if self._pyvoikko is not None:
            with self._lock:
                found = self._pyvoikko.analyse(word)
            return _from_transducer(word, found)
        stem = self._stemmer.stemWord(word)
        return WordAnalysis((stem,) if stem != word else (), ())


def _native_voikko() -> Any:
    import libvoikko

    # Ask for the dictionaries first: constructing Voikko without the library fails half-way and
    # its destructor then prints a traceback at exit (the walkthrough saw one at every start).
    if not any(d.language == "fi" for d in libvoikko.Voikko.listDicts()):
        raise LookupError("no Finnish dictionary (voikko-fi)")
    return libvoikko.Voikko("fi")


def _ordered(word: str, found: list[tuple[str, str]]) -> tuple[str, ...]:
    """Distinct base forms of (base form, word class) pairs: the word itself first, verbs last.

    Meilisearch is sent a query word's first base form only, so both analysers put them in the
    same order: "jumppaa" is first jumppa (the noun), then jumpata; otherwise as found."""
    ranked = sorted(
        enumerate(found), key=lambda item: (item[1][0] != word, item[1][1] == "teonsana", item[0])
    )
    return tuple(dict.fromkeys(base for _i, (base, _class) in ranked if base))


def _from_native(word: str, analyses: list[dict[str, str]]) -> WordAnalysis:
    found: list[tuple[str, str]] = []
    parts: list[str] = []
    for analysis in analyses:
        base = (analysis.get("BASEFORM") or "").lower()
        found.append((base, analysis.get("CLASS") or ""))
        for part in _compound_parts(word, base, analysis):
            if part not in parts and part != base:
                parts.append(part)
    return WordAnalysis(_ordered(word, found), tuple(parts))


# The transducer's output: [Xp]lemma[X] gives a part's base form (what native Voikko's WORDBASES
# shows in parentheses); [Bc] separates compound parts.
_LEMMA_TAG = re.compile(r"\[Xp\]([^\[]*)\[X\]")
_TOKENS = re.compile(r"(\[[^\]]+\])")


def _written_parts(output: str) -> list[str]:
    """The written word split where native Voikko's STRUCTURE marks a part: at compound ([Bc]) and
    morpheme ([Bm]) boundaries ("hyvin|vointi|alue"). Text within [Xp]/[Xj]/[Xr]/[Xs]...[X] is not
    written; the rest is."""
    segments = [""]
    hidden = False
    for token in _TOKENS.split(output):
        if not token:
            continue
        if token.startswith("["):
            if token in ("[Xp]", "[Xj]", "[Xr]", "[Xs]"):
                hidden = True
            elif token == "[X]":
                hidden = False
            elif token in ("[Bc]", "[Bm]") and segments[-1]:
                segments.append("")
        elif not hidden:
            segments[-1] += token.lower()
    return [segment for segment in segments if segment]


def _from_transducer(word: str, analyses: list[Any]) -> WordAnalysis:
    """pyvoikko's analyses as native Voikko's: the same base forms and compound parts."""
    found: list[tuple[str, str]] = []
    parts: list[str] = []

    def add_part(part: str, base: str) -> None:
        if len(part) >= MIN_PART_LENGTH and part not in parts and part != base:
            parts.append(part)

    for analysis in analyses:
        components = list(analysis.COMPOUND_PARTS or [])
        if len(components) > 1:
            # As native Voikko: the parts before the last as written ("omaishoitaja"; pyvoikko
            # gives adjectives there in their base form, "omainenhoitaja").
            base = "".join((c.FORM or "") for c in components[:-1]) + (components[-1].BASEFORM or "")
        else:
            base = analysis.BASEFORM or ""
        base = base.lower().replace("=", "")
        found.append((base, analysis.CLASS or ""))
        for component in components or [analysis]:
            lemma = _LEMMA_TAG.search(component.FSTOUTPUT or "")
            if lemma:
                add_part(lemma.group(1).lower().replace("=", ""), base)
        segments = _written_parts(analysis.FSTOUTPUT or "")
        # As native STRUCTURE: the written parts, the last one up to its base form.
        if len(segments) > 1 and sum(map(len, segments)) == len(word):
            prefix = "".join(segments[:-1])
            if base.startswith(prefix):
                segments[-1] = base[len(prefix) :]
            for segment in segments:
                add_part(segment, base)
    return WordAnalysis(_ordered(word, found), tuple(parts))


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
                _analyser = _Analyser(get_settings().finnish_analyser)
    return _analyser


def use(choice: str) -> str:
    """Switch the analyser (FINNISH_ANALYSER's values; tests and benchmarks); returns the backend used.

    Cached analyses of the previous analyser are dropped. An index built with another analyser
    should be rebuilt."""
    global _analyser
    with _analyser_lock:
        _analyser = _Analyser(choice)
    analyse_word.cache_clear()
    return _analyser.backend


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
