"""LinkedEvents client (City of Helsinki's open event API and its forks; base URL from settings).

Full crawl: `GET /event/?event_type=General,Course,Volunteering&include=location,keywords
&hide_recurring_children=true&page=N` lists standalone events, recurring super events and children
of umbrellas; each recurring super event's meetings come from `/event/?super_event={id}`.
Incremental crawl: `last_modified_since` with `show_deleted=true` returns changed and deleted events,
meetings included; a changed meeting brings its series back in (`/event/{id}/`) so the series is
rebuilt with its current meetings. Deleted, cancelled and replaced events are retired.
Places given only by reference and publishers are fetched once per run (`/place/{id}/`,
`/organization/{id}/`), as the API documentation asks of clients that read many events.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

from app.catalogue.enums import Source
from app.settings import Settings
from integrations.context import MappingContext
from integrations.errors import IntegrationError, MalformedResponse, PageMissing
from integrations.http import FileReplayTransport, JsonFetcher, RetryPolicy, make_client, read_file
from integrations.linkedevents.mapping import (
    LinkedEventsContext,
    MappingError,
    event_from_payload,
    is_gone,
    is_in_area,
    is_listing,
    is_virtual_place,
    organisation_from_payload,
    reference_id,
)
from integrations.lookups import load_municipality_names
from integrations.records import Page, RecordFailure, Text
from integrations.source import CrawlState, SyncMode

log = logging.getLogger(__name__)

PAGE_SIZE = 100  # the API's maximum page_size
EVENT_TYPES = "General,Course,Volunteering"  # the API lists only General unless asked
PARENTS_PER_PAGE = 50

_MAPPING_ERRORS = (MappingError, ValueError, TypeError, KeyError, AttributeError)


class LinkedEventsSource:
    name = Source.LINKEDEVENTS

    def __init__(
        self,
        fetcher: JsonFetcher,
        context: LinkedEventsContext,
        *,
        publisher: str | None = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.fetcher = fetcher
        self.context = context
        self.publisher = publisher
        self.page_size = page_size
        self.organisations_done: set[str] = set()
        self.places: dict[str, Mapping[str, Any] | None] = {}
        self.listed: set[str] = set()

    # -- requests ---------------------------------------------------------------------------

    def _list(self, params: Mapping[str, Any], state: CrawlState) -> Iterator[tuple[str, list[Any] | None]]:
        """(label, events) of every page of `/event/`; events is None for a page that failed."""
        number = 1
        count: int | None = None
        while True:
            query = {**params, "page_size": self.page_size, "page": number}
            label = "/event/?" + "&".join(f"{key}={value}" for key, value in query.items())
            try:
                body = self.fetcher.get_json("/event/", query)
                if not isinstance(body, Mapping) or not isinstance(body.get("data"), list):
                    raise MalformedResponse(f"{label}: not an event list ({{meta, data}})")
            except (PageMissing, MalformedResponse) as exc:
                state.mark_incomplete(f"{label}: {exc}")
                yield label, None
                if count is None or number * self.page_size >= count:
                    return
                number += 1
                continue
            meta: Mapping[str, Any] = body["meta"] if isinstance(body.get("meta"), Mapping) else {}
            if isinstance(meta.get("count"), int):
                count = meta["count"]
            yield label, list(body["data"])
            if not meta.get("next") or not body["data"]:
                return
            number += 1

    def _detail(self, kind: str, identifier: str) -> Mapping[str, Any] | None:
        """One object by id (`/{kind}/{id}/`); None when it is gone (404)."""
        try:
            body = self.fetcher.get_json(
                f"/{kind}/{identifier}/", {"include": "location,keywords"} if kind == "event" else None
            )
        except PageMissing:
            return None
        if not isinstance(body, Mapping):
            raise MalformedResponse(f"/{kind}/{identifier}/: not an object")
        return body

    # -- records ----------------------------------------------------------------------------

    def _place(self, event: Mapping[str, Any], page: Page, state: CrawlState) -> Mapping[str, Any]:
        """The event with its place expanded, fetching a place given only by reference (once a run)."""
        place = event.get("location")
        place_id = reference_id(place)
        if (
            not isinstance(place, Mapping)
            or place_id is None
            or is_virtual_place(place_id)
            or "name" in place
        ):
            return event
        if place_id not in self.places:
            try:
                self.places[place_id] = self._detail("place", place_id)
            except MalformedResponse as exc:
                self.places[place_id] = None
                page.failures.append(RecordFailure(stage="fetch", message=str(exc), external_id=place_id))
                state.mark_incomplete(str(exc))
        expanded = self.places[place_id]
        return {**event, "location": expanded} if expanded is not None else event

    def _organisation(self, publisher: str, provider: Any, page: Page, state: CrawlState) -> None:
        if publisher in self.organisations_done:
            return
        self.organisations_done.add(publisher)
        try:
            body = self._detail("organization", publisher)
        except MalformedResponse as exc:
            page.failures.append(RecordFailure(stage="fetch", message=str(exc), external_id=publisher))
            state.mark_incomplete(str(exc))
            return
        name = (
            Text(**{k: v for k, v in provider.items() if k in ("fi", "sv", "en") and isinstance(v, str)})
            if isinstance(provider, Mapping)
            else Text()
        )
        page.organisations.append(organisation_from_payload(publisher, body, name))

    def _sub_events(self, event_id: str, state: CrawlState) -> list[Mapping[str, Any]] | None:
        """The meetings of a recurring series; None when a page of them could not be read."""
        meetings: list[Mapping[str, Any]] = []
        for _label, items in self._list({"super_event": event_id, "event_type": EVENT_TYPES}, state):
            if items is None:
                return None
            meetings.extend(item for item in items if isinstance(item, Mapping))
        return meetings

    def _listing(self, event: Mapping[str, Any], page: Page, state: CrawlState) -> None:
        event_id = reference_id(event)
        if event_id is None:
            page.failures.append(RecordFailure(stage="parse", message="event has no id"))
            state.mark_incomplete(f"{page.label}: event without id")
            return
        if event_id in self.listed:
            return
        self.listed.add(event_id)
        if is_gone(event) or not is_listing(event):
            page.retired_service_ids.append(event_id)
            return
        sub_events: list[Mapping[str, Any]] = []
        if event.get("super_event_type") == "recurring":
            found = self._sub_events(event_id, state)
            if found is None:
                # Without all its meetings the series would be stored wrong: keep what we have.
                page.failures.append(
                    RecordFailure(
                        stage="fetch",
                        message="meetings of the series could not be read",
                        external_id=event_id,
                    )
                )
                return
            sub_events = found
        try:
            mapped = event_from_payload(self._place(event, page, state), sub_events, self.context)
        except _MAPPING_ERRORS as exc:
            page.failures.append(
                RecordFailure(stage="map", message=str(exc) or type(exc).__name__, external_id=event_id)
            )
            state.mark_incomplete(f"event {event_id} failed: {exc}")
            return
        if not is_in_area(mapped, self.context.mapping.served_municipalities):
            page.retired_service_ids.append(event_id)  # moved out of the area served, if it was ever in
            return
        self._organisation(mapped.service.organisation_external_id, event.get("provider"), page, state)
        if mapped.location is not None:
            page.locations.append(mapped.location)
        page.services.append(mapped.service)

    # -- crawl ------------------------------------------------------------------------------

    def crawl(self, *, mode: SyncMode, since: datetime | None, state: CrawlState) -> Iterator[Page]:
        params: dict[str, Any] = {"event_type": EVENT_TYPES, "include": "location,keywords"}
        if self.publisher:
            params["publisher"] = self.publisher
        incremental = mode is SyncMode.INCREMENTAL and since is not None
        if incremental:
            assert since is not None
            params["last_modified_since"] = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            params["show_deleted"] = "true"
        else:
            params["hide_recurring_children"] = "true"
        # Meetings whose series is not in this crawl yet: series id -> the meetings.
        orphans: dict[str, list[Mapping[str, Any]]] = {}
        for label, items in self._list(params, state):
            page = Page(label=label)
            if items is None:
                page.failures.append(RecordFailure(stage="fetch", message=f"{label} could not be read"))
                yield page
                continue
            for item in items:
                if not isinstance(item, Mapping):
                    page.failures.append(RecordFailure(stage="parse", message="event is not an object"))
                    state.mark_incomplete(f"{label}: event is not an object")
                    continue
                parent = reference_id(item.get("super_event"))
                if parent is not None and incremental:
                    orphans.setdefault(parent, []).append(item)
                    continue
                # In a full crawl recurring meetings are hidden: a child here belongs to an umbrella.
                self._listing(item, page, state)
            yield page
        yield from self._parents(orphans, state)

    def _parents(self, orphans: Mapping[str, list[Mapping[str, Any]]], state: CrawlState) -> Iterator[Page]:
        """Rebuild the series of changed meetings; children of umbrellas are listings of their own."""
        pending = [parent for parent in orphans if parent not in self.listed]
        for start in range(0, len(pending), PARENTS_PER_PAGE):
            batch = pending[start : start + PARENTS_PER_PAGE]
            page = Page(label=f"/event/{{id}}/ ({len(batch)} series of changed meetings)")
            for parent_id in batch:
                try:
                    parent = self._detail("event", parent_id)
                except MalformedResponse as exc:
                    page.failures.append(
                        RecordFailure(stage="fetch", message=str(exc), external_id=parent_id)
                    )
                    state.mark_incomplete(str(exc))
                    continue
                if parent is not None and parent.get("super_event_type") == "recurring":
                    self._listing(parent, page, state)
                    continue
                for child in orphans[parent_id]:
                    self._listing(child, page, state)
            yield page
        # Children of series already listed in this run were covered by that listing.


# -- replay -----------------------------------------------------------------------------------


def file_id(identifier: str) -> str | None:
    """An API id as it appears in a file name: "lahti:agx1" -> "lahti_agx1"; None if unsafe."""
    if not identifier or "/" in identifier or "\\" in identifier or identifier.startswith("."):
        return None
    return identifier.replace(":", "_")


def resolve(directory: Path, request: httpx.Request) -> bytes | None:
    """Recorded responses by request (see tests/integrations/fixtures/linkedevents/README.md)."""
    url = urlparse(str(request.url))
    query = parse_qs(url.query)
    parts = [part for part in url.path.split("/") if part]
    page = query.get("page", ["1"])[0]
    if not page.isdigit():
        return None
    if parts and parts[-1] == "event":
        if "super_event" in query:
            name = file_id(query["super_event"][0])
            return read_file(directory / f"event_sub_{name}_page{int(page)}.json") if name else None
        return read_file(directory / f"event_page{int(page)}.json")
    if len(parts) >= 2 and parts[-2] in ("event", "place", "organization"):
        name = file_id(parts[-1])
        return read_file(directory / f"{parts[-2]}_{name}.json") if name else None
    return None


_ID_PATTERN = re.compile(r"^[\w.:-]+$")


def make_linkedevents_source(
    settings: Settings,
    context: MappingContext,
    *,
    from_dir: Path | None = None,
    policy: RetryPolicy | None = None,
    transport: httpx.BaseTransport | None = None,
) -> LinkedEventsSource:
    """A source over HTTP (LINKEDEVENTS_BASE_URL), or over recorded files (`from_dir`)."""
    base_url = settings.linkedevents_base_url.rstrip("/")
    if from_dir is not None:
        if not from_dir.is_dir():
            raise IntegrationError(f"{from_dir} is not a directory")
        if not (from_dir / "event_page1.json").is_file():
            raise IntegrationError(f"{from_dir} holds no event_page1.json (see the README, Sync)")
        transport = FileReplayTransport(from_dir, resolve)
        base_url = "http://replay.invalid/v1"
    publisher = settings.linkedevents_publisher
    if publisher is not None and not _ID_PATTERN.match(publisher):
        raise IntegrationError(
            f"LINKEDEVENTS_PUBLISHER is an organisation id such as ytj:1234567-8, not {publisher!r}"
        )
    client = make_client(base_url, timeout=settings.http_timeout_seconds, transport=transport)
    return LinkedEventsSource(
        JsonFetcher(client, policy=policy),
        LinkedEventsContext(mapping=context, names=load_municipality_names()),
        publisher=publisher,
    )
