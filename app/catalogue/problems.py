"""Problem reports: anyone may tell a listing's owner and the moderators that something is wrong.

A report carries a category and a short text, never who sent it: residents do not sign in and the form asks
for no contact details (it says so), so no personal data is collected by design.

No `from __future__ import annotations`: SQLModel resolves relationship types at runtime.
"""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from app.models_base import StrEnumType, new_id
from app.timeutil import UTCDateTime, utcnow


class ProblemKind(StrEnum):
    ENDED = "ended"  # the activity no longer runs
    WRONG_TIME = "wrong_time"
    WRONG_PLACE = "wrong_place"
    WRONG_CONTACT = "wrong_contact"
    WRONG_PRICE = "wrong_price"
    ACCESSIBILITY = "accessibility"
    OTHER = "other"


class ProblemStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


PROBLEM_TEXT_MAX = 1000


class ProblemReport(SQLModel, table=True):
    __tablename__ = "problem_report"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    kind: ProblemKind = Field(sa_type=StrEnumType(ProblemKind, 24))
    text: str | None = Field(default=None, sa_type=Text)
    locale: str = Field(default="fi", max_length=8)
    status: ProblemStatus = Field(
        default=ProblemStatus.OPEN, sa_type=StrEnumType(ProblemStatus, 16), index=True
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by: str | None = Field(default=None, max_length=120)
