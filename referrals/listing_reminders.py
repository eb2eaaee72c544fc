"""The half-yearly "confirm your listings" request to providers' admins, sent by `tarjotin referrals tick`.

A listing is due when neither its owner (self-service) nor its source has confirmed it for
LISTING_REMINDER_MONTHS and its owner has not been asked since (app.catalogue.selfservice.needs_reminder). Each
organisation with due listings gets one notice per provider admin through the notice outbox: a link to the
self-service page, where one click confirms a listing; no personal data, no listing's details.

Once per period, also with several ticks at once: the organisation's row is locked (FOR UPDATE SKIP LOCKED on
PostgreSQL; on SQLite the tick's unit of work begins holding the write lock, referrals.jobs._claim), the due
listings are read again under the lock, and they are marked asked (`service_overlay.reminded_at`) in the
same transaction as the notices.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlmodel import Session, col

from app.accounts.models import Membership, Role, UserAccount
from app.catalogue.models import Organisation, Service
from app.catalogue.overlay import ServiceOverlay
from app.catalogue.selfservice import needs_reminder
from referrals.models import NoticeAudience, NoticeChannel, NoticeKind, ReferralNotice

# The statuses of listings people can find (search.documents.SEARCHABLE_STATUSES): only those are asked about.
LISTED_STATUSES = ("active", "temporarily_closed")


def _has_admin():  # type: ignore[no-untyped-def]
    """The organisation has a provider admin who can be told (active, with an e-mail address)."""
    return (
        select(col(Membership.id))
        .join(UserAccount, col(UserAccount.id) == col(Membership.user_id))
        .where(
            col(Membership.organisation_id) == col(Service.organisation_id),
            col(Membership.role) == Role.PROVIDER_ADMIN,
            col(UserAccount.is_active).is_(True),
            col(UserAccount.email).is_not(None),
        )
        .exists()
    )


def due_listings(
    session: Session, *, now: datetime, after: timedelta, organisation_id: uuid.UUID | None = None
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """The listings due for confirmation, by organisation (of organisations with an admin to ask)."""
    cutoff = now - after
    statement = (
        select(
            col(Service.id),
            col(Service.organisation_id),
            col(Service.source_modified_at),
            col(ServiceOverlay.verified_at),
            col(ServiceOverlay.reminded_at),
        )
        .outerjoin(ServiceOverlay, col(ServiceOverlay.service_id) == col(Service.id))
        .where(
            col(Service.status).in_(LISTED_STATUSES),
            col(Service.organisation_id).is_not(None),
            # Confirmed by neither within the period (needs_reminder below decides exactly).
            or_(col(ServiceOverlay.verified_at).is_(None), col(ServiceOverlay.verified_at) < cutoff),
            or_(col(Service.source_modified_at).is_(None), col(Service.source_modified_at) < cutoff),
            or_(
                col(ServiceOverlay.reminded_at).is_(None),
                col(ServiceOverlay.reminded_at) < cutoff,
                and_(
                    col(ServiceOverlay.verified_at).is_not(None),
                    col(ServiceOverlay.reminded_at) < col(ServiceOverlay.verified_at),
                ),
            ),
            _has_admin(),
        )
    )
    if organisation_id is not None:
        statement = statement.where(col(Service.organisation_id) == organisation_id)
    due: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for service_id, owner, modified, verified_at, reminded in session.execute(statement):
        dates = [d for d in (modified, verified_at) if d is not None]
        if owner is not None and needs_reminder(max(dates) if dates else None, reminded, now, after):
            due[owner].append(service_id)
    return dict(due)


def _admins(session: Session, organisation_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        session.scalars(
            select(col(UserAccount.id))
            .join(Membership, col(Membership.user_id) == col(UserAccount.id))
            .where(
                col(Membership.organisation_id) == organisation_id,
                col(Membership.role) == Role.PROVIDER_ADMIN,
                col(UserAccount.is_active).is_(True),
                col(UserAccount.email).is_not(None),
            )
            .distinct()
        ).all()
    )


def remind_organisation(
    session: Session, organisation_id: uuid.UUID, *, now: datetime, after: timedelta
) -> bool:
    """Ask the organisation's admins to confirm its due listings, once; False when there is nothing to ask."""
    statement = select(Organisation).where(col(Organisation.id) == organisation_id)
    if session.get_bind().dialect.name == "postgresql":
        # Another tick holding it is asking right now: leave the organisation to it.
        statement = statement.with_for_update(skip_locked=True)
    if session.scalars(statement).first() is None:
        return False
    due = due_listings(session, now=now, after=after, organisation_id=organisation_id).get(
        organisation_id, []
    )
    admins = _admins(session, organisation_id)
    if not due or not admins:
        return False
    have_overlay = set(
        session.scalars(select(col(ServiceOverlay.service_id)).where(col(ServiceOverlay.service_id).in_(due)))
    )
    if have_overlay:
        # Only reminded_at: the overlay's own facts and updated_at (what open data republishes by) stay.
        session.execute(
            update(ServiceOverlay)
            .where(col(ServiceOverlay.service_id).in_(have_overlay))
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        )
    session.add_all(
        ServiceOverlay(service_id=service_id, created_at=now, updated_at=now, reminded_at=now)
        for service_id in due
        if service_id not in have_overlay
    )
    session.add_all(
        ReferralNotice(
            kind=NoticeKind.LISTING_REMINDER,
            channel=NoticeChannel.EMAIL,
            audience=NoticeAudience.USER,
            user_id=user_id,
            organisation_id=organisation_id,
            created_at=now,
        )
        for user_id in admins
    )
    return True
