"""Open data (HSDS) benchmark at 100,000 services: a page of 50 full services, and the ndjson stream.

    .venv/bin/python bench/opendata.py [--services 100000] [--requests 60] [--reuse] [--engine postgresql|sqlite]
        [--stream-limit N] [--profile FILE.html]

Builds (or with --reuse, reuses) a catalogue of generated services (bench/search_data.py: bulk inserts
of services, organisations, places, terms, schedules): on PostgreSQL, TEST_POSTGRES_URL's server,
database tarjotin_bench_opendata; on SQLite, bench/results/opendata-N.sqlite3. Runs the app in this
process and measures inside the ASGI app (from the request's arrival to its last body byte; no
network, no client cost):

- GET /hsds/services?full=true&per_page=50&page=N over pages spread across the catalogue, without
  conditional headers (every answer is built). Target: p95 <= 50 ms. Wall time, and this process's
  CPU time per request (the figure that holds on a loaded machine; the database's own CPU is apart).
- GET /hsds/services?format=ndjson: the whole catalogue streamed, read a chunk at a time straight from
  the app (a test client would buffer the whole body; pages are called the same way). Services a second (wall and per CPU-second), and
  resident memory: at the start, at a tenth, a half and the end, and the peak during the stream (flat
  memory: the app holds a batch at a time). Target: >= 3,000 services/s.

--profile writes a pyinstrument profile of a few pages and a stream of --stream-limit services.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's folder would shadow the `search` package: put the repo root first.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import contextlib  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any  # noqa: E402

DB_NAME = "tarjotin_bench_opendata"
RESULTS = ROOT / "bench" / "results"
PAGE_TARGET_MS = 50.0
STREAM_TARGET = 3000.0


def _status(key: str) -> float:
    """A memory figure of this process from /proc/self/status, in MiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def rss_mib() -> float:
    return _status("VmRSS")


def reset_peak() -> bool:
    """Start the peak resident memory (VmHWM) afresh, so it tells the stream's own peak (Linux)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class ServerClock:
    """ASGI wrapper: the wall and process CPU time from the request reaching the app to its last body byte."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.last_ms = 0.0
        self.last_cpu_ms = 0.0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        started = time.perf_counter()
        cpu = time.process_time()

        async def timed_send(message: Any) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                self.last_ms = (time.perf_counter() - started) * 1000
                self.last_cpu_ms = (time.process_time() - cpu) * 1000

        await self.app(scope, receive, timed_send)


class Enough(Exception):
    """Raised from `send` to stop reading a stream (--stream-limit): as if the client went away."""


@dataclass
class Stream:
    """What one streamed answer came to: lines, bytes, memory along the way."""

    lines: int = 0
    bytes: int = 0
    body: bytearray | None = None  # kept only when asked for (a page)
    status: int = 0
    marks: list[tuple[int, float]] = field(default_factory=list)


def stream(
    app: Any,
    path: str,
    query: str,
    mark_at: set[int],
    stop_after: int | None = None,
    keep_body: bool = False,
) -> Stream:
    """Call the ASGI app directly and count the body's lines as they come, keeping none of them (unless
    `keep_body`): no test client in between, whose work would count in this process's CPU time."""
    import anyio

    result = Stream(body=bytearray() if keep_body else None)

    async def run() -> None:
        done = anyio.Event()
        sent_request = False

        async def receive() -> dict[str, Any]:
            nonlocal sent_request
            if not sent_request:
                sent_request = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                result.status = message["status"]
            elif message["type"] == "http.response.body":
                body = message.get("body", b"")
                result.bytes += len(body)
                if result.body is not None:
                    result.body += body
                before = result.lines
                result.lines += body.count(b"\n")
                if any(before < n <= result.lines for n in mark_at):
                    result.marks.append((result.lines, rss_mib()))
                if not message.get("more_body", False):
                    done.set()
                elif stop_after is not None and result.lines >= stop_after:
                    raise Enough

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": query.encode(),
            "headers": [(b"host", b"testserver")],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
            "state": {},
        }
        with contextlib.suppress(Enough):
            await app(scope, receive, send)

    anyio.run(run)
    return result


def get(app: Any, path: str, query: str) -> Stream:
    return stream(app, path, query, set(), keep_body=True)


def prepare(engine: str, services: int, reuse: bool) -> str:
    from bench.search_data import prepare_database, prepare_sqlite

    if engine == "sqlite":
        return prepare_sqlite(RESULTS / f"opendata-{services}.sqlite3", services, reuse)
    url, _reused = prepare_database(DB_NAME, services, reuse)
    return url


def measure_pages(clock: ServerClock, services: int, requests: int) -> None:
    import orjson

    pages = max(1, services // 50)
    for page in (1, pages // 2 or 1):  # warm up: connection pool, code tables, the count and page index
        assert get(clock, "/hsds/services", f"full=true&per_page=50&page={page}").status == 200
    timings: list[float] = []
    cpu: list[float] = []
    sizes: list[int] = []
    for i in range(requests):
        page = 1 + (i * 7919) % pages  # spread over the catalogue, deep pages included
        response = get(clock, "/hsds/services", f"full=true&per_page=50&page={page}")
        assert response.status == 200 and response.body is not None
        assert len(orjson.loads(response.body)["contents"]) == min(50, services)
        timings.append(clock.last_ms)
        cpu.append(clock.last_cpu_ms)
        sizes.append(response.bytes)
    print(f"\nGET /hsds/services?full=true&per_page=50, {services:,} services, {requests} pages "
          f"({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}):")  # fmt: skip
    print(f"  server time p50 {statistics.median(timings):.1f} ms, p95 {percentile(timings, 0.95):.1f} ms, "
          f"max {max(timings):.1f} ms (target: p95 <= {PAGE_TARGET_MS:.0f} ms)")  # fmt: skip
    print(f"  app CPU     p50 {statistics.median(cpu):.1f} ms, p95 {percentile(cpu, 0.95):.1f} ms; "
          f"{statistics.mean(sizes) / 1024:.0f} KiB a page")  # fmt: skip


def measure_stream(app: Any, services: int, limit: int | None) -> None:
    expected = min(services, limit) if limit else services
    before = rss_mib()
    peak_known = reset_peak()
    started = time.perf_counter()
    cpu = time.process_time()
    result = stream(app, "/hsds/services", "format=ndjson", {expected // 10, expected // 2}, stop_after=limit)
    elapsed = time.perf_counter() - started
    cpu_s = time.process_time() - cpu
    assert result.status == 200, result.status
    result.marks.append((result.lines, rss_mib()))
    peak = f", peak {_status('VmHWM'):.0f} MiB" if peak_known else ""
    print(f"\nGET /hsds/services?format=ndjson: {result.lines:,} services, {result.bytes / 2**20:,.0f} MiB "
          f"(load average {os.getloadavg()[0]:.1f}):")  # fmt: skip
    print(f"  {elapsed:.1f} s = {result.lines / elapsed:,.0f} services/s; app CPU {cpu_s:.1f} s = "
          f"{result.lines / cpu_s:,.0f} services per CPU-second (target: >= {STREAM_TARGET:,.0f}/s)")  # fmt: skip
    print(f"  resident memory {before:.0f} MiB before, "
          + ", ".join(f"{mib:.0f} MiB after {n:,}" for n, mib in result.marks) + peak)  # fmt: skip


def profiled(path: str, app: Any, services: int, requests: int, limit: int) -> None:
    """Profile pages and a stream with pyinstrument, which samples one thread: the app's worker-thread
    calls (sync routes, the stream's iterator) run inline on this one while it records."""
    import anyio.to_thread
    from pyinstrument import Profiler  # type: ignore[import-not-found]  # a developer tool, not installed

    async def inline(func: Callable[..., Any], *args: Any, **_: Any) -> Any:
        return func(*args)

    anyio.to_thread.run_sync = inline  # type: ignore[assignment]
    pages = max(1, services // 50)
    profiler = Profiler(async_mode="disabled", interval=0.0005)
    profiler.start()
    try:
        for i in range(requests):
            page = 1 + (i * 7919) % pages
            assert get(app, "/hsds/services", f"full=true&per_page=50&page={page}").status == 200
        assert stream(app, "/hsds/services", "format=ndjson", set(), stop_after=limit).lines >= limit
    finally:
        profiler.stop()
    Path(path).write_text(profiler.output_html(), encoding="utf-8")
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    print(f"profile written to {path}")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=60, help="list pages to time")
    parser.add_argument(
        "--reuse", action="store_true", help="reuse the database if it has that many services"
    )
    parser.add_argument("--engine", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument(
        "--stream-limit", type=int, default=None, help="stop the ndjson stream after this many services"
    )
    parser.add_argument("--profile", help="write a pyinstrument profile (HTML) here instead of timing")
    args = parser.parse_args(argv)

    from app.settings import get_settings
    from tarjotin.asgi import create_app

    url = prepare(args.engine, args.services, args.reuse)
    with tempfile.TemporaryDirectory() as data_dir:
        os.environ.update(
            {"DATA_DIR": data_dir, "DATABASE_URL": url, "LOG_LEVEL": "WARNING", "HSDS_RATE_LIMIT": "0"}
        )
        os.environ.pop("MEILISEARCH_URL", None)
        get_settings.cache_clear()
        app = create_app(get_settings())
        clock = ServerClock(app)
        print(f"engine {args.engine}, resident memory {rss_mib():.0f} MiB after start-up")
        if args.profile:
            profiled(args.profile, app, args.services, args.requests, args.stream_limit or 10_000)
            return
        measure_pages(clock, args.services, args.requests)
        measure_stream(clock, args.services, args.stream_limit)


if __name__ == "__main__":
    main(sys.argv[1:])
