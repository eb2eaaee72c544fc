"""A real Meilisearch server for tests: the pinned binary (Makefile), 127.0.0.1, a free port, a temp db.

Started and stopped by its process id. MEILISEARCH_BIN names the binary (the Makefile's test target
provisions it and sets this); without it the tests skip on a laptop and fail in CI (tests.servers).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.servers import free_port, require

DEFAULT_BIN = Path(__file__).resolve().parents[2] / ".cache" / "meilisearch-1.21.0" / "meilisearch"


@dataclass
class MeilisearchServer:
    url: str
    pid: int
    process: subprocess.Popen[bytes]

    def kill(self) -> None:
        """Kill -9, as a crash would: no graceful shutdown."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def meilisearch_binary() -> Path | None:
    candidate = Path(os.environ.get("MEILISEARCH_BIN") or DEFAULT_BIN)
    return candidate if candidate.is_file() and os.access(candidate, os.X_OK) else None


@contextlib.contextmanager
def running_meilisearch(directory: Path) -> Iterator[MeilisearchServer]:
    binary = meilisearch_binary()
    require(
        binary is not None,
        "Meilisearch",
        "run `make test` (it provisions the pinned binary) or set MEILISEARCH_BIN",
    )
    assert binary is not None
    port = free_port()
    log = (directory / "meilisearch.log").open("wb")
    process = subprocess.Popen(
        [
            str(binary),
            "--http-addr",
            f"127.0.0.1:{port}",
            "--db-path",
            str(directory / "data.ms"),
            "--dump-dir",
            str(directory / "dumps"),
            "--snapshot-dir",
            str(directory / "snapshots"),
            "--no-analytics",
            "--env",
            "development",
            "--max-indexing-threads",
            "1",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    server = MeilisearchServer(url=url, pid=process.pid, process=process)
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                require(
                    False, "Meilisearch", f"the server did not start; see {directory / 'meilisearch.log'}"
                )
            time.sleep(0.1)
        yield server
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        log.close()
