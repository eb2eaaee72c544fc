"""The index catches up with the database when the server starts.

A sync or demo load killed after its commit but before its re-indexing (or during a full rebuild)
leaves its changes queued in the catalogue_change outbox. Nothing else drains that outbox until the
next sync, so the server drains it at start-up, in the background: searches answer meanwhile, from
the index as it is. The number of queued changes is the measure of how far the index is behind.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.catalogue.models import CatalogueChange
from search.indexer import WritableIndex, drain_changes

log = logging.getLogger(__name__)


def pending_changes(session: Session) -> int:
    """Changes the index has not applied yet (0: the index is up to date with the database)."""
    return int(session.execute(select(func.count()).select_from(CatalogueChange)).scalar_one())


def catch_up(engine: Engine, index: WritableIndex) -> int:
    with Session(engine) as session:
        pending = pending_changes(session)
        if not pending:
            return 0
        log.warning("search index is %d changes behind the database; catching up", pending)
        drained = drain_changes(session, index)
    log.warning("search index caught up: %d changes applied", drained)
    return drained


def catch_up_in_background(engine: Engine, index: WritableIndex) -> threading.Thread:
    def run() -> None:
        try:
            catch_up(engine, index)
        except Exception as exc:  # the next sync drains what is left
            log.warning("search index could not catch up at start-up (%s)", type(exc).__name__)

    thread = threading.Thread(target=run, name="search-catch-up", daemon=True)
    thread.start()
    return thread
