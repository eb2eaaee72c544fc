"""Open access the way HSDS publishers are expected to offer it: CORS for everyone, a fair share per
client address (429 beyond it), and conditional requests (ETag / Last-Modified, 304)."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Mapping
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from fastapi import Request, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import N_, TooManyRequests

CORS_HEADERS: Mapping[str, str] = {
    "access-control-allow-origin": "*",
    "access-control-expose-headers": "ETag, Last-Modified, Retry-After, Content-Disposition",
}
PREFLIGHT_HEADERS: Mapping[str, str] = {
    **CORS_HEADERS,
    "access-control-allow-methods": "GET, HEAD, OPTIONS",
    "access-control-allow-headers": "Accept, Accept-Language, If-None-Match, If-Modified-Since",
    "access-control-max-age": "86400",
}
CACHE_CONTROL = "public, max-age=60"


class CorsMiddleware:
    """`Access-Control-Allow-Origin: *` on every answer under the prefix (errors, 304 and 429 too), and
    the answer to a browser's preflight. The rest of the site is not opened to other origins."""

    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app = app
        self.prefix = prefix.rstrip("/")

    def _ours(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix + "/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._ours(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            headers = [(k.encode(), v.encode()) for k, v in PREFLIGHT_HEADERS.items()]
            await send({"type": "http.response.start", "status": 204, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.decode().lower() not in CORS_HEADERS
                ]
                headers.extend((k.encode(), v.encode()) for k, v in CORS_HEADERS.items())
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_cors)


class RateLimiter:
    """A token bucket per client address: `per_minute` requests a minute, in bursts up to that many.

    Per process: with N worker processes a client gets up to N times the rate, which still bounds it.
    """

    def __init__(self, per_minute: int, *, clock: Any = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, address: str) -> float:
        """Spend one request of `address`; 0.0 when allowed, else the seconds until the next one."""
        if self.capacity <= 0:
            return 0.0
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(address, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[address] = (tokens, now)
                return (1.0 - tokens) / self.rate
            self._buckets[address] = (tokens - 1.0, now)
            if len(self._buckets) > 50_000:
                self._forget_full(now)
            return 0.0

    def _forget_full(self, now: float) -> None:
        # A bucket that has refilled is the same as no bucket: drop those to bound memory.
        full_after = self.capacity / self.rate
        self._buckets = {a: (t, last) for a, (t, last) in self._buckets.items() if now - last < full_after}


def client_address(request: Request) -> str:
    # Behind a reverse proxy, run uvicorn with --proxy-headers (and --forwarded-allow-ips) so this is
    # the client's address, not the proxy's.
    return request.client.host if request.client else "unknown"


def enforce_rate_limit(request: Request) -> None:
    limiter: RateLimiter | None = getattr(request.app.state, "hsds_rate_limiter", None)
    if limiter is None:
        return
    wait = limiter.take(client_address(request))
    if wait > 0:
        seconds = max(1, int(wait + 0.999))
        raise TooManyRequests(
            N_("Too many requests from your address. Please wait %(seconds)s seconds and try again."),
            code="rate_limited",
            seconds=seconds,
        )


def etag_for(*parts: object) -> str:
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).hexdigest()[:24]
    return f'W/"{digest}"'


def http_date(moment: datetime) -> str:
    return format_datetime(moment.replace(microsecond=0), usegmt=True)


def validators(etag: str, last_modified: datetime | None) -> dict[str, str]:
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": "Accept-Language"}
    if last_modified is not None:
        headers["Last-Modified"] = http_date(last_modified)
    return headers


def _etag_matches(header: str, etag: str) -> bool:
    wanted = etag.removeprefix("W/")
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == wanted:
            return True
    return False


def not_modified(request: Request, etag: str, last_modified: datetime | None) -> Response | None:
    """304 when the client's copy is current (If-None-Match wins over If-Modified-Since, RFC 9110)."""
    headers = validators(etag, last_modified)
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        if _etag_matches(if_none_match, etag):
            return Response(status_code=304, headers=headers)
        return None
    since = request.headers.get("if-modified-since")
    if since and last_modified is not None:
        try:
            client_time = parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return None
        if client_time.tzinfo is not None and last_modified.replace(microsecond=0) <= client_time:
            return Response(status_code=304, headers=headers)
    return None
