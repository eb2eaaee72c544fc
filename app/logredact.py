"""Keep what residents type out of the logs: the values of personal query parameters in request lines.

A typed address (`where`, or `text` sent to a geocoder), a position (`lat`, `lon`, `near`) and a search
(`q`) are personal data. httpx logs every request's whole URL at INFO ("HTTP Request: GET
https://geocoder/v1/search?text=Kotikatu+5 ..."); this filter replaces those values with `-` before a
record is formatted, whatever handler or level the deployment uses. (Uvicorn's access log is off:
app/log_config.py.)
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

PERSONAL = frozenset({"where", "lat", "lon", "near", "q", "text", "focus.point.lat", "focus.point.lon"})


def redact_url(url: str) -> str:
    """ "/fi/search?q=x&where=Kotikatu+1&theme=liikunta" -> "/fi/search?q=-&where=-&theme=liikunta"."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    pairs = [(k, "-" if k in PERSONAL else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(pairs, safe="-,")))


class RedactQueryFilter(logging.Filter):
    """Redacts every argument of a record that looks like a URL with a query string."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(
                redact_url(arg) if isinstance(arg, str) and "?" in arg else _redact_other(arg)
                for arg in record.args
            )
        return True


def _redact_other(value: object) -> object:
    # httpx passes the URL as an httpx.URL object.
    text = str(value) if type(value).__name__ == "URL" else None
    return redact_url(text) if text is not None and "?" in text else value


def install_log_redaction() -> None:
    """On the loggers that print request URLs (idempotent)."""
    for name in ("httpx",):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactQueryFilter) for f in logger.filters):
            logger.addFilter(RedactQueryFilter())
