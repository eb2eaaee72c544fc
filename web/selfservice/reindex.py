"""After a self-service change is committed: apply the queued catalogue changes to the search engine.

Runs as a background task, after the request's session has committed (and after the response), so the
listing is searchable at once without a sync. An engine that is down loses nothing: the queue keeps the
rows until they are applied (search.indexer.drain_changes), and the next sync or `tarjotin reindex` does it.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI

from app.db import session_scope
from search.indexer import drain_changes

log = logging.getLogger(__name__)


def reindex_queued(app: FastAPI) -> None:
    index = getattr(app.state, "search_index", None)
    if index is None:
        return
    try:
        with session_scope(getattr(app.state, "engine", None)) as session:
            drain_changes(session, index)
    except Exception as exc:  # the queue keeps the change; say so once, without the data
        log.warning(
            "re-indexing after a self-service change failed (%s); it stays queued", type(exc).__name__
        )
