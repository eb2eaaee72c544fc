"""The resident's side: the link shows only a prompt for the code; with the code, the referral.

No sign-in. A right code gives a short-lived signed cookie for this one referral (the resident actor);
the professional can do every step for the resident on the staff side instead.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlmodel import Session

from app.accounts.actor import Actor
from app.catalogue.models import Service
from app.errors import N_, DomainError
from app.timeutil import local_date
from referrals import queries, service
from referrals.errors import CodeLocked, CodeRejected, LinkInvalid
from referrals.links import referral_id_from_token
from referrals.models import Referral, ReferralSource
from referrals.outcomes import open_timepoints
from referrals.status import STATUS_LABELS, Action, ReferralStatus
from web.deps import SessionDep
from web.errors import message_of
from web.i18n import LOCALES, gettext
from web.pages import content
from web.pages.templating import render
from web.referrals import runtime
from web.referrals.views import allowed_actions

router = APIRouter(include_in_schema=False)
Lang = Annotated[str, Path(pattern="^(fi|sv|en)$")]
TokenPath = Annotated[str, Path(min_length=10, max_length=200, pattern=r"^[A-Za-z0-9_.\-]+$")]
COOKIE = "referral_access"
# The actions that close the referral for good, asked once more: (question, what follows, the yes button).
CONFIRM: dict[str, tuple[str, str, str]] = {
    Action.WITHDRAW.value: (
        N_("Withdraw your contact request?"),
        N_(
            "The organiser will see that you have withdrawn your request and will not contact you about it. "
            "This cannot be undone, but you can send a new request from the activity's page."
        ),
        N_("Yes, withdraw my request"),
    ),
    Action.WITHDRAW_CONSENT.value: (
        N_("Withdraw your consent?"),
        N_("Withdrawing your consent closes the referral and the organiser can no longer see your details."),
        N_("Yes, withdraw my consent"),
    ),
    Action.REFUSE.value: (
        N_("Say no to this referral?"),
        N_("The referral is closed and the professional who referred you is told. This cannot be undone."),
        N_("Yes, I do not want this referral"),
    ),
}
ACCESS_SECONDS = 30 * 60
_SALT = "referral-resident-access"


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(runtime.secret_of(request), salt=_SALT)


def referral_of_token(request: Request, session: Session, token: str) -> Referral:
    referral_id = referral_id_from_token(
        token,
        runtime.secret_of(request),
        max_age_seconds=runtime.retention_of(request, session).referral_link_days * 86400,
    )
    referral = session.get(Referral, referral_id)
    if (
        referral is None
        or referral.anonymised_at is not None
        or referral.status is ReferralStatus.ENTERED_IN_ERROR
    ):
        raise LinkInvalid()
    return referral


def resident_of(request: Request, referral: Referral) -> Actor | None:
    value = request.cookies.get(COOKIE)
    if not value:
        return None
    try:
        referral_id = _serializer(request).loads(value, max_age=ACCESS_SECONDS)
    except (BadSignature, SignatureExpired):
        return None
    if referral_id != str(referral.id):
        return None
    return Actor.resident(referral.id, locale=referral.resident_locale)


def _services(session: Session, referral: Referral, lang: str) -> list[dict[str, Any]]:
    out = []
    for target, svc in queries.list_targets(session, referral):
        places = [
            {
                "name": content.local(sal.location, "name", lang),
                "address": sal.location.street_address_fi,
                "post_office": sal.location.post_office_fi,
            }
            for sal in svc.service_at_locations
            if sal.location is not None
        ]
        sessions = [
            {
                "days": content.day_names(s.byday, lang),
                "opens": content.clock(s.opens_at),
                "closes": content.clock(s.closes_at),
            }
            for s in svc.schedules
            if s.byday
        ]
        out.append(
            {
                "id": svc.id,
                "name": content.local(svc, "name", lang),
                "summary": content.local(svc, "summary", lang),
                "places": places,
                "sessions": sessions,
                "chosen": svc.id == referral.chosen_service_id,
                "organisation_id": target.organisation_id,
            }
        )
    return out


def _page(
    request: Request,
    session: Session,
    lang: str,
    token: str,
    referral: Referral,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    resident = resident_of(request, referral)
    if resident is None:
        return render(
            request,
            lang,
            "referrals/resident_code.html",
            {"title": gettext(lang, "Your referral"), "token": token, "error": error},
            status_code=status_code,
        )
    actions = allowed_actions(referral, frozenset({service.Party.RESIDENT}))
    own_request = referral.source is ReferralSource.SELF
    return render(
        request,
        lang,
        "referrals/resident.html",
        {
            "title": gettext(lang, "Your contact request") if own_request else gettext(lang, "Your referral"),
            "own_request": own_request,
            "token": token,
            "referral": referral,
            "status_label": gettext(lang, STATUS_LABELS[referral.status]),
            "services": _services(session, referral, lang),
            "can_choose": Action.CHOOSE in actions,
            # Saying no to one's own request is withdrawing it.
            "can_refuse": Action.REFUSE in actions and not own_request,
            "can_withdraw_request": Action.WITHDRAW in actions,
            "can_withdraw": Action.WITHDRAW_CONSENT in actions,
            "followups": open_timepoints(session, referral, today=local_date(runtime.now())),
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/r/{token}")
def link(token: TokenPath, request: Request, session: SessionDep) -> Response:
    """The link from the message or the QR code: into the resident's language."""
    referral = referral_of_token(request, session, token)
    lang = referral.resident_locale if referral.resident_locale in LOCALES else "fi"
    return RedirectResponse(f"/{lang}/r/{token}", status_code=303)


@router.get("/{lang}/r/{token}")
def referral_page(lang: Lang, token: TokenPath, request: Request, session: SessionDep) -> Response:
    referral = referral_of_token(request, session, token)
    return _page(request, session, lang, token, referral)


@router.post("/{lang}/r/{token}")
def give_code(
    lang: Lang,
    token: TokenPath,
    request: Request,
    session: SessionDep,
    code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    referral = referral_of_token(request, session, token)
    try:
        service.verify_code(session, referral, code, now=runtime.now(), secret=runtime.secret_of(request))
    except (CodeRejected, CodeLocked) as exc:
        # Rendered, not raised: the failed attempt must be committed to count.
        status = 429 if isinstance(exc, CodeLocked) else 422
        runtime.commit_now(session)
        return _page(
            request,
            session,
            lang,
            token,
            referral,
            error=message_of(exc, lang),
            status_code=status,
        )
    response = RedirectResponse(f"/{lang}/r/{token}", status_code=303)
    response.set_cookie(
        COOKIE,
        _serializer(request).dumps(str(referral.id)),
        max_age=ACCESS_SECONDS,
        httponly=True,
        samesite="lax",
        secure=runtime.settings_of(request).cookies_secure,
        path="/",
    )
    return response


@router.post("/{lang}/r/{token}/act")
def act(
    lang: Lang,
    token: TokenPath,
    request: Request,
    session: SessionDep,
    background: BackgroundTasks,
    action: Annotated[str, Form(max_length=32)],
    version: Annotated[int, Form(ge=1)],
    service_id: Annotated[uuid.UUID | None, Form()] = None,
    confirm: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Choose an activity, say no, withdraw one's own request, or withdraw consent; the last three close
    the referral for good, so they are asked once more first (a page, not a script: it works without
    JavaScript)."""
    referral = referral_of_token(request, session, token)
    resident = resident_of(request, referral)
    if resident is None:
        return _page(
            request,
            session,
            lang,
            token,
            referral,
            error=gettext(lang, "Give the code again to continue."),
            status_code=401,
        )
    if (
        action in CONFIRM
        and confirm != "yes"
        and Action(action) in allowed_actions(referral, frozenset({service.Party.RESIDENT}))
    ):
        own_request = referral.source is ReferralSource.SELF
        return render(
            request,
            lang,
            "referrals/resident_confirm.html",
            {
                "title": gettext(lang, CONFIRM[action][0]),
                "explanation": gettext(lang, CONFIRM[action][1]),
                "button": gettext(lang, CONFIRM[action][2]),
                "back": gettext(lang, "No, back to my request")
                if own_request
                else gettext(lang, "No, back to my referral"),
                "action": action,
                "token": token,
                "referral": referral,
            },
        )
    now = runtime.now()
    try:
        if action == Action.CHOOSE.value and service_id is not None:
            if session.get(Service, service_id) is None:
                raise LinkInvalid()
            service.choose_service(
                session, referral, actor=resident, service_id=service_id, now=now, expected_version=version
            )
        elif action == Action.REFUSE.value:
            service.act(session, referral, Action.REFUSE, actor=resident, now=now, expected_version=version)
        elif action == Action.WITHDRAW.value:
            service.act(session, referral, Action.WITHDRAW, actor=resident, now=now, expected_version=version)
        elif action == Action.WITHDRAW_CONSENT.value:
            service.withdraw_consent(session, referral, actor=resident, now=now, expected_version=version)
        else:
            return _page(
                request,
                session,
                lang,
                token,
                referral,
                error=gettext(lang, "Choose one of the options."),
                status_code=422,
            )
    except DomainError as exc:
        session.rollback()
        referral = referral_of_token(request, session, token)
        return _page(
            request,
            session,
            lang,
            token,
            referral,
            error=message_of(exc, lang),
            status_code=409,
        )
    runtime.commit_now(session)
    background.add_task(runtime.send_notices, request)
    return RedirectResponse(f"/{lang}/r/{token}?done={action}", status_code=303)
