"""What the sync runs page shows: runs newest first, a run's errors, and asking for a source to run again.

Sync runs and their errors hold catalogue data only (public), never personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.accounts.actor import Actor
from app.accounts.service import require_admin
from app.audit.trail import record_event
from app.catalogue.models import SyncError, SyncRun
from app.catalogue.sync_requests import SyncRequest, SyncRequestStatus
from app.errors import N_, Conflict, NotFound


@dataclass(frozen=True)
class RunPage:
    runs: list[SyncRun]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def list_runs(session: Session, *, page: int, per_page: int = 25) -> RunPage:
    total = int(session.exec(select(func.count()).select_from(SyncRun)).one())
    runs = session.exec(
        select(SyncRun)
        .order_by(col(SyncRun.started_at).desc(), col(SyncRun.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return RunPage(list(runs), total, page, per_page)


def get_run(session: Session, run_id: int) -> SyncRun:
    run = session.get(SyncRun, run_id)
    if run is None:
        raise NotFound(N_("There is no such sync run."), code="sync_run_not_found")
    return run


def errors_of(session: Session, run_id: int, *, page: int, per_page: int = 50) -> tuple[list[SyncError], int]:
    total = int(
        session.exec(select(func.count()).select_from(SyncError).where(SyncError.run_id == run_id)).one()
    )
    errors = session.exec(
        select(SyncError)
        .where(SyncError.run_id == run_id)
        .order_by(col(SyncError.id))
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return list(errors), total


def latest_by_source(session: Session) -> list[SyncRun]:
    """The latest run of every source that has run: the ones that can be run again."""
    newest = (
        select(col(SyncRun.source), func.max(col(SyncRun.id)).label("id"))
        .group_by(col(SyncRun.source))
        .subquery()
    )
    runs = session.exec(
        select(SyncRun).join(newest, col(SyncRun.id) == newest.c.id).order_by(col(SyncRun.source))
    )
    return list(runs.all())


def open_requests(session: Session) -> list[SyncRequest]:
    return list(
        session.exec(
            select(SyncRequest)
            .where(col(SyncRequest.status).in_([SyncRequestStatus.PENDING, SyncRequestStatus.CLAIMED]))
            .order_by(col(SyncRequest.requested_at))
        ).all()
    )


def request_again(session: Session, *, actor: Actor, run_id: int, full: bool, now: datetime) -> SyncRequest:
    """Ask for the run's source to be synced again, the same way (recorded pages stay recorded pages).

    A request for the same source already waiting answers this one too, so a double click starts one sync.
    """
    require_admin(actor)
    run = get_run(session, run_id)
    options = run.options or {}
    from_dir = options.get("from_dir") if isinstance(options.get("from_dir"), str) else None
    waiting = session.exec(
        select(SyncRequest).where(
            SyncRequest.source == run.source, col(SyncRequest.status) == SyncRequestStatus.PENDING
        )
    ).first()
    if waiting is not None:
        raise Conflict(
            N_("A sync of this source is already waiting to start."), code="sync_already_requested"
        )
    request = SyncRequest(
        source=run.source,
        full=full or from_dir is not None,
        from_dir=from_dir,
        demo=bool(options.get("demo")),
        requested_at=now,
        requested_by=actor.label,
    )
    session.add(request)
    record_event(
        session,
        action="sync.requested",
        entity_type="sync_run",
        entity_id=str(run.id),
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        details={"source": run.source, "full": request.full, "request": str(request.id)},
    )
    session.flush()
    return request
