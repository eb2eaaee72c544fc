"""Logging for the CLI and the server: one format, and no input values in tracebacks.

Exception messages often quote the input that caused them ("invalid literal for int() with base 10:
'masennus'", a driver error with the statement's parameters), and input can be personal data: a
search is personal data in a health context. Tracebacks therefore keep their frames (file, line,
code) and each exception's type, never its message. Uvicorn's own access log is off: web/access_log.py
writes one without query strings.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and those it came from, oldest first, as Python prints them."""
    chain: list[BaseException] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        chain.append(current)
        seen.add(id(current))
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return list(reversed(chain))


def traceback_without_values(exc: BaseException) -> str:
    parts: list[str] = []
    for index, item in enumerate(_chain(exc)):
        if index:
            parts.append("\nThe above led to the following exception:\n\n")
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_tb(item.__traceback__))
        kind = type(item)
        name = (
            kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
        )
        parts.append(f"{name} (message not logged: it may quote input)\n")
    return "".join(parts).rstrip("\n")


class NoValuesFormatter(logging.Formatter):
    def formatException(self, ei: Any) -> str:
        exc = ei[1]
        if exc is None:
            return ""
        return traceback_without_values(exc)


def logging_config(level: str) -> dict[str, Any]:
    """A dictConfig for the CLI and for uvicorn (which applies it in each worker process)."""
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": {"()": NoValuesFormatter, "format": FORMAT}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "default", "stream": "ext://sys.stderr"}
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            # Uvicorn's records go to the root handler; its access log (full URL and client address) never.
            "uvicorn": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.error": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
        },
    }
