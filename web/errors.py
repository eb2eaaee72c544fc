"""The one place where errors become HTTP responses.

Domain errors (app.errors) map to status codes here; request validation errors become a 422 whose
message a person can read, in the language of the request. API paths answer JSON; pages answer
HTML through `page_renderer`, which the page layer installs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import (
    N_,
    AccessPending,
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    SignInRequired,
    TooManyRequests,
    Unavailable,
)
from web.i18n import gettext, negotiate_locale

log = logging.getLogger(__name__)

STATUS_BY_ERROR: tuple[tuple[type[DomainError], int], ...] = (
    (SignInRequired, 401),
    (AccessPending, 403),
    (TooManyRequests, 429),
    (NotFound, 404),
    (PermissionDenied, 403),
    (Conflict, 409),
    (InvalidInput, 422),
    (Unavailable, 503),
)

# A page renderer takes (request, status, message) and returns an HTML response.
PageRenderer = Callable[[Request, int, str], Response]
_page_renderer: PageRenderer | None = None


def set_page_renderer(renderer: PageRenderer) -> None:
    global _page_renderer
    _page_renderer = renderer


def status_for(error: DomainError) -> int:
    for error_type, status in STATUS_BY_ERROR:
        if isinstance(error, error_type):
            return status
    return 400


def message_of(error: DomainError, locale: str) -> str:
    """A domain error's message in the reader's language (also for a form shown again with its error).

    A parameter that is itself a message (a state's name) is translated too; other values pass unchanged.
    """
    params = {
        key: gettext(locale, value) if isinstance(value, str) else value
        for key, value in error.params.items()
    }
    return gettext(locale, error.message, **params)


def wants_json(request: Request) -> bool:
    path = request.url.path
    hsds_path = getattr(getattr(request.app.state, "settings", None), "hsds_path", None)
    if hsds_path and (path == hsds_path or path.startswith(hsds_path + "/")):
        return True  # the open data API (web/hsds) answers JSON like /api/v1
    return path.startswith("/api/") or path in ("/healthz", "/readyz")


# Readable messages for pydantic's validation error types. %(name)s is the parameter.
_VALIDATION_MESSAGES: dict[str, str] = {
    "missing": N_("The parameter %(name)s is required."),
    "int_parsing": N_("%(name)s must be a whole number."),
    "int_type": N_("%(name)s must be a whole number."),
    "int_from_float": N_("%(name)s must be a whole number."),
    "float_parsing": N_("%(name)s must be a number."),
    "float_type": N_("%(name)s must be a number."),
    "bool_parsing": N_("%(name)s must be true or false."),
    "bool_type": N_("%(name)s must be true or false."),
    "uuid_parsing": N_("%(name)s must be an id like 3fa85f64-5717-4562-b3fc-2c963f66afa6."),
    "uuid_type": N_("%(name)s must be an id like 3fa85f64-5717-4562-b3fc-2c963f66afa6."),
    "greater_than_equal": N_("%(name)s must be at least %(limit)s."),
    "greater_than": N_("%(name)s must be greater than %(limit)s."),
    "less_than_equal": N_("%(name)s must be at most %(limit)s."),
    "less_than": N_("%(name)s must be less than %(limit)s."),
    "string_too_long": N_("%(name)s must be at most %(limit)s characters long."),
    "string_too_short": N_("%(name)s must be at least %(limit)s characters long."),
    "string_pattern_mismatch": N_("%(name)s is not in the expected format."),
    "enum": N_("%(name)s must be one of: %(expected)s."),
    "literal_error": N_("%(name)s must be one of: %(expected)s."),
    "json_invalid": N_("The request body is not valid JSON."),
    "date_from_datetime_parsing": N_("%(name)s must be a date like 2026-05-31."),
    "date_parsing": N_("%(name)s must be a date like 2026-05-31."),
    "datetime_parsing": N_("%(name)s must be a date and time like 2026-05-31T12:00:00Z."),
    "datetime_from_date_parsing": N_("%(name)s must be a date and time like 2026-05-31T12:00:00Z."),
}
_FALLBACK_MESSAGE = N_("%(name)s is not valid.")


def readable_validation_errors(errors: Sequence[Any], locale: str) -> list[dict[str, str]]:
    """Turn pydantic error dicts into [{parameter, message}] in the request's language."""
    readable: list[dict[str, str]] = []
    for error in errors:
        # Integer parts are positions in a repeated parameter (?weekday=MO&weekday=x): name the parameter.
        loc = [
            str(part)
            for part in error.get("loc", ())
            if part not in ("query", "path", "body") and not isinstance(part, int)
        ]
        name = ".".join(loc) or "request"
        ctx = error.get("ctx") or {}
        limit = ctx.get(
            "ge",
            ctx.get("gt", ctx.get("le", ctx.get("lt", ctx.get("max_length", ctx.get("min_length", ""))))),
        )
        template = _VALIDATION_MESSAGES.get(error.get("type", ""), _FALLBACK_MESSAGE)
        message = gettext(
            locale, template, name=name, limit=str(limit), expected=str(ctx.get("expected", ""))
        )
        readable.append({"parameter": name, "message": message})
    return readable


def _json_error(
    status: int, code: str, message: str, details: list[dict[str, str]] | None = None
) -> JSONResponse:
    body: dict[str, Any] = {"error": code, "message": message}
    if details:
        body["details"] = details
    return JSONResponse(status_code=status, content=body)


# Errors whose message names parameters and values, for developers: a page tells a resident this
# instead (the JSON API keeps the exact message and details).
_PAGE_MESSAGES: dict[str, str] = {
    "invalid_request": N_(
        "The address of this page has a mistake in it, so we cannot show it. Check the address, "
        "or start again from the front page."
    ),
    "invalid_parameter": N_(
        "The address of this page has a mistake in it, so we cannot show it. Check the address, "
        "or start again from the front page."
    ),
}


def _respond(
    request: Request, status: int, code: str, message: str, details: list[dict[str, str]] | None = None
) -> Response:
    if wants_json(request) or _page_renderer is None:
        return _json_error(status, code, message, details)
    if code in _PAGE_MESSAGES:
        message = gettext(negotiate_locale(request), _PAGE_MESSAGES[code])
    return _page_renderer(request, status, message)


def _refusal_before_input(request: Request) -> SignInRequired | None:
    from web.auth.actor import current_actor, needs_sign_in, sign_in_required

    route = request.scope.get("route")
    if route is None or not needs_sign_in(route) or current_actor(request) is not None:
        return None
    return sign_in_required(request)


SIGN_IN_PATH = "/staff/sign-in"
WAITING_PATH = "/staff/waiting"


def _here(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def _staff_error(request: Request, exc: DomainError) -> Response | None:
    """Sign-in and access errors: a page goes to the sign-in or waiting page, the API answers 401/403/429."""
    if wants_json(request):
        if isinstance(exc, SignInRequired | TooManyRequests):
            locale = negotiate_locale(request)
            response = _json_error(status_for(exc), exc.code, gettext(locale, exc.message, **exc.params))
            if isinstance(exc, SignInRequired):
                error = ', error="invalid_token"' if exc.code == "invalid_token" else ""
                response.headers["WWW-Authenticate"] = f'Bearer realm="tarjotin"{error}'
            else:
                response.headers["Retry-After"] = str(exc.params.get("seconds", 60))
            return response
        return None
    if isinstance(exc, SignInRequired):
        params = {"next": _here(request)} if request.method == "GET" else {}
        if getattr(request.state, "session_expired", False):
            params["expired"] = "1"
        query = f"?{urlencode(params)}" if params else ""
        return RedirectResponse(f"{SIGN_IN_PATH}{query}", status_code=303)
    if isinstance(exc, AccessPending):
        return RedirectResponse(WAITING_PATH, status_code=303)
    return None


def csrf_failed_response(request: Request) -> Response:
    """A form or htmx request whose CSRF token did not match (asgi-csrf calls this through web.auth.csrf)."""
    locale = negotiate_locale(request)
    message = gettext(
        locale, "The form had expired or came from another site. Go back, reload the page and try again."
    )
    return _respond(request, 403, "csrf_failed", message)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain_error(request: Request, exc: DomainError) -> Response:
        special = _staff_error(request, exc)
        if special is not None:
            return special
        return _respond(request, status_for(exc), exc.code, message_of(exc, negotiate_locale(request)))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        # FastAPI reads a request's body before it asks who the caller is: a caller without
        # credentials is refused first, as for a valid request, and learns nothing of what is accepted.
        refusal = await run_in_threadpool(_refusal_before_input, request)
        if refusal is not None:
            return _staff_error(request, refusal) or _respond(request, 401, refusal.code, refusal.message)
        locale = negotiate_locale(request)
        if not wants_json(request) and any(tuple(e.get("loc", ()))[:1] == ("path",) for e in exc.errors()):
            # A page address that cannot exist (/fi/services/abc) is a page not found.
            return _respond(request, 404, "not_found", gettext(locale, "The page or resource was not found."))
        details = readable_validation_errors(exc.errors(), locale)
        message = " ".join(item["message"] for item in details)
        return _respond(request, 422, "invalid_request", message, details)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 400:  # a body that cannot be read at all: as for a validation error
            refusal = await run_in_threadpool(_refusal_before_input, request)
            if refusal is not None:
                return _staff_error(request, refusal) or _respond(request, 401, refusal.code, refusal.message)
        locale = negotiate_locale(request)
        if exc.status_code == 404:
            message = gettext(locale, "The page or resource was not found.")
        elif exc.status_code == 405:
            message = gettext(locale, "This method is not allowed here.")
        else:
            message = gettext(locale, str(exc.detail)) if exc.detail else HTTPStatus(exc.status_code).phrase
        response = _respond(request, exc.status_code, HTTPStatus(exc.status_code).name.lower(), message)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    async def _database_down(request: Request, exc: Exception) -> Response:
        # The database did not answer (refused, timed out, locked): a passing outage, not a bug.
        # Only the type is logged: driver messages can carry the statement's parameters.
        log.warning(
            "database unavailable (%s) on %s %s", type(exc).__name__, request.method, request.url.path
        )
        locale = negotiate_locale(request)
        message = gettext(locale, "The service is temporarily unavailable. Please try again in a moment.")
        response = _respond(request, 503, "unavailable", message)
        response.headers["Retry-After"] = "30"
        return response

    for error_type in (OperationalError, DisconnectionError, PoolTimeoutError):
        app.add_exception_handler(error_type, _database_down)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # Log the type and the path only: request bodies may hold personal data.
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
        locale = negotiate_locale(request)
        message = gettext(locale, "Something went wrong on our side. Please try again later.")
        response = _respond(request, 500, "internal_error", message)
        # This answer leaves from outside every middleware (Starlette's error middleware), so it gets
        # the security headers here.
        from web.security import security_headers

        settings = getattr(request.app.state, "settings", None)
        if settings is not None:
            for name, value in security_headers(settings).items():
                response.headers.setdefault(name, value)
            response.headers["Cache-Control"] = "no-store"
        return response
