"""PTV v11 OUT API client (a stop-gap until v12 is in production use; no key, no auth header ever).

A full crawl lists, for every served municipality, its service channels and then its services
(`.../list/area/Municipality/code/{code}?page=N`, pages numbered from 1, `pageCount` in every page),
fetching the organisations and off-area channels they refer to by id (`list?guids=`, at most 100 ids).
An incremental crawl asks for the ids changed since a date (`/Service?date=`, `/ServiceChannel?date=`)
and fetches those by id. Pages are yielded as they come, so memory does not grow with the crawl;
the sets of ids already seen are the only state kept across pages.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

from app.catalogue.enums import Source
from integrations.context import MappingContext
from integrations.errors import IntegrationError, MalformedResponse, PageMissing
from integrations.http import (
    FileReplayTransport,
    JsonFetcher,
    RetryPolicy,
    decode_json,
    make_client,
    read_file,
)
from integrations.ptv.v11.mapping import (
    ChannelInfo,
    MappingError,
    area_municipalities,
    channel_info_from_v11,
    location_from_v11,
    organisation_from_v11,
    service_from_v11,
)
from integrations.records import LocationRecord, OrganisationRecord, Page, RecordFailure
from integrations.source import CrawlState, SyncMode

log = logging.getLogger(__name__)

API = "/api/v11"
CLOCK_MARGIN = timedelta(minutes=5)  # our clock against PTV's
BATCH = 100  # list?guids= takes at most 100 ids


def _batches(ids: Sequence[str], size: int = BATCH) -> Iterator[list[str]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


class PtvV11Source:
    """The v11 crawl as a SyncSource."""

    name = Source.PTV

    def __init__(self, fetcher: JsonFetcher, context: MappingContext, municipalities: Iterable[str]) -> None:
        self.fetcher = fetcher
        self.context = context
        self.municipalities = sorted(set(municipalities))
        self.channels: dict[str, ChannelInfo] = {}
        self.organisations_done: set[str] = set()
        self.services_done: set[str] = set()
        self.retire_out_of_scope = False

    # -- paging -----------------------------------------------------------------------------

    def _list_pages(
        self, path: str, params: Mapping[str, Any], state: CrawlState
    ) -> Iterator[tuple[str, list[Any]]]:
        """(label, itemList) for every page of a v11 paged list; a page that fails is skipped and noted."""
        page_number, page_count = 1, 1
        while page_number <= page_count:
            label = f"{path}?page={page_number}"
            try:
                body = self.fetcher.get_json(path, {**params, "page": page_number})
                if not isinstance(body, Mapping) or not isinstance(body.get("itemList") or [], list):
                    raise MalformedResponse(f"{label}: not a v11 page")
                if page_number == 1:
                    page_count = int(body.get("pageCount") or 0)
            except (PageMissing, MalformedResponse, ValueError, TypeError) as exc:
                state.mark_incomplete(f"{label}: {exc}")
                yield label, [RecordFailure(stage="fetch", message=str(exc))]
                if page_number == 1:
                    return  # without the first page the page count is unknown
                page_number += 1
                continue
            yield label, list(body.get("itemList") or [])
            page_number += 1

    def _by_ids(self, kind: str, ids: Sequence[str], state: CrawlState) -> Iterator[Any]:
        """Items of `kind` (Service, ServiceChannel, Organization) by id, 100 per request."""
        for batch in _batches(ids):
            path = f"{API}/{kind}/list"
            try:
                body = self.fetcher.get_json(path, {"guids": ",".join(batch)})
                if not isinstance(body, list):
                    raise MalformedResponse(f"{path}: expected a JSON array")
            except (PageMissing, MalformedResponse) as exc:
                state.mark_incomplete(f"{path}: {exc}")
                yield RecordFailure(stage="fetch", message=str(exc))
                continue
            yield from body

    # -- records ----------------------------------------------------------------------------

    def _organisations(self, ids: Iterable[str], page: Page, state: CrawlState) -> None:
        """Fetch the organisations (and their parents) this page refers to that are not fetched yet."""
        wanted = [i for i in dict.fromkeys(ids) if i and i not in self.organisations_done]
        while wanted:
            self.organisations_done.update(wanted)
            parents: list[str] = []
            for item in self._by_ids("Organization", wanted, state):
                if isinstance(item, RecordFailure):
                    page.failures.append(item)
                    continue
                record = self._map(organisation_from_v11, item, page, state)
                if isinstance(record, OrganisationRecord):
                    page.organisations.append(record)
                    if record.parent_external_id and record.parent_external_id not in self.organisations_done:
                        parents.append(record.parent_external_id)
            wanted = list(dict.fromkeys(parents))

    def _map(self, function: Any, item: Any, page: Page, state: CrawlState, *args: Any) -> Any:
        try:
            if not isinstance(item, Mapping):
                raise MappingError("item is not an object")
            return function(item, *args, self.context) if args else function(item, self.context)
        except (MappingError, ValueError, TypeError, KeyError, AttributeError) as exc:
            external_id = str(item.get("id")) if isinstance(item, Mapping) and item.get("id") else None
            page.failures.append(
                RecordFailure(stage="map", message=str(exc) or type(exc).__name__, external_id=external_id)
            )
            state.mark_incomplete(f"record {external_id} failed: {exc}")
            return None

    def _channel_page(self, label: str, items: list[Any], state: CrawlState, *, only_served: bool) -> Page:
        page = Page(label=label)
        locations: list[LocationRecord] = []
        organisation_ids: list[str] = []
        for item in items:
            if isinstance(item, RecordFailure):
                page.failures.append(item)
                continue
            if not isinstance(item, Mapping):
                page.failures.append(RecordFailure(stage="parse", message="channel is not an object"))
                state.mark_incomplete(f"{label}: channel is not an object")
                continue
            channel_id = str(item.get("id") or "").lower()
            if not channel_id or channel_id in self.channels:
                continue
            if item.get("publishingStatus") not in (None, "Published"):
                continue
            info = self._map(channel_info_from_v11, item, page, state)
            if info is None:
                continue
            if only_served and not self._channel_is_served(item, info):
                continue
            self.channels[channel_id] = info
            if info.is_location:
                record = self._map(location_from_v11, item, page, state)
                if record is not None:
                    locations.append(record)
                    if record.organisation_external_id:
                        organisation_ids.append(record.organisation_external_id)
        self._organisations(organisation_ids, page, state)
        page.locations.extend(locations)
        return page

    def _channel_is_served(self, item: Mapping[str, Any], info: ChannelInfo) -> bool:
        served = self.context.served_municipalities
        return (info.municipality_code in served) or bool(served.intersection(area_municipalities(item)))

    def _service_page(self, label: str, items: list[Any], state: CrawlState) -> Page:
        page = Page(label=label)
        fresh: list[Mapping[str, Any]] = []
        for item in items:
            if isinstance(item, RecordFailure):
                page.failures.append(item)
            elif not isinstance(item, Mapping):
                page.failures.append(RecordFailure(stage="parse", message="service is not an object"))
                state.mark_incomplete(f"{label}: service is not an object")
            elif (service_id := str(item.get("id") or "").lower()) and service_id not in self.services_done:
                self.services_done.add(service_id)
                fresh.append(item)
        # Channels outside the served municipalities' lists that these services use: fetch by id.
        unknown = [
            channel_id
            for item in fresh
            for connection in item.get("serviceChannels") or ()
            if isinstance(connection, Mapping)
            and isinstance(connection.get("serviceChannel"), Mapping)
            and (channel_id := str(connection["serviceChannel"].get("id") or "").lower())
            and channel_id not in self.channels
        ]
        if unknown:
            extra = self._channel_page(
                label,
                list(self._by_ids("ServiceChannel", list(dict.fromkeys(unknown)), state)),
                state,
                only_served=False,
            )
            page.organisations.extend(extra.organisations)
            page.locations.extend(extra.locations)
            page.failures.extend(extra.failures)
        services = []
        for item in fresh:
            record = self._map(service_from_v11, item, page, state, self.channels)
            if record is not None:
                services.append(record)
            elif self.retire_out_of_scope and not any(f.external_id == item.get("id") for f in page.failures):
                page.retired_service_ids.append(str(item.get("id")).lower())
        self._organisations([service.organisation_external_id for service in services], page, state)
        page.services.extend(services)
        return page

    # -- crawl ------------------------------------------------------------------------------

    def crawl(self, *, mode: SyncMode, since: datetime | None, state: CrawlState) -> Iterator[Page]:
        if mode is SyncMode.INCREMENTAL and since is not None:
            yield from self._incremental(since, state)
            return
        state.expected_pages = 2 * len(self.municipalities)
        for code in self.municipalities:
            path = f"{API}/ServiceChannel/list/area/Municipality/code/{code}"
            for label, items in self._list_pages(path, {}, state):
                yield self._channel_page(label, items, state, only_served=True)
        for code in self.municipalities:
            path = f"{API}/Service/list/area/Municipality/code/{code}"
            for label, items in self._list_pages(path, {}, state):
                yield self._service_page(label, items, state)

    def _changed_ids(
        self, kind: str, since: datetime, state: CrawlState, *, archived: bool = False
    ) -> list[str]:
        """Ids of items of `kind` changed (or, with `archived`, archived) since the date, UTC."""
        ids: list[str] = []
        params: dict[str, Any] = {
            "date": (since.astimezone(UTC) - CLOCK_MARGIN).strftime("%Y-%m-%dT%H:%M:%S")
        }
        if archived:
            params["archived"] = "true"
        for _label, items in self._list_pages(f"{API}/{kind}", params, state):
            for item in items:
                if isinstance(item, Mapping) and item.get("id"):
                    ids.append(str(item["id"]).lower())
        return list(dict.fromkeys(ids))

    def _incremental(self, since: datetime, state: CrawlState) -> Iterator[Page]:
        # Changed channels first so services link to their current places.
        channel_ids = self._changed_ids("ServiceChannel", since, state)
        for batch in _batches(channel_ids):
            items = list(self._by_ids("ServiceChannel", batch, state))
            yield self._channel_page(
                f"{API}/ServiceChannel/list ({len(batch)} changed)", items, state, only_served=True
            )
        # A changed service that left our scope (area, class, unpublished) is retired at once.
        self.retire_out_of_scope = True
        service_ids = self._changed_ids("Service", since, state)
        for batch in _batches(service_ids):
            items = list(self._by_ids("Service", batch, state))
            yield self._service_page(f"{API}/Service/list ({len(batch)} changed)", items, state)
        archived = self._changed_ids("Service", since, state, archived=True)
        for batch in _batches(archived):
            yield Page(
                label=f"{API}/Service?archived=true ({len(batch)} archived)", retired_service_ids=batch
            )


# -- replay -----------------------------------------------------------------------------------


class V11DirectoryIndex:
    """Recorded v11 responses in a directory (see the README, "Sync"): list pages and organisation batches.

    `list?guids=` requests are answered from every recorded item with a requested id, the way the
    API answers them, so replay needs no file per id batch.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._by_id: dict[str, dict[str, Any]] | None = None

    def _items(self) -> dict[str, dict[str, Any]]:
        if self._by_id is None:
            self._by_id = {"Organization": {}, "ServiceChannel": {}, "Service": {}}
            for path in sorted(self.directory.glob("*.json")):
                kind = path.name.split("_", 1)[0]
                if kind not in self._by_id:
                    continue
                try:
                    body = decode_json(path.read_bytes())
                except ValueError:
                    continue  # a malformed file is reported when its own page is requested
                items = (
                    body
                    if isinstance(body, list)
                    else body.get("itemList", [])
                    if isinstance(body, dict)
                    else []
                )
                for item in items:
                    if isinstance(item, dict) and item.get("id"):
                        self._by_id[kind].setdefault(str(item["id"]).lower(), item)
        return self._by_id

    def resolve(self, directory: Path, request: httpx.Request) -> bytes | None:
        import json

        path = urlparse(str(request.url)).path
        query = parse_qs(urlparse(str(request.url)).query)
        parts = [part for part in path.split("/") if part]
        # /api/v11/{Kind}/list/area/Municipality/code/{code}?page=N
        if len(parts) == 8 and parts[3:6] == ["list", "area", "Municipality"]:
            page = query.get("page", ["1"])[0]
            return read_file(directory / f"{parts[2]}_{parts[7]}_page{page}.json")
        # /api/v11/{Kind}/list?guids=a,b
        if len(parts) == 4 and parts[3] == "list" and "guids" in query:
            wanted = [guid.lower() for guid in query["guids"][0].split(",") if guid]
            items = self._items().get(parts[2], {})
            return json.dumps([items[guid] for guid in wanted if guid in items]).encode()
        # /api/v11/{Kind}?date=...[&archived=true]: changed or archived ids, from
        # {Kind}_changed_page{N}.json / {Kind}_archived_page{N}.json; none recorded: nothing changed.
        if len(parts) == 3 and "date" in query:
            name = "archived" if query.get("archived", [""])[0] == "true" else "changed"
            page = query.get("page", ["1"])[0]
            empty = {"pageNumber": 1, "pageSize": 100, "pageCount": 0, "itemList": []}
            return read_file(directory / f"{parts[2]}_{name}_page{page}.json") or json.dumps(empty).encode()
        return None


def make_v11_source(
    context: MappingContext,
    municipalities: Iterable[str],
    *,
    base_url: str,
    timeout: float,
    from_dir: Path | None = None,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> PtvV11Source:
    """A v11 source over HTTP, or over recorded files when `from_dir` is given."""
    transport = None
    if from_dir is not None:
        if not from_dir.is_dir():
            raise IntegrationError(f"{from_dir} is not a directory")
        transport = FileReplayTransport(from_dir, V11DirectoryIndex(from_dir).resolve)
        base_url = "http://replay.invalid"
    # No auth header on v11: PTV answers 500 to reads that carry one.
    client = make_client(base_url, timeout=timeout, transport=transport)
    return PtvV11Source(JsonFetcher(client, policy=policy, sleep=sleep), context, municipalities)
