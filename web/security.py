"""Security headers on every response, and no caching of anything personal.

A pure ASGI middleware (outermost of ours), so static files, redirects and error pages carry the headers
too. The Content-Security-Policy allows no inline script or style: templates keep scripts and styles in
files under web/static (JSON data blocks are not scripts). A route may set its own policy (the API docs
page does, with the hash of its one inline script); this middleware then leaves it alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.settings import Settings
from web.cookies import SESSION_COOKIE

SESSION_COOKIES = (SESSION_COOKIE.encode(),)


def _origin(url: str) -> str | None:
    """scheme://host[:port] of a URL template; a {s} subdomain placeholder becomes a wildcard."""
    parts = urlsplit(url.replace("{s}.", "*."))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(settings: Settings, *, extra_form_actions: Iterable[str] = ()) -> str:
    tiles = _origin(settings.map_tile_url)
    # A sign-out form redirects to the identity provider's end-session endpoint: form-action must allow it.
    identity = _origin(settings.oidc_issuer) if settings.oidc_issuer else None
    form_action = " ".join(["'self'", *(o for o in (identity, *extra_form_actions) if o)])
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": " ".join(["'self'", "data:", *([tiles] if tiles else [])]),
        "connect-src": "'self'",
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": form_action,
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


# Geolocation on our own origin only ("near me" on the front page); nothing else is used.
PERMISSIONS_POLICY = "geolocation=(self), camera=(), microphone=(), payment=(), usb=()"


def security_headers(settings: Settings) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": content_security_policy(settings),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "X-Frame-Options": "DENY",
        "Permissions-Policy": PERMISSIONS_POLICY,
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if settings.is_production:
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    return headers


def is_private(scope: Scope) -> bool:
    """Staff pages, and any request that carries a credential: never stored by browsers or proxies."""
    if scope["path"].startswith("/staff"):
        return True
    for name, value in scope.get("headers") or ():
        if name == b"authorization":
            return True
        if name == b"cookie" and any(cookie in value for cookie in SESSION_COOKIES):
            return True
    return False


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.headers = security_headers(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = is_private(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    if name not in headers:
                        headers[name] = value
                if private:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
