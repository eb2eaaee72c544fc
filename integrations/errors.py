"""Errors raised by source clients. The sync engine turns them into run status and error rows."""

from __future__ import annotations


class IntegrationError(Exception):
    """The source answered, but with something we cannot use (bad status, malformed body)."""


class SourceUnavailable(IntegrationError):
    """The source did not answer usefully after every retry (timeouts, connection errors, 5xx, 429)."""


class PageMissing(IntegrationError):
    """A page the paging said exists was not found (404) or has gone; the crawl is then incomplete."""


class MalformedResponse(IntegrationError):
    """The body is not the JSON we expect."""
