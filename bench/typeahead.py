"""Type-ahead benchmark: server time of GET /{lang}/search/suggest at 100,000 generated services.

    .venv/bin/python bench/typeahead.py [--services 100000] [--reuse] [--rounds 3]

Builds (or with --reuse keeps) a PostgreSQL catalogue of generated services (bench/search_data.py, database
tarjotin_bench_typeahead on TEST_POSTGRES_URL's server), indexes it into the embedded engine (tantivy)
and into Meilisearch (the pinned binary, started here on 127.0.0.1), then types words letter by letter
as a resident would: every prefix of two letters or more is one request. Each request goes through the
whole app in this process (middleware, routing, the database session, the engine, the template), so the
figure is the server's time without the network; the suggestion function alone is timed as well, and
the database fallback (engine down) for comparison. The first round meets every prefix for the first
time (Finnish analysis not cached yet); later rounds repeat them. Prints p50/p95/max per engine.
Target: p95 <= 20 ms on both engines.
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
from typing import Any  # noqa: E402

DB_NAME = "tarjotin_bench_typeahead"
TARGET_MS = 20.0

# What residents type (the generator's names are compounds of these; places and themes too), with a
# typo and a Swedish word; each is sent prefix by prefix.
WORDS: list[tuple[str, str]] = [
    ("fi", "kuntosali"),
    ("fi", "vesijumppa senioreille"),
    ("fi", "liikuntaryhmä"),
    ("fi", "muistikahvila"),
    ("fi", "lukupiiri"),
    ("fi", "sauvakävely"),
    ("fi", "tasapainoharjoittelu"),
    ("fi", "vertaistuki"),
    ("fi", "kuntosli"),
    ("fi", "hyvinkää"),
    ("fi", "lahti"),
    ("sv", "seniorgymnastik"),
    ("sv", "kamratstöd"),
    ("en", "peer support"),
]


def prefixes() -> list[tuple[str, str]]:
    typed: list[tuple[str, str]] = []
    for lang, text in WORDS:
        typed.extend((lang, text[:end]) for end in range(2, len(text) + 1))
    return typed


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def summary(values: list[float]) -> str:
    return (
        f"n {len(values):4}  p50 {statistics.median(values):6.2f}  p95 {percentile(values, 0.95):6.2f}  "
        f"max {max(values):6.2f} ms"
    )


def build_indexes(url: str, workdir: Path, meili_url: str) -> None:
    from sqlmodel import Session

    from app.db import make_engine, normalise_url
    from search.indexer import iter_documents, load_labels, searchable_ids
    from search.meilisearch_index import MeilisearchIndex
    from search.tantivy_index import TantivyIndex

    engine = make_engine(normalise_url(url))
    started = time.perf_counter()
    with Session(engine) as session:
        documents = list(iter_documents(session, searchable_ids(session), load_labels(session)))
    print(f"documents: {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    TantivyIndex(workdir / "tantivy").replace_all(documents)
    print(f"tantivy index: {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    MeilisearchIndex(meili_url, index_uid="services").replace_all(documents)
    print(f"Meilisearch index: {time.perf_counter() - started:.1f} s", flush=True)
    engine.dispose()


def measure(url: str, workdir: Path, engine_name: str, meili_url: str, rounds: int) -> dict[str, list[float]]:
    """Milliseconds per request in the app, and per call of the suggestion function: wall-clock time,
    and for the function also this process's CPU time (on a loaded machine the wall clock counts the
    waits for a core too; Meilisearch's and PostgreSQL's work is in their processes, not in it)."""
    from fastapi.testclient import TestClient
    from sqlmodel import Session

    from app.settings import Settings
    from search.typeahead import suggest
    from tarjotin.asgi import create_app

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=url,
        data_dir=workdir,
        search_index_dir=workdir / "tantivy",
        meilisearch_url=meili_url if engine_name == "meilisearch" else None,
        meilisearch_index="services",
        log_level="WARNING",
    )
    app = create_app(settings)
    if engine_name == "database":
        app.state.search_index = None
    index = app.state.search_index
    typed = prefixes()
    times: dict[str, list[float]] = {}

    served: list[float] = []

    async def server_time(scope: Any, receive: Any, send: Any) -> None:
        """The app, timed from the request's arrival to its last body byte (the test client's own work,
        building the request and reading the answer, is outside)."""
        started = time.perf_counter()

        async def timed_send(message: Any) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                served.append((time.perf_counter() - started) * 1000)

        await app(scope, receive, timed_send)

    with TestClient(server_time) as client:
        client.get("/fi/search/suggest", params={"q": "wa"})  # code tables and connections warm
        for round_ in range(rounds):
            served.clear()
            key = "route, 1st round" if round_ == 0 else "route, repeated"
            floor: list[float] = []
            for lang, q in typed:
                cpu = time.process_time()
                response = client.get(f"/{lang}/search/suggest", params={"q": q})
                times.setdefault(f"{key} cpu*", []).append((time.process_time() - cpu) * 1000)
                assert response.status_code == 200, response.text
                # The same stack's floor at this moment: a route that does nothing (one thread hop).
                cpu = time.process_time()
                client.get("/healthz")
                times.setdefault("GET /healthz cpu*", []).append((time.process_time() - cpu) * 1000)
                floor.append(served.pop())
            times.setdefault(key, []).extend(served)
            times.setdefault("GET /healthz (floor)", []).extend(floor)
        with Session(app.state.engine) as session:
            for lang, q in typed:
                wall, cpu = time.perf_counter(), time.process_time()
                result = suggest(q, lang=lang, session=session, index=index)
                times.setdefault("function wall", []).append((time.perf_counter() - wall) * 1000)
                times.setdefault("function cpu", []).append((time.process_time() - cpu) * 1000)
                assert result.degraded == (engine_name == "database")
    return times


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the generated database if its size matches (indexes are rebuilt)",
    )
    parser.add_argument("--engines", default="tantivy,meilisearch,database")
    args = parser.parse_args(argv)

    from bench.search_data import prepare_database
    from search.finnish import analyser_backend
    from tests.search.meili import running_meilisearch

    print(
        f"Finnish analysis: {analyser_backend()}; {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}"
    )
    url, _reused = prepare_database(DB_NAME, args.services, args.reuse)
    results: dict[str, dict[str, list[float]]] = {}
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-typeahead-")))
        (workdir / "meili").mkdir()
        meili = stack.enter_context(running_meilisearch(workdir / "meili"))
        build_indexes(url, workdir, meili.url)
        for engine_name in [e.strip() for e in args.engines.split(",") if e.strip()]:
            results[engine_name] = measure(url, workdir, engine_name, meili.url, args.rounds)
    print()
    print(
        f"GET /{{lang}}/search/suggest, {args.services} services, {len(prefixes())} prefixes of {len(WORDS)} words"
    )
    for engine_name, times in results.items():
        for key, values in times.items():
            print(f"  {engine_name:12} {key:24} {summary(values)}")
    for engine_name in ("tantivy", "meilisearch"):
        if engine_name in results:
            times = results[engine_name]
            every = [
                v
                for key, values in times.items()
                if key.startswith("route") and not key.endswith("*")
                for v in values
            ]
            p95 = percentile(every, 0.95)
            verdict = "MET" if p95 <= TARGET_MS else "MISSED"
            print(f"target {engine_name} server time p95 <= {TARGET_MS:.0f} ms: {p95:.1f} ms {verdict}")
    print("cpu*: this process's CPU per request, the test client's share included (compare with /healthz)")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
