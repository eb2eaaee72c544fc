"""The issue form (no JavaScript needed): parse it into a ReferralInput, pure functions over form data."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from app.errors import N_
from referrals.fields import DEFAULT_CONSENT_FIELDS
from referrals.models import ActivityLevel, ConsentMethod, ContactChannel
from referrals.service import ConsentInput, ExercisePlan, ReferralInput, ResidentInput
from referrals.status import ReferralKind


async def form_data(request: Request) -> FormData:
    return await request.form()


# A route's posted form, read once by FastAPI (the staff and admin pages take it as a parameter).
FormDep = Annotated[FormData, Depends(form_data)]


def text_of(form: FormData, name: str, limit: int = 2000) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def list_of(form: FormData, name: str) -> list[str]:
    return [v.strip() for v in form.getlist(name) if isinstance(v, str) and v.strip()]


def uuid_list(form: FormData, name: str) -> list[uuid.UUID]:
    out: list[uuid.UUID] = []
    for value in list_of(form, name):
        try:
            parsed = uuid.UUID(value)
        except ValueError:
            continue
        if parsed not in out:
            out.append(parsed)
    return out


def date_of(form: FormData, name: str) -> date | None:
    try:
        return date.fromisoformat(text_of(form, name, 10)) if text_of(form, name, 10) else None
    except ValueError:
        return None


def int_of(form: FormData, name: str) -> int | None:
    text = text_of(form, name, 10)
    return int(text) if text.isascii() and text.isdigit() else None


@dataclass
class IssueForm:
    """What the professional typed, kept to render the form again (after a search or an error)."""

    kind: str = ReferralKind.WELFARE.value
    organisation_id: str = ""
    name: str = ""
    phone: str = ""
    email: str = ""
    contact_channel: str = ContactChannel.PHONE.value
    contact_time: str = ""
    municipality: str = ""
    birth_year: str = ""
    language: str = "fi"
    reasons: list[str] = field(default_factory=list)
    hopes: str = ""
    practical_needs: list[str] = field(default_factory=list)
    activity_level: str = ""
    goal: str = ""
    recommendations: str = ""
    follow_up_dates: list[str] = field(default_factory=list)
    q: str = ""
    service_ids: list[uuid.UUID] = field(default_factory=list)
    consent_method: str = ConsentMethod.SPOKEN.value
    consent_fields: list[str] = field(default_factory=lambda: list(DEFAULT_CONSENT_FIELDS))
    consent_organisations: list[uuid.UUID] = field(default_factory=list)
    informed: bool = False
    respond_by: str = ""
    sms_card_to: str = ""


def issue_form_from(form: FormData) -> IssueForm:
    return IssueForm(
        kind=text_of(form, "kind", 16) or ReferralKind.WELFARE.value,
        organisation_id=text_of(form, "organisation_id", 40),
        name=text_of(form, "name", 200),
        phone=text_of(form, "phone", 32),
        email=text_of(form, "email", 320),
        contact_channel=text_of(form, "contact_channel", 16) or ContactChannel.PHONE.value,
        contact_time=text_of(form, "contact_time", 200),
        municipality=text_of(form, "municipality", 3),
        birth_year=text_of(form, "birth_year", 4),
        language=text_of(form, "language", 2) or "fi",
        reasons=list_of(form, "reasons"),
        hopes=text_of(form, "hopes", 2000),
        practical_needs=list_of(form, "practical_needs"),
        activity_level=text_of(form, "activity_level", 16),
        goal=text_of(form, "goal", 2000),
        recommendations=text_of(form, "recommendations", 2000),
        follow_up_dates=[d for d in list_of(form, "follow_up_dates") if d][:6],
        q=text_of(form, "q", 200),
        service_ids=uuid_list(form, "service_id")[:5],
        consent_method=text_of(form, "consent_method", 16) or ConsentMethod.SPOKEN.value,
        consent_fields=list_of(form, "consent_fields"),
        consent_organisations=uuid_list(form, "consent_organisation"),
        informed=text_of(form, "informed", 8) == "yes",
        respond_by=text_of(form, "respond_by", 10),
        sms_card_to=text_of(form, "sms_card_to", 32),
    )


def to_referral_input(form: IssueForm) -> tuple[ReferralInput | None, dict[str, str]]:
    """The use case's input, or the problems a value has before it can even be tried."""
    errors: dict[str, str] = {}
    kind = ReferralKind(form.kind) if form.kind in {k.value for k in ReferralKind} else None
    if kind is None:
        errors["kind"] = N_("Choose the kind of referral.")
    channel = (
        ContactChannel(form.contact_channel)
        if form.contact_channel in {c.value for c in ContactChannel}
        else None
    )
    if channel is None:
        errors["contact_channel"] = N_("Choose how the resident wants to be contacted.")
    method = (
        ConsentMethod(form.consent_method)
        if form.consent_method in {m.value for m in ConsentMethod}
        else None
    )
    if method is None:
        errors["consent_method"] = N_("Choose how consent was given.")
    birth_year = int(form.birth_year) if form.birth_year.isascii() and form.birth_year.isdigit() else None
    if form.birth_year and birth_year is None:
        errors["birth_year"] = N_("Give a year of birth like 1950.")
    respond_by = None
    if form.respond_by:
        try:
            respond_by = date.fromisoformat(form.respond_by)
        except ValueError:
            errors["respond_by"] = N_("Give the date as 2026-12-31.")
    follow_ups: list[date] = []
    for text in form.follow_up_dates:
        try:
            follow_ups.append(date.fromisoformat(text))
        except ValueError:
            errors["follow_up_dates"] = N_("Give the date as 2026-12-31.")
    level = (
        ActivityLevel(form.activity_level)
        if form.activity_level in {a.value for a in ActivityLevel}
        else None
    )
    organisation_id = None
    if form.organisation_id:
        try:
            organisation_id = uuid.UUID(form.organisation_id)
        except ValueError:
            errors["organisation_id"] = N_("Choose the organisation you refer for.")
    if errors or kind is None or channel is None or method is None:
        return None, errors
    return (
        ReferralInput(
            kind=kind,
            resident=ResidentInput(
                name=form.name,
                contact_channel=channel,
                municipality_code=form.municipality,
                phone=form.phone or None,
                email=form.email or None,
                contact_time=form.contact_time or None,
                birth_year=birth_year,
                locale=form.language if form.language in ("fi", "sv", "en") else "fi",
            ),
            reasons=tuple(form.reasons),
            hopes=form.hopes or None,
            practical_needs=tuple(form.practical_needs),
            service_ids=tuple(form.service_ids),
            consent=ConsentInput(
                method=method,
                organisation_ids=tuple(form.consent_organisations),
                fields=tuple(form.consent_fields),
                informed=form.informed,
            ),
            respond_by=respond_by,
            exercise=ExercisePlan(
                activity_level=level,
                goal=form.goal or None,
                recommendations=form.recommendations or None,
                follow_up_dates=tuple(follow_ups),
            )
            if kind is ReferralKind.EXERCISE
            else None,
            organisation_id=organisation_id,
        ),
        {},
    )
