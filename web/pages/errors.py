"""Error pages: web/errors.py decides the status and the message; this renders them as a page."""

from __future__ import annotations

from http import HTTPStatus

from fastapi.responses import Response
from starlette.requests import Request

from web.i18n import negotiate_locale
from web.pages.templating import is_htmx, render


def render_error_page(request: Request, status: int, message: str) -> Response:
    """A page in the reader's language; a fragment for htmx, which shows it in place."""
    locale = negotiate_locale(request)
    template = "error_fragment.html" if is_htmx(request) else "error.html"
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    return render(
        request,
        locale,
        template,
        {"status": status, "message": message, "phrase": phrase, "title": message},
        status_code=status,
    )
