"""Follow-up of outcomes: the resident's separate consent to questionnaires, the requests sent, the answers.

Consent to follow-up questionnaires is asked apart from consent to sharing with the provider, so either can
be given or withdrawn alone. Answers keep their scores in columns for the municipal statistics; the answers
themselves are personal health data, blanked when the referral is anonymised.

No `from __future__ import annotations`: SQLModel resolves relationship types at runtime.
"""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models_base import StrEnumType, new_id
from app.timeutil import UTCDateTime, utcnow
from referrals.measures import Timepoint
from referrals.models import ConsentMethod


class OutcomeConsent(SQLModel, table=True):
    __tablename__ = "outcome_consent"

    referral_id: uuid.UUID = Field(foreign_key="referral.id", primary_key=True, ondelete="CASCADE")
    given_at: datetime = Field(sa_type=UTCDateTime)
    method: ConsentMethod = Field(sa_type=StrEnumType(ConsentMethod, 16))
    recorded_by: str = Field(max_length=120)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OutcomeRequest(SQLModel, table=True):
    """One questionnaire due at one time point; `sent_at` set when the link went out (tick)."""

    __tablename__ = "outcome_request"
    __table_args__ = (UniqueConstraint("referral_id", "timepoint"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    referral_id: uuid.UUID = Field(foreign_key="referral.id", index=True, ondelete="CASCADE")
    timepoint: Timepoint = Field(sa_type=StrEnumType(Timepoint, 8))
    due_on: date = Field(index=True)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OutcomeResponse(SQLModel, table=True):
    __tablename__ = "outcome_response"
    __table_args__ = (UniqueConstraint("referral_id", "timepoint"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    referral_id: uuid.UUID = Field(foreign_key="referral.id", index=True, ondelete="CASCADE")
    timepoint: Timepoint = Field(sa_type=StrEnumType(Timepoint, 8))
    definitions_version: str = Field(max_length=20)
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    answered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    # True when staff typed in answers given by phone or on paper.
    entered_by_staff: bool = False
    entered_by: str = Field(max_length=120)
    swemwbs: int | None = None
    meets_activity: bool | None = None
    lonely: bool | None = None
    good_health: bool | None = None
    still_attending: bool | None = None
    found_activity: bool | None = None
