"""The crawl runs ahead in a thread: order kept, errors after the pages before them, bounded, stoppable."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from integrations.prefetch import prefetch


def test_order_and_completion() -> None:
    assert list(prefetch(iter(range(50)), depth=3)) == list(range(50))
    assert list(prefetch(iter([]))) == []


def test_an_error_arrives_after_the_items_before_it() -> None:
    def crawl() -> Iterator[int]:
        yield 1
        yield 2
        raise ConnectionError("gone")

    seen: list[int] = []
    with pytest.raises(ConnectionError, match="gone"):
        for item in prefetch(crawl()):
            seen.append(item)
    assert seen == [1, 2]


def test_the_worker_runs_at_most_depth_items_ahead_and_stops_with_the_consumer() -> None:
    produced: list[int] = []
    closed = threading.Event()

    def crawl() -> Iterator[int]:
        try:
            for number in range(1000):
                produced.append(number)
                yield number
        finally:
            closed.set()

    pages = prefetch(crawl(), depth=2)
    assert next(pages) == 0
    time.sleep(0.3)
    # One taken, two waiting in the queue, one built and waiting to be put.
    assert len(produced) <= 4
    pages.close()  # the consumer stops (e.g. the store failed)
    assert closed.wait(2)
    assert len(produced) <= 5
