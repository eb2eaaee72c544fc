"""Tables of the referral loop. Relationships point from referrals to the catalogue, never back.

Personal data of the resident lives only in `referral` (the `resident_*` columns, `hopes`, the exercise
plan's free text) and in the timeline's `note`; retention blanks exactly those. Everything else is codes and
identifiers. No `from __future__ import annotations`: SQLModel resolves column types at runtime.
"""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Integer, Text, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from app.models_base import StrEnumType, new_id
from app.timeutil import UTCDateTime, utcnow
from referrals.status import Party, ReferralKind, ReferralStatus


class ContactChannel(StrEnum):
    PHONE = "phone"
    SMS = "sms"
    EMAIL = "email"
    PROFESSIONAL = "professional"  # via the referring professional
    PAPER = "paper"  # none: the printed referral only


class ReferralSource(StrEnum):
    PROFESSIONAL = "professional"  # issued by a professional or their patient record system
    SELF = "self"  # the resident's own contact request from a service's page (no referrer)


class ConsentMethod(StrEnum):
    SPOKEN = "spoken"
    WRITTEN = "written"
    ELECTRONIC = "electronic"


class ActivityLevel(StrEnum):
    """Current physical activity against the national recommendation (UKK)."""

    BELOW = "below"
    PARTLY = "partly"
    MEETS = "meets"


# What the follow-up report (referrals/followup.py) reads of each referral in its scope.
FOLLOWUP_COLUMNS = [
    "id",
    "status",
    "kind",
    "source",
    "referrer_unit_id",
    "provider_organisation_id",
    "age_band",
    "answered_at",
    "sessions_attended",
    "followup_stage",
    "capacity_shortfall",
    "declined_reasons",
    "discontinued_reasons",
    "active_before",
    "active_after",
    "swemwbs_before",
    "swemwbs_after",
    "lonely_before",
    "lonely_after",
    "still_m3",
    "still_m6",
    "still_m12",
    "targets_key",
]

# The optimistic lock: SQLAlchemy adds "AND version = :old" to every UPDATE of a referral and raises
# StaleDataError when another transaction got there first (also on SQLite, where rows cannot be locked).
_version_column = Column("version", Integer, nullable=False, default=1)


class Referral(SQLModel, table=True):
    __tablename__ = "referral"
    __table_args__ = (
        Index("ix_referral_status_respond_by", "status", "respond_by"),
        Index("ix_referral_provider_inbox", "provider_organisation_id", "status", "sent_at"),
        # The inbox page, newest first (referrals.queries.list_referrals reads it in index order).
        Index("ix_referral_provider_recent", "provider_organisation_id", "created_at", "id"),
        Index("ix_referral_referrer_user", "referrer_user_id", "created_at"),
        Index("ix_referral_referrer_unit", "referrer_unit_id", "created_at"),
        Index("ix_referral_coordinator", "municipality_code", "kind", "status"),
        # The follow-up report's scope (municipality codes and a period of send times), with every column
        # the report reads: a vacuumed table answers it from this index alone, not from the wide rows.
        Index(
            "ix_referral_followup",
            "municipality_code",
            "sent_at",
            postgresql_include=FOLLOWUP_COLUMNS,
        ),
    )
    __mapper_args__ = {"version_id_col": _version_column}

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    kind: ReferralKind = Field(sa_type=StrEnumType(ReferralKind, 16))
    # A self-referral (the resident's own contact request) has no referring person, unit or organisation:
    # its referrer columns are empty, and reports group it by this (referrals.followup.SELF_REFERRAL).
    source: ReferralSource = Field(
        default=ReferralSource.PROFESSIONAL,
        sa_type=StrEnumType(ReferralSource, 16),
        sa_column_kwargs={"server_default": "professional"},
    )
    # Only referrals.service.transition writes status (and version, through the mapper).
    status: ReferralStatus = Field(default=ReferralStatus.DRAFT, sa_type=StrEnumType(ReferralStatus, 24))
    version: int = Field(default=1, sa_column=_version_column)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # the receiver's first answer
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    respond_by: date
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    # Who referred: a person (with their unit) or an API client, always for an organisation; none of them
    # for a self-referral (the provider it went to is provider_organisation_id, not its referrer).
    referrer_user_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    referrer_client_id: uuid.UUID | None = Field(default=None)
    referrer_organisation_id: uuid.UUID | None = Field(
        default=None, foreign_key="organisation.id", index=True
    )
    referrer_unit_id: uuid.UUID | None = Field(default=None)

    # Addressed to the municipality's coordinator (welfare, no service yet) or counsellor (exercise).
    addressed_to_coordinator: bool = False
    municipality_code: str = Field(foreign_key="municipality.code", max_length=3)
    chosen_service_id: uuid.UUID | None = Field(default=None, foreign_key="service.id")
    provider_organisation_id: uuid.UUID | None = Field(default=None, foreign_key="organisation.id")
    # The provider sees the referral only while this holds: consent stands and data is not anonymised.
    provider_access: bool = False

    # --- the resident: the minimum, never a personal identity code ---
    resident_name: str | None = Field(default=None, max_length=200)
    resident_phone: str | None = Field(default=None, max_length=32)  # E.164
    resident_email: str | None = Field(default=None, max_length=320)
    resident_locale: str = Field(default="fi", max_length=8)
    contact_channel: ContactChannel = Field(sa_type=StrEnumType(ContactChannel, 16))
    contact_time: str | None = Field(default=None, max_length=200)
    birth_year: int | None = None
    age_band: str | None = Field(default=None, max_length=8)  # kept after anonymisation, for statistics

    # --- why and what for ---
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    hopes: str | None = Field(default=None, max_length=600)
    practical_needs: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))

    # --- the exercise prescription (liikuntalähete) ---
    activity_level: ActivityLevel | None = Field(default=None, sa_type=StrEnumType(ActivityLevel, 16))
    goal: str | None = Field(default=None, max_length=600)
    recommendations: str | None = Field(default=None, max_length=600)

    # --- the outcome ---
    outcome: str | None = Field(default=None, max_length=40)  # the reason code of the closing action
    sessions_attended: int = 0  # attendance records marked present (the follow-up's "started" reads it)

    # --- facts for the follow-up report, kept by referrals/followup_facts.py ---
    # Each is what the report would otherwise work out from the timeline and the follow-up answers of
    # every referral in the period (seconds at a county's year); the row carries them instead, written in
    # the transaction that writes the event or the answer, so the report is one pass over the scope.
    # The furthest of accepted (1), contacted (2) and started (3) the timeline ever reached.
    followup_stage: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Ever declined for lack of room, or put on a waiting list.
    capacity_shortfall: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # The services it was addressed to (sorted ids, space-separated): the report groups by it and reads the
    # services' themes as they are now, where it joined every referral's targets to the themes.
    targets_key: str | None = Field(default=None, sa_type=Text)
    # The reasons it was ever declined, and discontinued, as bits (followup_facts.REASON_BITS).
    declined_reasons: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    discontinued_reasons: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Follow-up answers: the baseline's scores, the latest follow-up's (1 = 3, 2 = 6, 3 = 12 months) and
    # whether the resident still attended at each follow-up.
    latest_follow_up: int | None = None
    active_before: bool | None = None
    active_after: bool | None = None
    swemwbs_before: int | None = None
    swemwbs_after: int | None = None
    lonely_before: bool | None = None
    lonely_after: bool | None = None
    still_m3: bool | None = None
    still_m6: bool | None = None
    still_m12: bool | None = None

    # The resident's short code (HMAC, never the code itself) and its attempt limit.
    code_hash: str | None = Field(default=None, max_length=64)
    code_failures: int = 0
    code_locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)

    anonymised_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    is_demo: bool = False


class ReferralTarget(SQLModel, table=True):
    """A service the referral recommends; the resident (or someone for them) chooses one."""

    __tablename__ = "referral_target"

    referral_id: uuid.UUID = Field(foreign_key="referral.id", primary_key=True, ondelete="CASCADE")
    service_id: uuid.UUID = Field(foreign_key="service.id", primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisation.id")
    sort_order: int = 0


class Consent(SQLModel, table=True):
    """The resident's consent to disclose to the named organisations (one per referral)."""

    __tablename__ = "referral_consent"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    referral_id: uuid.UUID = Field(foreign_key="referral.id", unique=True, ondelete="CASCADE")
    given_at: datetime = Field(sa_type=UTCDateTime)
    method: ConsentMethod = Field(sa_type=StrEnumType(ConsentMethod, 16))
    organisation_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Which of the referral's fields the receiving organisations may see (referrals.fields.CONSENT_FIELDS).
    fields: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    purpose: str = Field(max_length=40, default="referral")
    valid_until: date
    informed: bool  # "I have told the resident how their data is processed"
    notice_version: str = Field(max_length=20, default="2026-12")
    recorded_by: str = Field(max_length=120)  # an actor label
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawn_by: Party | None = Field(default=None, sa_type=StrEnumType(Party, 16))


class ReferralEvent(SQLModel, table=True):
    """The append-only timeline the parties read: who, when, from, to, why. Retention blanks `note`."""

    __tablename__ = "referral_event"
    __table_args__ = (
        Index("ix_referral_event_referral", "referral_id", "id"),
        Index("ix_referral_event_status", "to_status", "referral_id", "reason"),
    )

    id: int | None = Field(default=None, primary_key=True)
    referral_id: uuid.UUID = Field(foreign_key="referral.id", ondelete="CASCADE")
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor_label: str = Field(max_length=120)
    actor_name: str | None = Field(default=None, max_length=200)  # a staff member's name, for the parties
    party: Party = Field(sa_type=StrEnumType(Party, 16))
    action: str = Field(max_length=32)
    from_status: ReferralStatus = Field(sa_type=StrEnumType(ReferralStatus, 24))
    to_status: ReferralStatus = Field(sa_type=StrEnumType(ReferralStatus, 24))
    reason: str | None = Field(default=None, max_length=40)
    note: str | None = Field(default=None, max_length=2000)
    version: int  # the referral's version after this event
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Attendance(SQLModel, table=True):
    __tablename__ = "referral_attendance"
    __table_args__ = (UniqueConstraint("referral_id", "session_on"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    referral_id: uuid.UUID = Field(foreign_key="referral.id", index=True, ondelete="CASCADE")
    session_on: date
    attended: bool
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    recorded_by: str = Field(max_length=120)


class FollowUp(SQLModel, table=True):
    """A follow-up date of an exercise referral; the tick reminds the referrer and counsellor once, and it
    is due in their lists until one of them marks it done."""

    __tablename__ = "referral_follow_up"
    __table_args__ = (
        UniqueConstraint("referral_id", "due_on"),
        Index("ix_follow_up_due", "reminded_at", "due_on"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    referral_id: uuid.UUID = Field(foreign_key="referral.id", ondelete="CASCADE")
    due_on: date
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_by: str | None = Field(default=None, max_length=120)  # an actor label


class NoticeKind(StrEnum):
    RESIDENT_LINK = "resident_link"  # to the resident: the link to their referral
    ACTIVITY_CARD = "activity_card"  # to the resident, no referral: the activity's contact details
    NEW_REFERRAL = "new_referral"  # to the receiving organisation or coordinators
    REMINDER = "reminder"  # to the receiving party: unanswered
    STATUS_CHANGED = "status_changed"  # to the referrer
    MESSAGE = "message"  # to the other parties
    EXPIRED = "expired"  # to the referrer
    CONSENT_WITHDRAWN = "consent_withdrawn"  # to every party
    FOLLOW_UP_DUE = "follow_up_due"  # to the referrer and counsellor
    OUTCOME_QUESTIONS = (
        "outcome_questions"  # to the resident: follow-up questions are open (referrals/outcomes.py)
    )
    # To a provider's admins, no referral: listings are due for their half-yearly confirmation.
    LISTING_REMINDER = "listing_reminder"


class NoticeChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class NoticeAudience(StrEnum):
    RESIDENT = "resident"  # the address is read from the referral at send time
    USER = "user"  # a staff member's e-mail, read from user_account at send time
    ORGANISATION = "organisation"  # the organisation's e-mail, read from organisation at send time
    COORDINATORS = "coordinators"  # the municipality's coordinators or counsellors, read at send time


class ReferralNotice(SQLModel, table=True):
    """The outbox: written in the same transaction as the change, rendered and sent after commit.

    It holds who to tell and what happened, never an address or content: an address is looked up when
    sending, so a rolled-back change sends nothing and an anonymised referral has no one to send to.
    An activity card (no referral, no consent to store anything) holds its one phone number until sent.
    """

    __tablename__ = "referral_notice"
    __table_args__ = (Index("ix_referral_notice_pending", "sent_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    referral_id: uuid.UUID | None = Field(default=None, foreign_key="referral.id", ondelete="CASCADE")
    kind: NoticeKind = Field(sa_type=StrEnumType(NoticeKind, 24))
    channel: NoticeChannel = Field(sa_type=StrEnumType(NoticeChannel, 8))
    audience: NoticeAudience = Field(sa_type=StrEnumType(NoticeAudience, 16))
    user_id: uuid.UUID | None = Field(default=None)
    organisation_id: uuid.UUID | None = Field(default=None)
    service_id: uuid.UUID | None = Field(default=None)
    # Only for an activity card: blanked once sent or given up.
    direct_address: str | None = Field(default=None, max_length=320)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    # "sent", "skipped:<why>" or "failed:<exception type>"; never content.
    result: str | None = Field(default=None, max_length=80)


class InformationGiven(SQLModel, table=True):
    """A no-data handover: an activity card given without consent. Counted, with nothing personal."""

    __tablename__ = "referral_information_given"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    given_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    kind: ReferralKind = Field(sa_type=StrEnumType(ReferralKind, 16))
    referrer_organisation_id: uuid.UUID = Field(foreign_key="organisation.id", index=True)
    referrer_unit_id: uuid.UUID | None = None
    municipality_code: str | None = Field(default=None, foreign_key="municipality.code", max_length=3)
    service_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    channel: str = Field(max_length=16)  # paper | sms
    is_demo: bool = False
