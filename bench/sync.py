"""Sync benchmark: N PTV v11 services from a local HTTP server into SQLite and PostgreSQL.

    python bench/sync.py                       # 100,000 services, both engines, then 1,000 changes
    python bench/sync.py --count 5000 --engines sqlite

The server runs in its own process and answers like the PTV v11 API (municipality list pages of 100
with `pageCount`, `list?guids=` batches, `?date=` change lists). It builds every page on request from
the demo catalogue's records used as templates (new ids, names and links), so neither side holds the
whole crawl. Services are spread over the 16 municipalities of the demo area; every tenth service has
its own place, every fiftieth its own organisation. The sync runs the real client, mapping, store and
engine, and this process samples its resident memory as the crawl passes 25 %, 50 % and 100 %. The
engine crawls and maps in a forked child process (integrations/prefetch.py) while it stores: "CPU s"
and "peak MiB" are the storing process's, "crawl CPU s" and "crawl MiB" the crawl process's, "db CPU s"
the PostgreSQL server process's and "server CPU s" the stand-in's: all of them share the machine's cores.

Targets (issue 4): a full sync of 100,000 records at 1,500 records/s or more on both engines, with
memory that stays flat as the crawl grows. Prints figures; asserts nothing. Figures measured so far:
README.md, "Sync".
"""

from __future__ import annotations

import argparse
import copy
import json
import multiprocessing
import os
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEMO = ROOT / "demo" / "ptv-v11"
MUNICIPALITIES = (
    "398", "098", "111", "016", "081", "560", "142", "316", "576", "781",
    "106", "186", "858", "543", "505", "611",
)  # fmt: skip
PAGE_SIZE = 100
SERVICES_PER_PLACE = 10
SERVICES_PER_ORGANISATION = 50
NAMESPACE = uuid.UUID("6f1c1f9e-3b6e-4c53-9a53-2d4f6f0b7a10")
DEFAULT_PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _id(kind: str, number: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}-{number}"))


def _business_id(number: int) -> str:
    """A business id in the unassigned 99xxxxx range with a valid check digit."""
    weights = (7, 9, 10, 5, 8, 4, 2)
    for step in range(10):
        digits = f"99{(number + step) % 100000:05d}"
        remainder = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
        if remainder != 1:  # a remainder of 1 has no valid check digit
            return f"{digits}-{0 if remainder == 0 else 11 - remainder}"
    raise AssertionError("unreachable: one of ten neighbours has a check digit")


# -- the synthetic API ---------------------------------------------------------------------------


class Catalogue:
    """Service i, place j and organisation k built on demand from demo templates (deterministic)."""

    def __init__(self, count: int) -> None:
        self.count = count
        services = [item for path in sorted(DEMO.glob("Service_*_page*.json")) for item in _items(path)]
        channels = [
            item for path in sorted(DEMO.glob("ServiceChannel_*_page*.json")) for item in _items(path)
        ]
        organisations = [
            item for path in sorted(DEMO.glob("Organization_batch*.json")) for item in _items(path)
        ]
        # Only services with a hyte class are imported: use those, so every generated one counts.
        from app.catalogue.codes import read_csv

        hyte = {
            row["code"] for row in read_csv("theme_mapping.csv") if row["taxonomy"] == "ptv_service_class"
        }
        self.service_templates = [
            json.dumps(s)
            for s in {s["id"]: s for s in services}.values()
            if any(
                c["code"] in hyte or c["code"].rsplit(".", 1)[0] in hyte
                for c in s.get("serviceClasses") or []
            )
        ]
        self.place_templates = [
            json.dumps(c)
            for c in {c["id"]: c for c in channels}.values()
            if c["serviceChannelType"] == "ServiceLocation"
        ]
        self.organisation_templates = [json.dumps(o) for o in organisations]
        self.changed: set[int] = set()
        self.organisation_numbers = {_id("organisation", n): n for n in range(self.organisations())}
        self.place_numbers = {_id("place", n): n for n in range(self.places())}
        self.changed_at = "2027-01-01T00:00:00.000000Z"
        self._skeletons: dict[tuple[str, int, bool], str] = {}

    # Service i lives in MUNICIPALITIES[i % 16] and so does place j in MUNICIPALITIES[j % 16]: the k-th
    # service of a municipality meets at its (k // 10)-th place.
    def places(self) -> int:
        per_municipality = (self.count - 1) // len(MUNICIPALITIES) // SERVICES_PER_PLACE + 1
        return per_municipality * len(MUNICIPALITIES)

    def organisations(self) -> int:
        return -(-self.count // SERVICES_PER_ORGANISATION)

    # Items are rendered from per-template skeletons (JSON text with tokens) by string replacement:
    # cheap enough that the stand-in server takes little of the CPU the sync is measured on.
    def _skeleton(self, kind: str, template: int, changed: bool) -> str:
        key = (kind, template, changed)
        if key not in self._skeletons:
            build = {
                "service": self._service_dict,
                "place": self._place_dict,
                "organisation": self._organisation_dict,
            }
            self._skeletons[key] = json.dumps(build[kind](template, changed))
        return self._skeletons[key]

    def service(self, number: int) -> str:
        index = number % len(MUNICIPALITIES)
        place = (number // len(MUNICIPALITIES) // SERVICES_PER_PLACE) * len(MUNICIPALITIES) + index
        organisation = number // SERVICES_PER_ORGANISATION
        text = self._skeleton("service", number % len(self.service_templates), number in self.changed)
        return (
            text.replace("@@ID@@", _id("service", number))
            .replace("@@N@@", str(number))
            .replace("@@CODE@@", MUNICIPALITIES[index])
            .replace("@@PLACEID@@", _id("place", place))
            .replace("@@PLACE@@", str(place))
            .replace("@@ORGID@@", _id("organisation", organisation))
            .replace("@@ORG@@", str(organisation))
        )

    def place(self, number: int) -> str:
        organisation = min(self.organisations() - 1, number * SERVICES_PER_PLACE // SERVICES_PER_ORGANISATION)
        text = self._skeleton("place", number % len(self.place_templates), False)
        return (
            text.replace("@@ID@@", _id("place", number))
            .replace("@@N@@", str(number))
            .replace("@@CODE@@", MUNICIPALITIES[number % len(MUNICIPALITIES)])
            .replace("@@ORGID@@", _id("organisation", organisation))
        )

    def organisation(self, number: int) -> str:
        text = self._skeleton("organisation", number % len(self.organisation_templates), False)
        return (
            text.replace("@@ID@@", _id("organisation", number))
            .replace("@@N@@", str(number))
            .replace("@@BUSINESSID@@", _business_id(number))
        )

    def _service_dict(self, template: int, changed: bool) -> dict[str, Any]:
        item: dict[str, Any] = json.loads(self.service_templates[template])
        item["id"] = "@@ID@@"
        item["sourceId"] = "bench-@@N@@"
        for name in item["serviceNames"]:
            name["value"] = f"{name['value']} @@N@@"
        if changed:
            item["serviceNames"][0]["value"] += " (muutettu)"
            item["modified"] = self.changed_at
        municipality = {"code": "@@CODE@@", "name": []}
        item["areas"] = [
            {"type": "Municipality", "code": None, "name": None, "municipalities": [municipality]}
        ]
        connections = item.get("serviceChannels") or []
        first = copy.deepcopy(connections[0]) if connections else {"description": [], "serviceHours": []}
        first["serviceChannel"] = {"id": "@@PLACEID@@", "name": "Paikka @@PLACE@@"}
        item["serviceChannels"] = [first]
        organisation = {"id": "@@ORGID@@", "name": "Yhdistys @@ORG@@"}
        item["organizations"] = [{"organization": organisation, "roleType": "Responsible"}]
        return item

    def _place_dict(self, template: int, changed: bool) -> dict[str, Any]:
        item: dict[str, Any] = json.loads(self.place_templates[template])
        item["id"] = "@@ID@@"
        item["organizationId"] = "@@ORGID@@"
        for name in item["serviceChannelNames"]:
            name["value"] = f"{name['value']} @@N@@"
        municipality = {"code": "@@CODE@@", "name": []}
        item["areas"] = [
            {"type": "Municipality", "code": None, "name": None, "municipalities": [municipality]}
        ]
        for address in item.get("addresses") or []:
            street = address.get("streetAddress")
            if street:
                street["municipality"] = municipality
                street["postalCode"] = None  # the template's postal code belongs to another municipality
        return item

    def _organisation_dict(self, template: int, changed: bool) -> dict[str, Any]:
        item: dict[str, Any] = json.loads(self.organisation_templates[template])
        item["id"] = "@@ID@@"
        item["parentOrganizationId"] = None
        item["businessCode"] = "@@BUSINESSID@@"
        item["businessName"] = "Yhdistys @@N@@ ry"
        item["organizationNames"] = [{"language": "fi", "value": "Yhdistys @@N@@ ry", "type": "Name"}]
        return item

    def numbers_in(self, code: str, kind: str) -> range:
        index = MUNICIPALITIES.index(code)
        total = self.count if kind == "Service" else self.places()
        return range(index, total, len(MUNICIPALITIES))


def _items(path: Path) -> list[dict[str, Any]]:
    body = json.loads(path.read_text(encoding="utf-8"))
    return body if isinstance(body, list) else body["itemList"]


def _page(numbers: range | list[int], page: int, render: Callable[[int], str]) -> str:
    count = -(-len(numbers) // PAGE_SIZE)
    chunk = numbers[(page - 1) * PAGE_SIZE : page * PAGE_SIZE] if page >= 1 else []
    items = ",".join(render(n) for n in chunk)
    return f'{{"pageNumber": {page}, "pageSize": {PAGE_SIZE}, "pageCount": {count}, "itemList": [{items}]}}'


def answer(catalogue: Catalogue, path: str, query: dict[str, list[str]]) -> tuple[int, str]:
    """(status, JSON text) of a request, as PTV v11 answers it."""
    parts = [part for part in path.split("/") if part]
    page = int(query.get("page", ["1"])[0])
    if len(parts) == 8 and parts[3:6] == ["list", "area", "Municipality"] and parts[7] in MUNICIPALITIES:
        numbers = catalogue.numbers_in(parts[7], parts[2])
        render = catalogue.service if parts[2] == "Service" else catalogue.place
        return 200, _page(numbers, page, render)
    if len(parts) == 4 and parts[3] == "list":
        wanted = [guid.lower() for guid in unquote(query.get("guids", [""])[0]).split(",") if guid]
        if parts[2] == "Organization":
            lookup = catalogue.organisation_numbers
            return 200, "[" + ",".join(catalogue.organisation(lookup[g]) for g in wanted if g in lookup) + "]"
        if parts[2] == "Service":
            lookup = {_id("service", n): n for n in sorted(catalogue.changed)}
            return 200, "[" + ",".join(catalogue.service(lookup[g]) for g in wanted if g in lookup) + "]"
        if parts[2] == "ServiceChannel":
            lookup = catalogue.place_numbers
            return 200, "[" + ",".join(catalogue.place(lookup[g]) for g in wanted if g in lookup) + "]"
        return 200, "[]"
    if len(parts) == 3 and "date" in query:
        changed = sorted(catalogue.changed) if parts[2] == "Service" else []
        return 200, _page(
            changed, page, lambda n: json.dumps({"id": _id("service", n), "name": f"Palvelu {n}"})
        )
    return 404, json.dumps({"message": "no such endpoint"})


def serve(count: int, port_out: Any, changed_count: Any) -> None:
    """The server process: answers until killed. `changed_count` switches on the changed services."""
    catalogue = Catalogue(count)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            wanted = changed_count.value
            if len(catalogue.changed) != wanted:
                step = max(1, count // max(1, wanted))
                catalogue.changed = set(range(0, count, step)[:wanted])
            url = urlparse(self.path)
            status, body = answer(catalogue, url.path, parse_qs(url.query))
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_out.value = server.server_address[1]
    server.serve_forever()


# -- measuring ---------------------------------------------------------------------------------


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _children_cpu() -> float:
    """CPU seconds of this process's finished children: the crawl process of each run."""
    times = os.times()
    return times.children_user + times.children_system


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Figures:
    engine: str
    mode: str
    status: str
    services: int
    records: int
    seconds: float
    cpu_seconds: float = 0.0  # CPU time of the storing process (the machine may be shared)
    crawl_cpu_seconds: float = 0.0  # CPU time of the crawl process (integrations/prefetch.py)
    db_cpu_seconds: float = 0.0  # CPU time of the PostgreSQL server process of the session
    server_cpu_seconds: float = 0.0  # CPU time of the stand-in PTV server
    rss_at: dict[str, float] = field(default_factory=dict)
    peak: float = 0.0
    crawl_peak: float = 0.0


def process_cpu(pid: int | None) -> float:
    """CPU seconds so far of another process on this machine (0 when unknown)."""
    if pid is None:
        return 0.0
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def run_sync(
    database_url: str, base_url: str, *, count: int, mode: str, server_pid: int | None = None
) -> Figures:
    from sqlmodel import Session

    from app.db import make_engine
    from app.settings import Settings
    from integrations.context import load_mapping_context
    from integrations.ptv.v11.client import make_v11_source
    from integrations.records import Page
    from integrations.source import CrawlState, SyncMode
    from integrations.sync import SyncEngine

    engine = make_engine(database_url)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    marks = {round(count * share): label for share, label in ((0.25, "25%"), (0.5, "50%"), (1.0, "100%"))}
    seen = {"services": 0, "records": 0}
    rss_at: dict[str, float] = {}

    def progress(page: Page, state: CrawlState) -> None:
        before = seen["services"]
        seen["services"] += len(page.services)
        seen["records"] += len(page.services) + len(page.locations) + len(page.organisations)
        for mark, label in marks.items():
            if before < mark <= seen["services"]:
                rss_at[f"{label} ({mark:,})"] = rss_mib()

    # As `tarjotin sync` runs it (integrations/cli.py): one connection for the whole run.
    with engine.connect() as connection, Session(connection, expire_on_commit=False) as session:
        context = load_mapping_context(session, settings)
        source = make_v11_source(context, MUNICIPALITIES, base_url=base_url, timeout=60)
        sync = SyncEngine(session, known_municipalities=context.known_municipalities, progress=progress)
        # The PostgreSQL server process of this session shares the machine's cores too.
        backend = (
            session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
            if engine.dialect.name == "postgresql"
            else None
        )
        db_started, server_started = process_cpu(backend), process_cpu(server_pid)
        started, cpu_started, children_started = time.perf_counter(), time.process_time(), _children_cpu()
        report = sync.run(source, mode=SyncMode.FULL if mode == "full" else SyncMode.INCREMENTAL)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        crawl_cpu_seconds = _children_cpu() - children_started
        db_cpu_seconds = process_cpu(backend) - db_started
        server_cpu_seconds = process_cpu(server_pid) - server_started
    engine.dispose()
    if report.failed or report.message:
        print(f"  {report.status}: {report.message} {report.errors[:3]}", file=sys.stderr)
    return Figures(
        engine="",
        mode=report.mode,
        status=report.status,
        services=seen["services"],
        records=seen["records"],
        seconds=seconds,
        cpu_seconds=cpu_seconds,
        crawl_cpu_seconds=crawl_cpu_seconds,
        db_cpu_seconds=db_cpu_seconds,
        server_cpu_seconds=server_cpu_seconds,
        rss_at=rss_at,
        peak=peak_mib(),
        crawl_peak=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    )


def prepare(database_url: str) -> None:
    from alembic import command
    from sqlmodel import Session

    from app.catalogue.codes import load_code_tables
    from app.db import make_engine
    from tarjotin.cli import alembic_config

    engine = make_engine(database_url)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    with Session(engine) as session:
        load_code_tables(session)
        session.commit()
    engine.dispose()


def postgres_database(admin_url: str) -> tuple[str, Callable[[], None]]:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from app.db import make_engine, normalise_url

    admin_url = normalise_url(admin_url)
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=None)
    name = f"tarjotin_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="services to generate (default 100,000)")
    parser.add_argument("--changes", type=int, default=1_000, help="services changed for the incremental run")
    parser.add_argument("--engines", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--pg-admin-url", default=os.environ.get("TEST_POSTGRES_URL", DEFAULT_PG_ADMIN_URL))
    args = parser.parse_args()

    port = multiprocessing.Value("i", 0)
    changed = multiprocessing.Value("i", 0)
    server = multiprocessing.get_context("fork").Process(
        target=serve, args=(args.count, port, changed), daemon=True
    )
    server.start()
    while port.value == 0:
        time.sleep(0.05)
    base_url = f"http://127.0.0.1:{port.value}"
    print(f"PTV v11 stand-in at {base_url}: {args.count:,} services in {len(MUNICIPALITIES)} municipalities")

    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    results: list[Figures] = []
    try:
        for name in [engine.strip() for engine in args.engines.split(",") if engine.strip()]:
            changed.value = 0
            cleanup: Callable[[], None]
            if name == "sqlite":
                directory = tempfile.mkdtemp(prefix="tarjotin-bench-")
                url, cleanup = f"sqlite:///{directory}/bench.sqlite3", _remover(directory)
            elif name == "postgresql":
                url, cleanup = postgres_database(args.pg_admin_url)
            else:
                parser.error(f"unknown engine {name!r}")
            try:
                prepare(url)
                for mode in ("full", "incremental"):
                    if mode == "incremental":
                        changed.value = args.changes
                    # Each run in a fresh process: the peak memory figure is that run's own.
                    figures = _in_child(
                        run_sync, url, base_url, count=args.count, mode=mode, server_pid=server.pid
                    )
                    figures.engine = name
                    results.append(figures)
                    _print(figures)
            finally:
                cleanup()
    finally:
        server.terminate()
    print()
    print(f"load average before the runs: {load}; {os.cpu_count()} cores")
    print(
        f"{'engine':<11}{'run':<13}{'status':<11}{'services':>10}{'records':>10}{'seconds':>9}"
        f"{'records/s':>11}{'services/s':>11}{'CPU s':>8}{'crawl CPU s':>13}{'db CPU s':>10}{'server CPU s':>14}"
        f"{'peak MiB':>10}{'crawl MiB':>11}"
    )
    for f in results:
        print(
            f"{f.engine:<11}{f.mode:<13}{f.status:<11}{f.services:>10,}{f.records:>10,}{f.seconds:>9.1f}"
            f"{f.records / f.seconds:>11,.0f}{f.services / f.seconds:>11,.0f}{f.cpu_seconds:>8.1f}"
            f"{f.crawl_cpu_seconds:>13.1f}{f.db_cpu_seconds:>10.1f}{f.server_cpu_seconds:>14.1f}"
            f"{f.peak:>10.0f}{f.crawl_peak:>11.0f}"
        )


def _print(figures: Figures) -> None:
    marks = ", ".join(f"{label}: {value:.0f} MiB" for label, value in figures.rss_at.items())
    print(
        f"{figures.engine} {figures.mode}: {figures.status}, {figures.services:,} services "
        f"({figures.records:,} records) in {figures.seconds:.1f} s = {figures.records / figures.seconds:,.0f} records/s; "
        f"RSS {marks or '-'}; peak {figures.peak:.0f} MiB (crawl process {figures.crawl_peak:.0f} MiB)"
    )


def _in_child(function: Callable[..., Figures], *args: Any, **kwargs: Any) -> Figures:
    context = multiprocessing.get_context("fork")
    queue: Any = context.Queue()

    def target() -> None:
        queue.put(function(*args, **kwargs))

    process = context.Process(target=target)
    process.start()
    result: Figures = queue.get()
    process.join()
    return result


def _remover(directory: str) -> Callable[[], None]:
    import shutil

    return lambda: shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
