"""The request's language. The translations themselves live in app.i18n (usable outside the web)."""

from __future__ import annotations

from starlette.requests import Request

from app.i18n import (
    DEFAULT_LOCALE,
    LOCALE_DIR,
    LOCALES,
    get_translations,
    gettext,
    locale_display_name,
    ngettext,
    translator,
)

__all__ = [
    "DEFAULT_LOCALE",
    "LANGUAGE_COOKIE",
    "LOCALES",
    "LOCALE_DIR",
    "get_translations",
    "gettext",
    "locale_display_name",
    "locale_from_path",
    "negotiate_locale",
    "ngettext",
    "translator",
]

LANGUAGE_COOKIE = "lang"


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
