"""Highlighted snippets: a short excerpt with the matched words in <mark>, HTML-escaped otherwise."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence

from search.finnish import analyse_word, fold
from search.query import QueryWord, word_matches

SNIPPET_CHARS = 180
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


SCANNED_CHARS = 1000  # a snippet comes from the beginning of a text; the rest is not scanned


def _matches(query_words: Sequence[QueryWord], token: str, seen: dict[str, bool]) -> bool:
    lowered = token.lower()
    known = seen.get(lowered)
    if known is not None:
        return known
    analysis = analyse_word(lowered)
    lemmas = [fold(b) for b in (*analysis.base_forms, *analysis.parts)]
    matched = any(word_matches(w, fold(lowered), lemmas) for w in query_words)
    seen[lowered] = matched
    return matched


def highlight(
    text: str,
    query_words: Sequence[QueryWord],
    limit: int = SNIPPET_CHARS,
    seen: dict[str, bool] | None = None,
) -> str | None:
    """An excerpt of text around the first matched word, or None when no word matches."""
    seen = {} if seen is None else seen
    spans: list[tuple[int, int]] = []
    for match in _TOKEN.finditer(text, 0, SCANNED_CHARS):
        if spans and match.start() > spans[0][0] + limit:
            break
        if _matches(query_words, match.group(0), seen):
            spans.append((match.start(), match.end()))
    if not spans:
        return None
    start = max(0, spans[0][0] - 60)
    if start:
        # Start at a word boundary.
        space = text.rfind(" ", 0, start)
        start = space + 1 if space >= 0 and spans[0][0] - space < 90 else start
    end = min(len(text), start + limit)
    if end < len(text):
        space = text.rfind(" ", spans[0][1], end)
        end = space if space > spans[0][1] else end
    pieces: list[str] = ["…" if start else ""]
    cursor = start
    for a, b in spans:
        if a < start or b > end:
            continue
        pieces.append(html.escape(text[cursor:a]))
        pieces.append(f"<mark>{html.escape(text[a:b])}</mark>")
        cursor = b
    pieces.append(html.escape(text[cursor:end]))
    pieces.append("…" if end < len(text) else "")
    return "".join(pieces)


def snippet_for(
    fields: Sequence[Mapping[str, str]], query_words: Sequence[QueryWord], lang: str
) -> str | None:
    """The first field (in the given order, reader's language first) with a matched word."""
    if not query_words:
        return None
    order = [lang, *(other for other in ("fi", "sv", "en") if other != lang)]
    seen: dict[str, bool] = {}
    for by_lang in fields:
        for language in order:
            text = by_lang.get(language)
            if text and (excerpt := highlight(text, query_words, seen=seen)):
                return excerpt
    return None
