"""The app as a real server for the staff browser tests: uvicorn on loopback, demo sign-in, no OIDC."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from tests.staff.browser.test_oidc_sign_in import _stop, _wait_for

SECRET = "browser-test-secret-key-0123456789abcdef"


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
