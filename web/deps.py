"""FastAPI dependencies shared by the API and the pages.

The search engine is opened once by the composition root (tarjotin.asgi) and kept on app.state;
None means "no engine configured or it failed to open": search then answers from the database.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from app.db import get_session
from search.types import SearchIndex

# The request's database session (commit on success, rollback on error: app.db.get_session).
SessionDep = Annotated[Session, Depends(get_session)]


def get_search_index(request: Request) -> SearchIndex | None:
    return getattr(request.app.state, "search_index", None)


SearchIndexDep = Annotated[SearchIndex | None, Depends(get_search_index)]
