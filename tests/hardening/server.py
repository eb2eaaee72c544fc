"""The real `tarjotin` command and server in a child process, for tests of logs, faults and the API."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.servers import free_port

TARJOTIN = str(Path(sys.executable).parent / "tarjotin")
ROOT = Path(__file__).resolve().parent.parent.parent


def environment(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MEILISEARCH_", "DATABASE_URL", "SEARCH_INDEX_DIR", "OIDC_", "SECRET_KEY"))
    }
    env.update({"DATA_DIR": str(data_dir), "ENVIRONMENT": "development", "LOG_LEVEL": "INFO"}, **extra)
    return env


def tarjotin(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TARJOTIN, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )


def start(*args: str, env: dict[str, str], log: Path, wrapper: Sequence[str] = ()) -> subprocess.Popen[bytes]:
    """A `tarjotin` command in its own process group (so a kill reaches its children too).

    `wrapper` runs it through another command (e.g. `UNPRIVILEGED`)."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [*wrapper, TARJOTIN, *args],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


# Root reads any file whatever its mode; without these two capabilities a test's chmod holds for it too.
UNPRIVILEGED: tuple[str, ...] = (
    ("setpriv", "--bounding-set=-dac_override,-dac_read_search") if os.geteuid() == 0 else ()
)


def kill(process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    process.wait(timeout=30)


@dataclass
class Served:
    url: str
    log: Path
    process: subprocess.Popen[bytes]


@contextlib.contextmanager
def served(env: dict[str, str], log: Path, wrapper: Sequence[str] = ()) -> Iterator[Served]:
    """`tarjotin serve` on a free loopback port until the block ends (SIGTERM, then SIGKILL)."""
    port = free_port()
    process = start("serve", "--host", "127.0.0.1", "--port", str(port), env=env, log=log, wrapper=wrapper)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"tarjotin serve ended: {log.read_text(errors='replace')[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("tarjotin serve did not answer within 60 s")
            time.sleep(0.2)
        yield Served(url, log, process)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            kill(process)
