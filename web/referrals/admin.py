"""An administrator answers a resident's request to see or erase their data, and removes an accidental
referral (entered in error), under /staff/admin/residents.

Thin: parse, call one use case of referrals/subject_requests.py, render. Every route takes AdminDep. Every
look-up, export and erasure is written to the access log. Searches are POSTed, so no name, contact detail
or short code ever lands in an address (and so in a server's access log).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from app.accounts.actor import Actor
from app.audit.trail import record_event
from app.errors import DomainError
from app.i18n import gettext
from referrals import subject_requests
from referrals.errors import ReferralNotFound
from referrals.models import Referral
from referrals.queries import list_targets
from referrals.service import enter_in_error
from referrals.status import (
    RULES,
    Action,
)
from web.auth import AdminDep
from web.deps import SessionDep
from web.errors import message_of
from web.i18n import negotiate_locale
from web.referrals import runtime
from web.referrals.forms import FormDep, text_of, uuid_list
from web.referrals.labels import referral_labels
from web.staff.templating import render_staff

router = APIRouter(prefix="/staff/admin/residents", include_in_schema=False)
# The resident's data an export or an erasure touches, for the access log.
PERSONAL_FIELDS = (
    "name",
    "phone",
    "email",
    "contact_time",
    "birth_year",
    "hopes",
    "exercise_plan",
    "timeline_notes",
    "follow_up_answers",
)


def _log(session: Session, actor: Actor, referral: Referral, *, action: str, purpose: str) -> None:
    """The access log entry of an administrator's handling (runtime's helper skips anonymised referrals,
    but an export of one is still an answer to its resident)."""
    from app.audit.access import log_access

    log_access(
        session,
        actor=actor,
        action=action,
        entity_type="referral",
        entity_id=referral.id,
        subject_ref=f"referral:{referral.id}",
        purpose=purpose,
        fields=PERSONAL_FIELDS if referral.anonymised_at is None else (),
    )


def _search_page(
    request: Request,
    *,
    found: list[Referral] | None = None,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    locale = negotiate_locale(request)
    return render_staff(
        request,
        "staff/admin/residents.html",
        {
            "title": gettext(locale, "Residents' data requests"),
            "found": found,
            "error": error,
            "form": form or {},
            "done": request.query_params.get("done", ""),
            **referral_labels(locale),
        },
        status_code=status_code,
    )


@router.get("")
def search_page(request: Request, actor: AdminDep) -> Response:
    return _search_page(request)


@router.post("/find")
def find(request: Request, actor: AdminDep, session: SessionDep, data: FormDep) -> Response:
    """Find a resident's referrals by a referral's id, link or short code, or by name and contact."""
    how = text_of(data, "how", 16)
    form = {
        "how": how,
        "reference": text_of(data, "reference", 300),
        "name": text_of(data, "name", 200),
        "contact": text_of(data, "contact", 320),
    }
    locale = negotiate_locale(request)
    try:
        if how == "reference":
            found = subject_requests.find_by_reference(
                session, actor=actor, reference=form["reference"], secret=runtime.secret_of(request)
            )
        else:
            found = subject_requests.find_by_contact(
                session, actor=actor, name=form["name"], contact=form["contact"]
            )
    except DomainError as exc:
        return _search_page(request, error=message_of(exc, locale), form=form, status_code=422)
    for referral in found:
        _log(session, actor, referral, action="read", purpose="subject_request.find")
    runtime.commit_now(session)
    # The reference typed is not shown back: a short code is as good as a key to the resident's page.
    form["reference"] = ""
    return _search_page(request, found=found, form=form)


def _chosen(session: Session, actor: Actor, data: FormData) -> list[Referral]:
    ids = uuid_list(data, "referral")[: subject_requests.MAX_FOUND]
    return [subject_requests.get_for_request(session, referral_id, actor=actor) for referral_id in ids]


def _export_context(session: Session, referrals: list[Referral], locale: str) -> dict[str, Any]:
    items = []
    for referral in referrals:
        items.append(
            {
                "referral": referral,
                "data": subject_requests.export_everything(session, referral),
                "services": list_targets(session, referral),
            }
        )
    return {"exported": items, **referral_labels(locale)}


@router.post("/export")
def export(request: Request, actor: AdminDep, session: SessionDep, data: FormDep) -> Response:
    """Everything held about the chosen referrals' resident: as a JSON file, or as a page to read and print."""
    referrals = _chosen(session, actor, data)
    locale = negotiate_locale(request)
    if not referrals:
        return _search_page(request, error=gettext(locale, "Choose at least one referral."), status_code=422)
    as_json = text_of(data, "format", 8) == "json"
    for referral in referrals:
        _log(session, actor, referral, action="export", purpose="subject_request.export")
        record_event(
            session,
            action="referral.exported",
            entity_type="referral",
            entity_id=referral.id,
            actor_user_id=actor.user_id,
            actor_label=actor.label,
            details={"format": "json" if as_json else "html"},
        )
    if as_json:
        body = {
            "exported_at": runtime.now().isoformat(),
            "referrals": [subject_requests.export_everything(session, r) for r in referrals],
        }
        runtime.commit_now(session)
        return Response(
            json.dumps(body, ensure_ascii=False, indent=2),
            media_type="application/json",
            headers={
                "Content-Disposition": f'attachment; filename="resident-data-{runtime.now():%Y%m%d}.json"'
            },
        )
    context = _export_context(session, referrals, locale)
    runtime.commit_now(session)
    return render_staff(
        request,
        "staff/admin/resident_export.html",
        {"title": gettext(locale, "Data held about the resident"), **context},
    )


@router.post("/erase")
def erase(request: Request, actor: AdminDep, session: SessionDep, data: FormDep) -> Response:
    """Erase on request, in two steps: the first shows what goes and what stays, the second (confirm=yes)
    erases. The administrator's comment is kept on each referral's timeline."""
    locale = negotiate_locale(request)
    referrals = _chosen(session, actor, data)
    comment = text_of(data, "comment", subject_requests.COMMENT_MAX + 1)
    if not referrals:
        return _search_page(request, error=gettext(locale, "Choose at least one referral."), status_code=422)
    context: dict[str, Any] = {
        "title": gettext(locale, "Erase the resident's data"),
        "referrals": referrals,
        "comment": comment,
        **referral_labels(locale),
    }
    if text_of(data, "confirm", 4) != "yes" or not comment:
        error = None if comment or "confirm" not in data else gettext(locale, "Write why the data is erased.")
        return render_staff(
            request,
            "staff/admin/resident_erase.html",
            {**context, "error": error},
            status_code=422 if error else 200,
        )
    now = runtime.now()
    erased = 0
    try:
        for referral in referrals:
            locked = subject_requests.get_for_request(session, referral.id, actor=actor, for_update=True)
            if locked.anonymised_at is not None:
                continue
            _log(session, actor, locked, action="erase", purpose="subject_request.erase")
            subject_requests.erase_on_request(session, locked, actor=actor, comment=comment, now=now)
            erased += 1
    except DomainError as exc:
        session.rollback()
        referrals = _chosen(session, actor, data)
        return render_staff(
            request,
            "staff/admin/resident_erase.html",
            {**context, "referrals": referrals, "error": message_of(exc, locale)},
            status_code=409,
        )
    runtime.commit_now(session)
    return render_staff(request, "staff/admin/resident_erased.html", {**context, "erased": erased})


def _referral_page(
    request: Request,
    session: Session,
    referral: Referral,
    *,
    error: str | None = None,
    confirm: bool = False,
    comment: str = "",
    status_code: int = 200,
) -> Response:
    locale = negotiate_locale(request)
    return render_staff(
        request,
        "staff/admin/resident_referral.html",
        {
            "title": gettext(locale, "Referral"),
            "referral": referral,
            "can_enter_in_error": referral.status in RULES[Action.ENTER_IN_ERROR].sources,
            "error": error,
            "confirm": confirm,
            "comment": comment,
            **_export_context(session, [referral], locale),
        },
        status_code=status_code,
    )


@router.get("/{referral_id}")
def referral_page(referral_id: uuid.UUID, request: Request, actor: AdminDep, session: SessionDep) -> Response:
    """One referral as an administrator answering a request sees it (access-logged), with the removal of
    an accidental one."""
    referral = subject_requests.get_for_request(session, referral_id, actor=actor)
    _log(session, actor, referral, action="read", purpose="subject_request.read")
    return _referral_page(request, session, referral)


@router.post("/{referral_id}/entered-in-error")
def mark_entered_in_error(
    referral_id: uuid.UUID, request: Request, actor: AdminDep, session: SessionDep, data: FormDep
) -> Response:
    """Remove an accidental draft or send (entered in error), with a comment, after a confirmation step."""
    locale = negotiate_locale(request)
    referral = subject_requests.get_for_request(session, referral_id, actor=actor, for_update=True)
    comment = text_of(data, "comment", 2001)
    if text_of(data, "confirm", 4) != "yes" or not comment:
        error = None if comment else gettext(locale, "Write why the referral is removed.")
        return _referral_page(
            request,
            session,
            referral,
            error=error,
            confirm=bool(comment),
            comment=comment,
            status_code=422 if error else 200,
        )
    try:
        _log(session, actor, referral, action="erase", purpose="referral.enter_in_error")
        enter_in_error(session, referral, actor=actor, note=comment, now=runtime.now())
    except DomainError as exc:
        session.rollback()
        try:
            referral = subject_requests.get_for_request(session, referral_id, actor=actor)
        except ReferralNotFound:
            raise exc from None
        status = 409 if exc.code in ("transition_not_allowed", "stale_version") else 422
        return _referral_page(request, session, referral, error=message_of(exc, locale), status_code=status)
    runtime.commit_now(session)
    return RedirectResponse("/staff/admin/residents?done=entered_in_error", status_code=303)
