"""FastAPI dependencies shared by the API and the pages.

The search engine is opened once by the composition root (tarjotin.asgi) and kept on app.state;
None means "no engine configured or it failed to open": search then answers from the database.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from app.db import begin_for_write, get_session
from search.types import SearchIndex
from web.cookies import SESSION_COOKIE

# The request's database session (commit on success, rollback on error: app.db.get_session), committed
# when the route returns and before the response is sent: a browser that follows a redirect after a form, or
# an API client reading after a write, must see what was written. (FastAPI's default, "request" scope, ends the
# dependency after the response: the next request could read the old state.)
_CommittedSession = Annotated[Session, Depends(get_session, scope="function")]


def _may_write(request: Request) -> bool:
    """Whether the request may write: a form or API change, any staff or API client request (their reads
    go to the access log), and a resident's referral link (opening it is recorded). Residents browsing
    the catalogue only read, and keep SQLite's concurrent reads while a sync writes."""
    if request.method not in ("GET", "HEAD"):
        return True
    if SESSION_COOKIE in request.cookies or "authorization" in request.headers:
        return True
    return "/r/" in request.url.path


def get_request_session(request: Request, session: _CommittedSession) -> Session:
    if _may_write(request):
        begin_for_write(session)
    return session


SessionDep = Annotated[Session, Depends(get_request_session)]
# For a route that only reads whoever asks (the search API): the request's session without the write lock.
# Each sync dependency costs a thread-pool round trip, a measurable share of a search at 100,000 services.
ReadSessionDep = _CommittedSession
# For a response that streams from the database after the route returns (ndjson): open until it is sent.
StreamingSessionDep = Annotated[Session, Depends(get_session, scope="request")]


async def get_search_index(request: Request) -> SearchIndex | None:
    # async: it only reads app.state, and a sync dependency would run in the thread pool (a round trip).
    return getattr(request.app.state, "search_index", None)


SearchIndexDep = Annotated[SearchIndex | None, Depends(get_search_index)]
