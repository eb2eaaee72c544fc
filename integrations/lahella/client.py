"""Lähellä.fi management API client (hallinta.lahella.fi/v1; reverse-engineered, see reference/lahella).

Lähellä.fi publishes no public API. An organisation reads its own activities with its login:
`AUTH_TOKEN`/`REFRESH_TOKEN` cookies scoped to its group, refreshed by `POST /api/v1/auth/token`.
A partner agreement with the Lähellä.fi network may instead give a token sent as a bearer header.
`GET /v1/activities?groups[0]=..&limit=..&skip=..&total=true` pages with `skip`/`limit` until
`hasMore` is false. The API has no modified-since filter, so every run reads the group's activities
in full (an organisation has tens, not thousands); retiring what is gone still needs `--full`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Generator, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

from app.catalogue.enums import Source
from app.settings import Settings
from integrations.context import MappingContext
from integrations.errors import IntegrationError, MalformedResponse, PageMissing
from integrations.http import FileReplayTransport, JsonFetcher, RetryPolicy, make_client, read_file
from integrations.lahella.mapping import (
    LahellaContext,
    MappingError,
    activity_from_payload,
    activity_key,
    is_in_area,
    is_published,
    organisation_from_settings,
)
from integrations.lookups import load_municipality_names
from integrations.records import Page, RecordFailure
from integrations.source import CrawlState, SyncMode

log = logging.getLogger(__name__)

ACTIVITIES = "/v1/activities"
REFRESH = "/api/v1/auth/token"
PAGE_SIZE = 100


class LahellaSource:
    """The group's activities as a SyncSource."""

    name = Source.LAHELLA

    def __init__(self, fetcher: JsonFetcher, context: LahellaContext, *, page_size: int = PAGE_SIZE) -> None:
        self.fetcher = fetcher
        self.context = context
        self.page_size = page_size

    def _params(self, skip: int) -> dict[str, Any]:
        return {
            "groups[0]": self.context.group,
            "links[groups]": "true",
            "total": "true",
            "limit": self.page_size,
            "skip": skip,
            "text": "",
        }

    def crawl(self, *, mode: SyncMode, since: datetime | None, state: CrawlState) -> Iterator[Page]:
        skip = 0
        total: int | None = None
        first = True
        while True:
            label = f"{ACTIVITIES}?groups[0]={self.context.group}&skip={skip}"
            try:
                body = self.fetcher.get_json(ACTIVITIES, self._params(skip))
                if not isinstance(body, Mapping) or not isinstance(body.get("items"), list):
                    raise MalformedResponse(f"{label}: not an activity list ({{items, total, hasMore}})")
            except (PageMissing, MalformedResponse) as exc:
                state.mark_incomplete(f"{label}: {exc}")
                yield Page(label=label, failures=[RecordFailure(stage="fetch", message=str(exc))])
                if total is None or skip + self.page_size >= total:
                    return  # without a total we cannot tell whether more pages exist
                skip += self.page_size
                continue
            if isinstance(body.get("total"), int):
                total = body["total"]
                state.expected_pages = max(1, -(-total // self.page_size))
            items: list[Any] = body["items"]
            page = self._page(label, items, state)
            if first:
                # Every activity belongs to the group the credentials are for: one organisation.
                page.organisations.insert(0, organisation_from_settings(self.context))
                first = False
            yield page
            if not body.get("hasMore") or not items:
                return
            skip += len(items)

    def _page(self, label: str, items: list[Any], state: CrawlState) -> Page:
        page = Page(label=label)
        served = self.context.mapping.served_municipalities
        for item in items:
            if not isinstance(item, Mapping):
                page.failures.append(RecordFailure(stage="parse", message="activity is not an object"))
                state.mark_incomplete(f"{label}: activity is not an object")
                continue
            if not is_published(item):
                continue  # drafts and expired activities are not listed; a full run retires them
            try:
                mapped = activity_from_payload(item, self.context)
            except (MappingError, ValueError, TypeError, KeyError, AttributeError) as exc:
                key = activity_key(item)
                page.failures.append(
                    RecordFailure(stage="map", message=str(exc) or type(exc).__name__, external_id=key)
                )
                state.mark_incomplete(f"activity {key} failed: {exc}")
                continue
            if not is_in_area(mapped, served):
                continue
            page.locations.extend(mapped.locations)
            page.services.append(mapped.service)
        return page


class LahellaAuth(httpx.Auth):
    """Organisation login cookies, refreshed once when the API answers 401; or a partner bearer token."""

    requires_response_body = True

    def __init__(
        self, *, auth_token: str | None, refresh_token: str | None, partner_token: str | None = None
    ) -> None:
        self.auth_token = auth_token
        self.refresh_token = refresh_token
        self.partner_token = partner_token

    def _sign(self, request: httpx.Request) -> None:
        if self.partner_token:
            request.headers["Authorization"] = f"Bearer {self.partner_token}"
            return
        cookies = {"AUTH_TOKEN": self.auth_token, "REFRESH_TOKEN": self.refresh_token}
        header = "; ".join(f"{name}={value}" for name, value in cookies.items() if value)
        if header:
            request.headers["Cookie"] = header

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self._sign(request)
        response = yield request
        if response.status_code != 401 or self.partner_token or not self.refresh_token:
            return
        refresh = httpx.Request(
            "POST",
            request.url.copy_with(path=REFRESH, query=None),
            json={"grant_type": "refresh_token"},
            headers={"Cookie": f"REFRESH_TOKEN={self.refresh_token}"},
        )
        refreshed = yield refresh
        if refreshed.status_code >= 400:
            return  # the 401 of the retried request below tells the caller to log in again
        for header in refreshed.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if name.strip() == "AUTH_TOKEN":
                self.auth_token = value
            elif name.strip() == "REFRESH_TOKEN":
                self.refresh_token = value
        self._sign(request)
        yield request


# -- replay -----------------------------------------------------------------------------------

_FILE = re.compile(r"^activities_(?P<group>.+)_skip(?P<skip>\d+)\.json$")


def recorded_groups(directory: Path) -> list[str]:
    """Groups with recorded pages in `directory` (activities_{group}_skip{N}.json)."""
    return sorted(
        {
            match["group"]
            for path in directory.glob("activities_*_skip*.json")
            if (match := _FILE.match(path.name))
        }
    )


def resolve(directory: Path, request: httpx.Request) -> bytes | None:
    """activities_{group}_skip{skip}.json answers GET /v1/activities?groups[0]={group}&skip={skip}."""
    url = urlparse(str(request.url))
    if not url.path.endswith(ACTIVITIES):
        return None
    query = parse_qs(url.query)
    group = query.get("groups[0]", [""])[0]
    skip = query.get("skip", ["0"])[0]
    if not group or not skip.isdigit() or "/" in group or group.startswith("."):
        return None
    return read_file(directory / f"activities_{group}_skip{int(skip)}.json")


def make_lahella_source(
    settings: Settings,
    context: MappingContext,
    *,
    from_dir: Path | None = None,
    policy: RetryPolicy | None = None,
    transport: httpx.BaseTransport | None = None,
) -> LahellaSource:
    """A source over HTTP with the settings' credentials, or over recorded files (`from_dir`)."""
    group = settings.lahella_group
    auth: httpx.Auth | None = None
    base_url = settings.lahella_base_url
    if from_dir is not None:
        if not from_dir.is_dir():
            raise IntegrationError(f"{from_dir} is not a directory")
        groups = recorded_groups(from_dir)
        if not groups:
            raise IntegrationError(
                f"{from_dir} holds no activities_{{group}}_skip{{N}}.json files (see the README, Sync)"
            )
        if group is None:
            if len(groups) > 1:
                raise IntegrationError(
                    f"{from_dir} holds several groups ({', '.join(groups)}): set LAHELLA_GROUP"
                )
            group = groups[0]
        transport = FileReplayTransport(from_dir, resolve)
        base_url = "http://replay.invalid"
    else:
        secrets = {
            name: secret.get_secret_value() if secret else None
            for name, secret in (
                ("auth", settings.lahella_auth_token),
                ("refresh", settings.lahella_refresh_token),
                ("partner", settings.lahella_partner_token),
            )
        }
        if not group:
            raise IntegrationError("set LAHELLA_GROUP (the organisation's group id in Lähellä.fi)")
        if not (secrets["auth"] or secrets["refresh"] or secrets["partner"]):
            raise IntegrationError(
                "Lähellä.fi needs credentials: LAHELLA_AUTH_TOKEN and LAHELLA_REFRESH_TOKEN, or LAHELLA_PARTNER_TOKEN"
            )
        auth = LahellaAuth(
            auth_token=secrets["auth"], refresh_token=secrets["refresh"], partner_token=secrets["partner"]
        )
    client = make_client(base_url, timeout=settings.http_timeout_seconds, transport=transport)
    if auth is not None:
        client.auth = auth
    lahella_context = LahellaContext(
        group=group,
        organisation_name=settings.lahella_organisation_name,
        business_id=settings.lahella_business_id,
        mapping=context,
        names=load_municipality_names(),
    )
    return LahellaSource(JsonFetcher(client, policy=policy), lahella_context)
