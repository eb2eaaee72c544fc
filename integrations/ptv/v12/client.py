"""PTV v12 OUT ("search") API client: the main path (../shared/reference/ptv/v12/PARAMETERS.md).

- `x-api-key` on every request; pages `page`=1..`totalPages` with `pageSize` at most 100.
- Array filters go as repeated keys and at most 20 values each, so municipalities and hyte service
  classes are split into batches of 20 and their combinations searched; results are de-duplicated.
- Channels of the served municipalities first (places, and web/phone channels whose contacts services
  use), then services with their connections (`connection/search`, 20 service ids per request);
  organisations and off-area channels are fetched by id when first referred to.
- Incremental: `publishedAtOrAfter` on the searches (with a safety margin for DVV's v11→v12 copy
  lag) and `service/archived?archivedAtOrAfter` for removals. The service searches then leave out the
  class filter, so a service republished with other classes is seen: one no longer in a hyte class, or
  no longer in the area, is retired (it is out of scope now). Connection-only changes do not move a
  service's `publishedAt`: the services of connections published since (`connection/search`) and of
  archived connections (`connection/archived`, whose `contentId` is tried as a service id, as its
  meaning is undocumented) are fetched by id and stored again. A weekly full crawl is still
  recommended: it is the only way to see a service whose area moved away from the served municipalities.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

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
from integrations.ptv.common import is_hyte_service
from integrations.ptv.v12.mapping import (
    ChannelSummary,
    MappingError,
    channel_summary_from_v12,
    location_from_v12,
    organisation_from_v12,
    service_from_v12,
)
from integrations.records import LocationRecord, OrganisationRecord, Page, RecordFailure
from integrations.source import CrawlState, SyncMode

log = logging.getLogger(__name__)

API = "/api/v12"
PAGE_SIZE = 100  # the API's maximum
FILTER_MAX = 20  # values per array filter
COPY_LAG = timedelta(hours=2)  # v11 -> v12 copy lag is 1-1.5 h (PARAMETERS.md §6.5)


def batches(values: Sequence[str], size: int = FILTER_MAX) -> list[list[str]]:
    """Split a filter's values into request-sized batches (unique, order kept)."""
    unique = list(dict.fromkeys(values))
    return [unique[start : start + size] for start in range(0, len(unique), size)]


def iso_utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class PtvV12Source:
    name = Source.PTV

    def __init__(
        self,
        fetcher: JsonFetcher,
        context: MappingContext,
        municipalities: Iterable[str],
        held_services: frozenset[str] | None = None,
    ) -> None:
        self.fetcher = fetcher
        # The PTV services the catalogue holds (None: not known, every changed connection counts).
        self.held_services = held_services
        self.context = context
        self.municipalities = sorted(set(municipalities))
        self.classes = sorted(context.hyte_service_classes)
        self.channels: dict[str, ChannelSummary] = {}
        self.organisations_done: set[str] = set()
        self.services_done: set[str] = set()
        self.retire_out_of_scope = False

    # -- requests ---------------------------------------------------------------------------

    def _search(
        self, path: str, params: Mapping[str, Any], state: CrawlState
    ) -> Iterator[tuple[str, list[Any]]]:
        """(label, items) per page of a v12 search; a failing page is reported and skipped."""
        page, total = 1, 1
        while page <= total:
            label = f"{path} page {page}"
            try:
                body = self.fetcher.get_json(path, {**params, "page": page, "pageSize": PAGE_SIZE})
                if not isinstance(body, Mapping) or not isinstance(body.get("items"), list):
                    raise MalformedResponse(f"{label}: not a v12 page (no items)")
                if page == 1:
                    total = int(body.get("totalPages") or 0)
            except (PageMissing, MalformedResponse, ValueError, TypeError) as exc:
                state.mark_incomplete(f"{label}: {exc}")
                yield label, [RecordFailure(stage="fetch", message=str(exc))]
                if page == 1:
                    return
                page += 1
                continue
            yield label, list(body["items"])
            page += 1

    def _by_id(
        self, kind: str, content_id: str, state: CrawlState
    ) -> Mapping[str, Any] | RecordFailure | None:
        path = f"{API}/{kind}/{content_id}"
        try:
            body = self.fetcher.get_json(path)
        except PageMissing:
            return None  # archived or unpublished: nothing to link to
        except MalformedResponse as exc:
            state.mark_incomplete(f"{path}: {exc}")
            return RecordFailure(stage="fetch", message=str(exc), external_id=content_id)
        return (
            body
            if isinstance(body, Mapping)
            else RecordFailure(stage="parse", message=f"{path}: not an object", external_id=content_id)
        )

    def _map(self, function: Callable[..., Any], item: Any, page: Page, state: CrawlState, *args: Any) -> Any:
        try:
            if not isinstance(item, Mapping):
                raise MappingError("item is not an object")
            return function(item, *args, self.context)
        except (MappingError, ValueError, TypeError, KeyError, AttributeError) as exc:
            external_id = (
                str(item.get("contentId")) if isinstance(item, Mapping) and item.get("contentId") else None
            )
            page.failures.append(
                RecordFailure(stage="map", message=str(exc) or type(exc).__name__, external_id=external_id)
            )
            state.mark_incomplete(f"record {external_id} failed: {exc}")
            return None

    # -- records ----------------------------------------------------------------------------

    def _organisations(self, ids: Iterable[str], page: Page, state: CrawlState) -> None:
        wanted = [i for i in dict.fromkeys(ids) if i and i not in self.organisations_done]
        while wanted:
            parents: list[str] = []
            for content_id in wanted:
                self.organisations_done.add(content_id)
                item = self._by_id("organization", content_id, state)
                if isinstance(item, RecordFailure):
                    page.failures.append(item)
                    continue
                if item is None:
                    # Not published: its services are stored with the organisation known from their
                    # summary only (store.py), and it is filled in when a later crawl returns it.
                    log.info(
                        "PTV v12: organisation %s not published; known from its services only", content_id
                    )
                    continue
                record = self._map(organisation_from_v12, item, page, state)
                if isinstance(record, OrganisationRecord):
                    page.organisations.append(record)
                    if record.parent_external_id and record.parent_external_id not in self.organisations_done:
                        parents.append(record.parent_external_id)
            wanted = list(dict.fromkeys(parents))

    def _channel_page(self, label: str, items: Sequence[Any], state: CrawlState) -> Page:
        page = Page(label=label)
        locations: list[LocationRecord] = []
        for item in items:
            if isinstance(item, RecordFailure):
                page.failures.append(item)
                continue
            channel_id = str(item.get("contentId") or "").lower() if isinstance(item, Mapping) else ""
            if not channel_id:
                page.failures.append(RecordFailure(stage="parse", message="channel without contentId"))
                state.mark_incomplete(f"{label}: channel without contentId")
                continue
            if channel_id in self.channels:
                continue
            summary = self._map(channel_summary_from_v12, item, page, state)
            if summary is None:
                continue
            self.channels[channel_id] = summary
            if summary.is_location:
                record = self._map(location_from_v12, item, page, state)
                if record is not None:
                    locations.append(record)
        self._organisations(
            (r.organisation_external_id for r in locations if r.organisation_external_id), page, state
        )
        page.locations.extend(locations)
        return page

    def _connections(
        self, service_ids: Sequence[str], state: CrawlState, page: Page
    ) -> dict[str, list[Mapping[str, Any]]]:
        by_service: dict[str, list[Mapping[str, Any]]] = {service_id: [] for service_id in service_ids}
        for batch in batches(list(service_ids)):
            for _label, items in self._search(
                f"{API}/connection/search", {"serviceContentIds": batch}, state
            ):
                for item in items:
                    if isinstance(item, RecordFailure):
                        page.failures.append(item)
                        continue
                    if not isinstance(item, Mapping):
                        continue
                    service_id = str(item.get("serviceContentId") or "").lower()
                    if service_id in by_service and item not in by_service[service_id]:
                        by_service[service_id].append(item)
        return by_service

    def _service_page(self, label: str, items: Sequence[Any], state: CrawlState) -> Page:
        page = Page(label=label)
        fresh: list[Mapping[str, Any]] = []
        for item in items:
            if isinstance(item, RecordFailure):
                page.failures.append(item)
            elif not isinstance(item, Mapping) or not item.get("contentId"):
                page.failures.append(RecordFailure(stage="parse", message="service without contentId"))
                state.mark_incomplete(f"{label}: service without contentId")
            elif (service_id := str(item["contentId"]).lower()) not in self.services_done:
                self.services_done.add(service_id)
                classes = item.get("serviceClasses")
                if isinstance(classes, list) and not is_hyte_service(
                    [c for c in classes if isinstance(c, str)], self.context
                ):
                    # Not ours (an incremental search has no class filter): no connections needed.
                    if self.retire_out_of_scope:
                        page.retired_service_ids.append(service_id)
                    continue
                fresh.append(item)
        connections = self._connections([str(item["contentId"]).lower() for item in fresh], state, page)
        unknown = [
            channel_id
            for links in connections.values()
            for link in links
            if (channel_id := str(link.get("channelContentId") or "").lower())
            and channel_id not in self.channels
        ]
        extra: list[Any] = []
        for channel_id in dict.fromkeys(unknown):
            item = self._by_id("service-channel", channel_id, state)
            if item is not None:
                extra.append(item)
        if extra:
            channel_page = self._channel_page(label, extra, state)
            page.organisations.extend(channel_page.organisations)
            page.locations.extend(channel_page.locations)
            page.failures.extend(channel_page.failures)
        services = []
        for item in fresh:
            failures = len(page.failures)
            record = self._map(
                service_from_v12,
                item,
                page,
                state,
                connections.get(str(item["contentId"]).lower(), []),
                self.channels,
            )
            if record is not None:
                services.append(record)
            elif self.retire_out_of_scope and len(page.failures) == failures:
                # Mapped to nothing without an error: outside the served area now.
                page.retired_service_ids.append(str(item["contentId"]).lower())
        self._organisations((service.organisation_external_id for service in services), page, state)
        page.services.extend(services)
        return page

    def _changed_connections(self, cutoff: datetime, state: CrawlState) -> Iterator[Page]:
        """Services whose connections changed since `cutoff`, fetched by id and stored again."""
        wanted: list[str] = []
        sources = (
            ("connection/search", {"publishedAtOrAfter": iso_utc(cutoff)}, "serviceContentId"),
            ("connection/archived", {"archivedAtOrAfter": iso_utc(cutoff)}, "contentId"),
        )
        for path, params, key in sources:
            for label, items in self._search(f"{API}/{path}", params, state):
                page = Page(label=label)
                for item in items:
                    if isinstance(item, RecordFailure):
                        page.failures.append(item)
                    elif isinstance(item, Mapping) and item.get(key):
                        service_id = str(item[key]).lower()
                        channel_id = str(item.get("channelContentId") or "").lower()
                        # The connection searches are nationwide: only services we hold, or linked to
                        # a place of ours published in this run, are worth a request each.
                        if (
                            self.held_services is None
                            or service_id in self.held_services
                            or channel_id in self.channels
                        ):
                            wanted.append(service_id)
                if page.failures:
                    yield page
        fetched: list[Any] = []
        for service_id in dict.fromkeys(wanted):
            if service_id in self.services_done:
                continue  # stored by this run already, with its current connections
            item = self._by_id("service", service_id, state)
            if item is not None:  # None: not a published service (archived ones come below)
                fetched.append(item)
            if len(fetched) == PAGE_SIZE:
                yield self._service_page("services of changed connections", fetched, state)
                fetched = []
        if fetched:
            yield self._service_page("services of changed connections", fetched, state)

    # -- crawl ------------------------------------------------------------------------------

    def _area_filters(self) -> list[dict[str, Any]]:
        filters: list[dict[str, Any]] = [
            {"areaType": "LimitedArea", "municipalities": batch, "municipalitiesMatch": "any"}
            for batch in batches(self.municipalities)
        ]
        filters += [{"areaType": "WholeCountry"}, {"areaType": "WholeCountryExceptAland"}]
        return filters

    def crawl(self, *, mode: SyncMode, since: datetime | None, state: CrawlState) -> Iterator[Page]:
        published: dict[str, str] = {}
        cutoff = since - COPY_LAG if mode is SyncMode.INCREMENTAL and since is not None else None
        if cutoff is not None:
            published = {"publishedAtOrAfter": iso_utc(cutoff)}
            self.retire_out_of_scope = True
        area_filters = self._area_filters()
        # A full crawl asks for the hyte classes only; an incremental one for every class (see above).
        class_filters: list[dict[str, Any]] = (
            [{}]
            if cutoff is not None
            else [{"serviceClasses": b, "serviceClassesMatch": "any"} for b in batches(self.classes)]
        )
        state.expected_pages = len(area_filters) * (1 + len(class_filters))
        for area in area_filters:
            for label, items in self._search(f"{API}/service-channel/search", {**area, **published}, state):
                yield self._channel_page(label, items, state)
        for area in area_filters:
            for classes in class_filters:
                params = {**area, **classes, **published}
                for label, items in self._search(f"{API}/service/search", params, state):
                    yield self._service_page(label, items, state)
        if cutoff is not None:
            yield from self._changed_connections(cutoff, state)
            archived = {"archivedAtOrAfter": iso_utc(cutoff)}
            for kind in ("service", "service-channel"):
                for label, items in self._search(f"{API}/{kind}/archived", archived, state):
                    page = Page(label=label)
                    for item in items:
                        if isinstance(item, RecordFailure):
                            page.failures.append(item)
                        elif isinstance(item, Mapping) and item.get("contentId"):
                            content_id = str(item["contentId"]).lower()
                            if kind == "service":
                                page.retired_service_ids.append(content_id)
                            else:
                                page.retired_location_ids.append(content_id)
                    yield page


# -- replay -----------------------------------------------------------------------------------

SEARCH_FILES = {
    "service/search": "service_search",
    "service-channel/search": "service_channel_search",
    "connection/search": "connection_search",
    "organization/search": "organization_search",
    "service/archived": "service_archived",
    "service-channel/archived": "service_channel_archived",
    "connection/archived": "connection_archived",
}


class V12DirectoryIndex:
    """Recorded v12 responses: `{name}_page{N}.json` per search (filters are not part of the name,
    so every batch of a search replays the same pages and the client's de-duplication applies), and
    by-id requests answered from the items of the recorded search pages."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._items: dict[str, dict[str, Any]] | None = None

    def _page_file(self, name: str, page: str) -> bytes | None:
        return read_file(self.directory / f"{name}_page{page}.json") or (
            read_file(self.directory / f"{name}.json") if page == "1" else None
        )

    def _by_id(self, kind: str) -> dict[str, Any]:
        if self._items is None:
            self._items = {"organization": {}, "service-channel": {}, "service": {}}
            for kind_name, prefix in (
                ("organization", "organization_search"),
                ("service-channel", "service_channel_search"),
                ("service", "service_search"),
            ):
                for path in sorted(self.directory.glob(f"{prefix}*.json")):
                    try:
                        body = decode_json(path.read_bytes())
                    except ValueError:
                        continue
                    for item in body.get("items", []) if isinstance(body, dict) else []:
                        if isinstance(item, dict) and item.get("contentId"):
                            self._items[kind_name].setdefault(str(item["contentId"]).lower(), item)
        return self._items.get(kind, {})

    def resolve(self, directory: Path, request: httpx.Request) -> bytes | None:
        path = urlparse(str(request.url)).path
        rest = path.split(f"{API}/", 1)[1] if f"{API}/" in path else ""
        page = request.url.params.get("page", "1")
        if rest in SEARCH_FILES:
            body = self._page_file(SEARCH_FILES[rest], page)
            if body is None and (rest.endswith("archived") or rest == "connection/search") and page == "1":
                return json.dumps(
                    {"page": 1, "pageSize": PAGE_SIZE, "totalItems": 0, "totalPages": 0, "items": []}
                ).encode()
            return body
        kind, _, content_id = rest.rpartition("/")
        if kind in ("organization", "service-channel", "service") and content_id:
            item = self._by_id(kind).get(content_id.lower())
            return json.dumps(item).encode() if item is not None else None
        return None


def make_v12_source(
    context: MappingContext,
    municipalities: Iterable[str],
    *,
    base_url: str,
    api_key: str | None,
    timeout: float,
    from_dir: Path | None = None,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    transport: httpx.BaseTransport | None = None,
    held_services: frozenset[str] | None = None,
) -> PtvV12Source:
    """A v12 source over HTTPS with the key, or over recorded files when `from_dir` is given."""
    headers: dict[str, str] = {}
    if from_dir is not None:
        transport = FileReplayTransport(from_dir, V12DirectoryIndex(from_dir).resolve)
        base_url = "http://replay.invalid"
    elif not api_key:
        raise IntegrationError("PTV v12 needs an API key: set PTV_API_KEY (or PTV_API_VERSION=v11)")
    if api_key:
        headers["x-api-key"] = api_key
    client = make_client(base_url, timeout=timeout, headers=headers, transport=transport)
    return PtvV12Source(
        JsonFetcher(client, policy=policy, sleep=sleep), context, municipalities, held_services=held_services
    )
