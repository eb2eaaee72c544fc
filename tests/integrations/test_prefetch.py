"""The crawl runs ahead in a thread or a forked process: order kept, errors after the pages before
them, bounded, stoppable; in a process also the crawl state, logs and a dying child."""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from integrations.errors import IntegrationError, SourceUnavailable
from integrations.prefetch import (
    FEWER_COLLECTIONS,
    CrawlProcessDied,
    collecting_less,
    prefetch,
    prefetch_in_process,
)
from integrations.source import CrawlState


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


# -- the crawl in a forked process (what the engine uses) ----------------------------------------


def test_in_process_order_state_and_completion() -> None:
    def crawl(state: CrawlState) -> Iterator[int]:
        state.expected_pages = 3
        yield 1
        state.mark_incomplete("page 2 missing")
        yield 2
        state.mark_incomplete("page 3 malformed")

    state = CrawlState(reasons=["marked by the engine"])
    seen: list[tuple[int, bool, list[str]]] = []
    for item in prefetch_in_process(crawl(state), state):
        seen.append((item, state.complete, list(state.reasons)))
    # The state arrives with the page it belongs to, merged with what this side marked.
    assert seen == [
        (1, True, ["marked by the engine"]),
        (2, False, ["marked by the engine", "page 2 missing"]),
    ]
    assert state.reasons == ["marked by the engine", "page 2 missing", "page 3 malformed"]
    assert (state.complete, state.expected_pages) == (False, 3)
    assert list(prefetch_in_process(iter(range(300)), CrawlState(), depth=3)) == list(range(300))


def test_in_process_an_error_arrives_after_the_items_before_it_with_its_type() -> None:
    state = CrawlState()

    def crawl() -> Iterator[int]:
        yield 1
        state.mark_incomplete("before the failure")
        raise SourceUnavailable("gone after 5 attempts")

    seen: list[int] = []
    with pytest.raises(SourceUnavailable, match="gone after 5 attempts"):
        for item in prefetch_in_process(crawl(), state):
            seen.append(item)
    assert seen == [1] and state.reasons == ["before the failure"]


class _Unpicklable(Exception):
    def __init__(self, detail: str, extra: int) -> None:
        super().__init__(detail)  # args lack `extra`: unpickling calls __init__ with one argument


def test_in_process_an_exception_that_cannot_travel_arrives_as_text() -> None:
    def crawl() -> Iterator[int]:
        yield 1
        raise _Unpicklable("odd failure", 2)

    with pytest.raises(IntegrationError, match="_Unpicklable: odd failure"):
        list(prefetch_in_process(crawl(), CrawlState()))


def test_in_process_a_page_that_cannot_be_sent_fails_the_crawl_instead_of_vanishing() -> None:
    def crawl() -> Iterator[object]:
        yield 1
        yield threading.Lock()  # cannot be pickled

    seen: list[object] = []
    with pytest.raises(TypeError):
        for item in prefetch_in_process(crawl(), CrawlState()):
            seen.append(item)
    assert seen == [1]


def test_in_process_the_crawl_stops_with_the_consumer(tmp_path: Path) -> None:
    marker = tmp_path / "produced"

    def crawl() -> Iterator[int]:
        for number in range(100_000):
            marker.write_text(str(number))
            yield number

    pages = prefetch_in_process(crawl(), CrawlState(), depth=2)
    assert next(pages) == 0
    time.sleep(0.3)
    assert int(marker.read_text()) <= 4  # bounded: at most a few pages ahead
    pages.close()  # the consumer stops (a store failure, Ctrl-C)
    last = marker.read_text()
    time.sleep(0.3)
    assert marker.read_text() == last  # the child is gone
    assert not [child for child in multiprocessing.active_children() if child.name == "sync-crawl"]


def test_in_process_a_child_that_dies_fails_the_crawl() -> None:
    def crawl() -> Iterator[int]:
        yield 1
        os.kill(os.getpid(), signal.SIGKILL)
        yield 2

    with pytest.raises(CrawlProcessDied, match="exit code -9"):
        list(prefetch_in_process(crawl(), CrawlState(), poll=0.1))


def test_in_process_ctrl_c_is_left_to_the_parent() -> None:
    def crawl() -> Iterator[int]:
        os.kill(os.getpid(), signal.SIGINT)  # what Ctrl-C sends to the whole process group
        yield 1
        yield 2

    assert list(prefetch_in_process(crawl(), CrawlState())) == [1, 2]


def test_in_process_logs_are_emitted_by_the_parent(caplog: pytest.LogCaptureFixture) -> None:
    def crawl() -> Iterator[int]:
        logging.getLogger("integrations.http").warning("retry %d in %.1f s", 1, 0.5)
        yield 1

    with caplog.at_level(logging.WARNING, logger="integrations.http"):
        assert list(prefetch_in_process(crawl(), CrawlState())) == [1]
    assert [(r.name, r.getMessage(), r.process != os.getpid()) for r in caplog.records] == [
        ("integrations.http", "retry 1 in 0.5 s", True)
    ]


def test_collecting_less_puts_the_thresholds_back() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), collecting_less():
        assert gc.get_threshold() == FEWER_COLLECTIONS
        raise RuntimeError("a failed run")
    assert gc.get_threshold() == before
