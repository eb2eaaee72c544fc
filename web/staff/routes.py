"""Staff sign-in and sign-out, the start page, the "waiting for access" page and the language choice.

Public: the sign-in pages, the OIDC callback, the signed-out page and the language choice. Everything else
under /staff takes `ActorDep` (or `SignedInDep` for the waiting page).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts.demo import get_demo_user, list_demo_users, refuse_in_production
from app.accounts.role_mapping import rules_from_settings
from app.accounts.service import grants_of, list_units, set_user_locale, sign_in_from_claims
from app.catalogue.models import Organisation
from app.errors import N_, NotFound
from app.settings import Settings, get_settings
from app.timeutil import utcnow
from web.auth import ActorDep, SignedInDep, current_actor, oidc
from web.auth.session import end_session, read_session, start_session
from web.deps import SessionDep
from web.i18n import LANGUAGE_COOKIE, LOCALES, negotiate_locale
from web.staff.templating import render_staff

router = APIRouter(prefix="/staff", include_in_schema=False)
START = "/staff/"
_NEXT_KEY = "staff_next"


def _settings(request: Request) -> Settings:
    return getattr(request.app.state, "settings", None) or get_settings()


def safe_next(value: str | None) -> str:
    """Only a path on this site: an open redirect would let a phishing link borrow our sign-in."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return START
    return value


def _set_language_cookie(response: Response, locale: str, settings: Settings) -> None:
    response.set_cookie(
        LANGUAGE_COOKIE, locale, max_age=365 * 24 * 3600, samesite="lax", secure=settings.cookies_secure
    )


def _signed_in_response(request: Request, locale: str, target: str) -> Response:
    response = RedirectResponse(safe_next(target), status_code=303)
    _set_language_cookie(response, locale, _settings(request))
    return response


@router.get("/sign-in")
def sign_in_page(
    request: Request,
    session: SessionDep,
    next: Annotated[str | None, Query(max_length=2000)] = None,
    expired: Annotated[bool, Query()] = False,
) -> Response:
    settings = _settings(request)
    actor = current_actor(request, session)
    if actor is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    demo_users = [] if settings.is_production else list_demo_users(session)
    return render_staff(
        request,
        "staff/sign_in.html",
        {
            "title": None,
            "next": safe_next(next),
            "expired": expired,
            "oidc": oidc.is_configured(settings),
            "demo_users": demo_users,
        },
    )


@router.get("/sign-in/oidc")
async def sign_in_with_oidc(
    request: Request, next: Annotated[str | None, Query(max_length=2000)] = None
) -> Response:
    settings = _settings(request)
    if not oidc.is_configured(settings):
        raise NotFound(N_("Sign-in with an identity provider is not configured."), code="oidc_not_configured")
    response = await oidc.redirect_to_provider(request, settings)
    request.session[_NEXT_KEY] = safe_next(next)
    return response


@router.get("/auth/callback")
async def oidc_callback(request: Request, session: SessionDep) -> Response:
    settings = _settings(request)
    if not oidc.is_configured(settings):
        raise NotFound(N_("Sign-in with an identity provider is not configured."), code="oidc_not_configured")
    claims = await oidc.claims_from_callback(request, settings)
    target = request.session.get(_NEXT_KEY) or START
    user = sign_in_from_claims(
        session,
        issuer=str(settings.oidc_issuer),
        claims=claims,
        rules=rules_from_settings(settings.oidc_role_mapping),
        roles_claim=settings.oidc_roles_claim,
        now=utcnow(),
    )
    start_session(request, user.id, via="oidc", id_token=claims.get("_id_token"))
    if not grants_of(session, user.id):
        target = "/staff/waiting"
    return _signed_in_response(request, user.locale, target)


@router.post("/sign-in/demo")
def demo_sign_in(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form(max_length=320)],
    next: Annotated[str | None, Form(max_length=2000)] = None,
) -> Response:
    """Development only: sign in as a demo staff member, no password."""
    refuse_in_production(_settings(request))
    user = get_demo_user(session, email)
    if user is None:
        raise NotFound(N_("There is no demo user with this e-mail address."), code="demo_user_not_found")
    user.last_login_at = utcnow()
    start_session(request, user.id, via="demo")
    return _signed_in_response(request, user.locale, next or START)


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    settings = _settings(request)
    ended = end_session(request)
    target = oidc.SIGNED_OUT_PATH
    if ended is not None and ended.via == "oidc" and oidc.is_configured(settings):
        target = await oidc.end_session_url(settings, ended.id_token) or target
    return RedirectResponse(target, status_code=303)


@router.get("/signed-out")
def signed_out(request: Request) -> Response:
    return render_staff(request, "staff/signed_out.html", {"signed_in": read_session(request) is not None})


@router.post("/language")
def choose_language(
    request: Request,
    session: SessionDep,
    lang: Annotated[str, Form(max_length=8)],
    next: Annotated[str | None, Form(max_length=2000)] = None,
) -> Response:
    locale = lang if lang in LOCALES else negotiate_locale(request)
    actor = current_actor(request, session)
    if actor is not None:
        set_user_locale(session, actor=actor, locale=locale)
    response = RedirectResponse(safe_next(next), status_code=303)
    _set_language_cookie(response, locale, _settings(request))
    return response


@router.get("/waiting")
def waiting(request: Request, actor: SignedInDep) -> Response:
    if actor.grants:
        return RedirectResponse(START, status_code=303)
    return render_staff(request, "staff/waiting.html", {})


@router.get("/")
def start(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    """The staff start page: who you are, your roles and where to go."""
    grants = []
    for grant in actor.grants:
        organisation = session.get(Organisation, grant.organisation_id)
        unit = None
        if grant.unit_id:
            unit = next(
                (u for u in list_units(session, grant.organisation_id) if u.id == grant.unit_id), None
            )
        grants.append({"role": grant.role, "organisation": organisation, "unit": unit})
    return render_staff(request, "staff/start.html", {"grants": grants})
