"""Provider self-service pages: a provider admin's listings, the overlay of each, local listings.

Thin: parse, call one use case, render. Every route takes the signed-in actor; the use cases decide who may
change what (a provider admin, their own organisation's listings only).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from app.accounts.actor import Actor
from app.accounts.models import Role
from app.catalogue import local_listings, selfservice
from app.catalogue.codes import served_municipality_codes
from app.catalogue.enums import AccessibilityFeature
from app.catalogue.listing_form import DAYS, LANGUAGES, listing_from_form, parse_sessions
from app.catalogue.models import Municipality, Organisation, Service, Theme
from app.catalogue.overlay import Capacity, ReferralMethod, ServiceOverlay
from app.errors import InvalidInput, NotFound, PermissionDenied
from app.settings import get_settings
from app.timeutil import utcnow
from web.auth import ActorDep
from web.deps import SessionDep
from web.errors import message_of
from web.i18n import negotiate_locale
from web.pages.provider_facts import capacity_text
from web.selfservice.deps import FormDep
from web.selfservice.forms import overlay_from_form
from web.selfservice.reindex import reindex_queued
from web.staff.templating import render_staff

router = APIRouter(prefix="/staff/listings", include_in_schema=False)
ServiceId = Annotated[uuid.UUID, Path()]


def _require_provider_admin(actor: Actor) -> None:
    if not actor.has_role(Role.PROVIDER_ADMIN):
        raise PermissionDenied("Only the organisation's own administrators can change this listing.")


def _choices(session: Session) -> dict[str, Any]:
    return {
        "themes": list(session.exec(select(Theme).order_by(col(Theme.sort_order)))),
        "municipalities": list(
            session.exec(
                select(Municipality)
                .where(col(Municipality.code).in_(sorted(served_municipality_codes(session, get_settings()))))
                .order_by(col(Municipality.name_fi))
            )
        ),
        "days": DAYS,
        "languages": LANGUAGES,
        "capacities": list(Capacity),
        "methods": list(ReferralMethod),
        "features": list(AccessibilityFeature),
    }


@router.get("")
def my_listings(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    _require_provider_admin(actor)
    locale = negotiate_locale(request)
    services = selfservice.list_owned_services(session, actor=actor)
    overlays = selfservice.get_overlays(session, [s.id for s in services])
    now = utcnow()
    settings = getattr(request.app.state, "settings", None) or get_settings()
    confirm_after = selfservice.months(settings.listing_reminder_months)
    rows = []
    for s in services:
        verified = selfservice.last_verified(s, overlays.get(s.id))
        rows.append(
            {
                "service": s,
                "capacity": capacity_text(overlays.get(s.id), locale),
                "verified": verified,
                "stale": selfservice.is_stale(verified, now),
                # Due for the periodic confirmation the reminder e-mail asks for.
                "due": verified is None or now - verified > confirm_after,
            }
        )
    return render_staff(
        request,
        "selfservice/listings.html",
        {
            "title": None,
            "rows": rows,
            "drafts": local_listings.list_own_listings(session, actor=actor),
            "organisations": [
                session.get(Organisation, o) for o in sorted(actor.organisations_with(Role.PROVIDER_ADMIN))
            ],
            "saved": request.query_params.get("saved") == "1",
        },
    )


# --- local listings ----------------------------------------------------------------------------------------


def _listing_page(
    request: Request,
    session: Session,
    *,
    fields: dict[str, Any],
    organisation_id: uuid.UUID,
    listing_id: uuid.UUID | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    return render_staff(
        request,
        "selfservice/local_form.html",
        {
            "fields": fields,
            "organisation_id": organisation_id,
            "listing_id": listing_id,
            "error": error,
            "history": local_listings.revision_history(session, listing_id, actor=request.state.actor)
            if listing_id
            else [],
            **_choices(session),
        },
        status_code=status,
    )


@router.get("/local/new")
def new_listing(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    _require_provider_admin(actor)
    organisations = sorted(actor.organisations_with(Role.PROVIDER_ADMIN))
    return _listing_page(request, session, fields={"sessions": []}, organisation_id=organisations[0])


@router.get("/local/{listing_id}")
def edit_listing(request: Request, listing_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> Response:
    history = local_listings.revision_history(session, listing_id, actor=actor)
    latest = history[0]
    return _listing_page(
        request, session, fields=latest.fields, organisation_id=latest.organisation_id, listing_id=listing_id
    )


def _parse_listing(session: Session, single: dict[str, str], lists: dict[str, list[str]]) -> dict[str, Any]:
    return listing_from_form(
        single,
        themes=lists.get("themes", []),
        municipalities=lists.get("municipalities", []),
        languages=lists.get("languages", []),
        sessions=parse_sessions(lists.get("day", []), lists.get("starts", []), lists.get("ends", [])),
        known_themes=set(session.exec(select(Theme.code))),
        known_municipalities=served_municipality_codes(session, get_settings()),
    )


@router.post("/local")
def propose(request: Request, actor: ActorDep, session: SessionDep, form: FormDep) -> Response:
    single, lists = form
    _require_provider_admin(actor)
    try:
        organisation_id = uuid.UUID(single.get("organisation_id", ""))
    except ValueError:
        raise NotFound("No such listing.") from None
    raw_listing = single.get("listing_id") or ""
    listing_id = None
    if raw_listing:
        try:
            listing_id = uuid.UUID(raw_listing)
        except ValueError:
            raise NotFound("No such listing.") from None
    try:
        fields = _parse_listing(session, single, lists)
    except InvalidInput as error:
        message = message_of(error, negotiate_locale(request))
        echo = {
            **single,
            **{k: v for k, v in lists.items() if k in ("themes", "municipalities", "languages")},
            "sessions": [],
        }
        return _listing_page(
            request,
            session,
            fields=echo,
            organisation_id=organisation_id,
            listing_id=listing_id,
            error=message,
            status=422,
        )
    local_listings.propose_listing(
        session,
        organisation_id=organisation_id,
        fields=fields,
        actor=actor,
        now=utcnow(),
        listing_id=listing_id,
    )
    return RedirectResponse("/staff/listings?saved=1", status_code=303)


# --- the overlay of one listing (after the /local routes: their paths would match {service_id}) ---------


def _overlay_page(
    request: Request,
    session: Session,
    service: Service,
    overlay: ServiceOverlay | None,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    return render_staff(
        request,
        "selfservice/overlay.html",
        {"service": service, "overlay": overlay, "error": error, **_choices(session)},
        status_code=status,
    )


@router.get("/{service_id}")
def overlay_form(request: Request, service_id: ServiceId, actor: ActorDep, session: SessionDep) -> Response:
    service = selfservice.get_owned_service(session, service_id, actor=actor)
    return _overlay_page(request, session, service, selfservice.get_overlay(session, service.id))


@router.post("/{service_id}")
def overlay_save(
    request: Request,
    service_id: ServiceId,
    actor: ActorDep,
    session: SessionDep,
    form: FormDep,
    background: BackgroundTasks,
) -> Response:
    service = selfservice.get_owned_service(session, service_id, actor=actor)
    single, lists = form
    try:
        changes = overlay_from_form(single, lists)
        selfservice.update_overlay(session, service.id, changes, actor=actor, now=utcnow())
    except InvalidInput as error:
        message = message_of(error, negotiate_locale(request))
        return _overlay_page(
            request, session, service, selfservice.get_overlay(session, service.id), error=message, status=422
        )
    background.add_task(reindex_queued, request.app)
    return RedirectResponse("/staff/listings?saved=1", status_code=303)


@router.post("/{service_id}/confirm")
def confirm(request: Request, service_id: ServiceId, actor: ActorDep, session: SessionDep) -> Response:
    selfservice.confirm_listing(session, service_id, actor=actor, now=utcnow())
    return RedirectResponse("/staff/listings?saved=1", status_code=303)
