"""The staff session: who signed in and when, kept in the signed session cookie (Starlette's middleware).

The cookie holds identifiers and times only. Roles are read from the database on each request, so a role
taken away or an account deactivated by an administrator takes effect at once.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from app.settings import Settings
from web.cookies import SESSION_COOKIE as SESSION_COOKIE

_KEY = "staff"
# How often the "last seen" time is rewritten (the idle timeout does not need second precision).
_SEEN_RESOLUTION_SECONDS = 15


@dataclass(frozen=True, slots=True)
class StaffSession:
    user_id: uuid.UUID
    signed_in_at: float
    seen_at: float
    id_token: str | None  # kept for RP-initiated sign-out (id_token_hint); None after a demo sign-in
    via: str  # "oidc" or "demo"


def start_session(request: Request, user_id: uuid.UUID, *, via: str, id_token: str | None = None) -> None:
    """Replace whatever the session held (a fixed session id cannot survive a sign-in)."""
    now = time.time()
    request.session.clear()
    request.session[_KEY] = {"u": str(user_id), "iat": now, "seen": now, "via": via, "idt": id_token}


def end_session(request: Request) -> StaffSession | None:
    current = read_session(request)
    request.session.clear()
    return current


def read_session(request: Request) -> StaffSession | None:
    if "session" not in request.scope:
        return None
    data: Any = request.session.get(_KEY)
    if not isinstance(data, dict):
        return None
    try:
        return StaffSession(
            user_id=uuid.UUID(data["u"]),
            signed_in_at=float(data["iat"]),
            seen_at=float(data["seen"]),
            id_token=data.get("idt"),
            via=str(data.get("via") or "oidc"),
        )
    except (KeyError, TypeError, ValueError):
        return None


def session_is_current(session: StaffSession, settings: Settings, *, now: float | None = None) -> bool:
    """Within both the idle and the absolute timeout."""
    now = time.time() if now is None else now
    return (
        now - session.seen_at <= settings.session_idle_minutes * 60
        and now - session.signed_in_at <= settings.session_absolute_hours * 3600
    )


def touch_session(request: Request, *, now: float | None = None) -> None:
    now = time.time() if now is None else now
    data = request.session.get(_KEY)
    if isinstance(data, dict) and now - float(data.get("seen", 0)) >= _SEEN_RESOLUTION_SECONDS:
        data["seen"] = now
        request.session[_KEY] = data
