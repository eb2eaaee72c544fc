"""Requests per API client within a moving window (the `limits` library, in this process's memory).

Each app process counts for itself, so with N processes a client gets at most N times API_RATE_LIMIT.
"""

from __future__ import annotations

import time
from functools import cache

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter


@cache
def _limiter() -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(MemoryStorage())


@cache
def _limit(text: str) -> RateLimitItem:
    return parse(text)


def hit(limit: str, client_id: str) -> int | None:
    """Count one request; None if allowed, else the seconds until the client may try again."""
    item = _limit(limit)
    limiter = _limiter()
    if limiter.hit(item, "api-client", client_id):
        return None
    stats = limiter.get_window_stats(item, "api-client", client_id)
    return max(1, int(stats.reset_time - time.time()) + 1)
