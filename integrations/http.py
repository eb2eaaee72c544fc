"""HTTP for source clients: timeouts, bounded retries, Retry-After, and replay from files.

Only failures that may pass are retried: connection errors, timeouts, 5xx and 429. Other 4xx are
our mistake or a missing resource and are raised at once. Backoff is exponential with a cap, and
the total number of attempts is bounded, so a dead source fails a run in bounded time instead of
hanging it.
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson

from integrations.errors import IntegrationError, MalformedResponse, PageMissing, SourceUnavailable

log = logging.getLogger(__name__)

USER_AGENT = "palvelutarjotin-sync/0.1 (+https://github.com/)"
# The largest response body read from a source (a PTV page of 100 services is about 2 MB). A bigger
# one is refused before it is read whole: memory stays bounded whatever a source sends.
MAX_RESPONSE_BYTES = 20 * 1024 * 1024


class ResponseTooLarge(MalformedResponse):
    """The body is larger than MAX_RESPONSE_BYTES."""


def read_capped(response: httpx.Response, path: str, limit: int | None = None) -> bytes:
    """The body of a streamed response, refused as soon as it passes the cap."""
    limit = MAX_RESPONSE_BYTES if limit is None else limit
    declared = response.headers.get("Content-Length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise ResponseTooLarge(f"{path}: response of {int(declared):,} bytes is over the {limit:,}-byte cap")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise ResponseTooLarge(f"{path}: response is over the {limit:,}-byte cap")
        chunks.append(chunk)
    return b"".join(chunks)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # total tries of one request
    base_delay: float = 0.5  # seconds before the first retry; doubles each time
    max_delay: float = 30.0  # cap of one backoff delay
    max_retry_after: float = 120.0  # a longer Retry-After is treated as "unavailable now"

    def backoff(self, retry: int) -> float:
        """Delay before retry number `retry` (1-based)."""
        return float(min(self.max_delay, self.base_delay * (2 ** (retry - 1))))


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None if unusable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def decode_json(content: bytes) -> Any:
    """JSON bytes -> Python, with orjson (several times faster than the standard library).

    What orjson refuses but the standard library reads (NaN, lone surrogates, UTF-16) is read by the
    standard library, so the faster decoder never turns a page away; the errors are ValueErrors
    (json.JSONDecodeError, UnicodeDecodeError) either way. One difference stays: an integer past 64
    bits becomes a float; the sources' numbers (page counts, totals) are far from that.
    """
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        return json.loads(content)


class JsonFetcher:
    """GET JSON with the retry policy. One per source client; wraps an httpx.Client."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.policy = policy or RetryPolicy()
        self.sleep = sleep
        self.requests = 0  # attempts made, for tests and run messages

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """The decoded JSON body of GET path; raises SourceUnavailable, PageMissing, MalformedResponse."""
        content = self._get(path, params)
        try:
            return decode_json(content)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise MalformedResponse(f"{path}: response is not valid JSON ({exc})") from exc

    def _get(self, path: str, params: Mapping[str, Any] | None) -> bytes:
        policy = self.policy
        last_problem = "no attempt made"
        for attempt in range(1, policy.attempts + 1):
            self.requests += 1
            delay: float | None = None
            try:
                with self.client.stream("GET", path, params=params) as response:
                    status = response.status_code
                    # An error body is only quoted in part, so only a little of it is read.
                    content = read_capped(response, path, None if status < 400 else 64 * 1024)
            except httpx.TimeoutException as exc:
                last_problem = f"timed out ({type(exc).__name__})"
            except httpx.TransportError as exc:
                last_problem = f"connection failed ({type(exc).__name__}: {exc})"
            else:
                if status < 400:
                    return content
                if status == 404:
                    raise PageMissing(f"{path}: 404 not found")
                if status == 429:
                    last_problem = "429 too many requests"
                    delay = parse_retry_after(response.headers.get("Retry-After"))
                    if delay is not None and delay > policy.max_retry_after:
                        raise SourceUnavailable(
                            f"{path}: rate limited for {delay:.0f} s (more than {policy.max_retry_after:.0f} s)"
                        )
                elif status >= 500:
                    last_problem = f"server error {status}"
                else:
                    quoted = content[:300].decode("utf-8", "replace")
                    raise IntegrationError(f"{path}: HTTP {status}: {quoted}")
            if attempt == policy.attempts:
                break
            wait = delay if delay is not None else policy.backoff(attempt)
            log.warning("GET %s: %s; retry %d in %.1f s", path, last_problem, attempt, wait)
            self.sleep(wait)
        raise SourceUnavailable(f"{path}: {last_problem} after {policy.attempts} attempts")


def make_client(
    base_url: str,
    *,
    timeout: float,
    headers: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """An httpx client with a bounded timeout for every phase; no auth unless the caller adds it."""
    all_headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    all_headers.update(headers or {})
    return httpx.Client(
        base_url=base_url,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        headers=all_headers,
        transport=transport,
        follow_redirects=True,
    )


# A resolver turns a request into a file's bytes, or None when no file stands for it (404).
Resolver = Callable[[httpx.Request], bytes | None]


class FileReplayTransport(httpx.BaseTransport):
    """Answer requests from recorded files, so `--from-dir` and tests run the real client code.

    Each source supplies the resolver that knows its file naming (see the README's sync section).
    """

    def __init__(self, directory: Path, resolver: Callable[[Path, httpx.Request], bytes | None]) -> None:
        if not directory.is_dir():
            raise IntegrationError(f"{directory} is not a directory")
        self.directory = directory
        self.resolver = resolver
        self.served: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = self.resolver(self.directory, request)
        if body is None:
            return httpx.Response(
                404, json={"message": f"no recorded file for {request.url}"}, request=request
            )
        self.served.append(str(request.url))
        return httpx.Response(
            200, content=body, headers={"Content-Type": "application/json"}, request=request
        )


def read_file(path: Path) -> bytes | None:
    """The file's bytes, or None if it does not exist; a file over the cap is refused unread."""
    try:
        size = path.stat().st_size
        if size > MAX_RESPONSE_BYTES:
            raise ResponseTooLarge(f"{path.name}: {size:,} bytes is over the {MAX_RESPONSE_BYTES:,}-byte cap")
        return path.read_bytes()
    except FileNotFoundError:
        return None
