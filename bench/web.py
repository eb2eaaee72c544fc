"""Resident web benchmark: the results fragment's server time at 100,000 services, and page weights.

    .venv/bin/python bench/web.py [--services 100000] [--rounds 20] [--reuse]

Builds (or with --reuse, reuses) a PostgreSQL catalogue of generated services (TEST_POSTGRES_URL's
server, database tarjotin_bench_web; bench/search_data.py) and an embedded search index under
bench/results/web-index, then runs the app in this process and measures:

- server time of GET /{lang}/search with HX-Request (the fragment htmx swaps in, gzip-compressed),
  over a mix of words, filters, places, a map view, a later page and an empty result: measured inside
  the ASGI app from the request's arrival to its last body byte (no network, no client cost).
  Target: p95 <= 50 ms.
- the weight of each page type: the HTML and every file it loads (styles, scripts, and for map pages
  Leaflet, which app.js loads on demand, and the marker images), as transferred (gzip) and raw.
  Map tiles are left out. Target: <= 150 KB transferred.
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
import re  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

DB_NAME = "tarjotin_bench_web"
INDEX_DIR = ROOT / "bench" / "results" / "web-index"

# (kind, query string) of the results fragment; each kind is a way residents use the page.
FRAGMENT_QUERIES: list[tuple[str, str]] = [
    ("browse", ""),
    ("browse", "theme=liikunta"),
    ("word", "q=kuntosali"),
    ("word", "q=vesijumppaa+senioreille"),
    ("word", "q=kuoroon"),
    ("typo", "q=kuntosalli"),
    ("filters", "theme=liikunta&free=true&target=KR1.1"),
    ("filters", "q=jumppa&municipality=398&weekday=TU"),
    ("filters", "theme=vertaistuki&language=sv&access=wheelchair"),
    ("place", "where=15110"),
    ("place", "q=kuntosali&where=00100&radius=5"),
    ("place", "theme=kulttuuri&where=Tampere&radius=25"),
    ("map", "theme=liikunta&view=map"),
    ("page", "theme=liikunta&page=3"),
    ("empty", "q=zzqxvw"),
]
LANGS = ("fi", "sv", "en")
# What app.js loads when a page has a map (Leaflet is not in the HTML: list pages stay light).
MAP_ASSETS = [
    "/static/vendor/leaflet/leaflet.css",
    "/static/vendor/markercluster/MarkerCluster.css",
    "/static/vendor/markercluster/MarkerCluster.Default.css",
    "/static/vendor/leaflet/leaflet.js",
    "/static/vendor/markercluster/leaflet.markercluster.js",
    "/static/vendor/leaflet/images/marker-icon.png",
    "/static/vendor/leaflet/images/marker-shadow.png",
]
BUDGET_KB = 150
P95_TARGET_MS = 50.0


def build_index(url: str, reuse: bool) -> None:
    from sqlmodel import Session

    from app.db import make_engine, normalise_url
    from search.indexer import rebuild
    from search.tantivy_index import TantivyIndex

    if reuse and (INDEX_DIR / "current").exists():
        print(f"reusing the search index in {INDEX_DIR.relative_to(ROOT)}")
        return
    started = time.perf_counter()
    engine = make_engine(normalise_url(url))
    with Session(engine) as session:
        count = rebuild(session, TantivyIndex(INDEX_DIR))
    engine.dispose()
    print(f"indexed {count} services in {time.perf_counter() - started:.1f} s")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class ServerClock:
    """ASGI wrapper: the time from the request reaching the app to its last body byte (gzip included)."""

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


def measure_fragments(client: Any, clock: ServerClock, rounds: int) -> dict[str, list[float]]:
    """Server time of each fragment request; the client's own cost (a thread hop) is not counted."""
    timings: dict[str, list[float]] = {}
    headers = {"HX-Request": "true", "Accept-Encoding": "gzip"}
    for lang in LANGS:  # warm up: caches, index readers, connection pool
        for _, query in FRAGMENT_QUERIES:
            assert client.get(f"/{lang}/search?{query}", headers=headers).status_code == 200
    for round_ in range(rounds):
        lang = LANGS[round_ % len(LANGS)]
        for kind, query in FRAGMENT_QUERIES:
            response = client.get(f"/{lang}/search?{query}", headers=headers)
            assert response.status_code == 200, (query, response.status_code)
            timings.setdefault(kind, []).append(clock.last_ms)
    return timings


_ASSET = re.compile(r'<(?:link[^>]+href|script[^>]+src)="(/static/[^"]+)"')


def page_weight(client: Any, path: str) -> tuple[int, int, int]:
    """(transferred bytes, raw bytes, requests) of a page and everything it loads, tiles excepted."""
    gzip = {"Accept-Encoding": "gzip"}
    response = client.get(path, headers=gzip)
    assert response.status_code in (200, 404), (path, response.status_code)
    assets = _ASSET.findall(response.text)
    if "data-map-points" in response.text:
        assets += MAP_ASSETS
    sent, raw = response.num_bytes_downloaded, len(response.content)
    for asset in dict.fromkeys(assets):
        file = client.get(asset, headers=gzip)
        assert file.status_code == 200, asset
        sent += file.num_bytes_downloaded
        raw += len(file.content)
    return sent, raw, 1 + len(dict.fromkeys(assets))


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
    parser.add_argument("--rounds", type=int, default=20, help="passes over the query mix")
    parser.add_argument("--reuse", action="store_true", help="reuse the database and index if present")
    args = parser.parse_args(argv)

    from fastapi.testclient import TestClient
    from sqlmodel import Session, select

    from app.catalogue.models import Service
    from app.db import make_engine, normalise_url
    from app.settings import get_settings
    from bench.search_data import prepare_database
    from tarjotin.asgi import create_app

    url, _reused = prepare_database(args.database, args.services, args.reuse)
    build_index(url, args.reuse)
    with tempfile.TemporaryDirectory() as data_dir:
        # The request sessions come from the process-wide settings (app.db): set them, not just the app's.
        os.environ.update(
            {
                "DATA_DIR": data_dir,
                "DATABASE_URL": url,
                "SEARCH_INDEX_DIR": str(INDEX_DIR),
                "LOG_LEVEL": "WARNING",
            }
        )
        os.environ.pop("MEILISEARCH_URL", None)
        get_settings.cache_clear()
        app = create_app(get_settings())
        engine = make_engine(normalise_url(url))
        with Session(engine) as session:
            service_id = session.exec(select(Service.id).limit(1)).one()
        engine.dispose()
        clock = ServerClock(app)
        with TestClient(clock) as client:  # type: ignore[arg-type]
            timings = measure_fragments(client, clock, args.rounds)
            everything = [t for values in timings.values() for t in values]
            print(f"\nResults fragment (GET /{{lang}}/search with HX-Request), {args.services} services,")
            load = os.getloadavg()[0]
            print(
                f"engine {type(app.state.search_index).__name__}, {args.rounds} rounds, server time in process "
                f"({os.cpu_count()} CPUs, load average {load:.1f}):"
            )
            print(f"{'kind':<10}{'n':>5}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
            for kind, values in timings.items():
                print(
                    f"{kind:<10}{len(values):>5}{statistics.median(values):>10.1f}"
                    f"{percentile(values, 0.95):>10.1f}{max(values):>10.1f}"
                )
            p95 = percentile(everything, 0.95)
            print(
                f"{'all':<10}{len(everything):>5}{statistics.median(everything):>10.1f}{p95:>10.1f}"
                f"{max(everything):>10.1f}   target p95 <= {P95_TARGET_MS:.0f} ms: "
                f"{'met' if p95 <= P95_TARGET_MS else 'NOT met'}"
            )

            pages = {
                "front": "/fi/",
                "results (list)": "/fi/search?theme=liikunta",
                "results (map)": "/fi/search?theme=liikunta&view=map",
                "results (empty)": "/fi/search?q=zzqxvw",
                "service": f"/fi/services/{service_id}",
                "service print": f"/fi/services/{service_id}/print",
                "results print": "/fi/search/print?theme=liikunta",
                "error": "/fi/services/00000000-0000-0000-0000-000000000001",
            }
            print(f"\nPage weight (HTML and everything it loads, map tiles excepted; budget {BUDGET_KB} KB):")
            print(f"{'page':<18}{'requests':>9}{'sent KB':>10}{'raw KB':>10}")
            worst = 0.0
            for name, path in pages.items():
                sent, raw, requests = page_weight(client, path)
                worst = max(worst, sent / 1024)
                print(f"{name:<18}{requests:>9}{sent / 1024:>10.1f}{raw / 1024:>10.1f}")
            print(
                f"heaviest page {worst:.1f} KB sent: {'within' if worst <= BUDGET_KB else 'OVER'} the budget"
            )


if __name__ == "__main__":
    main(sys.argv[1:])
