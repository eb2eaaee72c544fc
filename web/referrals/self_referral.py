"""The resident's contact request from a service's page (a self-referral): a form that works without
JavaScript, no sign-in, in fi/sv/en. One use case (referrals/self_referral.py) behind it.

Against abuse, without a CAPTCHA service: a honeypot field people never see (a filled one is thanked and
dropped), a signed time stamp (a form sent within seconds of being shown, or hours later, is asked again),
and rate limits on requests stored, per client address and per service. No personal data goes in an
address: the thanks page is told only the channel's code.
"""

from __future__ import annotations

import time
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlmodel import Session

from app.catalogue.models import Organisation, Service
from referrals.links import format_code
from referrals.models import ContactChannel
from referrals.self_referral import CHANNELS, ContactRequest, accepting_service, send_contact_request
from referrals.service import FieldErrors
from web.auth.ratelimit import hit
from web.deps import SessionDep
from web.i18n import gettext
from web.pages import content
from web.pages.templating import render
from web.referrals import runtime

router = APIRouter(include_in_schema=False)
Lang = Annotated[str, Path(pattern="^(fi|sv|en)$")]
_SALT = "self-referral-form"
# A person needs more than a few seconds to fill in a name, a contact and a tick; a form kept open longer
# than the maximum is simply shown again with what was typed.
MIN_SECONDS = 3
MAX_SECONDS = 3 * 3600
# Requests stored: per client address, and per service (a flood from many addresses at one provider).
PER_ADDRESS = "5/hour"
PER_SERVICE = "60/day"
HONEYPOT = "website"
# The thanks page shows the resident their link and short code (to see or withdraw the request) for a while.
RECEIPT_COOKIE = "contact_request_receipt"
RECEIPT_SECONDS = 30 * 60
_RECEIPT_SALT = "self-referral-receipt"


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(runtime.secret_of(request), salt=_SALT)


def _receipt_serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(runtime.secret_of(request), salt=_RECEIPT_SALT)


def _receipt(request: Request, service_id: uuid.UUID, lang: str) -> dict[str, str] | None:
    """The link and short code of the request this browser has just sent to this service, if any."""
    value = request.cookies.get(RECEIPT_COOKIE)
    if not value:
        return None
    try:
        data = _receipt_serializer(request).loads(value, max_age=RECEIPT_SECONDS)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict) or data.get("service") != str(service_id):
        return None
    base = str(runtime.settings_of(request).base_url).rstrip("/")
    return {"link": f"{base}/{lang}/r/{data['token']}", "code": format_code(str(data["code"]))}


def form_stamp(request: Request, service_id: uuid.UUID) -> str:
    return _serializer(request).dumps(str(service_id))


def _stamp_ok(request: Request, stamp: str, service_id: uuid.UUID) -> bool:
    try:
        value, signed_at = _serializer(request).loads(stamp, max_age=MAX_SECONDS, return_timestamp=True)
    except (BadSignature, SignatureExpired):
        return False
    return value == str(service_id) and time.time() - signed_at.timestamp() >= MIN_SECONDS


def _name(obj: Any, lang: str) -> str:
    text = content.local(obj, "name", lang) if obj is not None else None
    return text.text if text is not None else ""


def _page(
    request: Request,
    session: Session,
    lang: str,
    service: Service,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    stamp: str | None = None,
    status_code: int = 200,
) -> Response:
    organisation = session.get(Organisation, service.organisation_id)
    return render(
        request,
        lang,
        "referrals/contact_request.html",
        {
            "title": gettext(lang, "Ask to be contacted"),
            "service": service,
            "service_name": _name(service, lang),
            "organisation_name": _name(organisation, lang),
            "channels": [c.value for c in CHANNELS],
            "form": form or {"contact_channel": ContactChannel.PHONE.value},
            "errors": {k: gettext(lang, v) for k, v in (errors or {}).items()},
            "error": error,
            # A form shown again for a correction keeps the time stamp that already passed: ticking a
            # forgotten box takes a person less than the minimum.
            "stamp": stamp or form_stamp(request, service.id),
            "honeypot": HONEYPOT,
        },
        status_code=status_code,
    )


@router.get("/{lang}/services/{service_id}/contact-request")
def contact_form(lang: Lang, service_id: uuid.UUID, request: Request, session: SessionDep) -> Response:
    """The form; only for a service whose provider takes referrals (otherwise 404, and no link to it)."""
    return _page(request, session, lang, accepting_service(session, service_id))


@router.post("/{lang}/services/{service_id}/contact-request")
def send(
    lang: Lang,
    service_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    background: BackgroundTasks,
    name: Annotated[str, Form(max_length=400)] = "",
    contact_channel: Annotated[str, Form(max_length=16)] = "",
    contact: Annotated[str, Form(max_length=400)] = "",
    contact_time: Annotated[str, Form(max_length=400)] = "",
    message: Annotated[str, Form(max_length=1200)] = "",
    consent: Annotated[str, Form(max_length=8)] = "",
    stamp: Annotated[str, Form(max_length=200)] = "",
    website: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    service = accepting_service(session, service_id)
    sent = f"/{lang}/services/{service_id}/contact-request/sent"
    if website:
        # Only a robot fills in a field no one sees: thank it as usual, keep nothing.
        return RedirectResponse(sent, status_code=303)
    form = {
        "name": name,
        "contact_channel": contact_channel,
        "contact": contact,
        "contact_time": contact_time,
        "message": message,
        "consent": consent == "yes",
    }
    if not _stamp_ok(request, stamp, service_id):
        return _page(
            request,
            session,
            lang,
            service,
            form=form,
            error=gettext(lang, "Please check your details and send the form again."),
            status_code=422,
        )
    data = ContactRequest(
        name=name,
        contact_channel=contact_channel,
        contact=contact,
        message=message,
        contact_time=contact_time,
        consent=consent == "yes",
        locale=lang,
    )
    address = request.client.host if request.client else "unknown"
    try:
        # A savepoint: over a limit, the request is rolled back and nothing is kept. The limits count only
        # valid requests, so a typing mistake does not use up the resident's allowance.
        with session.begin_nested():
            issued = send_contact_request(
                session,
                service_id=service_id,
                data=data,
                now=runtime.now(),
                secret=runtime.secret_of(request),
                response_days=runtime.retention_of(request, session).referral_response_days,
            )
            if hit(PER_ADDRESS, f"self-referral:{address}") or hit(
                PER_SERVICE, f"self-referral-service:{service_id}"
            ):
                raise _Limited()
    except FieldErrors as exc:
        return _page(
            request, session, lang, service, form=form, errors=exc.errors, stamp=stamp, status_code=422
        )
    except _Limited:
        error = gettext(
            lang,
            "Too many contact requests have been sent from here. Try again later, or contact the provider "
            "directly.",
        )
        return _page(request, session, lang, service, form=form, error=error, status_code=429)
    runtime.commit_now(session)
    background.add_task(runtime.send_notices, request)
    response = RedirectResponse(f"{sent}?via={data.contact_channel}", status_code=303)
    # The link and code reach the thanks page in a signed, short-lived cookie of this browser only: never
    # in an address (history, logs), and a reload of the thanks page does not send the form again.
    response.set_cookie(
        RECEIPT_COOKIE,
        _receipt_serializer(request).dumps(
            {"service": str(service_id), "token": issued.link_token, "code": issued.short_code}
        ),
        max_age=RECEIPT_SECONDS,
        httponly=True,
        samesite="lax",
        secure=runtime.settings_of(request).cookies_secure,
        path="/",
    )
    return response


class _Limited(Exception):
    """Over a rate limit: the nested transaction rolls back, nothing is stored."""


@router.get("/{lang}/services/{service_id}/contact-request/sent")
def thanks(
    lang: Lang, service_id: uuid.UUID, request: Request, session: SessionDep, via: str = ""
) -> Response:
    """What happens next. The channel's code is the only thing the address carries."""
    service = accepting_service(session, service_id)
    organisation = session.get(Organisation, service.organisation_id)
    return render(
        request,
        lang,
        "referrals/contact_request_sent.html",
        {
            "title": gettext(lang, "Your request was sent"),
            "service": service,
            "service_name": _name(service, lang),
            "organisation_name": _name(organisation, lang),
            "via": via if via in {c.value for c in CHANNELS} else "",
            "respond_days": runtime.retention_of(request, session).referral_response_days,
            "receipt": _receipt(request, service.id, lang),
        },
        headers={"Cache-Control": "no-store"},  # the code is for this person only
    )
