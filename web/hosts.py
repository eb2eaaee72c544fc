"""Allowed hosts: a request whose Host header is not the site's own is refused before any route runs.

Starlette builds absolute redirect URLs (the trailing-slash redirect) from the Host header, so a
proxy that forwards any Host could have a poisoned redirect cached. The health checks are exempt:
orchestrators probe them by the container's address, and they never redirect.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

HEALTH_PATHS = frozenset({"/healthz", "/readyz"})


def host_allowed(host_header: str, allowed: Sequence[str]) -> bool:
    """`allowed` holds names ("tarjotin.example.fi") or wildcards of subdomains ("*.example.fi")."""
    host = host_header.strip().lower()
    if host.startswith("["):  # an IPv6 literal with or without a port
        host = host[: host.find("]") + 1] if "]" in host else host
    else:
        host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    host = host.rstrip(".")
    for pattern in allowed:
        pattern = pattern.strip().lower()
        if pattern == "*" or pattern == host:
            return True
        if pattern.startswith("*.") and host.endswith(pattern[1:]):
            return True
    return False


class AllowedHosts:
    def __init__(self, app: ASGIApp, allowed: Sequence[str]) -> None:
        self.app = app
        self.allowed = tuple(allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.allowed or scope["path"] in HEALTH_PATHS:
            await self.app(scope, receive, send)
            return
        if host_allowed(Headers(scope=scope).get("host", ""), self.allowed):
            await self.app(scope, receive, send)
            return
        # Nothing of the request is echoed back: the answer is the same for every bad Host.
        await PlainTextResponse("Invalid host header", status_code=400)(scope, receive, send)
