"""The app as a real server for the staff browser tests: uvicorn on loopback, demo sign-in, no OIDC."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from app.accounts.demo import seed_demo_staff
from app.accounts.models import Membership, Role
from app.catalogue.codes import load_code_tables
from app.catalogue.models import Organisation, Service
from app.db import make_engine
from app.settings import Settings
from tests.conftest import run_migrations
from tests.factories import make_service
from tests.staff.browser.test_oidc_sign_in import _stop, _wait_for

SECRET = "browser-test-secret-key-0123456789abcdef"


@contextlib.contextmanager
def staff_site(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[tuple[Path, Session]]:
    """A data directory whose SQLite database is migrated and holds the code tables and the demo staff; the
    block adds what its test needs through the session, committed when the block ends."""
    data_dir = tmp_path_factory.mktemp(name)
    engine = make_engine(f"sqlite:///{data_dir / 'tarjotin.sqlite3'}")
    run_migrations(engine)
    with Session(engine) as session:
        load_code_tables(session)
        seed_demo_staff(session, Settings(data_dir=data_dir, _env_file=None))  # type: ignore[call-arg]
        yield data_dir, session
        session.commit()
    engine.dispose()


def provider_services(session: Session) -> list[Service]:
    """Three services in Lahti for every demo organisation with a provider contact or administrator."""
    providers = session.scalars(
        select(col(Membership.organisation_id)).where(
            col(Membership.role).in_([Role.PROVIDER_CONTACT, Role.PROVIDER_ADMIN])
        )
    ).all()
    services = []
    for organisation_id in sorted(set(providers), key=str):
        organisation = session.get(Organisation, organisation_id)
        for name in ("Tuolijumppa", "Kävelyryhmä", "Muistikahvila"):
            services.append(
                make_service(session, organisation=organisation, name_fi=name, area_municipalities=("398",))
            )
    return services


@contextlib.contextmanager
def live_app(data_dir: Path, port: int) -> Iterator[None]:
    """Serve the app on 127.0.0.1:`port` from `data_dir` (its SQLite database, seeded by the caller) until
    the block ends; the outer environment's database and index are left out so a test never reads them."""
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("SEARCH_INDEX_DIR", "DATABASE_URL")},
        "DATA_DIR": str(data_dir),
        "ENVIRONMENT": "development",
        "MEILISEARCH_URL": "",
        "BASE_URL": f"http://127.0.0.1:{port}",
        "SECRET_KEY": SECRET,
    }
    app = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "tarjotin.asgi:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=data_dir,
        env=env,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz", app, "the app")
        yield
    finally:
        _stop(app)
