"""Jinja2 rendering of the resident pages: one environment per language, full pages or htmx fragments.

An environment per language keeps translations out of shared mutable state, so concurrent requests
in different languages never see each other's catalogue.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel import Locale, UnknownLocaleError
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from app.settings import Settings, get_settings
from web.auth.csrf import csrf_headers, csrf_input
from web.i18n import LOCALES, get_translations, gettext, locale_display_name
from web.pages import content, site
from web.selfservice.labels import selfservice_globals
from web.staff.templating import staff_globals

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


def is_htmx(request: Request) -> bool:
    """An htmx request wants a fragment; a history restore (reload after back) wants the whole page."""
    return (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-history-restore-request") != "true"
    )


def _local_html(
    value: content.LocalText | None, reader: str, fallback_note: str, *, marked: bool = True
) -> Markup:
    """A catalogue text with its own lang attribute and, if not in the reader's language, a marker."""
    # escape() and concatenation, not Markup.format: the same HTML, and format's string.Formatter
    # was a good share of rendering a page of result cards.
    if value is None:
        return Markup("")
    if not value.fallback:
        return escape(value.text)
    if not marked:
        return Markup(f'<span lang="{escape(value.lang)}">{escape(value.text)}</span>')
    return Markup(
        f'<span lang="{escape(value.lang)}">{escape(value.text)}</span>'
        f' <span class="fallback">({escape(fallback_note)})</span>'
    )


def _static_version() -> str:
    # Cache-busting token: the newest modification time of our own (not vendored) assets.
    stamps = [p.stat().st_mtime_ns for p in STATIC_DIR.glob("*.*")]
    return format(max(stamps, default=0) % 10**10, "x")


def _constant_gettext(translations: Translations, newstyle: Any) -> Any:
    """`_` in templates: a message without parameters is translated once per language (a page of
    result cards asks for the same labels hundreds of times), anything else as jinja2.ext's
    newstyle gettext does. The same text either way: newstyle applies `%` even without parameters."""

    @cache
    def constant(message: str, autoescape: bool) -> str:
        text: str = translations.ugettext(message)
        return (Markup(text) if autoescape else text) % {}

    @pass_context
    def gettext(context: Context, message: str, **variables: Any) -> Any:
        if variables:
            return context.call(newstyle, message, **variables)
        return constant(message, context.eval_ctx.autoescape)

    return gettext


@cache
def environment(locale: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    translations = get_translations(locale)
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    env.globals["_"] = _constant_gettext(translations, env.globals["gettext"])
    version = _static_version()
    language_names = {code: locale_display_name(code) for code in LOCALES}

    @cache
    def language_names_in(lang: str) -> str:
        try:
            return Locale.parse(lang).get_display_name(locale) or lang
        except (ValueError, UnknownLocaleError):
            return lang

    @cache
    def fallback_note(lang: str) -> str:
        return gettext(locale, "in %(language)s", language=language_names_in(lang))

    env.globals.update(
        lang=locale,
        locales=LOCALES,
        language_names=language_names,
        static=lambda path: f"/static/{path}?v={version}",
        language_name=language_names_in,
        day_names=lambda byday: content.day_names(byday, locale),
        clock=content.clock,
        long_date=lambda value: content.long_date(value, locale),
        paragraphs=content.paragraphs,
        urlencode=urlencode,
        csrf_input=csrf_input,
        csrf_headers=csrf_headers,
        **staff_globals(locale),
        **selfservice_globals(locale),
    )
    env.filters["local"] = lambda value: _local_html(
        value, locale, fallback_note(value.lang) if value is not None else ""
    )
    # A proper name (a provider, a place, a street) needs no "in Finnish" marker, only its language.
    env.filters["name"] = lambda value: _local_html(value, locale, "", marked=False)
    env.filters["nl2p"] = lambda text: Markup("").join(
        Markup("<p>{}</p>").format(escape(p)) for p in content.paragraphs(text or "")
    )
    return env


def language_links(request: Request, current: str, query: str | None = None) -> dict[str, str]:
    """The same page in every language: swap the /fi/ prefix, keep the query string."""
    rest = request.url.path.lstrip("/").split("/", 1)
    tail = rest[1] if len(rest) > 1 and rest[0] == current else ""
    if query is None:
        query = f"?{request.url.query}" if request.url.query else ""
    return {code: f"/{code}/{tail}{query}" for code in LOCALES}


def _site(request: Request, settings: Settings, locale: str) -> dict[str, Any]:
    demo = getattr(request.state, "demo_catalogue", None)
    if demo is None:  # a page rendered without a session (an error page): the last answer known
        demo = site.last_known_demo(settings.database_url)
    return {"demo": demo, "area": site.area_text(settings, locale)}


def render(
    request: Request,
    locale: str,
    template: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    query: str | None = None,
) -> HTMLResponse:
    env = environment(locale)
    settings = getattr(request.app.state, "settings", None) or get_settings()
    body = env.get_template(template).render(
        request=request,
        language_links=language_links(request, locale, query),
        map_tiles={"url": settings.map_tile_url, "attribution": settings.map_tile_attribution},
        site=_site(request, settings, locale),
        **context,
    )
    response = HTMLResponse(body, status_code=status_code, headers=headers)
    # Full pages and fragments share URLs: caches must keep them apart.
    response.headers["Vary"] = "HX-Request, HX-History-Restore-Request"
    return response
