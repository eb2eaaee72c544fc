"""Search benchmark: end-to-end HTTP latency of GET /api/v1/search on 100,000 generated services.

    .venv/bin/python bench/search.py [--services 100000] [--workers 2] [--reuse]

Builds a PostgreSQL catalogue (TEST_POSTGRES_URL's server, database tarjotin_bench), indexes it into
the embedded engine (tantivy), into Meilisearch (the pinned binary, started here on 127.0.0.1) and
into the peer (PostgreSQL full-text search with pg_trgm, bench/pg_fts.py). Each is served by the
same app under uvicorn with --workers app processes; a load generator in a separate process sends
a fixed mix of word, typo, filter, facet and geo queries with 1 and with 32 concurrent clients.
The engine "degraded" is the same app with its search engine down (a Meilisearch address nothing
listens on), as during a long outage: the database answers (search/fallback.py) until the standby index
(search/standby.py) is built from it, 30 s into the outage; the bench waits for the standby, prints how
long that took, and measures what answers from then on. The engine "database" (not run by default: slow)
is the same outage with the standby turned off, every search answered by SQL.
Prints p50/p95/p99, throughput, ratios to the peer, and the Finnish checks of issue 5 per engine.
Targets: 1 client embedded p95 <= 15 ms; 32 clients >= 3x the peer's throughput at a lower p95;
degraded at 32 clients >= half the embedded engine's throughput.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's folder would shadow the `search` package: put the repo root first.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import asyncio  # noqa: E402
import contextlib  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from typing import Any  # noqa: E402

import httpx  # noqa: E402

DB_NAME = "tarjotin_bench"

QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("word", {"q": "kuntosali"}),
    ("word", {"q": "vesijumppaa senioreille"}),
    ("word", {"q": "liikuntaryhmiä"}),
    ("word", {"q": "muistikahvila"}),
    ("word", {"q": "lukupiiri nuorille"}),
    ("word", {"q": "kuoroon"}),
    ("word", {"q": "sauvakävely"}),
    ("word", {"q": "seniorgymnastik"}),
    ("typo", {"q": "kuntosalli"}),
    ("typo", {"q": "vesijumpa"}),
    ("typo", {"q": "tasapainoharjotelu"}),
    ("typo", {"q": "muistikahvla"}),
    ("filter", {"q": "kuntosali", "municipality": "398"}),
    ("filter", {"q": "jumppa", "free": "true", "age": "70"}),
    ("filter", {"q": "vertaistukiryhmä", "weekday": "MO", "time_of_day": "evening"}),
    ("filter", {"q": "tanssikurssi", "provider_kind": "ngo"}),
    ("facet", {}),
    ("facet", {"theme": "vertaistuki"}),
    ("facet", {"municipality": "091"}),
    ("facet", {"theme": "liikunta", "language": "sv"}),
    ("geo", {"near": "60.9827,25.6612", "radius_km": "10"}),
    ("geo", {"q": "kuntosali", "near": "60.1699,24.9384", "radius_km": "5"}),
    ("geo", {"q": "liikuntaryhmä", "near": "61.4978,23.7610", "sort": "distance"}),
    ("geo", {"near": "65.0121,25.4651", "sort": "distance", "theme": "kulttuuri"}),
]

# (query, a fragment most of the first ten names must contain)
FINNISH_CHECKS = [
    ("kuntosalille", "kuntosali"),
    ("liikuntaryhmiä", "liikuntaryhm"),
    ("ryhmä", "ryhm"),
    ("tasapainoharjoittelua", "tasapainoharjoittelu"),
    ("tasapainoharjotelu", "tasapainoharjoittelu"),
    ("vesijumppaan", "vesijumppa"),
    ("seniorgymnastik", "seniorgymnastik"),
]


# ------------------------------------------------------------------------------------------------
# The load generator (runs as its own process: `bench/search.py load ...`)
# ------------------------------------------------------------------------------------------------


async def _load(url: str, clients: int, requests: int, warmup: int) -> dict[str, Any]:
    queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
    for i in range(warmup + requests):
        queue.put_nowait(QUERIES[i % len(QUERIES)])
    latencies: dict[str, list[float]] = {}
    errors = degraded = 0
    error_kinds: dict[str, int] = {}  # status code or exception: what the errors were
    done = 0
    started = 0.0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:

        async def worker() -> None:
            nonlocal errors, degraded, done, started
            while True:
                try:
                    kind, params = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                t0 = time.perf_counter()
                failure = ""
                try:
                    response = await client.get("/api/v1/search", params=params)
                except httpx.HTTPError as exc:
                    response, failure = None, type(exc).__name__
                elapsed = (time.perf_counter() - t0) * 1000
                done += 1
                if done == warmup:
                    started = time.perf_counter()
                if done <= warmup:
                    continue
                if response is None or response.status_code != 200:
                    errors += 1
                    failure = failure or str(response.status_code if response is not None else "")
                    error_kinds[failure] = error_kinds.get(failure, 0) + 1
                    continue
                if response.json().get("degraded"):
                    degraded += 1
                latencies.setdefault(kind, []).append(elapsed)

        if warmup == 0:
            started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        wall = time.perf_counter() - started
    return {
        "latencies": latencies,
        "errors": errors,
        "error_kinds": error_kinds,
        "degraded": degraded,
        "wall": wall,
    }


def load_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=48)
    args = parser.parse_args(argv)
    print(json.dumps(asyncio.run(_load(args.url, args.clients, args.requests, args.warmup))))


# ------------------------------------------------------------------------------------------------
# Preparing the data and the engines
# ------------------------------------------------------------------------------------------------


def search_code_stamp(services: int) -> str:
    """What the indexes depend on besides the database: the size, search/ and the peer's SQL."""
    digest = hashlib.sha256(str(services).encode())
    for path in [*sorted((ROOT / "search").rglob("*")), ROOT / "bench" / "pg_fts.py"]:
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(ROOT).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()


@contextlib.contextmanager
def meilisearch_server(workdir: Path) -> Iterator[str]:
    from tests.search.meili import running_meilisearch

    (workdir / "meili").mkdir(exist_ok=True)
    with running_meilisearch(workdir / "meili") as server:
        yield server.url


def build_indexes(url: str, workdir: Path, meili_url: str) -> dict[str, float]:
    from sqlmodel import Session

    from app.db import make_engine, normalise_url
    from bench.pg_fts import build
    from search.indexer import iter_documents, load_labels, searchable_ids
    from search.meilisearch_index import MeilisearchIndex
    from search.tantivy_index import TantivyIndex

    timings: dict[str, float] = {}
    engine = make_engine(normalise_url(url))
    t0 = time.perf_counter()
    with Session(engine) as session:
        documents = list(iter_documents(session, searchable_ids(session), load_labels(session)))
    timings["documents (Voikko analysis)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    TantivyIndex(workdir / "tantivy").replace_all(documents)
    timings["tantivy"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    MeilisearchIndex(meili_url, index_uid="services").replace_all(documents)
    timings["meilisearch"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    build(engine)
    timings["postgresql-fts"] = time.perf_counter() - t0
    engine.dispose()
    return timings


@contextlib.contextmanager
def serve(engine: str, url: str, workdir: Path, meili_url: str, workers: int) -> Iterator[str]:
    from tests.servers import free_port

    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DATA_DIR": str(workdir),
        "SEARCH_INDEX_DIR": str(workdir / "tantivy"),
        "BENCH_ENGINE": engine,
        "LOG_LEVEL": "WARNING",
    }
    env.pop("MEILISEARCH_URL", None)
    if engine == "meilisearch":
        env["MEILISEARCH_URL"] = meili_url
        env["MEILISEARCH_INDEX"] = "services"
    elif engine in ("degraded", "database"):
        # Connections are refused at once: the outage costs the fallback, not a timeout.
        env["MEILISEARCH_URL"] = f"http://127.0.0.1:{free_port()}"
        env["MEILISEARCH_INDEX"] = "services"
        env["SEARCH_STANDBY"] = "true" if engine == "degraded" else "false"
        env["SEARCH_STANDBY_DIR"] = str(workdir / "standby")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.search_app:create",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240  # a busy machine starts the workers slowly
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if (
                    httpx.get(f"{base}/api/v1/search", params={"q": "kuntosali"}, timeout=30).status_code
                    == 200
                ):
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn for {engine} did not start")
            time.sleep(0.3)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_load(base: str, clients: int, requests: int) -> dict[str, Any]:
    output = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "load",
            "--url",
            base,
            "--clients",
            str(clients),
            "--requests",
            str(requests),
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def finnish_checks(base: str, engine: str) -> dict[str, bool]:
    from search.finnish import fold

    results: dict[str, bool] = {}
    for q, fragment in FINNISH_CHECKS:
        body = httpx.get(f"{base}/api/v1/search", params={"q": q, "per_page": 10}, timeout=30).json()
        names = [" ".join(item["names"].values()) for item in body["items"]]
        hits = sum(fold(fragment) in fold(name) for name in names)
        results[q] = hits >= 5 and body["degraded"] == (engine in ("degraded", "database"))
    return results


def wait_for_standby(base: str, timeout: float = 1800) -> float:
    """Seconds until every app process answers from its standby index: searches keep each process's
    outage going; /readyz (answered by any process) must say "ready" eight times running."""
    started = time.monotonic()
    running = 0
    while running < 8:
        if time.monotonic() - started > timeout:
            raise RuntimeError("the standby index was not ready in time")
        httpx.get(f"{base}/api/v1/search", params={"q": "kuntosali"}, timeout=120)
        state = httpx.get(f"{base}/readyz", timeout=30).json()["checks"].get("search_standby")
        running = running + 1 if state == "ready" else 0
        if state != "ready":
            time.sleep(1)
    return time.monotonic() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument(
        "--database",
        default=DB_NAME,
        help="the PostgreSQL database to build or reuse (another name keeps parallel runs apart)",
    )
    parser.add_argument("--workers", type=int, default=2, help="uvicorn app worker processes")
    parser.add_argument("--requests-1", type=int, default=480, help="requests with one client")
    parser.add_argument("--requests-32", type=int, default=1920, help="requests with 32 clients")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the generated database if its size matches, and the indexes (in .cache/bench-search) "
        "if neither it nor search/ changed",
    )
    parser.add_argument("--engines", default="tantivy,meilisearch,postgresql-fts,degraded")
    args = parser.parse_args(argv)

    from search.finnish import analyser_backend

    print(f"Finnish analysis: {analyser_backend()}; {os.cpu_count()} cores; {args.workers} uvicorn workers")
    from bench.search_data import prepare_database

    url, reused = prepare_database(args.database, args.services, args.reuse)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    rows: list[dict[str, Any]] = []
    checks: dict[str, dict[str, bool]] = {}
    with contextlib.ExitStack() as stack:
        if args.reuse:
            # Kept between runs: the indexes are rebuilt only when the database or search/ changed.
            workdir = ROOT / ".cache" / "bench-search"
            workdir.mkdir(parents=True, exist_ok=True)
        else:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-search-")))
        stamp_file, stamp = workdir / "indexes.stamp", search_code_stamp(args.services)
        with meilisearch_server(workdir) as meili_url:
            if reused and stamp_file.exists() and stamp_file.read_text() == stamp:
                print(f"reusing the indexes in {workdir} (same database and search/ code)")
            else:
                stamp_file.unlink(missing_ok=True)
                timings = build_indexes(url, workdir, meili_url)
                for name, seconds in timings.items():
                    print(f"indexing {args.services} services, {name}: {seconds:.1f} s")
                if args.reuse:
                    stamp_file.write_text(stamp)
            for engine in engines:
                if engine == "degraded":
                    shutil.rmtree(workdir / "standby", ignore_errors=True)  # built anew, and timed
                with serve(engine, url, workdir, meili_url, args.workers) as base:
                    if engine == "degraded":
                        waited = wait_for_standby(base)
                        print(
                            f"  degraded: standby index ready {waited:.0f} s after the outage's first searches",
                            flush=True,
                        )
                    checks[engine] = finnish_checks(base, engine)
                    for clients, requests in ((1, args.requests_1), (32, args.requests_32)):
                        result = run_load(base, clients, requests)
                        every = [v for values in result["latencies"].values() for v in values]
                        rows.append(
                            {
                                "engine": engine,
                                "clients": clients,
                                "requests": len(every),
                                "rps": len(every) / result["wall"],
                                "p50": statistics.median(every),
                                "p95": percentile(every, 0.95),
                                "p99": percentile(every, 0.99),
                                "errors": result["errors"],
                                "error_kinds": result["error_kinds"],
                                "degraded": result["degraded"],
                                "by_kind": {k: percentile(v, 0.95) for k, v in result["latencies"].items()},
                            }
                        )
                        print(
                            f"  {engine:15} {clients:2} clients: {rows[-1]['rps']:7.1f} req/s  "
                            f"p50 {rows[-1]['p50']:6.1f}  p95 {rows[-1]['p95']:6.1f}  p99 {rows[-1]['p99']:6.1f} ms",
                            flush=True,
                        )

    peer = {r["clients"]: r for r in rows if r["engine"] == "postgresql-fts"}
    print()
    print(
        f"GET /api/v1/search, {args.services} services, uvicorn --workers {args.workers}, load generator in a separate process"
    )
    print(
        f"{'engine':15} {'clients':>7} {'requests':>8} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'x peer req/s':>12} {'p95 vs peer':>11} {'errors':>6} {'degraded':>8}"
    )
    for r in rows:
        peer_row = peer.get(r["clients"])
        ratio = f"{r['rps'] / peer_row['rps']:.2f}" if peer_row else "-"
        p95_ratio = f"{r['p95'] / peer_row['p95']:.2f}" if peer_row else "-"
        print(
            f"{r['engine']:15} {r['clients']:>7} {r['requests']:>8} {r['rps']:>8.1f} {r['p50']:>7.1f} {r['p95']:>7.1f} "
            f"{r['p99']:>7.1f} {ratio:>12} {p95_ratio:>11} {r['errors']:>6} {r['degraded']:>8}"
        )
    print()
    print(
        "p95 ms by query kind: "
        + "; ".join(
            f"{r['engine']}/{r['clients']}: " + ", ".join(f"{k} {v:.1f}" for k, v in r["by_kind"].items())
            for r in rows
        )
    )
    failed = [r for r in rows if r["errors"]]
    if failed:
        print(
            "errors (status or exception: count): "
            + "; ".join(f"{r['engine']}/{r['clients']}: {r['error_kinds']}" for r in failed)
        )
    print()
    print("Finnish checks (>= 5 of the first 10 names contain the expected word):")
    print(f"{'query':24} " + " ".join(f"{e:>15}" for e in engines))
    for q, _fragment in FINNISH_CHECKS:
        print(f"{q:24} " + " ".join(f"{'pass' if checks[e][q] else 'FAIL':>15}" for e in engines))
    print(
        f"{'passed':24} " + " ".join(f"{sum(checks[e].values()):>13}/{len(FINNISH_CHECKS)}" for e in engines)
    )
    one = {r["engine"]: r for r in rows if r["clients"] == 1}
    many = {r["engine"]: r for r in rows if r["clients"] == 32}
    if "tantivy" in one:
        print(
            f"\ntarget 1 client embedded p95 <= 15 ms: {one['tantivy']['p95']:.1f} ms "
            f"{'MET' if one['tantivy']['p95'] <= 15 else 'MISSED'}"
        )
    if "degraded" in many and "tantivy" in many:
        ratio = many["degraded"]["rps"] / many["tantivy"]["rps"]
        print(
            f"target 32 clients degraded (engine down, standby built) >= 0.5x embedded throughput: {ratio:.2f}x "
            f"({many['degraded']['rps']:.1f} vs {many['tantivy']['rps']:.1f} req/s) "
            f"{'MET' if ratio >= 0.5 else 'MISSED'}"
        )
    if "database" in many and "tantivy" in many:
        ratio = many["database"]["rps"] / many["tantivy"]["rps"]
        print(
            f"32 clients, engine down and no standby (SQL only, the outage's first minutes): {ratio:.2f}x "
            f"embedded throughput ({many['database']['rps']:.1f} vs {many['tantivy']['rps']:.1f} req/s)"
        )
    for engine in ("tantivy", "meilisearch"):
        if engine in many and "postgresql-fts" in many:
            ratio = many[engine]["rps"] / many["postgresql-fts"]["rps"]
            lower = many[engine]["p95"] < many["postgresql-fts"]["p95"]
            print(
                f"target 32 clients {engine} >= 3x peer throughput at lower p95: {ratio:.2f}x, p95 "
                f"{many[engine]['p95']:.1f} vs {many['postgresql-fts']['p95']:.1f} ms "
                f"{'MET' if ratio >= 3 and lower else 'MISSED'}"
            )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "load":
        load_main(sys.argv[2:])
    else:
        main(sys.argv[1:])
