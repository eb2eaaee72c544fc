"""The one entry point callers use: the configured engine, or the database when it is down."""

from __future__ import annotations

import dataclasses
import logging

from sqlmodel import Session

from app.errors import Unavailable
from search.fallback import search_database
from search.intent import municipality_names, read_query
from search.outage import OutageLog
from search.suggest import catalogue_vocabulary, closest_query
from search.types import SearchIndex, SearchQuery, SearchResult, Understood

log = logging.getLogger(__name__)
outages = OutageLog()


def search_services(query: SearchQuery, *, session: Session, index: SearchIndex | None) -> SearchResult:
    """Search with the engine (or the database when it is down); offer a did-you-mean when nothing matched.

    With `read_words`, a free-of-charge word and municipality names in q become filters (search.intent);
    when the municipalities have nothing, the results come from everywhere and say so."""
    understood: Understood | None = None
    result: SearchResult | None = None
    if query.read_words and query.q.strip():
        read = read_query(query.q, municipality_names(session))
        if read.free_word or read.places:
            understood = Understood(read.free_word, read.places)
            original = query
            query = dataclasses.replace(
                query,
                q=read.q,
                free=True if read.free_word and query.free is None else query.free,
                municipalities=tuple(
                    dict.fromkeys([*query.municipalities, *(code for _w, code in read.places)])
                ),
            )
            if read.places:
                result = _search(query, session=session, index=index)
                if result.total == 0:
                    query = dataclasses.replace(query, municipalities=original.municipalities)
                    understood = dataclasses.replace(understood, place_relaxed=True)
                    result = None
    if result is None:
        result = _search(query, session=session, index=index)
    if result.total == 0 and result.suggestion is None and query.q.strip():
        suggestion = closest_query(query.q, catalogue_vocabulary(session))
        # Only offer a correction that finds something with the same filters.
        if (
            suggestion
            and _search(dataclasses.replace(query, q=suggestion), session=session, index=index).total
        ):
            result = dataclasses.replace(result, suggestion=suggestion)
    return dataclasses.replace(result, understood=understood) if understood else result


def _search(query: SearchQuery, *, session: Session, index: SearchIndex | None) -> SearchResult:
    if index is not None:
        try:
            result = index.search(query)
        except Unavailable as exc:
            outages.failed(index.name, exc)
            # A long outage: the standby built from the database answers as an engine would.
            # (search.standby.WithStandby; looked up, not imported: that module loads the engine)
            standby_search = getattr(index, "standby_search", None)
            standby = standby_search(query) if standby_search is not None else None
            if standby is not None:
                return dataclasses.replace(standby, degraded=True)
        else:
            outages.answered(index.name)
            return result
    result = search_database(session, query)
    return dataclasses.replace(result, degraded=True)
