"""The professional's, counsellor's, coordinator's and provider's referral pages under /staff/referrals.

Thin: parse, call one use case, render. Sign-in is enforced by ActorDep on every route; what each
actor sees and may do comes from referrals/policy.py, never from here.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Any

import segno
from fastapi import APIRouter, BackgroundTasks, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.accounts.actor import Actor
from app.accounts.models import Role
from app.catalogue.models import Service
from app.catalogue.queries import list_municipalities
from app.errors import N_, DomainError, InvalidInput
from app.i18n import gettext
from referrals import queries, service
from referrals.errors import ReferralNotFound
from referrals.fields import CONSENT_FIELD_LABELS
from referrals.links import format_code, resident_path
from referrals.models import Referral
from referrals.service import FieldErrors
from referrals.status import (
    REASONS,
    Action,
    Party,
    ReferralKind,
    ReferralStatus,
)
from web.auth import ActorDep
from web.deps import SessionDep
from web.errors import message_of
from web.i18n import negotiate_locale
from web.referrals import runtime
from web.referrals.forms import FormDep, IssueForm, date_of, issue_form_from, text_of, to_referral_input
from web.referrals.labels import referral_labels
from web.referrals.schedule import recent_session_dates
from web.referrals.views import allowed_actions, detail, is_overdue, shown_fields
from web.staff.templating import render_staff

router = APIRouter(prefix="/staff/referrals", include_in_schema=False)
PER_PAGE = 50


def _views_for(actor: Actor) -> list[queries.ListView]:
    views = []
    if actor.has_role(Role.REFERRER):
        views.append(queries.ListView.MINE)
        if actor.units_with(Role.REFERRER):
            views.append(queries.ListView.UNIT)
    if actor.has_role(Role.PROVIDER_CONTACT, Role.PROVIDER_ADMIN, Role.COORDINATOR, Role.EXERCISE_COUNSELLOR):
        views.append(queries.ListView.INBOX)
    return views


@router.get("")
def list_page(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    view: queries.ListView | None = None,
    status: Annotated[list[str] | None, Query(max_length=24)] = None,
    overdue: bool = False,
    followups: bool = False,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """My referrals, my unit's, or my inbox; overdue ones and follow-ups due marked, each a filter too."""
    views = _views_for(actor)
    chosen = view or (views[0] if views else queries.ListView.ALL)
    # The filter form's "All" sends an empty status: no filter, not an error.
    try:
        statuses = tuple(ReferralStatus(value) for value in status or () if value)
    except ValueError:
        raise InvalidInput(N_("Choose one of the options.")) from None
    today = service.local_today(runtime.now())
    found = queries.list_referrals(
        session,
        actor=actor,
        filters=queries.ReferralFilter(
            view=chosen,
            statuses=statuses,
            overdue_on=today if overdue else None,
            follow_ups_due_on=today if followups else None,
        ),
        limit=PER_PAGE,
        offset=(page - 1) * PER_PAGE,
        count=False,  # "more on the next page" instead: counting a large inbox cost more than the page
        today=today,
    )
    rows = found.rows
    items = []
    fields = shown_fields(session, actor, rows)
    runtime.log_list_access(
        session, actor, [(r, fields[r.id] & {"name"}) for r in rows], purpose="referral.list"
    )
    for referral in rows:
        items.append(
            {
                "referral": referral,
                "name": referral.resident_name if "name" in fields[referral.id] else None,
                "overdue": is_overdue(referral, today),
                "follow_up": referral.follow_up,
            }
        )
    locale = negotiate_locale(request)
    return render_staff(
        request,
        "referrals/staff_list.html",
        {
            "title": gettext(locale, "Referrals"),
            "views": views,
            "view": chosen,
            "rows": items,
            "first": (page - 1) * PER_PAGE + 1,
            "last": (page - 1) * PER_PAGE + len(rows),
            "more": found.more,
            "page": page,
            "status_filter": [s.value for s in statuses],
            "overdue": overdue,
            "followups": followups,
            "statuses": list(ReferralStatus),
            "can_issue": actor.has_role(Role.REFERRER),
            **referral_labels(locale),
        },
    )


def _issue_context(
    request: Request, session: Session, actor: Actor, form: IssueForm, errors: dict[str, str]
) -> dict[str, Any]:
    locale = negotiate_locale(request)
    chosen = queries.search_services(session, text="", ids=form.service_ids) if form.service_ids else []
    found = (
        [
            o
            for o in queries.search_services(
                session, text=form.q, municipality_code=form.municipality or None
            )
            if o.service.id not in form.service_ids
        ]
        if form.q
        else []
    )
    organisations = {o.organisation.id: o.organisation for o in chosen}
    return {
        "title": gettext(locale, "New referral"),
        "form": form,
        "errors": {k: gettext(locale, v) for k, v in errors.items()},
        "chosen": chosen,
        "found": found,
        "searched": bool(form.q),
        "consent_organisations": list(organisations.values()),
        "municipalities": list_municipalities(session),
        "referrer_organisations": sorted(
            {g.organisation_id for g in actor.grants if g.role is Role.REFERRER}, key=str
        ),
        "default_respond_by": (
            service.local_today(runtime.now())
            + timedelta(days=runtime.retention_of(request, session).referral_response_days)
        ).isoformat(),
        "kinds": [k.value for k in ReferralKind],
        "channels": ["phone", "sms", "email", "professional", "paper"],
        **referral_labels(locale),
    }


@router.get("/new")
def new_page(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    service_id: Annotated[list[uuid.UUID] | None, Query(alias="service")] = None,
) -> Response:
    service.referrer_grant(actor, None)
    form = IssueForm(service_ids=list(service_id or [])[:5])
    form.consent_organisations = [
        o.organisation.id for o in queries.search_services(session, text="", ids=form.service_ids)
    ]
    return render_staff(
        request, "referrals/staff_new.html", _issue_context(request, session, actor, form, {})
    )


@router.post("/new")
def issue_page(
    request: Request, actor: ActorDep, session: SessionDep, data: FormDep, background: BackgroundTasks
) -> Response:
    """One form, three buttons: search activities (no JavaScript needed), issue with consent, or give an
    activity card without consent."""
    service.referrer_grant(actor, None)
    form = issue_form_from(data)
    op = text_of(data, "op", 16)
    locale = negotiate_locale(request)
    if op == "card":
        try:
            card = service.give_activity_card(
                session,
                actor=actor,
                kind=ReferralKind(form.kind)
                if form.kind in {k.value for k in ReferralKind}
                else ReferralKind.WELFARE,
                service_ids=form.service_ids,
                reasons=form.reasons,
                municipality_code=form.municipality or None,
                sms_to=form.sms_card_to or None,
                now=runtime.now(),
            )
        except DomainError as exc:
            session.rollback()
            context = _issue_context(request, session, actor, form, {"card": exc.message})
            return render_staff(request, "referrals/staff_new.html", context, status_code=422)
        runtime.commit_now(session)
        background.add_task(runtime.send_notices, request)
        options = queries.search_services(session, text="", ids=[uuid.UUID(s) for s in card.service_ids])
        return render_staff(
            request,
            "referrals/staff_card.html",
            {
                "title": gettext(locale, "Activity card"),
                "options": options,
                "sent_by_sms": card.channel == "sms",
            },
        )
    if op != "issue":
        if form.service_ids and not form.consent_organisations:
            form.consent_organisations = [
                o.organisation.id for o in queries.search_services(session, text="", ids=form.service_ids)
            ]
        return render_staff(
            request, "referrals/staff_new.html", _issue_context(request, session, actor, form, {})
        )
    data_in, errors = to_referral_input(form)
    if data_in is None:
        return render_staff(
            request,
            "referrals/staff_new.html",
            _issue_context(request, session, actor, form, errors),
            status_code=422,
        )
    try:
        issued = service.issue_referral(
            session,
            actor=actor,
            data=data_in,
            now=runtime.now(),
            secret=runtime.secret_of(request),
            response_days=runtime.retention_of(request, session).referral_response_days,
        )
    except FieldErrors as exc:
        session.rollback()
        return render_staff(
            request,
            "referrals/staff_new.html",
            _issue_context(request, session, actor, form, exc.errors),
            status_code=422,
        )
    runtime.log_referral_access(
        session, actor, issued.referral, action="change", purpose="referral.issue", fields=("name",)
    )
    runtime.commit_now(session)
    background.add_task(runtime.send_notices, request)
    return _issued_page(request, session, issued.referral, issued.short_code, issued.link_token)


def _issued_page(request: Request, session: Session, referral: Referral, code: str, token: str) -> Response:
    locale = negotiate_locale(request)
    link = str(runtime.settings_of(request).base_url).rstrip("/") + resident_path(token)
    return render_staff(
        request,
        "referrals/staff_issued.html",
        {
            "title": gettext(locale, "Referral issued"),
            "referral": referral,
            "code": format_code(code),
            "link": link,
            "qr": segno.make(link, error="m").svg_inline(
                scale=4, title=gettext(locale, "QR code of the referral link")
            ),
            "services": queries.list_targets(session, referral),
            **referral_labels(locale),
        },
    )


@router.get("/{referral_id}")
def detail_page(
    referral_id: uuid.UUID, request: Request, actor: ActorDep, session: SessionDep, error: str | None = None
) -> Response:
    referral = queries.get_referral(session, referral_id, actor=actor)
    return _detail(request, session, actor, referral)


def _detail(
    request: Request,
    session: Session,
    actor: Actor,
    referral: Referral,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    locale = negotiate_locale(request)
    view = detail(session, actor, referral)
    runtime.log_referral_access(
        session, actor, referral, action="read", purpose="referral", fields=view.fields
    )
    targets = queries.list_targets(session, referral)
    if view.parties == frozenset({Party.PROVIDER}):
        targets = [(t, s) for t, s in targets if s.id == referral.chosen_service_id]
    chosen = session.get(Service, referral.chosen_service_id) if referral.chosen_service_id else None
    today = service.local_today(runtime.now())
    earlier = (
        queries.list_earlier_referrals(session, referral, actor=actor)
        if view.parties & {Party.REFERRER, Party.COORDINATOR}
        else []
    )
    return render_staff(
        request,
        "referrals/staff_detail.html",
        {
            "title": gettext(locale, "Referral"),
            "referral": referral,
            "view": view,
            "fields": view.fields,
            "targets": targets,
            "chosen": chosen,
            "attendance": queries.list_attendance(session, referral),
            "follow_ups": queries.list_follow_ups(session, referral),
            "follow_up_due": queries.follow_ups_due(session, [referral], today).get(referral.id),
            "follow_up_horizon": today + queries.FOLLOW_UP_AHEAD,
            "actions": [a for a in allowed_actions(referral, view.parties)],
            "reasons": {a.value: [m.value for m in REASONS[a]] for a in REASONS},
            "session_dates": recent_session_dates(chosen, today) if chosen is not None else [],
            "today": today.isoformat(),
            "overdue": is_overdue(referral, today),
            "earlier": earlier,
            "error": error,
            "is_referrer": Party.REFERRER in view.parties or Party.COORDINATOR in view.parties,
            "consent_fields_text": ", ".join(
                gettext(locale, CONSENT_FIELD_LABELS[f])
                for f in (view.consent.fields if view.consent else [])
                if f in CONSENT_FIELD_LABELS
            ),
            **referral_labels(locale),
        },
        status_code=status_code,
    )


@router.post("/{referral_id}/act")
def act_page(
    referral_id: uuid.UUID,
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    data: FormDep,
    background: BackgroundTasks,
) -> Response:
    """Every action on a referral, from its page (a form per action)."""
    referral = queries.get_referral(session, referral_id, actor=actor, for_update=True)
    action_text = text_of(data, "action", 32)
    version_text = text_of(data, "version", 10)
    locale = negotiate_locale(request)
    try:
        action = Action(action_text)
    except ValueError:
        return _detail(
            request,
            session,
            actor,
            referral,
            error=gettext(locale, "Choose one of the options."),
            status_code=422,
        )
    version = int(version_text) if version_text.isdigit() else None
    now = runtime.now()
    try:
        if action is Action.CHOOSE:
            try:
                service_id = uuid.UUID(text_of(data, "service_id", 40))
            except ValueError:
                return _detail(
                    request,
                    session,
                    actor,
                    referral,
                    error=gettext(locale, "Choose one of the recommended activities."),
                    status_code=422,
                )
            service.choose_service(
                session, referral, actor=actor, service_id=service_id, now=now, expected_version=version
            )
        elif action is Action.ATTEND:
            session_on = date_of(data, "session_on") or date_of(data, "other_date")
            if session_on is None:
                return _detail(
                    request,
                    session,
                    actor,
                    referral,
                    error=gettext(locale, "Give the date as 2026-12-31."),
                    status_code=422,
                )
            service.record_attendance(
                session,
                referral,
                actor=actor,
                session_on=session_on,
                attended=text_of(data, "attended", 4) != "no",
                now=now,
                expected_version=version,
            )
        else:
            service.act(
                session,
                referral,
                action,
                actor=actor,
                now=now,
                reason=text_of(data, "reason", 40) or None,
                note=text_of(data, "note", 2000) or None,
                expected_version=version,
            )
    except DomainError as exc:
        session.rollback()
        referral = queries.get_referral(session, referral_id, actor=actor)
        status = (
            409
            if exc.code in ("stale_version", "transition_not_allowed")
            else 403
            if exc.code == "not_a_party"
            else 422
        )
        return _detail(
            request,
            session,
            actor,
            referral,
            error=message_of(exc, locale),
            status_code=status,
        )
    runtime.log_referral_access(
        session, actor, referral, action="change", purpose=f"referral.{action.value}", fields=()
    )
    runtime.commit_now(session)
    background.add_task(runtime.send_notices, request)
    try:
        queries.get_referral(session, referral_id, actor=actor)
    except ReferralNotFound:
        # Withdrawn consent ended this provider's access.
        return RedirectResponse("/staff/referrals?done=withdrawn", status_code=303)
    return RedirectResponse(f"/staff/referrals/{referral_id}", status_code=303)


@router.post("/{referral_id}/follow-ups/{follow_up_id}/done")
def follow_up_done(
    referral_id: uuid.UUID, follow_up_id: uuid.UUID, actor: ActorDep, session: SessionDep
) -> Response:
    """The referrer or counsellor marks a follow-up done; it leaves the lists of follow-ups due."""
    referral = queries.get_referral(session, referral_id, actor=actor)
    service.mark_follow_up_done(session, referral, actor=actor, follow_up_id=follow_up_id, now=runtime.now())
    runtime.commit_now(session)
    return RedirectResponse(f"/staff/referrals/{referral_id}", status_code=303)


@router.post("/{referral_id}/code")
def new_code(referral_id: uuid.UUID, request: Request, actor: ActorDep, session: SessionDep) -> Response:
    """A new short code for the resident (the old one stops working); shown once, to print or read out."""
    from referrals.links import link_token

    referral = queries.get_referral(session, referral_id, actor=actor)
    code = service.reissue_code(session, referral, actor=actor, secret=runtime.secret_of(request))
    runtime.commit_now(session)
    return _issued_page(request, session, referral, code, link_token(referral.id, runtime.secret_of(request)))
