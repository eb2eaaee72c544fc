"""How a search engine outage is logged: once when it starts, then one warning a minute, and its end.

During an outage every search falls back to the database; logging each one (with a traceback) would
flood the log at the very time someone reads it. The traceback is logged once per outage.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger("search")

REPEAT_SECONDS = 60.0


class OutageLog:
    def __init__(self, clock: Callable[[], float] = time.monotonic, repeat: float = REPEAT_SECONDS) -> None:
        self._clock = clock
        self._repeat = repeat
        self._lock = threading.Lock()
        self._since: float | None = None
        self._last_logged = 0.0
        self._failures = 0

    def failed(self, engine: str, exc: BaseException) -> None:
        cause = exc.__cause__ or exc
        with self._lock:
            now = self._clock()
            self._failures += 1
            if self._since is None:
                self._since = self._last_logged = now
                self._failures = 0
                log.warning(
                    "search engine %s unavailable (%s), answering from the database (or its standby index)",
                    engine,
                    type(cause).__name__,
                    exc_info=cause,
                )
            elif now - self._last_logged >= self._repeat:
                log.warning(
                    "search engine %s still unavailable for %.0f s (%s); %d searches answered without it",
                    engine,
                    now - self._since,
                    type(cause).__name__,
                    self._failures,
                )
                self._last_logged = now
                self._failures = 0

    def answered(self, engine: str) -> None:
        if self._since is None:  # the usual case, without taking the lock
            return
        with self._lock:
            if self._since is not None:
                log.warning(
                    "search engine %s answers again after %.0f s", engine, self._clock() - self._since
                )
                self._since = None
