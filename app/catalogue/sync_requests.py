"""A sync an administrator asked for ("run again"), waiting for the runner that takes it.

The web request only writes this row: a sync takes minutes and must hold the one sync lock, so it never
runs inside a request. `tarjotin sync requested` takes pending rows (the web app starts it at once, and
cron runs it every few minutes as the fallback) and records the run it started.
"""

import uuid
from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from app.models_base import new_id
from app.timeutil import UTCDateTime, utcnow


class SyncRequestStatus:
    PENDING = "pending"  # waiting for the runner
    CLAIMED = "claimed"  # a runner took it and is running the sync
    DONE = "done"  # the sync ran; run_id says how it went
    FAILED = "failed"  # the sync could not start (message says why)


class SyncRequest(SQLModel, table=True):
    __tablename__ = "sync_request"
    __table_args__ = (Index("ix_sync_request_status", "status", "requested_at"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    source: str = Field(max_length=32)
    full: bool = False
    # Replay from recorded pages (a run that came from --from-dir, such as the demo load).
    from_dir: str | None = Field(default=None, max_length=1000)
    demo: bool = False
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    requested_by: str = Field(max_length=120)  # an actor label
    status: str = Field(default=SyncRequestStatus.PENDING, max_length=16)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    run_id: int | None = Field(default=None, foreign_key="sync_run.id", ondelete="SET NULL")
    message: str | None = Field(default=None, max_length=2000)
