"""Moderation of local listings, problem reports, and the catalogue's health (moderators, providers, analysts).

Thin routes: parse, call one use case, render.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts.models import Role
from app.catalogue import local_listings, selfservice
from app.catalogue.codes import served_municipality_codes
from app.catalogue.health import MEASURES, catalogue_health
from app.catalogue.models import Municipality, Organisation
from app.catalogue.problems import ProblemKind, ProblemStatus
from app.catalogue.queries import get_service
from app.catalogue.revisions import ListingRevision
from app.errors import InvalidInput, NotFound, PermissionDenied
from app.settings import get_settings
from app.timeutil import utcnow
from web.auth import ActorDep
from web.deps import SessionDep
from web.i18n import negotiate_locale
from web.pages.templating import render
from web.selfservice.reindex import reindex_queued
from web.staff.templating import render_staff

router = APIRouter(prefix="/staff", include_in_schema=False)
public = APIRouter(include_in_schema=False)


@router.get("/moderation")
def queue(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    if not actor.has_role(Role.MODERATOR):
        raise PermissionDenied("Only moderators can review listings.")
    pending = local_listings.list_pending(session, actor=actor)
    organisations = {r.organisation_id: session.get(Organisation, r.organisation_id) for r in pending}
    return render_staff(
        request,
        "selfservice/moderation.html",
        {"pending": pending, "organisations": organisations, "done": request.query_params.get("done")},
    )


@router.get("/moderation/{revision_id}")
def review(
    request: Request, revision_id: Annotated[uuid.UUID, Path()], actor: ActorDep, session: SessionDep
) -> Response:
    revision = session.get(ListingRevision, revision_id)
    if revision is None or not actor.has_role(Role.MODERATOR):
        raise NotFound("No such listing.")
    return render_staff(
        request,
        "selfservice/review.html",
        {
            "revision": revision,
            "organisation": session.get(Organisation, revision.organisation_id),
            "changes": local_listings.revision_diff(session, revision),
        },
    )


@router.post("/moderation/{revision_id}")
def decide(
    request: Request,
    revision_id: Annotated[uuid.UUID, Path()],
    actor: ActorDep,
    session: SessionDep,
    background: BackgroundTasks,
    decision: Annotated[str, Form(max_length=16)],
    note: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    if decision == "approve":
        local_listings.approve_revision(session, revision_id, actor=actor, now=utcnow())
        background.add_task(reindex_queued, request.app)
    elif decision == "reject":
        local_listings.reject_revision(session, revision_id, note=note, actor=actor, now=utcnow())
    else:
        raise InvalidInput("Choose to approve or to reject.")
    return RedirectResponse(f"/staff/moderation?done={decision}", status_code=303)


# --- problem reports -----------------------------------------------------------------------------------------


@public.get("/{lang}/services/{service_id}/problem")
def report_form(
    request: Request,
    lang: Annotated[str, Path(pattern="^(fi|sv|en)$")],
    service_id: Annotated[uuid.UUID, Path()],
    session: SessionDep,
) -> Response:
    service = get_service(session, service_id)
    return render(
        request,
        lang,
        "selfservice/report_problem.html",
        {"service": service, "kinds": list(ProblemKind), "sent": request.query_params.get("sent") == "1"},
    )


@public.post("/{lang}/services/{service_id}/problem")
def report(
    request: Request,
    lang: Annotated[str, Path(pattern="^(fi|sv|en)$")],
    service_id: Annotated[uuid.UUID, Path()],
    session: SessionDep,
    kind: Annotated[str, Form(max_length=24)] = "",
    text: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Anyone may report a problem with a listing; it reaches the owner and the moderators."""
    selfservice.report_problem(session, service_id, kind=kind, text=text, locale=lang, now=utcnow())
    return RedirectResponse(f"/{lang}/services/{service_id}/problem?sent=1", status_code=303)


@router.get("/problems")
def problems(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    raw = request.query_params.get("status", ProblemStatus.OPEN.value)
    try:
        status = ProblemStatus(raw) if raw else None
    except ValueError:
        raise InvalidInput("Choose how the report was handled.") from None
    rows = selfservice.list_problem_reports(session, actor=actor, status=status)
    if not rows and not actor.has_role(Role.MODERATOR, *selfservice.REPORT_READER_ROLES):
        raise PermissionDenied("Only the listing's organisation and the moderators see problem reports.")
    return render_staff(
        request, "selfservice/problems.html", {"rows": rows, "status": raw, "kinds": list(ProblemKind)}
    )


@router.post("/problems/{report_id}")
def close(
    report_id: Annotated[uuid.UUID, Path()],
    actor: ActorDep,
    session: SessionDep,
    resolution: Annotated[str, Form(max_length=16)],
) -> Response:
    try:
        outcome = ProblemStatus(resolution)
    except ValueError:
        raise InvalidInput("Choose how the report was handled.") from None
    selfservice.close_problem_report(session, report_id, resolution=outcome, actor=actor, now=utcnow())
    return RedirectResponse("/staff/problems", status_code=303)


# --- catalogue health ------------------------------------------------------------------------------------------

HEALTH_ROLES = (Role.MODERATOR, Role.MUNICIPAL_ANALYST, Role.COUNTY_ANALYST, Role.ADMIN)


@router.get("/catalogue-health")
def health(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    if not actor.has_role(*HEALTH_ROLES):
        raise PermissionDenied("Only moderators, analysts and administrators see the catalogue's health.")
    locale = negotiate_locale(request)
    served = served_municipality_codes(session, get_settings())
    rows = catalogue_health(session, now=utcnow(), municipality_codes=sorted(served))
    names: dict[str, str] = {}
    for code in {r.municipality_code for r in rows}:
        municipality = session.get(Municipality, code)
        if municipality is not None:
            names[code] = getattr(municipality, f"name_{locale}") or municipality.name_fi
    return render_staff(
        request, "selfservice/health.html", {"rows": rows, "names": names, "measures": MEASURES}
    )
