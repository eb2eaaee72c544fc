"""A local HTTP server that answers like the PTV v11 API from in-memory items, and injects faults.

Paging as the API does it: `?page=N` from 1, `pageCount` in every page, a page past the end is empty;
`list?guids=` answers with the items it knows among the ids asked. Faults are matched on a substring of
the request's path and query and fire a set number of times. The items can come from recorded pages
(`ReplayApi.recorded`, e.g. demo/ptv-v11); `delay` and `gate` slow or hold every answer, so a test can
act (kill the client, start a second one) while a crawl is under way.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse


@dataclass
class Fault:
    match: str  # substring of "path?query"
    kind: str  # timeout | disconnect | 429 | 5xx | malformed | 404
    times: int = 1  # how many matching requests it hits (a large number: always)
    retry_after: str = "7"
    status: int = 503


@dataclass
class ReplayApi:
    services: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by municipality code
    channels: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    organisations: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 100
    faults: list[Fault] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    timeout_sleep: float = 1.0
    archived: list[str] = field(default_factory=list)  # service ids archived "since" any date
    delay: float = 0.0  # seconds every answer waits (a slow source)
    gate: threading.Event = field(default_factory=lambda: _opened(threading.Event()))  # cleared: hold

    @classmethod
    def recorded(
        cls, directory: Path, municipalities: Iterable[str] | None = None, **options: Any
    ) -> ReplayApi:
        """The items of recorded v11 pages in the --from-dir naming (Service_398_page1.json, ...);
        services and channels of `municipalities` only (default all), organisations all."""
        wanted = set(municipalities) if municipalities is not None else None
        by_kind: dict[str, dict[str, list[dict[str, Any]]]] = {"Service": {}, "ServiceChannel": {}}
        for path in sorted(directory.glob("*_page*.json")):
            kind, code, _page = path.stem.split("_")
            if kind in by_kind and (wanted is None or code in wanted):
                by_kind[kind].setdefault(code, []).extend(json.loads(path.read_bytes())["itemList"])
        organisations = [
            item
            for path in sorted(directory.glob("Organization_*.json"))
            for item in json.loads(path.read_bytes())
        ]
        return cls(
            services=by_kind["Service"],
            channels=by_kind["ServiceChannel"],
            organisations=organisations,
            **options,
        )

    def fault_for(self, target: str) -> Fault | None:
        for fault in self.faults:
            if fault.times > 0 and fault.match in target:
                fault.times -= 1
                return fault
        return None

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        parts = [part for part in path.split("/") if part]
        if len(parts) == 8 and parts[3:6] == ["list", "area", "Municipality"]:
            source = self.services if parts[2] == "Service" else self.channels
            items = source.get(parts[7])
            if items is None:
                return 404, {"message": "unknown municipality"}
            page = int(query.get("page", ["1"])[0])
            count = (len(items) + self.page_size - 1) // self.page_size
            chunk = items[(page - 1) * self.page_size : page * self.page_size] if page >= 1 else []
            return 200, {
                "pageNumber": page,
                "pageSize": self.page_size,
                "pageCount": count,
                "itemList": chunk,
            }
        if len(parts) == 4 and parts[3] == "list":
            wanted = {guid.lower() for guid in unquote(query.get("guids", [""])[0]).split(",") if guid}
            if parts[2] == "Organization":
                pool = self.organisations
            else:
                source = self.services if parts[2] == "Service" else self.channels
                pool = [item for items in source.values() for item in items]
            found = {str(item["id"]).lower(): item for item in pool if str(item["id"]).lower() in wanted}
            return 200, list(found.values())
        if len(parts) == 3 and "date" in query:
            # /api/v11/{Kind}?date=...: ids of items modified since the date ([&archived=true]: archived)
            since = query["date"][0]
            if query.get("archived", [""])[0] == "true":
                ids: list[str] = list(self.archived) if parts[2] == "Service" else []
            else:
                source = self.services if parts[2] == "Service" else self.channels
                ids = [
                    str(item["id"])
                    for items in source.values()
                    for item in items
                    if item["modified"][:19] >= since
                ]
            page = int(query.get("page", ["1"])[0])
            count = (len(ids) + self.page_size - 1) // self.page_size
            id_chunk = ids[(page - 1) * self.page_size : page * self.page_size]
            return 200, {
                "pageNumber": page,
                "pageSize": self.page_size,
                "pageCount": count,
                "itemList": [{"id": i, "name": "x"} for i in id_chunk],
            }
        return 404, {"message": "no such endpoint"}


def _opened(event: threading.Event) -> threading.Event:
    event.set()
    return event


def _handler(api: ReplayApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            pass

        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            url = urlparse(self.path)
            target = f"{url.path}?{unquote(url.query)}"
            api.gate.wait(timeout=120)
            if api.delay:
                time.sleep(api.delay)
            api.requests.append(target)
            fault = api.fault_for(target)
            if fault is not None:
                if fault.kind == "timeout":
                    time.sleep(api.timeout_sleep)
                    return self._send(200, b"[]")
                if fault.kind == "disconnect":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return None
                if fault.kind == "429":
                    return self._send(429, b'{"message": "slow down"}', {"Retry-After": fault.retry_after})
                if fault.kind == "5xx":
                    return self._send(fault.status, b'{"message": "server error"}')
                if fault.kind == "malformed":
                    return self._send(200, b'{"pageNumber": 1, "itemList": [{"id": ')
                if fault.kind == "404":
                    return self._send(404, b'{"message": "not found"}')
            status, body = api.answer(url.path, parse_qs(url.query))
            return self._send(status, json.dumps(body).encode())

    return Handler


@contextmanager
def serve(api: ReplayApi) -> Iterator[str]:
    """Run the API on a free loopback port; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
