"""Crawl ahead in a background thread while the engine stores: network waits, the source's page
building and the database's own work (SQLite and psycopg release the GIL) overlap.

At most `depth` pages wait in the queue, so memory stays flat however long the crawl. Pages arrive
in crawl order; an exception in the crawl is raised in the consumer after the pages before it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

_PAGE, _DONE, _ERROR = "page", "done", "error"


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
