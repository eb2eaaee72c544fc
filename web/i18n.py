"""Translations with Babel. Message ids are English; fi, sv and en catalogues live in web/locale.

Catalogues are compiled in memory from the .po files at start-up, so there is no build step and no
compiled file to forget. tests/test_i18n.py fails when a message lacks a translation.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from starlette.requests import Request

LOCALE_DIR = Path(__file__).parent / "locale"
LOCALES: tuple[str, ...] = ("fi", "sv", "en")
DEFAULT_LOCALE = "fi"
LANGUAGE_COOKIE = "lang"


@cache
def get_translations(locale: str) -> Translations:
    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return Translations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer)


def gettext(locale: str, message: str, **params: Any) -> str:
    text = get_translations(locale).ugettext(message)
    return text % params if params else text


def ngettext(locale: str, singular: str, plural: str, n: int, **params: Any) -> str:
    text = get_translations(locale).ungettext(singular, plural, n)
    params.setdefault("num", n)
    return text % params


def translator(locale: str) -> Callable[..., str]:
    def _(message: str, **params: Any) -> str:
        return gettext(locale, message, **params)

    return _


def _from_accept_language(header: str) -> str | None:
    weighted: list[tuple[float, str]] = []
    for part in header.split(","):
        piece = part.strip()
        if not piece:
            continue
        lang, _, q = piece.partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        weighted.append((weight, lang.strip().lower()))
    for _, lang in sorted(weighted, key=lambda item: -item[0]):
        primary = lang.split("-")[0]
        if primary in LOCALES:
            return primary
    return None


def locale_from_path(path: str) -> str | None:
    """The language of a page URL: resident pages live under /fi/, /sv/ and /en/."""
    first = path.lstrip("/").split("/", 1)[0]
    return first if first in LOCALES else None


def negotiate_locale(request: Request) -> str:
    """The page's language prefix, query parameter `lang`, the language cookie, Accept-Language, Finnish."""
    for candidate in (
        locale_from_path(request.url.path),
        request.query_params.get("lang"),
        request.cookies.get(LANGUAGE_COOKIE),
    ):
        if candidate in LOCALES:
            return candidate
    header = request.headers.get("accept-language")
    if header:
        chosen = _from_accept_language(header)
        if chosen:
            return chosen
    return DEFAULT_LOCALE


def locale_display_name(locale: str) -> str:
    """A language's own name for itself: suomi, svenska, English."""
    return Locale.parse(locale).get_display_name(locale) or locale
