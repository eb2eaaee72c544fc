"""The JSON contract of /api/v1/referrals (names integrators code against; fields may be added)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from referrals.fields import CONSENT_FIELDS, PracticalNeed, Reason
from referrals.models import ActivityLevel, ConsentMethod, ContactChannel, ReferralSource
from referrals.status import ReferralKind, ReferralStatus

ConsentField = Literal[
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
]
assert set(ConsentField.__args__) == set(CONSENT_FIELDS)  # type: ignore[attr-defined]


class ResidentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="Name as the resident wants to be addressed.")
    phone: str | None = Field(None, max_length=32, description="Finnish or international number.")
    email: str | None = Field(None, max_length=320)
    contact_channel: ContactChannel = Field(
        description="phone, sms, email, professional (via the referring professional) or paper (none: the "
        "printed referral only)."
    )
    contact_time: str | None = Field(
        None, max_length=200, description="When the resident prefers to be contacted."
    )
    municipality: str = Field(pattern=r"^\d{3}$", description="3-digit municipality code, e.g. 398 (Lahti).")
    birth_year: int | None = Field(None, ge=1900, le=2100, description="Needed for an exercise referral.")
    language: Literal["fi", "sv", "en"] = Field(
        "fi", description="Language of the resident's messages and pages."
    )


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    method: ConsentMethod = Field(description="spoken, written or electronic.")
    organisation_ids: list[uuid.UUID] = Field(
        default_factory=list, description="Organisations that may receive the data (every chosen service's)."
    )
    fields: list[ConsentField] = Field(
        default_factory=list, description="The body's own fields the receiving organisations may see."
    )
    informed: bool = Field(description="The professional has told the resident how their data is processed.")
    valid_until: date | None = Field(None, description="Default: 12 months from today.")


class ExerciseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    activity_level: ActivityLevel | None = Field(
        None, description="Current activity against the national recommendation: below, partly, meets."
    )
    goal: str | None = Field(None, max_length=600)
    recommendations: str | None = Field(None, max_length=600)
    follow_up_dates: list[date] = Field(default_factory=list, max_length=6)


class ReferralIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "welfare",
                    "resident": {
                        "name": "Aino Esimerkki",
                        "phone": "+358401234567",
                        "email": None,
                        "contact_channel": "sms",
                        "contact_time": "weekday mornings",
                        "municipality": "398",
                        "birth_year": 1948,
                    },
                    "reasons": ["fall_risk", "loneliness"],
                    "hopes": "I would like to feel steadier on my feet and meet people.",
                    "practical_needs": ["transport"],
                    "service_ids": ["3fa85f64-5717-4562-b3fc-2c963f66afa6"],
                    "consent": {
                        "method": "spoken",
                        "organisation_ids": ["9b2f3c1e-1111-4c2b-9a55-0a0b0c0d0e0f"],
                        "fields": ["name", "phone", "hopes", "practical_needs"],
                        "informed": True,
                    },
                    "respond_by": "2026-12-21",
                }
            ]
        },
    )

    kind: ReferralKind = Field(description="welfare (hyvinvointilähete) or exercise (liikuntalähete).")
    resident: ResidentIn
    reasons: list[Reason] = Field(
        min_length=1,
        description="loneliness, low_mood, inactivity, life_change, fall_risk, caregiver_strain, other.",
    )
    hopes: str | None = Field(
        None, max_length=600, description="The resident's own words. The provider reads it: no diagnoses."
    )
    practical_needs: list[PracticalNeed] = Field(
        default_factory=list, description="accessibility, interpreter, assistant, transport."
    )
    service_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=5,
        description="Recommended services. None: a welfare referral goes to the municipality's coordinator.",
    )
    consent: ConsentIn
    respond_by: date | None = Field(None, description="Response deadline; default 14 days from today.")
    exercise: ExerciseIn | None = None
    organisation_id: uuid.UUID | None = Field(
        None, description="Which of the caller's organisations refers (when it has several)."
    )


class TransitionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"to": "accepted", "version": 3},
                {
                    "to": "declined",
                    "reason": "no_capacity",
                    "note": "The group is full until March.",
                    "version": 3,
                },
                {"to": "in_progress", "session_on": "2026-12-08", "attended": True, "version": 5},
                {"to": "completed", "reason": "continues_independently", "version": 7},
                {"to": "cancelled", "reason": "consent_withdrawn", "version": 4},
            ]
        },
    )

    to: ReferralStatus = Field(description="The state to move to.")
    version: int = Field(ge=1, description="The version you read; a stale one answers 409.")
    reason: str | None = Field(
        None,
        max_length=40,
        description="declined: could_not_reach, did_not_come, not_suitable, no_capacity, no_longer_needed, "
        "not_interested, practical_barrier, duplicate, other; completed: attended, goal_met, "
        "continues_independently, referred_elsewhere; discontinued: illness, lost_interest, practical_barrier, "
        "moved_away, other; cancelled: consent_withdrawn (the resident withdrew consent) or none.",
    )
    note: str | None = Field(None, max_length=2000)
    service_id: uuid.UUID | None = Field(None, description="to sent: the chosen service.")
    session_on: date | None = Field(None, description="to in_progress: the session's date.")
    attended: bool = Field(True, description="to in_progress: present (true) or absent (false).")


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(min_length=1, max_length=2000)
    version: int | None = None


class EventOut(BaseModel):
    at: datetime
    party: str
    action: str
    from_status: ReferralStatus
    to_status: ReferralStatus
    reason: str | None
    note: str | None
    version: int


class ServiceRef(BaseModel):
    id: uuid.UUID
    name: str | None
    organisation_id: uuid.UUID
    chosen: bool


class ReferralOut(BaseModel):
    """A referral as the caller may see it: resident fields only as far as the caller's relation allows."""

    id: uuid.UUID
    kind: ReferralKind
    source: ReferralSource = Field(
        default=ReferralSource.PROFESSIONAL,
        description="professional: issued by a professional or a record system; self: the resident's own "
        "contact request from the service's page (no referrer).",
    )
    status: ReferralStatus
    fhir_task_status: str
    version: int
    created_at: datetime
    sent_at: datetime | None
    respond_by: date
    closed_at: datetime | None
    outcome: str | None
    sessions_attended: int
    municipality: str
    referrer_organisation_id: uuid.UUID | None = Field(
        description="The referring organisation; none for a self-referral (source self)."
    )
    provider_organisation_id: uuid.UUID | None
    addressed_to_coordinator: bool
    services: list[ServiceRef]
    your_relation: list[str]
    resident: dict[str, object] = Field(description="Only the fields the caller may see.")
    reasons: list[str] | None = None
    hopes: str | None = None
    practical_needs: list[str] | None = None
    exercise_plan: dict[str, object] | None = None
    consent: dict[str, object] | None = None
    timeline: list[EventOut] = Field(default_factory=list)
    allowed_transitions: list[ReferralStatus] = Field(default_factory=list)


class IssuedOut(ReferralOut):
    resident_link: str = Field(
        description="The resident's link; by itself it shows nothing without the code."
    )
    short_code: str = Field(description="Print it or read it out to the resident. Shown only now.")


class ReferralSummary(BaseModel):
    id: uuid.UUID
    kind: ReferralKind
    status: ReferralStatus
    version: int
    created_at: datetime
    respond_by: date
    overdue: bool
    municipality: str
    provider_organisation_id: uuid.UUID | None


class ReferralPage(BaseModel):
    items: list[ReferralSummary]
    total: int
    limit: int
    offset: int
