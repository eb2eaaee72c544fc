"""Code lists of the referral form and which fields each party may see (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from app.errors import N_
from referrals.status import Party


class Reason(StrEnum):
    """Why the referral is made (structured; the resident's own words go in `hopes`)."""

    LONELINESS = "loneliness"
    LOW_MOOD = "low_mood"
    INACTIVITY = "inactivity"
    LIFE_CHANGE = "life_change"
    FALL_RISK = "fall_risk"
    CAREGIVER_STRAIN = "caregiver_strain"
    OTHER = "other"


class PracticalNeed(StrEnum):
    ACCESSIBILITY = "accessibility"
    INTERPRETER = "interpreter"
    ASSISTANT = "assistant"
    TRANSPORT = "transport"


REASON_LABELS: Mapping[str, str] = MappingProxyType(
    {
        Reason.LONELINESS: N_("Loneliness"),
        Reason.LOW_MOOD: N_("Low mood"),
        Reason.INACTIVITY: N_("Too little physical activity"),
        Reason.LIFE_CHANGE: N_("A change in life"),
        Reason.FALL_RISK: N_("Risk of falling"),
        Reason.CAREGIVER_STRAIN: N_("Strain of caring for someone close"),
        Reason.OTHER: N_("Something else"),
    }
)

NEED_LABELS: Mapping[str, str] = MappingProxyType(
    {
        PracticalNeed.ACCESSIBILITY: N_("Accessible premises"),
        PracticalNeed.INTERPRETER: N_("An interpreter"),
        PracticalNeed.ASSISTANT: N_("An assistant"),
        PracticalNeed.TRANSPORT: N_("Transport"),
    }
)

# How the resident asked to be contacted, in words for the staff pages (the API keeps the codes).
CHANNEL_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "phone": N_("Phone call"),
        "sms": N_("Text message"),
        "email": N_("E-mail"),
        "professional": N_("Through the referring professional"),
        "paper": N_("No messages: the printed referral only"),
    }
)

# The fields a consent may name for the receiving organisations (the API body's own names).
CONSENT_FIELDS: tuple[str, ...] = (
    "name",
    "phone",
    "email",
    "contact_channel",
    "contact_time",
    "birth_year",
    "reasons",
    "hopes",
    "practical_needs",
    "exercise_plan",
)
# What a consent names when the form leaves the choice at its default: enough to make contact.
DEFAULT_CONSENT_FIELDS: tuple[str, ...] = (
    "name",
    "phone",
    "email",
    "contact_channel",
    "contact_time",
    "hopes",
    "practical_needs",
)

CONSENT_FIELD_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "name": N_("Name"),
        "phone": N_("Phone number"),
        "email": N_("E-mail address"),
        "contact_channel": N_("Preferred way of contact"),
        "contact_time": N_("Best time to contact"),
        "birth_year": N_("Year of birth"),
        "reasons": N_("Reasons for the referral"),
        "hopes": N_("What the resident is hoping for"),
        "practical_needs": N_("Practical needs"),
        "exercise_plan": N_("Exercise plan (activity level, goal, recommendations)"),
    }
)


def visible_fields(parties: frozenset[Party], consent_fields: list[str] | tuple[str, ...]) -> frozenset[str]:
    """Which personal fields these parties may see: all for referrer, coordinator and resident; a
    provider only what the consent names."""
    if parties & {Party.REFERRER, Party.COORDINATOR, Party.RESIDENT}:
        return frozenset(CONSENT_FIELDS)
    if Party.PROVIDER in parties:
        return frozenset(consent_fields) & frozenset(CONSENT_FIELDS)
    return frozenset()


def age_band(birth_year: int | None, year: int) -> str | None:
    """A ten-year band for statistics that survives anonymisation (e.g. "70-79")."""
    if birth_year is None:
        return None
    age = year - birth_year
    if age < 18:
        return "0-17"
    if age >= 80:
        return "80+"
    low = 18 if age < 20 else age // 10 * 10
    return f"{low}-{age // 10 * 10 + 9}"
