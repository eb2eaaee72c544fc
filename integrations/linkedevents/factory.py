"""`tarjotin sync linkedevents`: the source the CLI runs (see integrations/cli.py)."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from app.settings import Settings
from integrations.context import MappingContext
from integrations.linkedevents.client import make_linkedevents_source
from integrations.source import SyncSource


def make_source(
    session: Session, settings: Settings, context: MappingContext, from_dir: Path | None
) -> SyncSource:
    return make_linkedevents_source(settings, context, from_dir=from_dir)
