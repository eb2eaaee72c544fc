"""The one entry point callers use: the configured engine, or the database when it is down."""

from __future__ import annotations

import dataclasses
import logging

from sqlmodel import Session

from app.errors import Unavailable
from search.fallback import search_database
from search.types import SearchIndex, SearchQuery, SearchResult

log = logging.getLogger(__name__)


def search_services(query: SearchQuery, *, session: Session, index: SearchIndex | None) -> SearchResult:
    """Search with the engine; if it is unavailable, answer from the database with degraded=True."""
    if index is not None:
        try:
            return index.search(query)
        except Unavailable as exc:
            log.warning(
                "search engine %s unavailable, answering from the database: %s", index.name, exc.message
            )
    result = search_database(session, query)
    return dataclasses.replace(result, degraded=True)
