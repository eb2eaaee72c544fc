"""Syncs an administrator asked for (sync_request rows), run one after another by `tarjotin sync requested`.

Safe with several app processes and hosts: a request is claimed by a conditional UPDATE (only one runner
gets a row), and the sync itself takes the one sync lock (run_lock.py). A runner that finds another sync
running puts its request back and stops; the next runner (cron, or the next "run again") takes it then.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.catalogue.sync_requests import SyncRequest, SyncRequestStatus
from app.timeutil import utcnow
from integrations.errors import IntegrationError
from integrations.run_lock import SyncAlreadyRunning
from integrations.sync import SyncReport

log = logging.getLogger(__name__)
RunOne = Callable[[SyncRequest], SyncReport]


def _claim_next(engine: Engine) -> SyncRequest | None:
    with Session(engine, expire_on_commit=False) as session:
        for request in session.exec(
            select(SyncRequest)
            .where(col(SyncRequest.status) == SyncRequestStatus.PENDING)
            .order_by(col(SyncRequest.requested_at))
            .limit(5)
        ).all():
            claimed_at = utcnow()
            taken = session.execute(
                update(SyncRequest)
                .where(
                    col(SyncRequest.id) == request.id, col(SyncRequest.status) == SyncRequestStatus.PENDING
                )
                .values(status=SyncRequestStatus.CLAIMED, claimed_at=claimed_at)
            )
            session.commit()
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                request.claimed_at = claimed_at
                return request
    return None


def _finish(
    engine: Engine, request: SyncRequest, status: str, *, run_id: int | None, message: str | None
) -> None:
    with Session(engine) as session:
        session.execute(
            update(SyncRequest)
            .where(col(SyncRequest.id) == request.id)
            .values(status=status, run_id=run_id, message=message)
        )
        # Requests for the same source made before this one was taken are answered by this run too: it
        # started after them, so it saw what they asked to see (a double click starts one sync). A full run
        # answers requests for either kind; a run of changes only, those for changes only.
        if status == SyncRequestStatus.DONE and request.claimed_at is not None:
            same_kind = [] if request.full else [col(SyncRequest.full).is_(False)]
            session.execute(
                update(SyncRequest)
                .where(
                    col(SyncRequest.status) == SyncRequestStatus.PENDING,
                    col(SyncRequest.source) == request.source,
                    col(SyncRequest.requested_at) <= request.claimed_at,
                    *same_kind,
                )
                .values(status=status, run_id=run_id, claimed_at=utcnow())
            )
        session.commit()


def run_requested(engine: Engine, run_one: RunOne, *, limit: int = 10) -> list[SyncReport]:
    """Run pending requests oldest first until none is left (at most `limit`); returns their reports."""
    reports: list[SyncReport] = []
    for _ in range(limit):
        request = _claim_next(engine)
        if request is None:
            break
        if request.from_dir and not Path(request.from_dir).is_dir():
            _finish(
                engine, request, SyncRequestStatus.FAILED, run_id=None, message="the recorded pages are gone"
            )
            continue
        try:
            report = run_one(request)
        except SyncAlreadyRunning as exc:
            with Session(engine) as session:
                session.execute(
                    update(SyncRequest)
                    .where(col(SyncRequest.id) == request.id)
                    .values(status=SyncRequestStatus.PENDING, claimed_at=None, message=str(exc)[:2000])
                )
                session.commit()
            break
        except IntegrationError as exc:
            _finish(engine, request, SyncRequestStatus.FAILED, run_id=None, message=str(exc)[:2000])
            continue
        except Exception as exc:
            log.exception("requested sync of %s failed to start", request.source)
            _finish(engine, request, SyncRequestStatus.FAILED, run_id=None, message=type(exc).__name__)
            continue
        _finish(engine, request, SyncRequestStatus.DONE, run_id=report.run_id, message=None)
        reports.append(report)
    return reports
