"""Catalogue content in the reader's language: which language a text is in, and when it is a fallback.

A listing may lack the reader's language. We then show the text in the best other language, mark
it visibly ("in Finnish") and give it the right `lang` attribute so screen readers pronounce it
correctly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any

from babel.dates import format_date, get_day_names

from app.timeutil import local_date
from web.i18n import LOCALES

# When the reader's language is missing: Finnish first (most listings have it), then Swedish, English.
_FALLBACK_ORDER: dict[str, tuple[str, ...]] = {
    "fi": ("fi", "sv", "en"),
    "sv": ("sv", "fi", "en"),
    "en": ("en", "fi", "sv"),
}
_BYDAY_INDEX = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}


@dataclass(frozen=True)
class LocalText:
    text: str
    lang: str
    fallback: bool  # not in the reader's language

    def __str__(self) -> str:
        return self.text


def pick(texts: Mapping[str, str | None], reader: str) -> LocalText | None:
    """The text in the reader's language, else the best other one (marked as a fallback)."""
    for lang in _FALLBACK_ORDER.get(reader, LOCALES):
        text = texts.get(lang)
        if text and text.strip():
            return LocalText(text.strip(), lang, lang != reader)
    return None


def texts_of(obj: Any, prefix: str) -> dict[str, str | None]:
    """The fi/sv/en columns `prefix_fi` ... of a model as a mapping."""
    return {lang: getattr(obj, f"{prefix}_{lang}", None) for lang in LOCALES}


def local(obj: Any, prefix: str, reader: str) -> LocalText | None:
    return pick(texts_of(obj, prefix), reader)


def paragraphs(text: str) -> list[str]:
    """Split plain text into paragraphs at blank lines (sources send plain text with newlines)."""
    blocks = [" ".join(block.split()) for block in text.replace("\r\n", "\n").split("\n\n")]
    return [block for block in blocks if block]


def day_names(byday: str | None, locale: str) -> list[str]:
    """RFC 5545 BYDAY ("MO,WE") as day names in the locale ("måndag", "onsdag")."""
    if not byday:
        return []
    names = get_day_names("wide", locale=locale)
    days: list[str] = []
    for code in byday.split(","):
        index = _BYDAY_INDEX.get(code.strip()[-2:].upper())
        if index is not None:
            days.append(str(names[index]))
    return days


def clock(value: time | None) -> str:
    return "" if value is None else value.strftime("%H.%M")


def long_date(value: date | datetime | None, locale: str) -> str:
    if value is None:
        return ""
    return _long_date(local_date(value), locale)


@lru_cache(maxsize=4096)
def _long_date(value: date, locale: str) -> str:
    # Babel formats a date in about 0.1 ms; a list page shows 100-150 of them, mostly the same few days.
    return format_date(value, format="long", locale=locale)


_SAFE_SCHEMES = ("https://", "http://", "mailto:", "tel:")


def safe_href(url: str | None) -> str | None:
    """A link target from source data, or None: only web, e-mail and phone links, never javascript:."""
    if not url:
        return None
    cleaned = url.strip()
    if cleaned.lower().startswith(_SAFE_SCHEMES):
        return cleaned
    if "://" not in cleaned and ":" not in cleaned.split("/", 1)[0] and "." in cleaned.split("/", 1)[0]:
        return "https://" + cleaned  # "www.example.fi/page": a web address without its scheme
    return None
