"""Who is asking: the Actor of a request, from a bearer token or the staff session cookie.

`require_actor` is the one dependency every staff page and staff API route takes (`ActorDep`). Anonymous
requests raise SignInRequired, which web/errors.py turns into 401 JSON under /api/ and a redirect to the
sign-in page (with `next`) elsewhere.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from app.accounts.actor import Actor, ActorKind
from app.accounts.models import UserAccount
from app.accounts.service import actor_for_client, actor_for_user, authenticate_client, require_admin
from app.accounts.tokens import parse_person_token
from app.db import session_scope
from app.errors import N_, AccessPending, SignInRequired, TooManyRequests
from app.settings import Settings, get_settings
from app.timeutil import utcnow
from web.auth import ratelimit
from web.auth.session import end_session, read_session, session_is_current, touch_session
from web.deps import SessionDep

# Personal bearer tokens (development only, `tarjotin demo token`) live this long.
PERSON_TOKEN_SECONDS = 3600
_UNRESOLVED = object()


def _settings(request: Request) -> Settings:
    return getattr(request.app.state, "settings", None) or get_settings()


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer` header; "" when the header is there but malformed."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else ""


def _bearer_actor(request: Request, session: Session, token: str) -> Actor | None:
    settings = _settings(request)
    client = authenticate_client(session, token, now=utcnow())
    if client is not None:
        return actor_for_client(client)
    if settings.is_production:
        return None
    user_id = parse_person_token(
        token, settings.secret_key.get_secret_value(), max_age_seconds=PERSON_TOKEN_SECONDS
    )
    user = session.get(UserAccount, user_id) if user_id else None
    return actor_for_user(session, user) if user is not None and user.is_active else None


def _cookie_actor(request: Request, session: Session) -> Actor | None:
    staff = read_session(request)
    if staff is None:
        return None
    settings = _settings(request)
    user = session.get(UserAccount, staff.user_id)
    demo_refused = staff.via == "demo" and settings.is_production
    if not session_is_current(staff, settings) or user is None or not user.is_active or demo_refused:
        end_session(request)
        request.state.session_expired = True
        return None
    touch_session(request)
    return actor_for_user(session, user)


def resolve_actor(request: Request, session: Session) -> Actor | None:
    """The request's actor (cached on the request). A bearer header, if sent, is the only credential read."""
    cached = getattr(request.state, "actor", _UNRESOLVED)
    if cached is not _UNRESOLVED:
        return cached  # type: ignore[return-value]
    token = bearer_token(request)
    if token is not None:
        actor = _bearer_actor(request, session, token) if token else None
    else:
        actor = _cookie_actor(request, session)
    request.state.actor = actor
    return actor


def current_actor(request: Request, session: Session | None = None) -> Actor | None:
    """The actor of this request, or None. Without a session, one is opened on the app's engine."""
    cached = getattr(request.state, "actor", _UNRESOLVED)
    if cached is not _UNRESOLVED:
        return cached  # type: ignore[return-value]
    if session is not None:
        return resolve_actor(request, session)
    with session_scope(getattr(request.app.state, "engine", None)) as own:
        return resolve_actor(request, own)


def sign_in_required(request: Request) -> SignInRequired:
    """The refusal of a request without valid credentials (a bearer token, if sent, was not valid)."""
    if bearer_token(request) is not None:
        return SignInRequired(
            N_("The bearer token is not valid, or it has expired or been revoked."), code="invalid_token"
        )
    return SignInRequired(N_("Please sign in to continue."))


def require_signed_in(request: Request, session: SessionDep) -> Actor:
    """Anyone signed in, with or without roles (the "waiting for access" page takes this)."""
    actor = resolve_actor(request, session)
    if actor is None:
        raise sign_in_required(request)
    if actor.kind is ActorKind.API_CLIENT:
        retry_after = ratelimit.hit(_settings(request).api_rate_limit, actor.id)
        if retry_after is not None:
            raise TooManyRequests(
                N_("Too many requests. Try again in %(seconds)s seconds."), seconds=retry_after
            )
    return actor


def require_actor(actor: Annotated[Actor, Depends(require_signed_in)]) -> Actor:
    """A signed-in person holding at least one role, or an API client (FastAPI dependency)."""
    if actor.kind is ActorKind.PERSON and not actor.grants:
        raise AccessPending(N_("You have signed in, but you have not been given access yet."))
    return actor


ActorDep = Annotated[Actor, Depends(require_actor)]
SignedInDep = Annotated[Actor, Depends(require_signed_in)]


def require_admin_actor(actor: ActorDep) -> Actor:
    """An administrator (FastAPI dependency); anyone else signed in gets 403."""
    require_admin(actor)
    return actor


AdminDep = Annotated[Actor, Depends(require_admin_actor)]


def needs_sign_in(route: object) -> bool:
    """Whether a route takes the signed-in caller (ActorDep, AdminDep, SignedInDep), at any depth."""
    stack = list(getattr(getattr(route, "dependant", None), "dependencies", ()))
    while stack:
        dependant = stack.pop()
        if dependant.call is require_signed_in:
            return True
        stack.extend(dependant.dependencies)
    return False
