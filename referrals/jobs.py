"""`tarjotin referrals tick`: expiry, reminders, follow-ups and listing confirmations due, then the outbox.

Each step lists due ids, then handles them in chunks of CHUNK ids, one transaction a chunk (a commit per
referral would cost a disk flush each: a day's expiries at 100,000 open referrals took most of the tick).
A chunk that fails is done again one id per transaction, so one bad referral costs only itself. On PostgreSQL rows are taken with FOR UPDATE SKIP LOCKED, so several ticks (or a tick and the web
app) never handle the same referral twice; a row already handled no longer matches and is skipped, which
makes the tick idempotent.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlmodel import Session, col

from app.accounts.actor import Actor
from app.catalogue.selfservice import REMIND_AFTER
from app.db import begin_for_write
from referrals.listing_reminders import due_listings, remind_organisation
from referrals.models import FollowUp, NoticeKind, Referral
from referrals.notifications import (
    RECEIVERS,
    REFERRER,
    RESIDENT,
    LinkFor,
    Senders,
    SessionFactory,
    dispatch_pending,
    notice_for,
)
from referrals.outcome_models import OutcomeRequest
from referrals.outcomes import has_outcome_consent, list_due_requests
from referrals.service import local_today, transition_many
from referrals.status import OPEN, UNANSWERED, Action, Party

log = logging.getLogger(__name__)
TICK_ACTOR = Actor.system("referral-tick")
_SYSTEM = frozenset({Party.SYSTEM})
CHUNK = 100


@dataclass
class TickReport:
    expired: int = 0
    reminded: int = 0
    follow_ups: int = 0
    outcome_questions: int = 0
    listing_reminders: int = 0  # organisations asked to confirm their listings
    failed: int = 0
    notices: dict[str, int] = field(default_factory=dict)


def _lock(session: Session, statement):  # type: ignore[no-untyped-def]
    if session.get_bind().dialect.name == "postgresql":
        return statement.with_for_update(skip_locked=True)
    return statement


def _claim(session: Session) -> None:
    """Begin a unit of work as its claim. PostgreSQL claims rows as they are read (`_lock`); SQLite has no
    row locks, so the unit begins holding the write lock (waiting for another tick's unit to finish):
    a unit that read the same due rows as another tick and then wrote after it committed was refused
    ("database is locked") and the tick exited 1. Under the lock the due rows are read again, and what
    the other tick did no longer matches."""
    begin_for_write(session)


def _each(sessions: SessionFactory, ids: list[uuid.UUID], work, report: TickReport) -> int:  # type: ignore[no-untyped-def]
    done = 0
    for item_id in ids:
        try:
            with sessions() as session:
                _claim(session)
                handled = work(session, item_id)
                session.commit()
            if handled:  # counted once committed: a refused commit handled nothing
                done += 1
        except Exception as exc:
            report.failed += 1
            log.warning(
                "referral tick: %s failed on one item: %s",
                getattr(work, "__name__", "step"),
                type(exc).__name__,
            )
    return done


def _chunked(
    sessions: SessionFactory,
    ids: list[uuid.UUID],
    handle: Callable[[Session, list[uuid.UUID]], int],
    report: TickReport,
) -> int:
    """`handle(session, chunk)` for each chunk of ids in its own transaction; it returns how many it did.
    A chunk that raises is rolled back and done again one id per transaction, to find the bad one."""
    done = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        try:
            with sessions() as session:
                _claim(session)
                count = handle(session, chunk)
                session.commit()
            done += count
        except Exception:

            def one(session: Session, item_id: uuid.UUID) -> bool:
                return handle(session, [item_id]) > 0

            one.__name__ = getattr(handle, "__name__", "step")
            done += _each(sessions, chunk, one, report)
    return done


def expire_due(sessions: SessionFactory, *, now: datetime, report: TickReport, batch: int = 5000) -> int:
    """Unanswered referrals past their deadline expire; the referrer (and receiver) are told."""
    today = local_today(now)

    def expire(session: Session, referral_ids: list[uuid.UUID]) -> int:
        # Still due once locked: another tick (or a provider's answer) may have got there first.
        referrals = session.scalars(
            _lock(
                session,
                select(Referral).where(
                    col(Referral.id).in_(referral_ids),
                    col(Referral.status).in_(UNANSWERED),
                    col(Referral.respond_by) < today,
                ),
            )
        ).all()
        transition_many(session, referrals, Action.EXPIRE, actor=TICK_ACTOR, now=now, parties=_SYSTEM)
        return len(referrals)

    total = 0
    while True:
        with sessions() as session:
            ids = list(
                session.scalars(
                    select(col(Referral.id))
                    .where(col(Referral.status).in_(UNANSWERED), col(Referral.respond_by) < today)
                    .limit(batch)
                ).all()
            )
        if not ids:
            return total
        done = _chunked(sessions, ids, expire, report)
        total += done
        if done == 0:
            return total


def remind_unanswered(sessions: SessionFactory, *, now: datetime, after_days: int, report: TickReport) -> int:
    """Tell the receiver once when a referral has waited `after_days` without an answer."""
    cutoff = now - timedelta(days=after_days)
    where = (
        col(Referral.status).in_(UNANSWERED),
        col(Referral.sent_at) <= cutoff,
        col(Referral.reminded_at).is_(None),
    )

    def remind(session: Session, referral_ids: list[uuid.UUID]) -> int:
        referrals = session.scalars(
            _lock(session, select(Referral).where(col(Referral.id).in_(referral_ids), *where))
        ).all()
        if not referrals:
            return 0
        for referral in referrals:
            notice = notice_for(referral, RECEIVERS, NoticeKind.REMINDER)
            if notice is not None:
                session.add(notice)
        # Bookkeeping outside the optimistic lock: a reminder must not make a provider's open form stale.
        session.execute(
            update(Referral)
            .where(col(Referral.id).in_([r.id for r in referrals]))
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        )
        return len(referrals)

    with sessions() as session:
        ids = list(session.scalars(select(col(Referral.id)).where(*where)).all())
    return _chunked(sessions, ids, remind, report)


def remind_follow_ups(sessions: SessionFactory, *, now: datetime, report: TickReport) -> int:
    """Remind the referrer and the counsellor of each follow-up date reached, once."""
    today = local_today(now)
    where = (col(FollowUp.reminded_at).is_(None), col(FollowUp.due_on) <= today)

    def remind(session: Session, follow_up_ids: list[uuid.UUID]) -> int:
        follow_ups = session.scalars(
            _lock(session, select(FollowUp).where(col(FollowUp.id).in_(follow_up_ids), *where))
        ).all()
        if not follow_ups:
            return 0
        referrals = {
            r.id: r
            for r in session.scalars(
                select(Referral).where(col(Referral.id).in_({f.referral_id for f in follow_ups}))
            ).all()
        }
        for follow_up in follow_ups:
            follow_up.reminded_at = now
            session.add(follow_up)
            referral = referrals.get(follow_up.referral_id)
            if referral is not None and referral.status in OPEN:
                for audience in (REFERRER, RECEIVERS):
                    notice = notice_for(referral, audience, NoticeKind.FOLLOW_UP_DUE)
                    if notice is not None:
                        session.add(notice)
        return len(follow_ups)

    with sessions() as session:
        ids = list(session.scalars(select(col(FollowUp.id)).where(*where)).all())
    return _chunked(sessions, ids, remind, report)


def send_outcome_questions(sessions: SessionFactory, *, now: datetime, report: TickReport) -> int:
    """Tell each resident whose follow-up questions have come due (with consent to them), once.

    A resident who asked for no messages (paper, phone, via the professional) gets none: the request
    stays listed on the referral's follow-up page for staff to ask by phone.
    """
    today = local_today(now)

    def send_one(session: Session, request_id: uuid.UUID) -> bool:
        request = session.scalars(
            _lock(session, select(OutcomeRequest).where(col(OutcomeRequest.id) == request_id))
        ).first()
        if request is None or request.sent_at is not None:
            return False
        referral = session.get(Referral, request.referral_id)
        if referral is None or not has_outcome_consent(session, referral):
            return False
        request.sent_at = now
        session.add(request)
        notice = notice_for(referral, RESIDENT, NoticeKind.OUTCOME_QUESTIONS)
        if notice is not None:
            session.add(notice)
        return True

    with sessions() as session:
        ids = [request.id for request in list_due_requests(session, today=today)]
    return _each(sessions, ids, send_one, report)


def remind_listing_owners(
    sessions: SessionFactory, *, now: datetime, after: timedelta, report: TickReport
) -> int:
    """Ask the admins of each organisation with listings due for confirmation, once per period
    (referrals/listing_reminders.py)."""

    def remind_owners(session: Session, organisation_id: uuid.UUID) -> bool:
        return remind_organisation(session, organisation_id, now=now, after=after)

    with sessions() as session:
        organisations = sorted(due_listings(session, now=now, after=after))
    return _each(sessions, organisations, remind_owners, report)


def tick(
    sessions: SessionFactory,
    *,
    now: datetime,
    reminder_days: int,
    senders: Senders | None,
    link_for: LinkFor | None,
    listing_reminder_after: timedelta = REMIND_AFTER,
) -> TickReport:
    report = TickReport()
    report.expired = expire_due(sessions, now=now, report=report)
    report.reminded = remind_unanswered(sessions, now=now, after_days=reminder_days, report=report)
    report.follow_ups = remind_follow_ups(sessions, now=now, report=report)
    report.outcome_questions = send_outcome_questions(sessions, now=now, report=report)
    report.listing_reminders = remind_listing_owners(
        sessions, now=now, after=listing_reminder_after, report=report
    )
    if senders is not None and link_for is not None:
        report.notices = dispatch_pending(sessions, senders=senders, link_for=link_for)
    return report
