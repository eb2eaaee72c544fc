"""Open data (HSDS) benchmark at 100,000 services: a page of 50 full services, and the ndjson stream.

    .venv/bin/python bench/opendata.py [--services 100000] [--requests 60] [--reuse]

Builds (or with --reuse, reuses) a PostgreSQL catalogue of generated services (TEST_POSTGRES_URL's
server, database tarjotin_bench_opendata; bench/search_data.py), runs the app in this process and
measures, inside the ASGI app (from the request's arrival to its last body byte; no network, no
client cost):

- GET /hsds/services?full=true&per_page=50&page=N over pages spread across the catalogue, without
  conditional headers (every answer is built). Target: p95 <= 50 ms.
- GET /hsds/services?format=ndjson: the whole catalogue streamed; services a second, and the process's
  resident memory at the start, after a tenth and at the end of the stream (flat memory: it holds a
  batch at a time). Target: >= 3,000 services/s.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's folder would shadow the `search` package: put the repo root first.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

DB_NAME = "tarjotin_bench_opendata"


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class ServerClock:
    """ASGI wrapper: the time from the request reaching the app to its last body byte."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.last_ms = 0.0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        started = time.perf_counter()

        async def timed_send(message: Any) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                self.last_ms = (time.perf_counter() - started) * 1000

        await self.app(scope, receive, timed_send)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=60, help="list pages to time")
    parser.add_argument(
        "--reuse", action="store_true", help="reuse the database if it has that many services"
    )
    args = parser.parse_args(argv)

    from fastapi.testclient import TestClient

    from app.settings import get_settings
    from bench.search_data import prepare_database
    from tarjotin.asgi import create_app

    url, _reused = prepare_database(DB_NAME, args.services, args.reuse)
    with tempfile.TemporaryDirectory() as data_dir:
        os.environ.update(
            {"DATA_DIR": data_dir, "DATABASE_URL": url, "LOG_LEVEL": "WARNING", "HSDS_RATE_LIMIT": "0"}
        )
        os.environ.pop("MEILISEARCH_URL", None)
        get_settings.cache_clear()
        app = create_app(get_settings())
        clock = ServerClock(app)
        with TestClient(clock) as client:  # type: ignore[arg-type]
            pages = max(1, args.services // 50)
            for page in (1, pages // 2):  # warm up: connection pool, code tables, the count
                assert (
                    client.get(
                        "/hsds/services", params={"full": "true", "per_page": 50, "page": page}
                    ).status_code
                    == 200
                )
            timings: list[float] = []
            sizes: list[int] = []
            for i in range(args.requests):
                page = 1 + (i * 7919) % pages  # spread over the catalogue, deep pages included
                response = client.get("/hsds/services", params={"full": "true", "per_page": 50, "page": page})
                assert response.status_code == 200 and len(response.json()["contents"]) == 50
                timings.append(clock.last_ms)
                sizes.append(len(response.content))
            load = os.getloadavg()[0]
            print(f"\nGET /hsds/services?full=true&per_page=50, {args.services} services, {args.requests} pages "
                  f"({os.cpu_count()} CPUs, load average {load:.1f}):")  # fmt: skip
            print(f"  server time p50 {statistics.median(timings):.1f} ms, p95 {percentile(timings, 0.95):.1f} ms, "
                  f"max {max(timings):.1f} ms; {statistics.mean(sizes) / 1024:.0f} KiB a page")  # fmt: skip

            before = rss_mib()
            marks: list[tuple[int, float]] = []
            lines = 0
            started = time.perf_counter()
            with client.stream("GET", "/hsds/services", params={"format": "ndjson"}) as stream:
                assert stream.status_code == 200
                for line in stream.iter_lines():
                    if line:
                        lines += 1
                        if lines in (args.services // 10, args.services // 2):
                            marks.append((lines, rss_mib()))
            elapsed = time.perf_counter() - started
            marks.append((lines, rss_mib()))
            load = os.getloadavg()[0]
            print(f"\nGET /hsds/services?format=ndjson: {lines} services in {elapsed:.1f} s = "
                  f"{lines / elapsed:,.0f} services/s (load average {load:.1f}); resident memory {before:.0f} MiB "
                  "before, " + ", ".join(f"{mib:.0f} MiB after {n:,}" for n, mib in marks))  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1:])
