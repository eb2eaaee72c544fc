"""The protocol between a source client and the sync engine.

A source streams `Page`s; the engine stores each page in its own transaction, so memory stays flat
however large the crawl. Whether a crawl saw everything is only known at its end: the source clears
`CrawlState.complete` whenever it skips something (a missing page, a malformed body, a record that
failed), and the engine retires unseen rows only after a crawl that stayed complete.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from integrations.records import Page, RecordFailure


class SyncMode(StrEnum):
    FULL = "full"
    INCREMENTAL = "incremental"


@dataclass
class CrawlState:
    """What the source tells the engine while it crawls."""

    complete: bool = True
    # Why the crawl is incomplete, for the run's message; page-level failures also arrive as pages.
    reasons: list[str] = field(default_factory=list)
    # Best estimate of the number of pages, for the progress bar (None: unknown).
    expected_pages: int | None = None

    def mark_incomplete(self, reason: str) -> None:
        self.complete = False
        self.reasons.append(reason)


class SyncSource(Protocol):
    """A source of catalogue records (PTV, Lähellä.fi, LinkedEvents)."""

    @property
    def name(self) -> str:
        """The provenance source value (app.catalogue.enums.Source)."""
        ...

    def crawl(self, *, mode: SyncMode, since: datetime | None, state: CrawlState) -> Iterator[Page]:
        """Yield pages of records. `since` is the start of the last successful run (incremental).

        A source may fall back to a full crawl when `since` is None. Raise SourceUnavailable when the
        source cannot be reached at all; report anything smaller through pages and `state`.
        """
        ...


def failure_page(label: str, failure: RecordFailure) -> Page:
    """A page carrying only a failure, for a request that produced no records."""
    return Page(label=label, failures=[failure])
