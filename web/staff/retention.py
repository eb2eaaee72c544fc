"""Administration: retention and follow-up settings (app/retention), used by the jobs and referral pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.retention import values
from app.settings import Settings, get_settings
from app.timeutil import utcnow
from web.auth import AdminDep
from web.deps import SessionDep
from web.staff.sync_runs import local_time
from web.staff.templating import render_staff

router = APIRouter(prefix="/staff/admin/retention", include_in_schema=False)


def _settings(request: Request) -> Settings:
    return getattr(request.app.state, "settings", None) or get_settings()


@router.get("")
def retention(
    request: Request, actor: AdminDep, session: SessionDep, saved: Annotated[bool, Query()] = False
) -> Response:
    settings = _settings(request)
    return render_staff(
        request,
        "staff/admin/retention.html",
        {
            "definitions": values.DEFINITIONS,
            "current": values.effective(session, settings),
            "defaults": values.defaults(settings),
            "stored": values.stored(session),
            "choices": values.FOLLOW_UP_CHOICES,
            "follow_up_key": values.FOLLOW_UP_KEY,
            "saved": saved,
            "local_time": local_time,
        },
    )


Number = Annotated[str, Form(max_length=8)]


@router.post("")
def change(
    request: Request,
    actor: AdminDep,
    session: SessionDep,
    referral_retention_months: Number = "",
    referral_response_days: Number = "",
    referral_reminder_days: Number = "",
    referral_link_days: Number = "",
    follow_up_months: Annotated[list[str], Form(max_length=3)] = [],  # noqa: B006 (FastAPI copies defaults)
) -> Response:
    numbers = {
        "referral_retention_months": referral_retention_months,
        "referral_response_days": referral_response_days,
        "referral_reminder_days": referral_reminder_days,
        "referral_link_days": referral_link_days,
    }
    values.change_settings(
        session,
        actor=actor,
        settings=_settings(request),
        numbers=numbers,
        follow_up_months=follow_up_months,
        now=utcnow(),
    )
    return RedirectResponse("/staff/admin/retention?saved=true", status_code=303)
