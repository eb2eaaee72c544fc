"""Crawl ahead while the engine stores: network waits, the source's page building and the database's
own work overlap.

Two ways, with the same contract: pages arrive in crawl order, at most `depth` wait in between (memory
stays flat however long the crawl), an exception in the crawl is raised in the consumer after the pages
before it, and a consumer that stops (an error in storing, Ctrl-C) stops the crawl.

- `prefetch`: a worker thread. Fetching and mapping then compete with storing for the GIL.
- `prefetch_in_process`: a forked child process, so the two use two cores. Forked (not spawned) so the
  source runs exactly as configured (transports, retry policies, replay directories) without being
  pickled; the child only crawls and maps, never touches the database, and leaves Ctrl-C to the parent.
  Pages come back pickled; the crawl's `CrawlState` changes come with the page they belong to.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import pickle
import queue
import signal
import threading
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from integrations.errors import IntegrationError
from integrations.source import CrawlState

T = TypeVar("T")

_PAGE, _DONE, _ERROR, _LOG = "page", "done", "error", "log"

# A sync allocates millions of short-lived objects (parsed JSON, records, rows) and few cycles; with
# the default (a collection every 700 allocations) the collector takes 5-10 % of a run, several
# times what it does at this threshold, which costs a few MiB more between collections.
FEWER_COLLECTIONS = (10_000, 10, 10)


@contextmanager
def collecting_less() -> Generator[None, None, None]:
    """Collect cycles less often while this runs (the previous thresholds come back after)."""
    previous = gc.get_threshold()
    gc.set_threshold(*FEWER_COLLECTIONS)
    try:
        yield
    finally:
        gc.set_threshold(*previous)


# A forked child needs no pickling of the source; where there is no fork (not Linux), a thread.
FORK_AVAILABLE = "fork" in multiprocessing.get_all_start_methods()


def prefetch(items: Iterator[T], *, depth: int = 2) -> Generator[T, None, None]:
    """Iterate `items` in a worker thread, yielding them here in order."""
    waiting: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(kind: str, item: Any) -> bool:
        while not stop.is_set():
            try:
                waiting.put((kind, item), timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(_PAGE, item):
                    return  # the consumer stopped early
            put(_DONE, None)
        except BaseException as exc:  # handed to the consumer, which decides
            put(_ERROR, exc)
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=produce, name="sync-crawl", daemon=True)
    worker.start()
    try:
        while True:
            kind, item = waiting.get()
            if kind == _PAGE:
                yield item
            elif kind == _ERROR:
                raise item
            else:
                return
    finally:
        stop.set()
        worker.join(timeout=5)


# -- in a child process ---------------------------------------------------------------------------


class CrawlProcessDied(IntegrationError):
    """The crawl process ended without saying why (killed, out of memory)."""


def _state_change(state: CrawlState, reported: int) -> tuple[bool, list[str], int | None]:
    """What the parent needs to bring its CrawlState up to date: reasons after the first `reported`."""
    return state.complete, state.reasons[reported:], state.expected_pages


def _apply(state: CrawlState, change: tuple[bool, list[str], int | None]) -> None:
    # Merged, not copied: the engine marks the parent's state too (records that fail to store).
    complete, reasons, expected_pages = change
    if not complete:
        state.complete = False
    state.reasons.extend(reasons)
    state.expected_pages = expected_pages


class _ForwardLogs(logging.Handler):
    """The child's log records go to the parent and are emitted there, by the parent's handlers."""

    def __init__(self, channel: Any) -> None:
        super().__init__()
        self.channel = channel

    def emit(self, record: logging.LogRecord) -> None:
        try:
            fields = dict(record.__dict__)
            fields["msg"], fields["args"] = record.getMessage(), None  # arguments may not pickle
            if record.exc_info:
                fields["exc_text"] = logging.Formatter().formatException(record.exc_info)
            fields["exc_info"] = None
            self.channel.put((_LOG, fields))
        except Exception:
            self.handleError(record)


def _crawl_child(
    items: Iterator[Any], state: CrawlState, channel: Any, prepare: Callable[[Any], None] | None
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides
    # Objects inherited from the parent (its database connections among them) are never collected
    # here, so nothing of theirs is finalised from this process.
    gc.freeze()
    # The collector keeps its default pace here: the crawl leaves cyclic garbage that a rarer
    # collection lets pile up (at 100,000 services its memory grew by a further 27 MiB).
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)  # the parent's handlers (a console with its own locks) stay there
    root.addHandler(_ForwardLogs(channel))
    reported = len(state.reasons)  # the parent has those already
    try:
        for item in items:
            if prepare is not None:
                prepare(item)
            change = _state_change(state, reported)
            reported += len(change[1])
            # Pickled here, not in the queue's feeder thread, where a failure would lose the page silently.
            channel.put((_PAGE, pickle.dumps((item, change), protocol=pickle.HIGHEST_PROTOCOL)))
        channel.put((_DONE, _state_change(state, reported)))
    except BaseException as exc:
        change = _state_change(state, reported)
        try:
            payload = pickle.dumps((exc, change), protocol=pickle.HIGHEST_PROTOCOL)
            pickle.loads(payload)  # an exception that does not survive the trip is sent as text
        except Exception:
            payload = pickle.dumps(
                (IntegrationError(f"{type(exc).__name__}: {exc}"), change), protocol=pickle.HIGHEST_PROTOCOL
            )
        channel.put((_ERROR, payload))
    finally:
        channel.close()
        channel.join_thread()  # everything put is in the pipe before the process ends


def _unpickle(payload: bytes) -> Any:
    # A page is thousands of small objects: with the collector on, their allocation sets off
    # collections that walk this process's whole heap, several times the cost of the unpickling.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(payload)
    finally:
        if enabled:
            gc.enable()


def prefetch_in_process(
    items: Iterator[T],
    state: CrawlState,
    *,
    prepare: Callable[[T], None] | None = None,
    depth: int = 2,
    poll: float = 0.5,
) -> Generator[T, None, None]:
    """Iterate `items` (a crawl writing to `state`) in a forked process, yielding the pages here in order.

    `state` is brought up to date with each page as the crawl had it when it yielded that page.
    `prepare` runs on each page in the child before it is sent: work that can be done ahead.
    """
    context = multiprocessing.get_context("fork")
    # Log records count against the bound too: a chatty crawl waits for the parent like pages do.
    channel: Any = context.Queue(maxsize=depth)
    child = context.Process(
        target=_crawl_child, args=(items, state, channel, prepare), name="sync-crawl", daemon=True
    )
    child.start()
    try:
        while True:
            try:
                kind, payload = channel.get(timeout=poll)
            except queue.Empty:
                if child.is_alive():
                    continue
                try:  # it may have put its last message just before it ended
                    kind, payload = channel.get(timeout=poll)
                except queue.Empty:
                    raise CrawlProcessDied(
                        f"the crawl process ended unexpectedly (exit code {child.exitcode})"
                    ) from None
            if kind == _LOG:
                record = logging.makeLogRecord(payload)
                logger = logging.getLogger(record.name)
                if logger.isEnabledFor(record.levelno):
                    logger.handle(record)
            elif kind == _PAGE:
                item, change = _unpickle(payload)
                _apply(state, change)
                yield item
            elif kind == _ERROR:
                exc, change = pickle.loads(payload)
                _apply(state, change)
                raise exc
            else:
                _apply(state, payload)
                return
    finally:
        if child.is_alive():
            child.terminate()  # the consumer stopped early: the crawl has nothing to keep
        child.join(timeout=5)
        channel.close()
        channel.cancel_join_thread()
        if child.exitcode is None:
            child.kill()
            child.join()
