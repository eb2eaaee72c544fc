"""CSRF protection with asgi-csrf (double-submit cookie), and the helpers templates use.

Every unsafe request (POST, PUT, PATCH, DELETE) that carries cookies must echo the `csrftoken` cookie in
the `csrftoken` form field or the `x-csrftoken` header. Requests with `Authorization: Bearer` carry no
ambient credential and are exempt (web.auth reads only the bearer token when one is sent), as are requests
without any cookie. Forms call `{{ csrf_input() }}`; htmx sends the header, configured once in the layouts.
"""

from __future__ import annotations

from typing import Any

from asgi_csrf import asgi_csrf
from jinja2 import pass_context
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.settings import Settings
from web.errors import csrf_failed_response

FORM_FIELD = "csrftoken"
HEADER = "x-csrftoken"


def csrf_token(request: Request) -> str:
    """The token for this request's forms (and sets the cookie on the response if it is new)."""
    get = request.scope.get("csrftoken")
    return str(get()) if callable(get) else ""


@pass_context
def csrf_input(context: Any) -> Markup:
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        FORM_FIELD, csrf_token(context["request"])
    )


@pass_context
def csrf_headers(context: Any) -> Markup:
    """The value of an hx-headers attribute that sends the token with every htmx request."""
    token = csrf_token(context["request"])
    return Markup('{{"{}": "{}"}}').format(HEADER, token)


async def _send_failed(scope: Scope, send: Send, _message_id: object) -> None:
    async def no_body() -> Message:
        return {"type": "http.disconnect"}

    await csrf_failed_response(Request(scope))(scope, no_body, send)


class CSRFMiddleware:
    """asgi-csrf, plus a 400 instead of a crash when a form body is not UTF-8."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.inner = asgi_csrf(
            app,
            cookie_name="csrftoken",
            http_header=HEADER,
            signing_secret=settings.secret_key.get_secret_value(),
            cookie_secure=settings.cookies_secure,
            cookie_samesite="Lax",
            send_csrf_failed=_send_failed,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.inner(scope, receive, tracking_send)
        except UnicodeDecodeError:
            if started:
                raise
            await PlainTextResponse("The form is not UTF-8 encoded.", status_code=400)(scope, receive, send)
