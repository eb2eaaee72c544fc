"""The Open Referral HSDS 3.0 API: GET /, /services, /service_at_locations, /organizations,
/taxonomies, /taxonomy_terms (and each by id), /openapi.json and /export.zip, under HSDS_PATH.

Thin: parse and check the parameters, ask app.opendata for the rows, map them, answer JSON or a
stream of ndjson. Open: no key, CORS for all, conditional requests, a rate limit per address.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, time
from functools import lru_cache
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal, TypeVar

import orjson
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, StreamingResponse
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from starlette.concurrency import iterate_in_threadpool
from starlette.types import Send

from app.catalogue.codes import load_postal_codes
from app.db import get_session
from app.errors import InvalidInput, NotFound
from app.opendata import export, hsds, queries
from app.opendata.bundles import Lookups, StreamCache
from app.opendata.loading import load_lookups, load_organisation_bundles, load_service_bundles
from app.timeutil import utcnow
from web.deps import SessionDep
from web.hsds import access
from web.i18n import gettext, negotiate_locale

logger = logging.getLogger(__name__)

T = TypeVar("T")

router = APIRouter(dependencies=[Depends(access.enforce_rate_limit)])


def _discard(session: Session) -> None:
    """Drop the session's connections without the pool's reset (a rollback on a lost connection would log
    a traceback of its own)."""
    with contextlib.suppress(SQLAlchemyError):  # already unusable: nothing is left to release
        session.invalidate()


def _streaming_session(
    session: Annotated[Session, Depends(get_session, scope="request")],
) -> Iterator[Session]:
    """The session of a list that may stream (format=ndjson): open until the last line is sent.

    It ends after the response, where an error can no longer become an HTTP answer: a database lost by
    then is one warning line (never a traceback, never a record), and get_session below finds nothing left
    to commit. A JSON page of these lists reads everything before it is returned, as SessionDep would.
    """
    yield session
    try:
        session.commit()
    except SQLAlchemyError as error:
        logger.warning("HSDS: database session failed after the response was sent (%s)", type(error).__name__)
        _discard(session)


StreamingSessionDep = Annotated[Session, Depends(_streaming_session, scope="request")]
Lang = Annotated[
    Literal["fi", "sv", "en"],
    Query(description="Language of the texts (extension: HSDS has no multilingual text). Default fi."),
]
Format = Annotated[
    Literal["json", "ndjson"],
    Query(
        description="`json` (default): one page. `ndjson`: every result, one JSON object a line, streamed. "
        "A stream that fails part-way (the database lost) is not complete: its last line is "
        '`{"error": "stream_interrupted", "message": ...}` and the connection closes before the chunked body '
        "ends, which HTTP clients report as an error; fetch the list again."
    ),
]
Page = Annotated[int, Query(ge=1, le=1_000_000, description="Page number of paginated result.")]
PerPage = Annotated[int, Query(ge=1, le=1000, description="Number of results requested in a single page.")]
Search = Annotated[str | None, Query(max_length=200, description="Full text search (every word must occur).")]
DEFAULT_PER_PAGE = 50
NDJSON = "application/x-ndjson"
BATCH = 500
PROFILE_URL = "https://docs.openreferral.org/en/latest/hsds/overview.html"
WEEKDAY_NAMES = {
    "MONDAY": "MO", "TUESDAY": "TU", "WEDNESDAY": "WE", "THURSDAY": "TH", "FRIDAY": "FR", "SATURDAY": "SA", "SUNDAY": "SU",
}  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Per-process cache of what every answer needs: the catalogue's version, code tables, vocabulary
# ---------------------------------------------------------------------------------------------


class Catalogue:
    """The lookups and vocabulary of one catalogue version, and list totals and page indexes already made."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.token: str | None = None
        self._lookups: Lookups | None = None
        self._vocabulary: hsds.Vocabulary | None = None
        self._totals: dict[Any, Any] = {}

    def _reset_for(self, token: str) -> None:
        if token != self.token:
            self.token = token
            self._lookups = None
            self._vocabulary = None
            self._totals = {}

    def lookups(self, session: Session, token: str) -> Lookups:
        with self._lock:
            self._reset_for(token)
            if self._lookups is None:
                self._lookups = load_lookups(session)
            return self._lookups

    def vocabulary(self, session: Session, token: str) -> hsds.Vocabulary:
        lookups = self.lookups(session, token)
        with self._lock:
            if self._vocabulary is None:
                self._vocabulary = hsds.build_vocabulary(lookups, queries.used_terms(session))
            return self._vocabulary

    def total(self, token: str, key: Any, count: Callable[[], int]) -> int:
        return self.remember(token, key, count)

    def remember(self, token: str, key: Any, compute: Callable[[], T]) -> T:
        """A figure of this catalogue version (a count, a page index), computed once per query."""
        with self._lock:
            self._reset_for(token)
            if key in self._totals:
                return self._totals[key]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            if self.token == token:
                if len(self._totals) > 2000:
                    self._totals.clear()
                self._totals[key] = value
        return value


class Answer:
    """One request's view: the catalogue version, and the conditional-request validators for it."""

    def __init__(self, request: Request, session: Session) -> None:
        self.request = request
        self.session = session
        self.catalogue: Catalogue = request.app.state.hsds_catalogue
        self.version = queries.catalogue_version(session)
        query = sorted(request.query_params.multi_items())
        self.etag = access.etag_for(self.version.token, request.url.path, query)

    def unchanged(self) -> Response | None:
        return access.not_modified(self.request, self.etag, self.version.last_modified)

    @property
    def headers(self) -> dict[str, str]:
        return access.validators(self.etag, self.version.last_modified)

    def lookups(self) -> Lookups:
        return self.catalogue.lookups(self.session, self.version.token)

    def vocabulary(self) -> hsds.Vocabulary:
        return self.catalogue.vocabulary(self.session, self.version.token)

    def json(self, body: Any) -> Response:
        return Response(orjson.dumps(body), media_type="application/json", headers=self.headers)

    def ndjson(self, records: Iterable[dict[str, Any]]) -> StreamingResponse:
        stream = NdjsonResponse(media_type=NDJSON, headers=self.headers)

        def lines() -> Iterator[bytes]:
            chunk: list[bytes] = []
            try:
                for record in records:
                    chunk.append(orjson.dumps(record))
                    if len(chunk) >= 100:
                        yield b"\n".join(chunk) + b"\n"
                        chunk = []
            except SQLAlchemyError as error:
                # The status line is sent: the stream can only end early. One warning, no traceback (the
                # server would log one for an exception out of a started response), no record's content.
                logger.warning(
                    "HSDS: ndjson stream of %s ended early: database error (%s)",
                    self.request.url.path,
                    type(error).__name__,
                )
                _discard(self.session)
                # Records already read go out, then a line that says the list is not whole; the response
                # then ends without the chunked body's terminator (NdjsonResponse), which HTTP clients
                # report as an incomplete transfer. A line reader that ignores the transport still sees it.
                message = gettext(
                    negotiate_locale(self.request),
                    "The list was cut short: not every record could be read. Fetch the list again in a moment.",
                )
                chunk.append(orjson.dumps({"error": "stream_interrupted", "message": message}))
                stream.interrupted = True
            if chunk:
                yield b"\n".join(chunk) + b"\n"

        stream.body_iterator = iterate_in_threadpool(lines())
        return stream


class NdjsonResponse(StreamingResponse):
    """A stream of ndjson lines that, when the records cannot all be read, does not end as if complete.

    The status line (200) is sent before the first record is read, so a failure later cannot become an
    error answer. Instead its last line is `{"error": "stream_interrupted", "message": ...}` and the
    response returns without the final (empty) body message: the server then closes the connection without
    the chunked body's terminating chunk (uvicorn: "ASGI callable returned without completing response"),
    which curl (exit 18), httpx, requests and browsers' fetch all report as an error. No exception leaves
    the app, so no traceback is logged for a passing database outage."""

    def __init__(self, *, media_type: str, headers: dict[str, str]) -> None:
        super().__init__(iter(()), media_type=media_type, headers=headers)
        self.interrupted = False

    async def stream_response(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        async for chunk in self.body_iterator:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        if not self.interrupted:
            await send({"type": "http.response.body", "body": b"", "more_body": False})


def page_body(contents: list[dict[str, Any]], total: int, page: int, per_page: int) -> dict[str, Any]:
    """The HSDS Page object around one page of contents."""
    total_pages = -(-total // per_page)
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": not contents,
        "contents": contents,
    }


# ---------------------------------------------------------------------------------------------
# Parameters shared by /services and /service_at_locations
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _postal_codes() -> dict[str, Any]:
    return load_postal_codes()


def _day(value: str | None) -> str | None:
    if value is None:
        return None
    day = value.strip().upper()
    day = WEEKDAY_NAMES.get(day, day)
    if day not in queries.WEEKDAYS:
        raise InvalidInput(
            "day must be a weekday: MO, TU, WE, TH, FR, SA or SU (or Monday to Sunday).", code="invalid_day"
        )
    return day


def _local(value: time | None) -> time | None:
    """A time of day compared with schedules' Finnish wall-clock times: an offset, which the OpenAPI's
    `format: time` allows, is left out (the database refuses offsets beyond its range, once a 500)."""
    return value.replace(tzinfo=None) if value is not None else None


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def service_query(
    answer: Answer,
    *,
    search: str | None,
    taxonomy_term_id: str | None,
    taxonomy_id: str | None,
    organization_id: uuid.UUID | None,
    modified_after: datetime | None,
    minimum_age: float | None,
    maximum_age: float | None,
    day: str | None,
    start_time: time | None,
    end_time: time | None,
    postcode: str | None,
    proximity: float | None,
) -> queries.ServiceQuery:
    term: tuple[str, str] | None = None
    taxonomy: str | None = None
    unknown = False
    if taxonomy_term_id is not None:
        found = answer.vocabulary().term(taxonomy_term_id.strip().lower())
        unknown = found is None
        term = (found[0], found[1]) if found else None
    if taxonomy_id is not None:
        taxonomy = answer.vocabulary().taxonomy(taxonomy_id.strip().lower())
        unknown = unknown or taxonomy is None
    near: queries.Near | None = None
    municipality: str | None = None
    if proximity is not None and postcode is None:
        raise InvalidInput(
            "proximity needs a postcode to measure the distance from.", code="proximity_without_postcode"
        )
    if postcode is not None:
        place = _postal_codes().get(postcode)
        if place is None:
            raise InvalidInput("Unknown postal code %(value)s.", code="unknown_postcode", value=postcode)
        municipality = place.municipality_code
        if proximity is not None:
            near = queries.Near(place.latitude, place.longitude, proximity)
    return queries.ServiceQuery(
        search=search.strip() if search else None,
        term=term,
        unknown_term=unknown,
        taxonomy=taxonomy,
        organisation_id=organization_id,
        modified_after=_aware(modified_after),
        minimum_age=minimum_age,
        maximum_age=maximum_age,
        day=_day(day),
        start_time=_local(start_time),
        end_time=_local(end_time),
        municipality=municipality,
        near=near,
    )


TaxonomyTermId = Annotated[
    str | None, Query(max_length=100, description="Services tagged with this taxonomy term (its id).")
]
TaxonomyId = Annotated[
    str | None, Query(max_length=100, description="Services with any term of this taxonomy (its id).")
]
OrganizationId = Annotated[uuid.UUID | None, Query(description="Services this organization provides.")]
ModifiedAfter = Annotated[
    datetime | None,
    Query(
        description="Results modified on or after this datetime (RFC 3339; without an offset, UTC). Includes "
        "services retired since (status `inactive`), so a copy can drop them."
    ),
]
MinimumAge = Annotated[
    float | None, Query(ge=0, le=150, description="UK profile: services whose minimum age is at least this.")
]
MaximumAge = Annotated[
    float | None, Query(ge=0, le=150, description="UK profile: services whose maximum age is at most this.")
]
_DAY_WORDS = [*queries.WEEKDAYS, *WEEKDAY_NAMES]
DAY_PATTERN = (
    "^(" + "|".join(w for word in _DAY_WORDS for w in (word, word.lower(), word.capitalize())) + ")$"
)
Day = Annotated[
    str | None,
    Query(
        pattern=DAY_PATTERN,
        description="UK profile: services held or open on this weekday (MO ... SU, or Monday ... Sunday).",
    ),
]
StartTime = Annotated[
    time | None,
    Query(
        description="UK profile: a schedule starting at or after this time (HH:MM, Finnish time; an offset "
        "is ignored)."
    ),
]
EndTime = Annotated[
    time | None,
    Query(
        description="UK profile: a schedule ending at or before this time (HH:MM, Finnish time; an offset "
        "is ignored)."
    ),
]
Postcode = Annotated[
    str | None,
    Query(
        pattern=r"^\d{5}$",
        description="Finnish postal code: services offered there (their service area, or without one, their "
        "place). With `proximity`: places within that many metres of the postal code's centre.",
    ),
]
Proximity = Annotated[
    float | None, Query(gt=0, le=1_000_000, description="Metres from the centre of `postcode`.")
]


# ---------------------------------------------------------------------------------------------
# Endpoints
# ---------------------------------------------------------------------------------------------


@router.get(
    "/",
    summary="Retrieve information about this API and its relationship with HSDS.",
    operation_id="getAPIMetaInformation",
)
def api_meta(request: Request) -> Response:
    settings = request.app.state.settings
    base = str(settings.base_url).rstrip("/") + settings.hsds_path
    body = hsds.api_metadata(openapi_url=f"{base}/openapi.json", profile_url=PROFILE_URL)
    return Response(
        orjson.dumps(body), media_type="application/json", headers={"Cache-Control": access.CACHE_CONTROL}
    )


@router.get("/services", summary="Paginated listings of services.", operation_id="getPaginatedListOfServices")
def list_services(
    request: Request,
    session: StreamingSessionDep,
    search: Search = None,
    page: Page = 1,
    per_page: PerPage = DEFAULT_PER_PAGE,
    format: Format = "json",
    taxonomy_term_id: TaxonomyTermId = None,
    taxonomy_id: TaxonomyId = None,
    organization_id: OrganizationId = None,
    modified_after: ModifiedAfter = None,
    minimal: Annotated[bool, Query(description="Only each service's id and last_modified.")] = False,
    full: Annotated[bool, Query(description="Fully nested services (default: one-to-one fields).")] = False,
    postcode: Postcode = None,
    proximity: Proximity = None,
    minimum_age: MinimumAge = None,
    maximum_age: MaximumAge = None,
    day: Day = None,
    start_time: StartTime = None,
    end_time: EndTime = None,
    lang: Lang = "fi",
) -> Response:
    answer = Answer(request, session)
    if (unchanged := answer.unchanged()) is not None:
        return unchanged
    query = service_query(
        answer,
        search=search,
        taxonomy_term_id=taxonomy_term_id,
        taxonomy_id=taxonomy_id,
        organization_id=organization_id,
        modified_after=modified_after,
        minimum_age=minimum_age,
        maximum_age=maximum_age,
        day=day,
        start_time=start_time,
        end_time=end_time,
        postcode=postcode,
        proximity=proximity,
    )

    def render(bundles: Iterable[Any]) -> list[dict[str, Any]]:
        if minimal:
            return [hsds.service_minimal(bundle) for bundle in bundles]
        if full or format == "ndjson":
            lookups = answer.lookups()
            return [hsds.service_to_hsds(bundle, lookups, lang) for bundle in bundles]
        return [hsds.service_brief(bundle, lang) for bundle in bundles]

    if format == "ndjson":
        cache = StreamCache()
        return answer.ndjson(
            record
            for ids in queries.iter_service_ids(session, query, batch=BATCH)
            for record in render(load_service_bundles(session, ids, cache))
        )
    index = answer.catalogue.remember(
        answer.version.token, ("services", query), lambda: queries.service_page_index(session, query)
    )
    ids = queries.page_service_ids(session, query, page=page, per_page=per_page, index=index)
    return answer.json(page_body(render(load_service_bundles(session, ids)), index.total, page, per_page))


@router.get(
    "/services/{id}",
    summary="A fully nested service with all related data.",
    operation_id="getFullyNestedServiceById",
)
def get_service(
    request: Request,
    session: SessionDep,
    id: Annotated[uuid.UUID, Path(description="The id of the service.")],
    lang: Lang = "fi",
) -> Response:
    answer = Answer(request, session)
    if (unchanged := answer.unchanged()) is not None:
        return unchanged
    bundles = load_service_bundles(session, [id])
    if not bundles:
        raise NotFound("No service with this id.", code="service_not_found", id=str(id))
    return answer.json(hsds.service_to_hsds(bundles[0], answer.lookups(), lang))


def _sal_records(
    session: Session,
    answer: Answer,
    rows: list[tuple[uuid.UUID, uuid.UUID]],
    *,
    full: bool,
    lang: str,
    cache: StreamCache | None = None,
) -> list[dict[str, Any]]:
    bundles = {bundle.row.id: bundle for bundle in load_service_bundles(session, [r[1] for r in rows], cache)}
    records: list[dict[str, Any]] = []
    lookups = answer.lookups() if full else None
    for sal_id, service_id in rows:
        service = bundles.get(str(service_id))  # loaded rows carry their ids as text
        sal = next((s for s in service.sals if s.row.id == str(sal_id)), None) if service else None
        if service is None or sal is None:
            continue
        if lookups is not None:
            records.append(hsds.sal_to_hsds(sal, lookups, lang, service=hsds.service_brief(service, lang)))
        else:
            records.append(hsds.sal_brief(sal, service, lang))
    return records


@router.get(
    "/service_at_locations",
    summary="Paginated listings of services at locations.",
    operation_id="getPaginatedListOfServiceAtLocation",
)
def list_service_at_locations(
    request: Request,
    session: StreamingSessionDep,
    search: Search = None,
    taxonomy_term_id: TaxonomyTermId = None,
    taxonomy_id: TaxonomyId = None,
    organization_id: OrganizationId = None,
    modified_after: ModifiedAfter = None,
    full: Annotated[bool, Query(description="Fully nested services at locations.")] = False,
    page: Page = 1,
    per_page: PerPage = DEFAULT_PER_PAGE,
    format: Format = "json",
    postcode: Postcode = None,
    proximity: Proximity = None,
    minimum_age: MinimumAge = None,
    maximum_age: MaximumAge = None,
    day: Day = None,
    start_time: StartTime = None,
    end_time: EndTime = None,
    lang: Lang = "fi",
) -> Response:
    answer = Answer(request, session)
    if (unchanged := answer.unchanged()) is not None:
        return unchanged
    query = service_query(
        answer,
        search=search,
        taxonomy_term_id=taxonomy_term_id,
        taxonomy_id=taxonomy_id,
        organization_id=organization_id,
        modified_after=modified_after,
        minimum_age=minimum_age,
        maximum_age=maximum_age,
        day=day,
        start_time=start_time,
        end_time=end_time,
        postcode=postcode,
        proximity=proximity,
    )
    if format == "ndjson":
        cache = StreamCache()
        return answer.ndjson(
            record
            for rows in queries.iter_sals(session, query, batch=BATCH)
            for record in _sal_records(session, answer, rows, full=True, lang=lang, cache=cache)
        )
    total = answer.catalogue.total(
        answer.version.token, ("sal", query), lambda: queries.count_sals(session, query)
    )
    rows = queries.page_sals(session, query, page=page, per_page=per_page)
    return answer.json(
        page_body(_sal_records(session, answer, rows, full=full, lang=lang), total, page, per_page)
    )


@router.get(
    "/service_at_locations/{id}",
    summary="A fully nested service at location.",
    operation_id="getServiceAtLocationWithNestedDataById",
)
def get_service_at_location(
    request: Request,
    session: SessionDep,
    id: Annotated[uuid.UUID, Path(description="The id of the service at location.")],
    lang: Lang = "fi",
) -> Response:
    answer = Answer(request, session)
    if (unchanged := answer.unchanged()) is not None:
        return unchanged
    found = queries.find_sal(session, id)
    records = _sal_records(session, answer, [found], full=True, lang=lang) if found else []
    if not records:
        raise NotFound(
            "No service at location with this id.", code="service_at_location_not_found", id=str(id)
        )
    return answer.json(records[0])


def _organisation_records(
    session: Session, answer: Answer, ids: list[uuid.UUID], *, full: bool, full_service: bool, lang: str
) -> list[dict[str, Any]]:
    bundles = load_organisation_bundles(session, ids)
    records: list[dict[str, Any]] = []
    for organisation_id in ids:
        bundle = bundles.get(organisation_id)
        if bundle is None:
            continue
        if not full and not full_service:
            records.append(hsds.organisation_brief(bundle.row, lang))
            continue
        services = load_service_bundles(
            session, queries.service_ids_of_organisation(session, organisation_id)
        )
        if full_service:
            lookups = answer.lookups()
            nested = [hsds.service_to_hsds(service, lookups, lang) for service in services]
        else:
            nested = [hsds.service_brief(service, lang) for service in services]
        records.append(hsds.organisation_to_hsds(bundle, lang, services=nested))
    return records


FullService = Annotated[
    bool,
    Query(description="Nest each of the organization's services in full (default: their one-to-one fields)."),
]


@router.get(
    "/organizations",
    summary="Paginated list of organizations.",
    operation_id="getPaginatedListOfOrganizations",
)
def list_organizations(
    request: Request,
    session: StreamingSessionDep,
    search: Search = None,
    full_service: FullService = False,
    full: Annotated[bool, Query(description="Fully nested organizations, with their services.")] = False,
    page: Page = 1,
    per_page: PerPage = DEFAULT_PER_PAGE,
    format: Format = "json",
    lang: Lang = "fi",
) -> Response:
    answer = Answer(request, session)
    if (unchanged := answer.unchanged()) is not None:
        return unchanged
    if format == "ndjson":
        if full or full_service:
            return answer.ndjson(
                record
                for ids in queries.iter_organisation_ids(session, search, batch=BATCH)
                for record in _organisation_records(
                    session, answer, ids, full=full, full_service=full_service, lang=lang
                )
            )
        return answer.ndjson(export.iter_organisation_records(session, search, lang, batch=BATCH))
    total = answer.catalogue.total(
        answer.version.token, ("organisations", search), lambda: queries.count_organisations(session, search)
    )
    ids = queries.page_organisation_ids(session, search, page=page, per_page=per_page)
    records = _organisation_records(session, answer, ids, full=full, full_service=full_service, lang=lang)
    return answer.json(page_body(records, total, page, per_page))


@router.get(
    "/organizations/{id}",
    summary="A fully nested organization with its services.",
    operation_id="getOrganizationById",
)
def get_organization(
    request: Request,
    session: SessionDep,
    id: Annotated[uuid.UUID, Path(description="The id of the organization.")],
    full_service: FullService = False,
    lang: Lang = "fi",
) -> Response:
    answer = Answer(request, session)
    if (unchanged := answer.unchanged()) is not None:
        return unchanged
    records = _organisation_records(session, answer, [id], full=True, full_service=full_service, lang=lang)
    if not records:
        raise NotFound("No organization with this id.", code="organization_not_found", id=str(id))
    return answer.json(records[0])


def _matches(record: dict[str, Any], search: str | None) -> bool:
    if not search:
        return True
    haystack = " ".join(str(record.get(key) or "") for key in ("name", "description", "code")).lower()
    return all(word.lower() in haystack for word in search.split())


def _paged(answer: Answer, records: list[dict[str, Any]], page: int, per_page: int, format: str) -> Response:
    if format == "ndjson":
        return answer.ndjson(records)
    start = (page - 1) * per_page
    return answer.json(page_body(records[start : start + per_page], len(records), page, per_page))


@router.get(
    "/taxonomies", summary="Paginated listing of taxonomies.", operation_id="getPaginatedListOfTaxonomies"
)
def list_taxonomies(
    request: Request,
    session: SessionDep,
    search: Search = None,
    page: Page = 1,
    per_page: PerPage = DEFAULT_PER_PAGE,
    format: Format = "json",
    lang: Lang = "fi",
) -> Response:
    answer = Answer(request, session)
    if (unchanged := answer.unchanged()) is not None:
        return unchanged
    records = [record for record in export.taxonomy_records(lang) if _matches(record, search)]
    return _paged(answer, records, page, per_page, format)


@router.get("/taxonomies/{id}", summary="Full information on a taxonomy.", operation_id="getTaxonomyById")
def get_taxonomy(
    request: Request,
    session: SessionDep,
    id: Annotated[str, Path(max_length=100, description="The id of the taxonomy.")],
    lang: Lang = "fi",
) -> Response:
    answer = Answer(request, session)
    if (unchanged := answer.unchanged()) is not None:
        return unchanged
    name = answer.vocabulary().taxonomy(id.strip().lower())
    if name is None:
        raise NotFound("No taxonomy with this id.", code="taxonomy_not_found", id=id)
    return answer.json(hsds.taxonomy_to_hsds(name, lang))


@router.get(
    "/taxonomy_terms", summary="Paginated listing of taxonomy terms.", operation_id="getTaxonomyTermById"
)
def list_taxonomy_terms(
    request: Request,
    session: SessionDep,
    search: Search = None,
    page: Page = 1,
    per_page: PerPage = DEFAULT_PER_PAGE,
    format: Format = "json",
    taxonomy_id: Annotated[str | None, Query(max_length=100, description="Terms of this taxonomy.")] = None,
    top_only: Annotated[
        bool, Query(description="Only terms without a parent (the top of each hierarchy).")
    ] = False,
    parent_id: Annotated[
        str | None, Query(max_length=100, description="Terms whose parent is this term.")
    ] = None,
    lang: Lang = "fi",
) -> Response:
    answer = Answer(request, session)
    if (unchanged := answer.unchanged()) is not None:
        return unchanged
    lookups = answer.lookups()
    records = []
    wanted_taxonomy = taxonomy_id.strip().lower() if taxonomy_id else None
    wanted_parent = parent_id.strip().lower() if parent_id else None
    for record in export.term_records(answer.vocabulary(), lookups, lang):
        if wanted_taxonomy is not None and record["taxonomy_id"] != wanted_taxonomy:
            continue
        if top_only and "parent_id" in record:
            continue
        if wanted_parent is not None and record.get("parent_id") != wanted_parent:
            continue
        if _matches(record, search):
            records.append(record)
    return _paged(answer, records, page, per_page, format)


@router.get(
    "/taxonomy_terms/{id}",
    summary="Full information on a taxonomy term.",
    operation_id="getPaginatedListOfTaxonomyTerms",
)
def get_taxonomy_term(
    request: Request,
    session: SessionDep,
    id: Annotated[str, Path(max_length=100, description="The id of the taxonomy term.")],
    lang: Lang = "fi",
) -> Response:
    answer = Answer(request, session)
    if (unchanged := answer.unchanged()) is not None:
        return unchanged
    found = answer.vocabulary().term(id.strip().lower())
    if found is None:
        raise NotFound("No taxonomy term with this id.", code="taxonomy_term_not_found", id=id)
    taxonomy, code, label = found
    return answer.json(hsds.term_to_hsds(taxonomy, code, answer.lookups(), lang, label))


_export_lock = threading.Lock()


@router.get(
    "/export.zip",
    summary="The whole catalogue as the HSDS tabular data package (CSV, zipped).",
    operation_id="getTabularExport",
)
async def get_export(request: Request, session: SessionDep, lang: Lang = "fi") -> Response:
    answer = await run_in_threadpool(Answer, request, session)
    if (unchanged := answer.unchanged()) is not None:
        return unchanged
    settings = request.app.state.settings
    directory = FilePath(settings.data_dir) / "hsds-export"

    def build() -> FilePath:
        # One build at a time: a second request for the same version waits and then finds the file.
        with _export_lock:
            return export.build_export(session, directory, lang, now=utcnow())

    path = await run_in_threadpool(build)
    return FileResponse(
        path,
        media_type="application/zip",
        filename=f"palvelutarjotin-hsds-{lang}.zip",
        headers=answer.headers,
    )


@router.get("/openapi.json", include_in_schema=False)
def published_openapi(request: Request) -> Response:
    """This API's OpenAPI document: the HSDS 3.0 reference's paths and parameters, and our extensions."""
    return Response(
        orjson.dumps(request.app.state.hsds_openapi),
        media_type="application/json",
        headers={"Cache-Control": access.CACHE_CONTROL},
    )
