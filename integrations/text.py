"""Text from sources: HTML or Markdown reduced to safe plain text, and age ranges stated in prose."""

from __future__ import annotations

import html
import re
from functools import cache

import nh3
from markdown_it import MarkdownIt

_TAG = re.compile(r"<[a-zA-Z/][^>]*>")
_BLOCK_END = re.compile(r"</(p|div|h[1-6]|ul|ol|table|tr|blockquote)>|<br\s*/?>", re.IGNORECASE)
_LIST_ITEM = re.compile(r"<li[^>]*>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
# Anything Markdown or HTML could read as markup. Text without any of it is plain already
# (tests/integrations/test_text_fast_path.py checks that on every text of the demo data).
_MARKUP = re.compile(
    r"[<>&*_`\[\]#|~\\]"  # tags, entities, emphasis, code, links, headings, quotes, tables, escapes
    r"|^\s*(?:[-+=]|\d+[.)])(?:\s|$)"  # list items
    r"|^(?: {4}|\t)"  # indented code
    r"|\n\s*[-=]+\s*$"  # heading underlines
    r"| {2,}$",  # hard line breaks
    re.MULTILINE,
)


@cache
def _markdown() -> MarkdownIt:
    # html=True passes embedded HTML through, so mixed HTML and Markdown both end up as tags we strip.
    return MarkdownIt("commonmark", {"html": True})


def safe_text(value: str | None) -> str | None:
    """Plain text from HTML or Markdown: no tags, no entities, paragraphs and list items kept as lines.

    Templates escape what they print; this makes sure no markup reaches them as literal text either.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if not _MARKUP.search(value):
        # Plain text (most of PTV's): Markdown would only wrap it in paragraphs; skip the parser.
        return _tidy(value)
    return _from_markup(value)


def _from_markup(value: str) -> str | None:
    rendered = _markdown().render(value)
    rendered = _LIST_ITEM.sub("\n- ", rendered)
    rendered = _BLOCK_END.sub("\n\n", rendered)
    stripped = nh3.clean(rendered, tags=set(), attributes={}, strip_comments=True)
    text = html.unescape(stripped)
    text = _TAG.sub("", text)  # nothing should be left; belt and braces for unknown constructs
    return _tidy(text)


def _tidy(text: str) -> str | None:
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = _BLANK_LINES.sub("\n\n", text).strip()
    # A list item directly after a paragraph reads better without the blank line between them.
    text = re.sub(r"\n\n- ", "\n- ", text)
    return text or None


_RANGE = re.compile(r"(?<!\d)(\d{1,3})\s*[–-]\s*(\d{1,3})\s*-?\s*v(?:uotia|\b|\.)", re.IGNORECASE)
_OVER = re.compile(r"\byli\s+(\d{1,3})\s*-?\s*vuotia", re.IGNORECASE)
_UNDER = re.compile(r"\balle\s+(\d{1,3})\s*-?\s*vuotia", re.IGNORECASE)


def age_range_from_text(text: str | None) -> tuple[int | None, int | None]:
    """(min_age, max_age) from Finnish prose such as "13–17-vuotiaille" or "Yli 65-vuotiaille".

    The first statement wins; "yli 65" is read as 65 and up, which is how the phrase is used.
    """
    if not text:
        return None, None
    candidates: list[tuple[int, int | None, int | None]] = []
    if match := _RANGE.search(text):
        low, high = int(match.group(1)), int(match.group(2))
        if low <= high:
            candidates.append((match.start(), low, high))
    if match := _OVER.search(text):
        candidates.append((match.start(), int(match.group(1)), None))
    if match := _UNDER.search(text):
        candidates.append((match.start(), None, max(0, int(match.group(1)) - 1)))
    if not candidates:
        return None, None
    _, low_age, high_age = min(candidates, key=lambda candidate: candidate[0])
    return low_age, high_age
