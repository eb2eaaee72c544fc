"""What is ours to know about a listing and not in its source: the provider's own overlay.

PTV, Lähellä.fi and LinkedEvents do not say whether an activity takes referrals or has room. The provider's
admin keeps that here, keyed by the service id, which every sync keeps (upsert by source and external id):
so an overlay survives every sync, and a change shows at once without one.

No `from __future__ import annotations`: SQLModel resolves relationship types at runtime.
"""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field

from app.models_base import StrEnumType, TimestampMixin
from app.timeutil import UTCDateTime


class Capacity(StrEnum):
    PLACES_FREE = "places_free"
    WAITING_LIST = "waiting_list"
    FULL = "full"


class ReferralMethod(StrEnum):
    FORM = "form"  # through this service's referral form
    PHONE = "phone"
    EMAIL = "email"
    WALK_IN = "walk_in"


class ServiceOverlay(TimestampMixin, table=True):
    __tablename__ = "service_overlay"

    service_id: uuid.UUID = Field(foreign_key="service.id", primary_key=True, ondelete="CASCADE")
    # None: the provider has not said.
    accepts_referrals: bool | None = None
    referral_methods: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    capacity: Capacity | None = Field(default=None, sa_type=StrEnumType(Capacity, 16), index=True)
    places_free: int | None = None
    # The provider's own staff contact for referrals (a work contact, not a resident's data).
    contact_name: str | None = Field(default=None, max_length=200)
    contact_phone: str | None = Field(default=None, max_length=64)
    contact_email: str | None = Field(default=None, max_length=320)
    note_to_professionals: str | None = Field(default=None, sa_type=Text)
    kaikukortti: bool | None = None
    # Accessibility features the source data lacks (codes of app.catalogue.accessibility where defined).
    accessibility_features: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # When the owner last confirmed the listing is true; stale after STALE_AFTER (selfservice.py).
    verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    verified_by: str | None = Field(default=None, max_length=120)
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_by: str | None = Field(default=None, max_length=120)
