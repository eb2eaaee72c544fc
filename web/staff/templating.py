"""Rendering staff pages: the staff layout's globals and `render_staff` for routes.

Staff pages extend `staff/base.html`, which reads the signed-in actor from the request (set by
`require_actor`), so a route passes only its own context.
"""

from __future__ import annotations

from typing import Any

from jinja2 import pass_context
from starlette.requests import Request
from starlette.responses import HTMLResponse

from app.accounts.actor import Actor
from app.catalogue.models import Organisation
from web.i18n import negotiate_locale
from web.staff.labels import kind_label, role_label
from web.staff.nav import nav_for


@pass_context
def _staff_actor(context: Any) -> Actor | None:
    request = context.get("request")
    return getattr(request.state, "actor", None) if request is not None else None


def staff_globals(locale: str) -> dict[str, Any]:
    return {
        "staff_actor": _staff_actor,
        "staff_nav": nav_for,
        "role_label": lambda role: role_label(role, locale),
        "kind_label": lambda kind: kind_label(kind, locale),
        "organisation_name": lambda organisation: organisation_name(organisation, locale),
    }


def organisation_name(organisation: Organisation | None, locale: str) -> str:
    """The organisation's name in the reader's language, else in another one it has."""
    if organisation is None:
        return ""
    names = {"fi": organisation.name_fi, "sv": organisation.name_sv, "en": organisation.name_en}
    return names.get(locale) or organisation.name_fi or organisation.name_sv or organisation.name_en or ""


def render_staff(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    """A staff page in the request's language (the staff member's own, kept in the language cookie)."""
    from web.pages.templating import render

    locale = negotiate_locale(request)
    return render(request, locale, template, {"title": None, **(context or {})}, status_code=status_code)
