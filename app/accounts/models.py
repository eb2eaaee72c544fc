"""User accounts, units, role memberships and API clients. Residents never have accounts.

No `from __future__ import annotations`: SQLModel resolves relationship types at runtime.
"""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, Relationship

from app.models_base import StrEnumType, TimestampMixin, new_id
from app.timeutil import UTCDateTime


class Role(StrEnum):
    """What a person (or an API client) may do in one organisation, optionally within one of its units."""

    REFERRER = "referrer"  # sote professional who issues referrals
    COORDINATOR = "coordinator"  # hyvinvointikoordinaattori: receives unaddressed welfare referrals
    EXERCISE_COUNSELLOR = "exercise_counsellor"  # liikuntaneuvoja: receives exercise referrals
    PROVIDER_CONTACT = "provider_contact"  # answers referrals, records attendance and outcomes
    PROVIDER_ADMIN = "provider_admin"  # also keeps the organisation's listings and capacity current
    MUNICIPAL_ANALYST = "municipal_analyst"  # follows up their own municipality (aggregates only)
    COUNTY_ANALYST = "county_analyst"  # follows up the whole wellbeing services county (aggregates only)
    MODERATOR = "moderator"  # reviews local listings and self-service changes
    ADMIN = "admin"  # runs the service; by itself no party to any referral


class GrantSource(StrEnum):
    """Where a membership came from: claims are rewritten at every sign-in, the others only by hand."""

    CLAIMS = "claims"  # the identity provider's claims, through OIDC_ROLE_MAPPING
    ADMIN = "admin"  # granted by an administrator (or the CLI)
    DEMO = "demo"  # the demo staff of a development installation


class UserAccount(TimestampMixin, table=True):
    __tablename__ = "user_account"
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    oidc_issuer: str = Field(max_length=512)
    oidc_subject: str = Field(max_length=255)
    display_name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    locale: str = Field(default="fi", max_length=8)
    is_active: bool = True
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    is_demo: bool = Field(default=False, nullable=False)

    memberships: list["Membership"] = Relationship(sa_relationship_kwargs={"cascade": "all, delete-orphan"})


class Unit(TimestampMixin, table=True):
    """A part of an organisation that staff work in, e.g. "Lahden terveysasema, fysioterapia"."""

    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisation.id", index=True)
    name: str = Field(max_length=200)
    # The organisation's own code for the unit (cost centre, SOTE organisation register OID, ...).
    code: str | None = Field(default=None, max_length=64)


class Membership(TimestampMixin, table=True):
    """A user's role in one organisation, optionally within one unit; the unit of access control."""

    __table_args__ = (UniqueConstraint("user_id", "organisation_id", "role", "unit_id"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    organisation_id: uuid.UUID = Field(foreign_key="organisation.id", index=True)
    role: Role = Field(sa_type=StrEnumType(Role, 32))
    unit_id: uuid.UUID | None = Field(default=None, foreign_key="unit.id", index=True, ondelete="CASCADE")
    source: GrantSource = Field(default=GrantSource.ADMIN, sa_type=StrEnumType(GrantSource, 16))


class ApiClient(TimestampMixin, table=True):
    """A patient record system (or another machine) acting for one organisation with one role.

    Only a hash of the secret is stored; the secret itself is shown once, when the client is created.
    """

    __tablename__ = "api_client"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    name: str = Field(max_length=200)
    organisation_id: uuid.UUID = Field(foreign_key="organisation.id", index=True)
    role: Role = Field(sa_type=StrEnumType(Role, 32))
    unit_id: uuid.UUID | None = Field(default=None, foreign_key="unit.id")
    # sha256 of the secret, hex: the secret is 32 random bytes, so a slow hash would add nothing.
    secret_hash: str = Field(max_length=64)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by_user_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
