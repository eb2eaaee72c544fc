"""GET /{lang}/search/suggest: type-ahead for the search box, as options of a listbox (web/static/typeahead.js).

Its own router, without the pages' per-request work (the demo notice): a fragment is fetched at each
pause in typing and must answer within a few milliseconds. What was typed is in the query string,
which the access log leaves out (web/access_log.py), and is never logged here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse

from app.errors import NotFound
from search.typeahead import MAX_QUERY_LENGTH, Kind, Suggestion, suggest
from web.deps import SearchIndexDep, SessionDep
from web.i18n import LOCALES, gettext, ngettext
from web.pages.content import pick
from web.pages.templating import environment

router = APIRouter(include_in_schema=False)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# The search page's filter that a theme or a place suggestion sets (web/pages/state.py FACET_PARAMS).
_PARAMS = {Kind.THEME: "theme", Kind.PLACE: "municipality"}


@dataclass(frozen=True)
class Option:
    kind: str
    label: str
    lang: str  # the label's language (a Finnish name on the Swedish page says so to screen readers)
    detail: str
    href: str
    param: str | None  # the filter a theme or place sets in the form (instead of following href)
    value: str


def option_of(item: Suggestion, locale: str) -> Option:
    param = _PARAMS.get(item.kind)
    count = item.count or 0
    if item.kind is Kind.THEME:
        detail = ngettext(locale, "Theme, %(num)s activity", "Theme, %(num)s activities", count)
    elif item.kind is Kind.PLACE:
        detail = ngettext(locale, "Municipality, %(num)s activity", "Municipality, %(num)s activities", count)
    else:
        # The provider, and where two suggestions share a name and provider, the place as well.
        organisation, place = pick(item.detail, locale), pick(item.place, locale)
        detail = ", ".join(text.text for text in (organisation, place) if text is not None)
    if param is not None:
        href = f"/{locale}/search?" + urlencode({param: item.value})
    else:
        href = f"/{locale}/services/{item.value}"
    return Option(item.kind.value, item.label, item.label_lang, detail, href, param, item.value)


def status_text(count: int, locale: str) -> str:
    """What the live region says once the suggestions have changed."""
    if not count:
        return gettext(locale, "No suggestions.")
    return ngettext(
        locale,
        "%(num)s suggestion. Choose with the up and down arrow keys and Enter.",
        "%(num)s suggestions. Choose with the up and down arrow keys and Enter.",
        count,
    )


@router.get("/{lang}/search/suggest")
def suggestions(
    session: SessionDep,
    index: SearchIndexDep,
    lang: Annotated[str, Path()],
    q: Annotated[str, Query(max_length=MAX_QUERY_LENGTH)] = "",
) -> HTMLResponse:
    """Themes, places and services for the words typed so far, as listbox options."""
    if lang not in LOCALES:
        raise NotFound("The page or resource was not found.", code="not_found")
    typed = _CONTROL.sub(" ", q)
    result = suggest(typed, lang=lang, session=session, index=index)
    options = [option_of(item, lang) for item in result.items]
    body = (
        environment(lang)
        .get_template("search/_suggestions.html")
        .render(lang=lang, options=options, status=status_text(len(options), lang) if typed.strip() else "")
    )
    # What was typed stays out of every cache, the browser's included.
    return HTMLResponse(body, headers={"Cache-Control": "no-store"})
