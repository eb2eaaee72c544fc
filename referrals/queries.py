"""Reading referrals. Every query starts from `policy.visible_to(actor)`: what is not visible is not there."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, func, or_, select, union_all
from sqlmodel import Session, col

from app.accounts.actor import Actor
from app.accounts.models import Role
from app.catalogue.models import Organisation, Service
from app.timeutil import HELSINKI
from referrals.errors import ReferralNotFound
from referrals.models import (
    Attendance,
    Consent,
    FollowUp,
    Referral,
    ReferralEvent,
    ReferralSource,
    ReferralTarget,
)
from referrals.policy import COORDINATOR_ROLE, PROVIDER_ROLES, party_branches, visible_to
from referrals.status import OPEN, UNANSWERED, ReferralKind, ReferralStatus


def get_referral(
    session: Session, referral_id: uuid.UUID, *, actor: Actor, for_update: bool = False
) -> Referral:
    """The referral if the actor may see it, else ReferralNotFound (never a hint that it exists)."""
    statement = select(Referral).where(col(Referral.id) == referral_id, visible_to(actor))
    if for_update:
        # Row lock on PostgreSQL (SQLite ignores it and relies on the version check).
        statement = statement.with_for_update()
    referral = session.scalars(statement).first()
    if referral is None:
        raise ReferralNotFound()
    if for_update:
        session.refresh(referral)
    return referral


def get_referral_unchecked(session: Session, referral_id: uuid.UUID, *, for_update: bool = False) -> Referral:
    """For an administrator's entered-in-error and erasure, and for jobs: no visibility filter."""
    statement = select(Referral).where(col(Referral.id) == referral_id)
    if for_update:
        statement = statement.with_for_update()
    referral = session.scalars(statement).first()
    if referral is None:
        raise ReferralNotFound()
    return referral


class ListView(StrEnum):
    ALL = "all"  # everything the actor may see
    MINE = "mine"  # issued by me
    UNIT = "unit"  # issued in my units
    INBOX = "inbox"  # to my organisation's services, or to me as coordinator or counsellor


@dataclass(frozen=True, slots=True)
class ReferralFilter:
    view: ListView = ListView.ALL
    statuses: tuple[ReferralStatus, ...] = ()
    kind: ReferralKind | None = None
    created_from: date | None = None
    created_to: date | None = None
    overdue_on: date | None = None  # only unanswered referrals past their deadline on this day
    open_only: bool = False
    follow_ups_due_on: date | None = None  # only open referrals with a follow-up due or overdue on this day


def _view_clause(actor: Actor, view: ListView) -> ColumnElement[bool] | None:
    if view is ListView.MINE:
        if actor.user_id is not None:
            return col(Referral.referrer_user_id) == actor.user_id
        return col(Referral.referrer_client_id) == actor.client_id
    if view is ListView.UNIT:
        return col(Referral.referrer_unit_id).in_(actor.units_with(Role.REFERRER))
    if view is ListView.INBOX:
        clauses: list[ColumnElement[bool]] = [
            and_(
                col(Referral.provider_organisation_id).in_(actor.organisations_with(*PROVIDER_ROLES)),
                col(Referral.provider_access).is_(True),
            )
        ]
        for kind, role in COORDINATOR_ROLE.items():
            organisations = actor.organisations_with(role)
            if organisations:
                municipalities = select(col(Organisation.municipality_code)).where(
                    col(Organisation.id).in_(organisations)
                )
                clauses.append(
                    and_(
                        col(Referral.addressed_to_coordinator).is_(True),
                        col(Referral.kind) == kind,
                        col(Referral.municipality_code).in_(municipalities),
                    )
                )
        return or_(*clauses)
    return None


def _filtered(actor: Actor, filters: ReferralFilter) -> list[ColumnElement[bool]]:
    return [visible_to(actor), *_narrowed(actor, filters)]


def _narrowed(actor: Actor, filters: ReferralFilter) -> list[ColumnElement[bool]]:
    """The view and filters, without the visibility they always go with."""
    where: list[ColumnElement[bool]] = []
    view = _view_clause(actor, filters.view)
    if view is not None:
        where.append(view)
    if filters.statuses:
        where.append(col(Referral.status).in_(filters.statuses))
    if filters.open_only:
        where.append(col(Referral.status).in_(OPEN))
    if filters.kind is not None:
        where.append(col(Referral.kind) == filters.kind)
    # Days as in Finland (created_at is stored in UTC and compares only with aware times).
    if filters.created_from is not None:
        where.append(col(Referral.created_at) >= datetime.combine(filters.created_from, time.min, HELSINKI))
    if filters.created_to is not None:
        where.append(col(Referral.created_at) <= datetime.combine(filters.created_to, time.max, HELSINKI))
    if filters.overdue_on is not None:
        where.append(col(Referral.status).in_(UNANSWERED))
        where.append(col(Referral.respond_by) < filters.overdue_on)
    if filters.follow_ups_due_on is not None:
        where.append(col(Referral.status).in_(OPEN))
        where.append(
            col(Referral.id).in_(
                select(col(FollowUp.referral_id)).where(
                    col(FollowUp.done_at).is_(None),
                    col(FollowUp.due_on) <= filters.follow_ups_due_on + FOLLOW_UP_AHEAD,
                )
            )
        )
    return where


# A follow-up shows as due this many days before its date, so the counsellor can book the call.
FOLLOW_UP_AHEAD = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class FollowUpDue:
    due_on: date
    overdue: bool  # the date has passed and no one has marked it done


def follow_ups_due(
    session: Session, referrals: Sequence[Referral], today: date
) -> dict[uuid.UUID, FollowUpDue]:
    """The earliest follow-up still to do of each open referral, when it is due within FOLLOW_UP_AHEAD or
    overdue; one query for a page of referrals (the callers have already checked who may see them)."""
    open_ids = [r.id for r in referrals if r.status in OPEN]
    if not open_ids:
        return {}
    rows = session.execute(
        select(col(FollowUp.referral_id), func.min(col(FollowUp.due_on)))
        .where(
            col(FollowUp.referral_id).in_(open_ids),
            col(FollowUp.done_at).is_(None),
            col(FollowUp.due_on) <= today + FOLLOW_UP_AHEAD,
        )
        .group_by(col(FollowUp.referral_id))
    ).all()
    return {referral_id: FollowUpDue(due_on, due_on < today) for referral_id, due_on in rows}


@dataclass(frozen=True, slots=True)
class ReferralRow:
    """One referral as a list shows it: the columns a row displays and those that decide the viewer's
    relation to it (`policy.parties_of` reads a row as it reads a Referral), read as plain values. Loading
    a page of whole Referral objects cost more than the query that found them."""

    id: uuid.UUID
    kind: ReferralKind
    source: ReferralSource
    status: ReferralStatus
    version: int
    created_at: datetime
    respond_by: date
    municipality_code: str
    referrer_user_id: uuid.UUID | None
    referrer_client_id: uuid.UUID | None
    referrer_unit_id: uuid.UUID | None
    provider_organisation_id: uuid.UUID | None
    provider_access: bool
    addressed_to_coordinator: bool
    anonymised_at: datetime | None
    resident_name: str | None
    consent_fields: tuple[str, ...]  # the fields the consent names (none without a consent)
    follow_up: FollowUpDue | None  # as `follow_ups_due` says, when the list was asked with `today`


_ROW_COLUMNS = (
    col(Referral.id),
    col(Referral.kind),
    col(Referral.source),
    col(Referral.status),
    col(Referral.version),
    col(Referral.created_at),
    col(Referral.respond_by),
    col(Referral.municipality_code),
    col(Referral.referrer_user_id),
    col(Referral.referrer_client_id),
    col(Referral.referrer_unit_id),
    col(Referral.provider_organisation_id),
    col(Referral.provider_access),
    col(Referral.addressed_to_coordinator),
    col(Referral.anonymised_at),
    col(Referral.resident_name),
)


@dataclass(frozen=True, slots=True)
class ReferralPage:
    rows: list[ReferralRow]
    more: bool  # there is at least one more row after this page
    total: int | None  # how many in all, when it was counted (list_referrals(count=True))


def list_referrals(
    session: Session,
    *,
    actor: Actor,
    filters: ReferralFilter = ReferralFilter(),
    limit: int = 50,
    offset: int = 0,
    count: bool = True,
    today: date | None = None,
) -> ReferralPage:
    """One page of what the actor may see, newest first, with each row's consent fields and, given
    `today`, its follow-up due. With `count`, also the total: an exact count(*) reads every visible row,
    5,000 for a busy provider's inbox at 100,000 referrals (100 ms with its pages not in memory), so the
    staff pages go without it and say whether there is a next page."""
    narrowed = _narrowed(actor, filters)
    where = [visible_to(actor), *narrowed]
    total = session.scalar(select(func.count()).select_from(Referral).where(*where)) if count else None
    newest_first = (col(Referral.created_at).desc(), col(Referral.id))
    branches = party_branches(actor)
    if len(branches) > 1 and filters.view in (ListView.ALL, ListView.INBOX):
        # The OR of the party branches in `visible_to` makes PostgreSQL read the whole inbox and sort it
        # (100,000 referrals: 5,000 rows for one page). Each branch, with the filters, is read newest
        # first through its own index and cut at the page's end (the OR left in would lead the planner
        # back to reading it all); the page lies within their union, and the full `where` below still
        # decides what is shown, so visibility is exactly `visible_to`. "Mine" and "my unit's" narrow
        # to one indexed column already; there the extra branches would only cost.
        window = offset + limit + 1
        candidates = [
            select(col(Referral.id))
            .where(branch, col(Referral.status) != ReferralStatus.ENTERED_IN_ERROR, *narrowed)
            .order_by(*newest_first)
            .limit(window)
            .subquery()
            for branch in branches
        ]
        where = [*where, col(Referral.id).in_(union_all(*(select(c.c.id) for c in candidates)))]
    # One row more than the page tells whether there is a next one. The consent and the follow-up are
    # read for the page's rows only, in the same statement (the page is cut before they are looked up).
    page = (
        select(*_ROW_COLUMNS).where(*where).order_by(*newest_first).limit(limit + 1).offset(offset).subquery()
    )
    consent = (
        select(col(Consent.fields)).where(col(Consent.referral_id) == page.c.id).limit(1).scalar_subquery()
    )
    extras = [consent.label("consent_fields")]
    if today is not None:
        due = (
            select(func.min(col(FollowUp.due_on)))
            .where(
                col(FollowUp.referral_id) == page.c.id,
                col(FollowUp.done_at).is_(None),
                col(FollowUp.due_on) <= today + FOLLOW_UP_AHEAD,
            )
            .scalar_subquery()
        )
        extras.append(due.label("follow_up_on"))
    result = session.execute(select(page, *extras).order_by(page.c.created_at.desc(), page.c.id)).all()
    rows = []
    for found in result[:limit]:
        due_on = found.follow_up_on if today is not None else None
        rows.append(
            ReferralRow(
                id=found.id,
                kind=found.kind,
                source=found.source,
                status=found.status,
                version=found.version,
                created_at=found.created_at,
                respond_by=found.respond_by,
                municipality_code=found.municipality_code,
                referrer_user_id=found.referrer_user_id,
                referrer_client_id=found.referrer_client_id,
                referrer_unit_id=found.referrer_unit_id,
                provider_organisation_id=found.provider_organisation_id,
                provider_access=found.provider_access,
                addressed_to_coordinator=found.addressed_to_coordinator,
                anonymised_at=found.anonymised_at,
                resident_name=found.resident_name,
                consent_fields=tuple(found.consent_fields or ()),
                follow_up=FollowUpDue(due_on, due_on < today)
                if due_on is not None and today is not None and found.status in OPEN
                else None,
            )
        )
    return ReferralPage(rows=rows, more=len(result) > limit, total=None if total is None else int(total))


def list_timeline(session: Session, referral: Referral) -> Sequence[ReferralEvent]:
    return session.scalars(
        select(ReferralEvent)
        .where(col(ReferralEvent.referral_id) == referral.id)
        .order_by(col(ReferralEvent.id))
    ).all()


def list_attendance(session: Session, referral: Referral) -> Sequence[Attendance]:
    return session.scalars(
        select(Attendance)
        .where(col(Attendance.referral_id) == referral.id)
        .order_by(col(Attendance.session_on))
    ).all()


def list_targets(session: Session, referral: Referral) -> Sequence[tuple[ReferralTarget, Service]]:
    rows = session.execute(
        select(ReferralTarget, Service)
        .join(Service, col(Service.id) == col(ReferralTarget.service_id))
        .where(col(ReferralTarget.referral_id) == referral.id)
        .order_by(col(ReferralTarget.sort_order))
    ).all()
    return [(target, service) for target, service in rows]


def list_follow_ups(session: Session, referral: Referral) -> Sequence[FollowUp]:
    return session.scalars(
        select(FollowUp).where(col(FollowUp.referral_id) == referral.id).order_by(col(FollowUp.due_on))
    ).all()


def get_consent(session: Session, referral: Referral) -> Consent | None:
    return session.scalars(select(Consent).where(col(Consent.referral_id) == referral.id)).first()


def list_earlier_referrals(session: Session, referral: Referral, *, actor: Actor) -> Sequence[Referral]:
    """The same resident's other referrals the actor may see, matched on phone or e-mail.

    Callers show these to the referrer and the coordinator only, never to providers.
    """
    match: list[ColumnElement[bool]] = []
    if referral.resident_phone:
        match.append(col(Referral.resident_phone) == referral.resident_phone)
    if referral.resident_email:
        match.append(func.lower(col(Referral.resident_email)) == referral.resident_email.lower())
    if not match:
        return []
    return session.scalars(
        select(Referral)
        .where(visible_to(actor), col(Referral.id) != referral.id, or_(*match))
        .order_by(col(Referral.created_at).desc())
        .limit(20)
    ).all()


@dataclass(frozen=True, slots=True)
class ServiceOption:
    """A service a referrer may recommend, with the provider's word on room (None: not said)."""

    service: Service
    organisation: Organisation
    capacity: str | None
    accepts_referrals: bool | None


def search_services(
    session: Session,
    *,
    text: str,
    municipality_code: str | None = None,
    ids: Sequence[uuid.UUID] = (),
    limit: int = 20,
) -> list[ServiceOption]:
    """Active services whose name holds the words (or the given ids), for the referral form."""
    from app.catalogue.enums import ServiceStatus
    from app.catalogue.models import ServiceArea
    from app.catalogue.overlay import ServiceOverlay

    statement = (
        select(Service, Organisation, ServiceOverlay)
        .join(Organisation, col(Organisation.id) == col(Service.organisation_id))
        .outerjoin(ServiceOverlay, col(ServiceOverlay.service_id) == col(Service.id))
        .where(col(Service.status) == ServiceStatus.ACTIVE)
    )
    if ids:
        statement = statement.where(col(Service.id).in_(ids))
    else:
        words = [w for w in text.split() if w][:5]
        if not words:
            return []
        for word in words:
            pattern = f"%{word.replace('%', '').replace('_', '')}%"
            statement = statement.where(
                or_(
                    col(Service.name_fi).ilike(pattern),
                    col(Service.name_sv).ilike(pattern),
                    col(Service.name_en).ilike(pattern),
                    col(Organisation.name_fi).ilike(pattern),
                )
            )
        if municipality_code:
            statement = statement.where(
                col(Service.id).in_(
                    select(col(ServiceArea.service_id)).where(
                        col(ServiceArea.municipality_code) == municipality_code
                    )
                )
                | ~col(Service.id).in_(select(col(ServiceArea.service_id)))
            )
    rows = session.execute(statement.order_by(col(Service.name_fi)).limit(limit)).all()
    return [
        ServiceOption(
            service=svc,
            organisation=org,
            capacity=overlay.capacity.value if overlay is not None and overlay.capacity is not None else None,
            accepts_referrals=overlay.accepts_referrals if overlay is not None else None,
        )
        for svc, org, overlay in rows
    ]
