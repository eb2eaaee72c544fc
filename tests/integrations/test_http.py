"""The retrying JSON fetcher and the file replay transport, against mock transports (no sockets)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from integrations.errors import IntegrationError, MalformedResponse, PageMissing, SourceUnavailable
from integrations.http import (
    FileReplayTransport,
    JsonFetcher,
    RetryPolicy,
    decode_json,
    make_client,
    parse_retry_after,
)


def _fetcher(handler, attempts: int = 4) -> tuple[JsonFetcher, list[float]]:
    sleeps: list[float] = []
    client = make_client("http://source.test", timeout=5, transport=httpx.MockTransport(handler))
    policy = RetryPolicy(attempts=attempts, base_delay=0.5, max_delay=2.0, max_retry_after=60)
    return JsonFetcher(client, policy=policy, sleep=sleeps.append), sleeps


def test_backoff_doubles_and_is_capped() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=3.0)
    assert [policy.backoff(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_retry_after_seconds_and_http_date() -> None:
    now = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Mon, 23 Nov 2026 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("yesterday") is None
    assert parse_retry_after(None) is None


def test_5xx_is_retried_with_backoff_then_succeeds() -> None:
    calls = iter([503, 502, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        status = next(calls)
        return httpx.Response(status, json={"ok": True} if status == 200 else {"error": "busy"})

    fetcher, sleeps = _fetcher(handler)
    assert fetcher.get_json("/x") == {"ok": True}
    assert sleeps == [0.5, 1.0]


def test_5xx_gives_up_after_the_attempt_cap() -> None:
    fetcher, sleeps = _fetcher(lambda request: httpx.Response(500), attempts=3)
    with pytest.raises(SourceUnavailable, match="after 3 attempts"):
        fetcher.get_json("/x")
    assert fetcher.requests == 3
    assert sleeps == [0.5, 1.0]


def test_429_waits_for_retry_after() -> None:
    calls = iter([httpx.Response(429, headers={"Retry-After": "9"}), httpx.Response(200, json=[1])])
    fetcher, sleeps = _fetcher(lambda request: next(calls))
    assert fetcher.get_json("/x") == [1]
    assert sleeps == [9.0]


def test_429_with_a_long_retry_after_is_unavailable_at_once() -> None:
    fetcher, sleeps = _fetcher(lambda request: httpx.Response(429, headers={"Retry-After": "3600"}))
    with pytest.raises(SourceUnavailable, match="rate limited"):
        fetcher.get_json("/x")
    assert sleeps == []


def test_timeouts_and_connection_errors_are_retried() -> None:
    problems = iter([httpx.ReadTimeout("slow"), httpx.ConnectError("refused")])

    def handler(request: httpx.Request) -> httpx.Response:
        problem = next(problems, None)
        if problem is not None:
            raise problem
        return httpx.Response(200, json={})

    fetcher, sleeps = _fetcher(handler)
    assert fetcher.get_json("/x") == {}
    assert len(sleeps) == 2


def test_client_errors_are_not_retried() -> None:
    fetcher, _ = _fetcher(lambda request: httpx.Response(400, json={"title": "bad"}))
    with pytest.raises(IntegrationError, match="HTTP 400"):
        fetcher.get_json("/x")
    assert fetcher.requests == 1
    fetcher, _ = _fetcher(lambda request: httpx.Response(404))
    with pytest.raises(PageMissing):
        fetcher.get_json("/x")


def test_malformed_json_is_reported() -> None:
    fetcher, _ = _fetcher(lambda request: httpx.Response(200, content=b"{not json"))
    with pytest.raises(MalformedResponse):
        fetcher.get_json("/x")


def test_json_that_only_the_standard_library_reads_is_still_read() -> None:
    # orjson refuses all but the first; the page must not be lost for it.
    assert decode_json(b'{"a": 1, "b": "\xc3\xa4"}') == {"a": 1, "b": "\u00e4"}
    assert decode_json(b'{"s": "\\ud800"}') == {"s": "\ud800"}
    assert math.isnan(decode_json(b'{"x": NaN}')["x"])
    assert decode_json('{"utf16": "\u00e4"}'.encode("utf-16")) == {"utf16": "\u00e4"}
    with pytest.raises(ValueError):
        decode_json(b"{not json")
    with pytest.raises(ValueError):
        decode_json(b"\xff\xfe\xff")


def test_file_replay_transport(tmp_path: Path) -> None:
    (tmp_path / "a_1.json").write_text('{"page": 1}')

    def resolver(directory: Path, request: httpx.Request) -> bytes | None:
        path = directory / f"a_{request.url.params.get('page')}.json"
        return path.read_bytes() if path.exists() else None

    transport = FileReplayTransport(tmp_path, resolver)
    fetcher = JsonFetcher(make_client("http://replay", timeout=1, transport=transport))
    assert fetcher.get_json("/a", {"page": 1}) == {"page": 1}
    with pytest.raises(PageMissing):
        fetcher.get_json("/a", {"page": 2})
    with pytest.raises(IntegrationError):
        FileReplayTransport(tmp_path / "nope", resolver)
