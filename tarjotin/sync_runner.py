"""Start `tarjotin sync requested` in its own process, for the "run again" button of the sync runs page.

Why a process and not a thread of the web app: a sync crawls and maps for minutes (CPU-bound, and it forks
its own crawl process, which a multi-threaded server must not do), so in a thread it would slow every
request of that worker and die with it at a restart. Why not only a cron job: the embedded set-up
(`make run`, one process, SQLite) has no cron. So the request only writes a sync_request row, and this
starts a runner at once, detached from the request; cron's `tarjotin sync requested` is the fallback that
takes a request a runner could not (another sync held the lock, or the host could not start one). With
several app processes or hosts, every runner claims a request with a conditional UPDATE and the sync takes
the one sync lock, so a request runs once and two syncs never overlap.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

from pydantic import SecretStr

from app.settings import Settings

log = logging.getLogger(__name__)


def _as_env(value: object) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, list | tuple):
        return ",".join(str(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def environment_for(settings: Settings) -> dict[str, str]:
    """The app's own settings as environment variables, so the runner uses the same database, search engine
    and sources as the app that asked (its settings may have come from elsewhere than the environment)."""
    env = dict(os.environ)
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if value is None:
            env.pop(name.upper(), None)
            continue
        env[name.upper()] = _as_env(value)
    return env


def start_requested_syncs(settings: Settings) -> None:
    """Start a runner and return at once; a thread waits for it so it leaves no zombie process behind."""
    log_path = Path(settings.data_dir) / "sync-requested.log"
    try:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as output:  # the child keeps its own copy of the descriptor
            process = subprocess.Popen(  # our own interpreter and module, no shell, fixed arguments
                [sys.executable, "-m", "tarjotin.cli", "sync", "requested"],
                env=environment_for(settings),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # not killed with the request's worker by a terminal signal
            )
    except OSError as exc:
        log.warning("could not start the sync runner (%s); cron's `tarjotin sync requested` will", exc)
        return

    def wait() -> None:
        code = process.wait()
        if code not in (0, 5):
            log.warning("the sync runner ended with exit code %s (see %s)", code, log_path)

    threading.Thread(target=wait, name="sync-runner-wait", daemon=True).start()
