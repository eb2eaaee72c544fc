"""The referral JSON API for patient record systems: /api/v1/referrals. Same rules as the pages.

404 when the referral is not the caller's to see (it may not exist), 403 for an action the caller's
relation does not allow, 409 when the version is stale or the state does not allow it now.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Query, Request
from fastapi.responses import JSONResponse

from app.errors import InvalidInput
from referrals import queries, service
from referrals.errors import ReferralNotFound
from referrals.links import resident_path
from referrals.service import ConsentInput, ExercisePlan, FieldErrors, ReferralInput, ResidentInput
from referrals.status import Action, ReferralKind, ReferralStatus
from web.api.schemas import SIGN_IN_ERRORS, ErrorOut
from web.auth import ActorDep
from web.deps import SessionDep
from web.i18n import gettext, negotiate_locale
from web.referrals import runtime
from web.referrals.schemas import IssuedOut, ReferralIn, ReferralOut, ReferralPage, TransitionIn
from web.referrals.views import action_for, detail, detail_of, referral_out, summary_out

router = APIRouter(prefix="/api/v1/referrals", tags=["referrals"])
# Referrals began in this century; the bounds keep a day's start and end inside the calendar.
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
ERRORS: dict[int | str, dict[str, Any]] = {
    **SIGN_IN_ERRORS,
    400: {"model": ErrorOut, "description": "The body could not be read (it is not UTF-8 text)."},
    403: {"model": ErrorOut, "description": "Your relation to the referral does not allow this."},
    404: {"model": ErrorOut, "description": "No such referral, or it is not yours to see."},
    409: {"model": ErrorOut, "description": "Stale version, or not allowed in the present state."},
    422: {"model": ErrorOut, "description": "The body is not valid; each problem under its field."},
}


def to_input(body: ReferralIn) -> ReferralInput:
    resident = body.resident
    exercise = body.exercise
    return ReferralInput(
        kind=body.kind,
        resident=ResidentInput(
            name=resident.name,
            contact_channel=resident.contact_channel,
            municipality_code=resident.municipality,
            phone=resident.phone,
            email=resident.email,
            contact_time=resident.contact_time,
            birth_year=resident.birth_year,
            locale=resident.language,
        ),
        reasons=tuple(r.value for r in body.reasons),
        hopes=body.hopes,
        practical_needs=tuple(n.value for n in body.practical_needs),
        service_ids=tuple(body.service_ids),
        consent=ConsentInput(
            method=body.consent.method,
            organisation_ids=tuple(body.consent.organisation_ids),
            fields=tuple(body.consent.fields),
            informed=body.consent.informed,
            valid_until=body.consent.valid_until,
        ),
        respond_by=body.respond_by,
        exercise=ExercisePlan(
            activity_level=exercise.activity_level,
            goal=exercise.goal,
            recommendations=exercise.recommendations,
            follow_up_dates=tuple(exercise.follow_up_dates),
        )
        if exercise is not None
        else None,
        organisation_id=body.organisation_id,
    )


@router.post("", status_code=201, response_model=IssuedOut, responses=ERRORS)
def issue(
    body: ReferralIn, request: Request, actor: ActorDep, session: SessionDep, background: BackgroundTasks
) -> IssuedOut | JSONResponse:
    """Issue a referral with the resident's consent. The answer carries what the printed referral needs."""
    settings = runtime.settings_of(request)
    try:
        issued = service.issue_referral(
            session,
            actor=actor,
            data=to_input(body),
            now=runtime.now(),
            secret=runtime.secret_of(request),
            response_days=runtime.retention_of(request, session).referral_response_days,
        )
    except FieldErrors as exc:
        # Every problem at once, each under the body's own field name.
        locale = negotiate_locale(request)
        details = [
            {"parameter": name, "message": gettext(locale, message)} for name, message in exc.errors.items()
        ]
        return JSONResponse(
            status_code=422,
            content={
                "error": exc.code,
                "message": " ".join(d["message"] for d in details),
                "details": details,
            },
        )
    view = detail_of(session, actor, issued.referral, issued.consent, issued.timeline)
    runtime.log_referral_access(
        session, actor, issued.referral, action="change", purpose="referral.issue", fields=view.fields
    )
    out = referral_out(session, view, issued.targets)
    runtime.commit_now(session)
    background.add_task(runtime.send_notices, request)
    return IssuedOut(
        **out.model_dump(),
        resident_link=str(settings.base_url).rstrip("/") + resident_path(issued.link_token),
        short_code=issued.short_code,
    )


@router.get("", response_model=ReferralPage, responses=ERRORS)
def list_referrals(
    actor: ActorDep,
    session: SessionDep,
    status: Annotated[
        list[ReferralStatus] | None, Query(description="Only these states (repeat the parameter).")
    ] = None,
    kind: ReferralKind | None = None,
    view: Annotated[
        queries.ListView, Query(description="all, mine (issued by me), unit (my units'), inbox (to me)")
    ] = queries.ListView.ALL,
    created_from: Annotated[
        date | None, Query(ge=EARLIEST, le=LATEST, description="Created on or after")
    ] = None,
    created_to: Annotated[
        date | None, Query(ge=EARLIEST, le=LATEST, description="Created on or before")
    ] = None,
    overdue: Annotated[bool, Query(description="Only unanswered referrals past their deadline.")] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ReferralPage:
    """The referrals the caller may see, newest first. Summaries carry no personal data."""
    if created_from and created_to and created_from > created_to:
        raise InvalidInput("created_from must not be after created_to.", code="invalid_range")
    today = service.local_today(runtime.now())
    found = queries.list_referrals(
        session,
        actor=actor,
        filters=queries.ReferralFilter(
            view=view,
            statuses=tuple(status or ()),
            kind=kind,
            created_from=created_from,
            created_to=created_to,
            overdue_on=today if overdue else None,
        ),
        limit=limit,
        offset=offset,
    )
    return ReferralPage(
        items=[summary_out(r, today) for r in found.rows], total=found.total or 0, limit=limit, offset=offset
    )


@router.get("/{referral_id}", response_model=ReferralOut, responses=ERRORS)
def get_referral(referral_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> ReferralOut:
    """One referral with only the fields the caller may see (a provider: those the consent names)."""
    referral = queries.get_referral(session, referral_id, actor=actor)
    view = detail(session, actor, referral)
    runtime.log_referral_access(
        session, actor, referral, action="read", purpose="referral", fields=view.fields
    )
    return referral_out(session, view)


@router.post("/{referral_id}/transitions", response_model=ReferralOut, responses=ERRORS)
def post_transition(
    referral_id: uuid.UUID,
    body: TransitionIn,
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    background: BackgroundTasks,
) -> ReferralOut:
    """Move the referral to another state, if the caller's relation and its present state allow it."""
    referral = queries.get_referral(session, referral_id, actor=actor, for_update=True)
    parties = detail(session, actor, referral).parties
    reopen_to = service.reopen_target(session, referral) if referral.status.is_closed else None
    action = action_for(body.to, body.reason, referral, parties, reopen_to=reopen_to)
    now = runtime.now()
    if action is Action.CHOOSE:
        if body.service_id is None:
            raise InvalidInput("Name the chosen service in service_id.", code="service_required")
        service.choose_service(
            session, referral, actor=actor, service_id=body.service_id, now=now, expected_version=body.version
        )
    elif action is Action.ATTEND:
        if body.session_on is None:
            raise InvalidInput("Give the session's date in session_on.", code="session_required")
        service.record_attendance(
            session,
            referral,
            actor=actor,
            session_on=body.session_on,
            attended=body.attended,
            now=now,
            expected_version=body.version,
        )
    elif action is Action.ENTER_IN_ERROR:
        raise ReferralNotFound()
    else:
        service.act(
            session,
            referral,
            action,
            actor=actor,
            now=now,
            reason=None if action is Action.WITHDRAW_CONSENT else body.reason,
            note=body.note,
            expected_version=body.version,
        )
    view = detail(session, actor, referral)
    runtime.log_referral_access(
        session, actor, referral, action="change", purpose=f"referral.{action.value}", fields=()
    )
    out = referral_out(session, view)
    runtime.commit_now(session)
    background.add_task(runtime.send_notices, request)
    # A provider who recorded the resident's withdrawal has no access any more: the answer says only the state.
    return out
