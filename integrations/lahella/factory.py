"""`tarjotin sync lahella`: the source the CLI runs (see integrations/cli.py)."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from app.settings import Settings
from integrations.context import MappingContext
from integrations.lahella.client import make_lahella_source
from integrations.source import SyncSource


def make_source(
    session: Session, settings: Settings, context: MappingContext, from_dir: Path | None
) -> SyncSource:
    return make_lahella_source(settings, context, from_dir=from_dir)
