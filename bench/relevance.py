"""Relevance benchmark: our judged query set (bench/relevance_set.py) over the demo catalogue.

    .venv/bin/python bench/relevance.py [--engine tantivy|meilisearch|both] [--show] [--query Q]

Loads the demo catalogue as `make run` does (`tarjotin db upgrade`, `tarjotin demo load`, which builds
the embedded index) into a fresh SQLite database under .cache/bench-relevance, indexes the same
documents into Meilisearch (the pinned binary, started here on 127.0.0.1), and asks GET
/api/v1/search (so whatever the API does with the words is measured too) for the first ten hits.

Per engine, overall and per kind of query, it prints:
- nDCG@10 (gain 2^grade - 1; the ideal ranking is over every judged listing; queries with nothing
  relevant are left out),
- recall@10: relevant listings (grade >= 1) in the first ten, divided by min(10, how many exist),
- top-3: the share of queries with a highly relevant (grade 2) hit in the first three,
- off-topic: listings graded 0 in the first ten, summed over the queries.
FINNISH_ANALYSER chooses the Finnish analyser as for the app (the figures should not depend on it).
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
import math  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
from collections import defaultdict  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import Any  # noqa: E402

from bench.relevance_set import KINDS, QUERIES, Judged  # noqa: E402

WORKDIR = ROOT / ".cache" / "bench-relevance"
K = 10


@dataclass(frozen=True)
class Listing:
    id: str
    name: str
    free: bool | None
    municipalities: frozenset[str]


@dataclass(frozen=True)
class Scores:
    ndcg: float | None
    recall: float | None
    top3: bool | None
    off_topic: int


def kind_of(name: str) -> str | None:
    for kind, beginnings in KINDS.items():
        if any(name.startswith(b) for b in beginnings):
            return kind
    return None


def grade(judged: Judged, listing: Listing) -> int:
    kind = kind_of(listing.name)
    value = judged.grades.get(kind, 0) if kind else 0
    if judged.free and listing.free is not True:
        return 0
    if judged.municipalities and not listing.municipalities & set(judged.municipalities):
        return 0
    return value


def score(judged: Judged, ranked: list[str], listings: dict[str, Listing]) -> Scores:
    grades = {lid: grade(judged, listing) for lid, listing in listings.items()}
    top = [grades.get(lid, 0) for lid in ranked[:K]]
    ideal = sorted((g for g in grades.values() if g), reverse=True)[:K]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    dcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(top))
    relevant = sum(1 for g in grades.values() if g >= 1)
    highly = any(g == 2 for g in grades.values())
    return Scores(
        ndcg=dcg / idcg if idcg else None,
        recall=sum(1 for g in top if g >= 1) / min(K, relevant) if relevant else None,
        top3=any(g == 2 for g in top[:3]) if highly else None,
        off_topic=sum(1 for g in top if g == 0),
    )


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def summarise(scores: list[Scores]) -> dict[str, float]:
    return {
        "queries": len(scores),
        "nDCG@10": _mean([s.ndcg for s in scores if s.ndcg is not None]),
        "recall@10": _mean([s.recall for s in scores if s.recall is not None]),
        "top-3": _mean([float(s.top3) for s in scores if s.top3 is not None]),
        "off-topic": sum(s.off_topic for s in scores),
    }


def load_demo(workdir: Path) -> None:
    """`make run`'s steps into a fresh database under workdir (the embedded index included)."""
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "MEILISEARCH_URL", "SEARCH_INDEX_DIR")
    }
    env["DATA_DIR"] = str(workdir)
    env["PYTHONPATH"] = str(ROOT)  # this tree's code, whatever is installed
    for step in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run(
            [sys.executable, "-m", "tarjotin.cli", *step],
            cwd=workdir,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )


@contextlib.contextmanager
def engines(workdir: Path, wanted: list[str], documents: list[Any]) -> Iterator[dict[str, Any]]:
    from search.meilisearch_index import MeilisearchIndex
    from search.tantivy_index import TantivyIndex

    opened: dict[str, Any] = {}
    if "tantivy" in wanted:
        opened["tantivy"] = TantivyIndex(workdir / "search-index")
    with contextlib.ExitStack() as stack:
        if "meilisearch" in wanted:
            from tests.search.meili import running_meilisearch

            (workdir / "meili").mkdir(exist_ok=True)
            server = stack.enter_context(running_meilisearch(workdir / "meili"))
            index = MeilisearchIndex(server.url, index_uid="services")
            index.replace_all(documents)
            opened["meilisearch"] = index
        yield opened


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engine", choices=["tantivy", "meilisearch", "both"], default="both")
    parser.add_argument("--show", action="store_true", help="print every query's scores and first hits")
    parser.add_argument("--query", action="append", default=[], help="only these queries (repeatable)")
    args = parser.parse_args(argv)
    wanted = ["tantivy", "meilisearch"] if args.engine == "both" else [args.engine]
    queries = [j for j in QUERIES if not args.query or j.q in args.query]

    load_demo(WORKDIR)
    from fastapi.testclient import TestClient
    from sqlmodel import Session

    from app.db import make_engine, normalise_url
    from app.settings import Settings
    from search.finnish import analyser_backend
    from search.indexer import iter_documents, load_labels, searchable_ids
    from tarjotin.asgi import create_app

    settings = Settings(data_dir=WORKDIR, _env_file=None)  # type: ignore[call-arg]
    db = make_engine(normalise_url(settings.database_url))
    with Session(db) as session:
        documents = list(iter_documents(session, searchable_ids(session), load_labels(session)))
    listings = {
        d.id: Listing(d.id, d.name.get("fi") or "", d.free, frozenset(d.municipalities)) for d in documents
    }
    unknown = sorted({ls.name for ls in listings.values() if kind_of(ls.name) is None})
    print(
        f"{len(queries)} judged queries over {len(listings)} demo listings; Finnish analysis: {analyser_backend()}"
    )
    if unknown:
        print(f"  listings of no judged kind (graded 0 everywhere): {len(unknown)} names")

    results: dict[str, dict[str, list[Scores]]] = {}
    with engines(WORKDIR, wanted, documents) as opened:
        for name, index in opened.items():
            app = create_app(settings)
            app.state.search_index = index
            by_kind: dict[str, list[Scores]] = defaultdict(list)
            with TestClient(app) as client:
                for judged in queries:
                    response = client.get(
                        "/api/v1/search", params={"q": judged.q, "lang": judged.lang, "per_page": K}
                    )
                    response.raise_for_status()
                    body = response.json()
                    if body.get("degraded"):
                        raise SystemExit(f"{name} answered degraded: is the index built?")
                    ranked = [item["id"] for item in body["items"]]
                    scores = score(judged, ranked, listings)
                    by_kind[judged.kind].append(scores)
                    by_kind["all"].append(scores)
                    if args.show:
                        ndcg = "  -  " if scores.ndcg is None else f"{scores.ndcg:.3f}"
                        print(
                            f"  {name:11} {judged.kind:10} {judged.q!r:38} nDCG {ndcg} off {scores.off_topic}"
                            f" total {body['total']}: "
                            + "; ".join(listings[i].name[:24] for i in ranked[:5] if i in listings)
                        )
            results[name] = dict(by_kind)
    db.dispose()

    kinds = ["all", *sorted({j.kind for j in queries})]
    header = f"{'engine':12} {'kind':11} {'queries':>7} {'nDCG@10':>8} {'recall@10':>9} {'top-3':>6} {'off-topic':>9}"
    print(header)
    print("-" * len(header))
    for name, by_kind in results.items():
        for kind in kinds:
            if kind not in by_kind:
                continue
            s = summarise(by_kind[kind])
            print(
                f"{name:12} {kind:11} {s['queries']:>7} {s['nDCG@10']:>8.3f} {s['recall@10']:>9.3f}"
                f" {s['top-3']:>6.2f} {s['off-topic']:>9.0f}"
            )
    if len(results) == 2:
        a, b = (summarise(by_kind["all"])["nDCG@10"] for by_kind in results.values())
        verdict = "within" if abs(a - b) <= 0.02 else "NOT within"
        print(f"nDCG@10 difference between the engines: {abs(a - b):.3f} ({verdict} 0.02)")


if __name__ == "__main__":
    main(sys.argv[1:])
