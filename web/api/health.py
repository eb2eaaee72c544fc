"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from search.catch_up import pending_changes
from web.deps import SessionDep

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up. Checks nothing else, so a slow database never restarts the app."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "the database does not answer"}})
def readyz(request: Request, session: SessionDep) -> JSONResponse:
    """Ready to serve: the database answers. The search engine's state is in the body only.

    Search answers from the database while its engine is down (degraded), so a replica whose engine
    is down still serves; taking every replica out during a search outage would be a full outage.
    """
    checks: dict[str, Any] = {}
    try:
        session.connection().execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any driver error means not ready
        log.warning("readiness: database check failed: %s", type(exc).__name__)
        session.rollback()
        checks["database"] = "unavailable"
    index = getattr(request.app.state, "search_index", None)
    if index is None:
        checks["search"] = "not configured"
    else:
        try:
            checks["search"] = "ok" if index.health() else "unavailable"
            standby = getattr(index, "standby", None)
            if standby is not None and standby.state != "idle":
                # building, ready (searches answer from it) or failed (they answer from the database)
                checks["search_standby"] = standby.state
        except Exception as exc:
            log.warning("readiness: search check failed: %s", type(exc).__name__)
            checks["search"] = "unavailable"
    if checks["database"] == "ok":
        # How far the index is behind the database (changes queued for it); 0 when up to date.
        try:
            checks["search_pending_changes"] = pending_changes(session)
        except Exception as exc:
            log.warning("readiness: pending changes not counted: %s", type(exc).__name__)
            session.rollback()
    ready = checks["database"] == "ok"
    return JSONResponse(
        status_code=200 if ready else 503,
        content={"status": "ok" if ready else "unavailable", "checks": checks},
    )
