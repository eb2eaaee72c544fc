"""Follow-up questions on the web: the resident answers through their link and code; staff record the
separate consent, type in answers given by phone or on paper, and read the answers (access-logged).

Thin: parse, call one use case of referrals/outcomes.py, render.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from app.errors import N_, InvalidInput
from app.timeutil import local_date
from referrals import outcomes
from referrals.measures import Timepoint, load_definitions
from referrals.queries import get_referral
from web.auth import ActorDep
from web.deps import SessionDep
from web.errors import message_of
from web.i18n import gettext, negotiate_locale
from web.pages.templating import render
from web.referrals import runtime
from web.referrals.resident import Lang, TokenPath, referral_of_token, resident_of
from web.selfservice.deps import FormDep
from web.staff.templating import render_staff

resident_router = APIRouter(include_in_schema=False)
staff_router = APIRouter(prefix="/staff/referrals", include_in_schema=False)
TimepointPath = Annotated[Timepoint, Path()]
TIMEPOINT_LABELS = {
    Timepoint.BASELINE: N_("At the start"),
    Timepoint.M3: N_("After about 3 months"),
    Timepoint.M6: N_("After about 6 months"),
    Timepoint.M12: N_("After about 12 months"),
}


def questionnaire(kind: Any, timepoint: Timepoint, *, staff: bool, locale: str) -> dict[str, Any]:
    """The questions of one time point in the reader's language (from the versioned definitions)."""
    definitions = load_definitions()
    return {
        "version": definitions.version,
        "note": definitions.text("note", locale),
        "instruments": [
            {
                "code": instrument["code"],
                "intro": instrument.get("intro", {}).get(locale),
                "items": [
                    {
                        "code": item["code"],
                        "type": item["type"],
                        "text": item["text"][locale],
                        "min": item.get("min"),
                        "max": item.get("max"),
                        "options": [(str(o["value"]), o["label"][locale]) for o in item.get("options", [])],
                    }
                    for item in instrument["items"]
                ],
            }
            for instrument in definitions.instruments(kind, timepoint, staff=staff)
        ],
    }


# --- the resident ----------------------------------------------------------------------------------------


@resident_router.get("/{lang}/r/{token}/followup/{timepoint}")
def resident_questions(
    lang: Lang, token: TokenPath, timepoint: TimepointPath, request: Request, session: SessionDep
) -> Response:
    referral = referral_of_token(request, session, token)
    resident = resident_of(request, referral)
    if resident is None:  # the code first, as for the referral itself
        return RedirectResponse(f"/{lang}/r/{token}", status_code=303)
    if timepoint not in outcomes.open_timepoints(session, referral, today=local_date(runtime.now())):
        raise InvalidInput("These questions are not open for answers now.")
    return render(
        request,
        lang,
        "referrals/outcome_questions.html",
        {
            "title": gettext(lang, "Follow-up questions"),
            "action": f"/{lang}/r/{token}/followup/{timepoint.value}",
            "form": questionnaire(referral.kind, timepoint, staff=False, locale=lang),
            "error": None,
        },
    )


@resident_router.post("/{lang}/r/{token}/followup/{timepoint}")
def resident_answers(
    lang: Lang,
    token: TokenPath,
    timepoint: TimepointPath,
    request: Request,
    session: SessionDep,
    form: FormDep,
) -> Response:
    referral = referral_of_token(request, session, token)
    resident = resident_of(request, referral)
    if resident is None:
        return RedirectResponse(f"/{lang}/r/{token}", status_code=303)
    try:
        outcomes.record_answers(session, referral, timepoint, form[0], actor=resident, now=runtime.now())
    except InvalidInput as error:
        return render(
            request,
            lang,
            "referrals/outcome_questions.html",
            {
                "title": gettext(lang, "Follow-up questions"),
                "action": f"/{lang}/r/{token}/followup/{timepoint.value}",
                "form": questionnaire(referral.kind, timepoint, staff=False, locale=lang),
                "error": message_of(error, lang),
            },
            status_code=422,
        )
    return RedirectResponse(f"/{lang}/r/{token}?done=1", status_code=303)


# --- staff ---------------------------------------------------------------------------------------------------


def _staff_page(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    referral_id: uuid.UUID,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:  # type: ignore[valid-type]
    locale = negotiate_locale(request)
    referral = get_referral(session, referral_id, actor=actor)
    responses = outcomes.list_responses(session, referral, actor=actor)
    runtime.log_referral_access(
        session, actor, referral, action="read", purpose="follow-up", fields=("outcome_answers",)
    )
    points = outcomes.timepoints_for(referral, runtime.retention_of(request, session).follow_up_months)
    return render_staff(
        request,
        "referrals/outcomes_staff.html",
        {
            "title": gettext(locale, "Follow-up questions"),
            "referral": referral,
            "consent": outcomes.get_outcome_consent(session, referral),
            "responses": responses,
            "timepoints": points,
            "timepoint_labels": {p: gettext(locale, TIMEPOINT_LABELS[p]) for p in points},
            "forms": {p: questionnaire(referral.kind, p, staff=True, locale=locale) for p in points},
            "error": error,
        },
        status_code=status,
    )


@staff_router.get("/{referral_id}/followup")
def staff_followup(
    request: Request, referral_id: uuid.UUID, actor: ActorDep, session: SessionDep
) -> Response:
    return _staff_page(request, session, actor, referral_id)


@staff_router.post("/{referral_id}/followup/consent")
def staff_consent(
    request: Request,
    referral_id: uuid.UUID,
    actor: ActorDep,
    session: SessionDep,
    method: Annotated[str, Form(max_length=16)] = "",
    withdraw: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    referral = get_referral(session, referral_id, actor=actor, for_update=True)
    if withdraw:
        outcomes.withdraw_outcome_consent(session, referral, actor=actor, now=runtime.now())
    else:
        outcomes.record_outcome_consent(
            session,
            referral,
            method=method,
            actor=actor,
            now=runtime.now(),
            months=runtime.retention_of(request, session).follow_up_months,
        )
    runtime.log_referral_access(
        session, actor, referral, action="change", purpose="follow-up", fields=("outcome_consent",)
    )
    return RedirectResponse(f"/staff/referrals/{referral_id}/followup", status_code=303)


@staff_router.post("/{referral_id}/followup/{timepoint}")
def staff_answers(
    request: Request,
    referral_id: uuid.UUID,
    timepoint: TimepointPath,
    actor: ActorDep,
    session: SessionDep,
    form: FormDep,
) -> Response:
    referral = get_referral(session, referral_id, actor=actor, for_update=True)
    try:
        outcomes.record_answers(session, referral, timepoint, form[0], actor=actor, now=runtime.now())
    except InvalidInput as error:
        return _staff_page(
            request,
            session,
            actor,
            referral_id,
            error=message_of(error, negotiate_locale(request)),
            status=422,
        )
    runtime.log_referral_access(
        session, actor, referral, action="change", purpose="follow-up", fields=("outcome_answers",)
    )
    return RedirectResponse(f"/staff/referrals/{referral_id}/followup", status_code=303)
