"""Fixtures for sync tests: the mapping context of the test database and a v11 replay source."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import Session

from app.settings import Settings
from integrations.context import MappingContext, load_mapping_context
from integrations.http import RetryPolicy
from integrations.ptv.v11.client import PtvV11Source, make_v11_source
from integrations.sync import SyncEngine

FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05, max_retry_after=5)


@pytest.fixture
def context(session: Session, settings: Settings) -> MappingContext:
    return load_mapping_context(session, settings)


@pytest.fixture
def v11_source(context: MappingContext) -> Callable[..., PtvV11Source]:
    def build(directory: Path, municipalities: tuple[str, ...] = ("398", "098")) -> PtvV11Source:
        return make_v11_source(
            context, municipalities, base_url="http://unused", timeout=5, from_dir=directory, policy=FAST
        )

    return build


@pytest.fixture
def sync_engine(session: Session, context: MappingContext) -> SyncEngine:
    return SyncEngine(session, known_municipalities=context.known_municipalities, retire_threshold=0.2)


@pytest.fixture
def sync_engine_in_thread(session: Session, context: MappingContext) -> SyncEngine:
    """The engine with the crawl in a thread of this process, for tests that inspect what an
    httpx.MockTransport recorded (in a crawl process its records would stay in the child)."""
    return SyncEngine(
        session,
        known_municipalities=context.known_municipalities,
        retire_threshold=0.2,
        crawl_in_process=False,
    )
