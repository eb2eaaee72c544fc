"""PTV v12: pure mapping, and the client against an API double with v12's paging and filter rules
(key required, pageSize <= 100, at most 20 values per filter, repeated keys) plus --from-dir replay."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select

from app.catalogue.enums import ContactKind, RecordStatus, ScheduleKind, ServiceStatus
from app.catalogue.models import Location, Organisation, Service
from integrations.ptv.common import continuous_rows, municipality_from_place
from integrations.ptv.factory import directory_version, make_source
from integrations.ptv.v12.client import batches, make_v12_source
from integrations.ptv.v12.mapping import (
    ChannelSummary,
    MappingError,
    area_municipalities_v12,
    contacts_from_versions,
    display_name,
    first_point,
    location_from_v12,
    organisation_from_v12,
    schedules_from_v12_hours,
    service_from_v12,
    version_text,
)
from integrations.records import Text
from integrations.source import SyncMode
from integrations.sync import RunStatus
from tests.integrations import v12_pages as v12
from tests.integrations.conftest import FAST

ORG = "44a9a76b-be8f-41c9-b435-8a10e49809b1"
PARENT = "df12ada5-9034-4c07-8ae6-82783704c0bb"
PLACE = "ab3985bd-52ea-4ce4-8873-7328369834eb"


def _sid(n: int) -> str:
    return f"e65e800e-252d-4955-bb34-{n:012d}"


# -- mapping ------------------------------------------------------------------------------------


def test_language_versions_with_fallback_and_alternative_names() -> None:
    item = {
        "languageVersions": {
            "sv": {
                "name": "Simhall",
                "alternativeName": "Badet",
                "isAlternativeNamePrimary": True,
                "summary": "",
            },
            "fi": {
                "name": "Uimahalli",
                "alternativeName": "Halli",
                "isAlternativeNamePrimary": False,
                "summary": None,
            },
        }
    }
    assert display_name(item) == Text(fi="Uimahalli", sv="Badet")
    assert version_text(item, "summary") == Text()
    assert display_name({"languageVersions": {"en": {"name": "Pool"}}}).first() == "Pool"


def test_coordinates_unknown_system_and_out_of_bounds_are_skipped() -> None:
    unknown = {"system": "Unknown", "source": "User", "easting": 0, "northing": 0}
    outside = {"system": "EPSG:3067", "source": "User", "easting": 10, "northing": 10}
    latitude, longitude = first_point([unknown, outside, v12.LAHTI_POINT])  # type: ignore[misc]
    assert latitude == pytest.approx(60.9836, abs=1e-3) and longitude == pytest.approx(25.6466, abs=1e-3)
    assert first_point([unknown]) is None and first_point([]) is None


def test_place_municipality_from_postal_code_then_coordinates(context) -> None:
    assert municipality_from_place("15110", None, None, context.postal_codes) == "398"
    assert municipality_from_place(None, 60.9836, 25.6466, context.postal_codes) == "398"
    assert municipality_from_place("99999", 60.9836, 25.6466, context.postal_codes) == "398"
    assert municipality_from_place(None, 59.0, 21.0, context.postal_codes) is None  # at sea


def test_location_record(context) -> None:
    record = location_from_v12(v12.location(PLACE, "Keskustan uimahalli", ORG), context)
    assert (record.street_address.fi, record.postal_code, record.municipality_code) == (
        "Salpausselänkatu 8",
        "15110",
        "398",
    )
    assert record.post_office == Text(fi="LAHTI", sv="LAHTI")  # Posti gives Lahti one name
    assert record.description == Text(fi="Keskustan uimahalli lyhyesti")
    assert [(s.kind, s.byday, s.opens_at) for s in record.schedules] == [
        (ScheduleKind.OPENING_HOURS, "MO,TU", time(8))
    ]
    no_point = location_from_v12(
        v12.location(
            PLACE,
            "Tila",
            ORG,
            postal_code="15140",
            coordinates=[{"system": "Unknown", "source": "User", "easting": 0, "northing": 0}],
        ),
        context,
    )
    assert (no_point.latitude, no_point.municipality_code) == (None, "398")


def test_contacts_from_every_language_once() -> None:
    item = {
        "languageVersions": {
            "fi": {
                "contactPhoneNumbers": [
                    {
                        "type": "DomesticPhone",
                        "number": "03 818 12345",
                        "chargeDescription": "pvm",
                        "additionalInformation": "Kassa",
                    },
                    {"type": "Fax", "number": "038181"},
                ],
                "contactEmails": [{"email": "a@b.example"}],
                "contactWebPages": [{"name": "Sivu", "url": "https://b.example"}],
            },
            "en": {
                "contactPhoneNumbers": [
                    {"type": "InternationalPhone", "dialCode": "+46", "number": "8123456"}
                ],
                "contactEmails": [{"email": "a@b.example"}],
            },
        }
    }
    contacts = contacts_from_versions(item)
    assert [(c.kind, c.value, c.language) for c in contacts] == [
        (ContactKind.PHONE, "0381812345", "fi"),
        (ContactKind.EMAIL, "a@b.example", "fi"),
        (ContactKind.WEB, "https://b.example", "fi"),
        (ContactKind.PHONE, "+468123456", "en"),
    ]
    assert contacts[0].charge_info == "pvm" and contacts[0].label == Text(fi="Kassa")


def test_service_hours_all_kinds() -> None:
    hours = {
        "hours": [
            v12.weekly(
                {"friday": ("18:00", "02:00"), "saturday": ("18:00", "02:00")},
                kind="WeeklyDateRangeServiceHour",
                fromDate="2026-08-31",
                toDate="2027-05-16",
            ),
            {
                "type": "ContinuousWeekdaysUntilFurtherNoticeServiceHour",
                "openingStatus": "Open",
                "heading": {},
                "additionalInformation": {},
                "fromDay": "Friday",
                "toDay": "Monday",
                "fromTime": "16:00",
                "toTime": "08:00",
            },
            {
                "type": "ContinuousAlwaysValidServiceHour",
                "openingStatus": "Open",
                "heading": {"fi": "Aina auki"},
                "additionalInformation": {},
            },
            {
                "type": "ExceptionalDateRangeServiceHour",
                "heading": {"fi": "Joulu"},
                "additionalInformation": {},
                "fromDate": "2026-12-24",
                "toDate": "2026-12-26",
                "weeklyHours": {},
            },
        ],
        "holidayServiceHours": {
            "repetition": {"type": "RepetitionEveryYear"},
            "holidays": [
                {
                    "holidayName": "ChristmasEve",
                    "hours": [
                        {
                            "start": "00:00",
                            "end": "00:00",
                            "openingStatus": "Closed",
                            "additionalInformation": {},
                        }
                    ],
                }
            ],
        },
    }
    rows = schedules_from_v12_hours(hours, weekly_kind=ScheduleKind.SESSION)
    evening = rows[0]
    assert (evening.byday, evening.closes_next_day, evening.valid_from, evening.rrule) == (
        "FR,SA",
        True,
        date(2026, 8, 31),
        "FREQ=WEEKLY;BYDAY=FR,SA;UNTIL=20270516T235959Z",
    )
    assert [(r.byday, r.opens_at, r.closes_at) for r in rows[1:5]] == [
        ("FR", time(16), time(0)),
        ("SA", time(0), time(0)),
        ("SU", time(0), time(0)),
        ("MO", time(0), time(8)),
    ]
    always = rows[5]
    assert (always.byday, always.closes_next_day, always.description) == (
        "MO,TU,WE,TH,FR,SA,SU",
        True,
        Text(fi="Aina auki"),
    )
    christmas = rows[6]
    assert (christmas.kind, christmas.closed, christmas.valid_from, christmas.valid_to) == (
        ScheduleKind.EXCEPTION,
        True,
        date(2026, 12, 24),
        date(2026, 12, 26),
    )
    holiday = rows[7]
    assert (holiday.kind, holiday.closed, holiday.description, holiday.valid_from) == (
        ScheduleKind.EXCEPTION,
        True,
        Text(fi="Jouluaatto", sv="Julafton", en="Christmas Eve"),
        None,  # no date to say which year is meant
    )
    assert schedules_from_v12_hours(None, weekly_kind=ScheduleKind.SESSION) == []


def test_holiday_hours_fall_on_their_dates() -> None:
    def hours(repetition: dict, *holidays: tuple[str, str]) -> dict:
        return {
            "hours": [],
            "holidayServiceHours": {
                "repetition": repetition,
                "holidays": [
                    {
                        "holidayName": name,
                        "hours": [
                            {
                                "start": "10:00",
                                "end": "14:00",
                                "openingStatus": status,
                                "additionalInformation": {"fi": "Lyhennetty aukiolo"}
                                if status == "Open"
                                else {},
                            }
                        ],
                    }
                    for name, status in holidays
                ],
            },
        }

    every_year = schedules_from_v12_hours(
        hours({"type": "RepetitionEveryYear"}, ("ChristmasEve", "Closed"), ("MidsummerEve", "Open")),
        weekly_kind=ScheduleKind.OPENING_HOURS,
        today=date(2026, 11, 24),
    )
    # The next of each: this Christmas Eve, next year's Midsummer Eve (the Friday of 19-25 June).
    assert [(r.valid_from, r.valid_to, r.closed) for r in every_year] == [
        (date(2026, 12, 24), date(2026, 12, 24), True),
        (date(2027, 6, 25), date(2027, 6, 25), False),
    ]
    assert (every_year[1].opens_at, every_year[1].closes_at) == (time(10), time(14))
    assert every_year[1].description.fi == "Juhannusaatto: Lyhennetty aukiolo"

    selected = schedules_from_v12_hours(
        hours({"type": "RepetitionInSelectedYears", "years": [2025, 2027]}, ("GoodFriday", "Closed")),
        weekly_kind=ScheduleKind.OPENING_HOURS,
        today=date(2026, 11, 24),
    )
    assert [r.valid_from for r in selected] == [date(2027, 3, 26)]  # 2025 is past


def test_holiday_dates_of_the_finnish_calendar() -> None:
    from integrations.ptv.holidays import HOLIDAY_NAMES, holiday_date

    assert holiday_date("EasterSunday", 2026) == date(2026, 4, 5)
    assert holiday_date("AscensionDay", 2026) == date(2026, 5, 14)
    assert holiday_date("WhitSunday", 2026) == date(2026, 5, 24)
    assert holiday_date("MidsummerDay", 2026) == date(2026, 6, 20)
    assert holiday_date("AllSaintsDay", 2026) == date(2026, 10, 31)
    assert holiday_date("AllSaintsDay", 2027) == date(2027, 11, 6)
    assert holiday_date("Halloween", 2026) is None
    assert all(name.fi and name.sv and name.en for name in HOLIDAY_NAMES.values())


def test_odd_week_hours_say_so() -> None:
    hour = {
        "start": "10:00",
        "end": "11:00",
        "openingStatus": "OpenOnReservation",
        "repetition": "OddWeeks",
        "additionalInformation": {},
    }
    entry = {
        "type": "WeeklyUntilFurtherNoticeServiceHour",
        "heading": {},
        "additionalInformation": {},
        "weeklyHours": {"tuesday": {"hours": [hour]}},
    }
    (row,) = schedules_from_v12_hours(
        {"hours": [entry], "holidayServiceHours": None}, weekly_kind=ScheduleKind.SESSION
    )
    assert (row.rrule, row.by_appointment, row.description.fi) == (
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
        True,
        "parittomat viikot",
    )


def test_continuous_rows_within_one_day() -> None:
    assert continuous_rows("Monday", "Monday", time(8), time(16)) == [("MO", time(8), time(16), False)]


def test_areas_expand_regions_and_counties(context) -> None:
    nationwide, codes = area_municipalities_v12({"areaType": "WholeCountry"}, context)
    assert nationwide and codes == []
    _, codes = area_municipalities_v12(
        {"areaType": "LimitedArea", "municipalities": ["286"], "wellbeingServicesCounties": ["09"]}, context
    )
    assert "286" in codes and "398" in codes and len(codes) == 11


def test_organisation_record(context) -> None:
    record = organisation_from_v12(
        v12.organisation(ORG, "Lahden seudun omaishoitajat ry", parent=PARENT), context
    )
    assert (record.name.fi, record.business_id, record.parent_external_id, record.municipality_code) == (
        "Lahden seudun omaishoitajat ry",
        "9912345-6",
        PARENT,
        None,
    )
    assert record.description.fi == "Lahden seudun omaishoitajat ry toimii Lahdessa."
    assert (record.email, record.phone, record.website) == (
        "info@seura.example",
        "0401234567",
        "https://seura.example",
    )
    municipality = organisation_from_v12(
        v12.organisation(PARENT, "Lahden kaupunki", org_type="Municipality"), context
    )
    assert municipality.municipality_code == "398"


def test_service_record_and_scope(context) -> None:
    channels = {PLACE: ChannelSummary(is_location=True, municipality_code="398")}
    hours = [v12.weekly({"tuesday": ("10:00", "11:00")})]
    record = service_from_v12(
        v12.service(_sid(1), "Tuolijumppa", ORG),
        [v12.connection(_sid(1), PLACE, hours=hours)],
        channels,
        context,
    )
    assert record is not None
    assert (record.is_free, record.min_age, record.description.fi) == (
        True,
        65,
        "Ryhmä yli 65-vuotiaille.\n- maksuton\n- ei ilmoittautumista",
    )
    assert record.locations[0].schedules[0].rrule == "FREQ=WEEKLY;BYDAY=TU"
    assert {t.code for t in record.terms} >= {"liikunta", "ikaantyneet", "P27.1", "KR1.1", "kuntosali"}
    assert (
        service_from_v12(v12.service(_sid(2), "Lupa", ORG, classes=("P2.1",)), [], channels, context) is None
    )
    assert (
        service_from_v12(v12.service(_sid(3), "Kouvola", ORG, municipalities=("286",)), [], channels, context)
        is None
    )
    nameless = v12.service(_sid(4), "x", ORG)
    nameless["languageVersions"]["fi"]["name"] = ""
    with pytest.raises(MappingError):
        service_from_v12(nameless, [], channels, context)


def test_filters_are_split_into_batches_of_twenty() -> None:
    values = [f"P{n}" for n in range(46)] + ["P0"]
    split = batches(values)
    assert [len(b) for b in split] == [20, 20, 6] and split[0][0] == "P0"


# -- the client against an API double -----------------------------------------------------------


class V12Api:
    """Answers like the v12 search API: filters, paging, limits, the key."""

    def __init__(
        self, *, services, channels, organisations, connections, archived=(), page_size_cap=100
    ) -> None:
        self.services, self.channels, self.organisations = services, channels, organisations
        self.connections, self.archived = connections, list(archived)
        self.archived_channels: list[str] = []
        self.archived_connections: list[str] = []
        self.requests: list[httpx.Request] = []

    @staticmethod
    def _problem(status: int, detail: str) -> httpx.Response:
        return httpx.Response(status, json={"title": "Bad Request", "detail": detail, "status": status})

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.headers.get("x-api-key") != "secret":
            return self._problem(401, "API key missing")
        params = request.url.params
        path = request.url.path.removeprefix("/api/v12/")
        for name in set(params.keys()):
            if len(params.get_list(name)) > 20:
                return self._problem(400, f"{name}: at most 20 values")
        if path in ("organization/" + o["contentId"] for o in self.organisations):
            return httpx.Response(
                200, json=next(o for o in self.organisations if path.endswith(o["contentId"]))
            )
        for kind, known in (
            ("organization/", self.organisations),
            ("service-channel/", self.channels),
            ("service/", self.services),
        ):
            if path.startswith(kind) and not path.endswith(("search", "archived")):
                found = [c for c in known if c["contentId"] == path.split("/")[-1]]
                return httpx.Response(200, json=found[0]) if found else self._problem(404, "NotPublished")
        size = int(params.get("pageSize", "0"))
        if not 1 <= size <= 100 or "page" not in params:
            return self._problem(400, "page and pageSize (1-100) are required")
        items = self._select(path, params)
        if items is None:
            return self._problem(404, "unknown endpoint")
        number = int(params["page"])
        total = (len(items) + size - 1) // size
        return httpx.Response(
            200, json=v12.page(items[(number - 1) * size : number * size], number, total, size, len(items))
        )

    def _select(self, path: str, params: httpx.QueryParams) -> list[dict[str, Any]] | None:
        published = params.get("publishedAtOrAfter")

        def in_area(item: dict[str, Any]) -> bool:
            area = item.get("area") or {}
            if params.get("areaType") in ("WholeCountry", "WholeCountryExceptAland"):
                return area.get("areaType") == params["areaType"]
            return bool(set(params.get_list("municipalities")) & set(area.get("municipalities") or []))

        def fresh(item: dict[str, Any]) -> bool:
            return published is None or item["publishedAt"] >= published

        if path == "service/search":
            classes = set(params.get_list("serviceClasses"))
            return [
                s
                for s in self.services
                if in_area(s) and fresh(s) and (not classes or classes & set(s["serviceClasses"]))
            ]
        if path == "service-channel/search":
            return [c for c in self.channels if in_area(c) and fresh(c)]
        if path == "connection/search":
            wanted = set(params.get_list("serviceContentIds"))
            return [
                c for c in self.connections if (not wanted or c["serviceContentId"] in wanted) and fresh(c)
            ]
        if path in ("service/archived", "service-channel/archived", "connection/archived"):
            ids = {
                "service/archived": self.archived,
                "service-channel/archived": self.archived_channels,
                "connection/archived": self.archived_connections,
            }[path]
            return [{"contentId": cid} for cid in ids] if params.get("archivedAtOrAfter") else None
        return None


def _api(count: int = 130) -> V12Api:
    services = [v12.service(_sid(n), f"Palvelu {n}", ORG) for n in range(1, count + 1)]
    return V12Api(
        services=services,
        channels=[v12.location(PLACE, "Liikuntahalli", ORG)],
        organisations=[
            v12.organisation(ORG, "Liikuntaseura ry", parent=PARENT),
            v12.organisation(PARENT, "Lahden kaupunki", org_type="Municipality"),
        ],
        connections=[v12.connection(s["contentId"], PLACE) for s in services],
    )


def _source(context, api: V12Api, key: str | None = "secret", held: frozenset[str] | None = None):
    return make_v12_source(
        context,
        sorted(context.served_municipalities),
        base_url="https://ptv.test",
        api_key=key,
        timeout=5,
        policy=FAST,
        sleep=lambda _: None,
        transport=httpx.MockTransport(api),
        held_services=held,
    )


def test_full_crawl_pages_batches_and_key(session, context, sync_engine_in_thread) -> None:
    api = _api()
    report = sync_engine_in_thread.run(_source(context, api), mode=SyncMode.FULL)
    assert (report.status, report.failed) == (RunStatus.SUCCEEDED, 0)
    assert len(session.exec(select(Service).where(Service.status == ServiceStatus.ACTIVE)).all()) == 130
    parent = session.exec(select(Organisation).where(Organisation.external_id == PARENT)).one()
    child = session.exec(select(Organisation).where(Organisation.external_id == ORG)).one()
    assert child.parent_id == parent.id
    place = session.exec(select(Location)).one()
    assert place.municipality_code == "398" and place.latitude == pytest.approx(60.9836, abs=1e-3)
    assert all(r.headers["x-api-key"] == "secret" and "authorization" not in r.headers for r in api.requests)
    searches = [r for r in api.requests if r.url.path.endswith("service/search")]
    assert {r.url.params["pageSize"] for r in searches} == {"100"}
    assert any(r.url.params["page"] == "2" for r in searches)  # 130 services: two pages
    assert all(len(r.url.params.get_list("serviceClasses")) <= 20 for r in searches)
    assert {c for r in searches for c in r.url.params.get_list("serviceClasses")} >= {"P27.1"}
    assert all(
        len(r.url.params.get_list("serviceContentIds")) <= 20
        for r in api.requests
        if "connection" in r.url.path
    )
    again = sync_engine_in_thread.run(_source(context, api), mode=SyncMode.FULL)
    assert (again.created, again.updated, again.retired) == (0, 0, 0)


def test_incremental_uses_published_at_and_archived(session, context, sync_engine_in_thread) -> None:
    api = _api(5)
    sync_engine_in_thread.run(_source(context, api), mode=SyncMode.FULL)
    api.services[0] = v12.service(_sid(1), "Uusi nimi", ORG, published="2099-01-01T00:00:00.000Z")
    api.archived = [_sid(2)]
    api.archived_channels = [PLACE]
    api.requests.clear()
    report = sync_engine_in_thread.run(_source(context, api), mode=SyncMode.INCREMENTAL)
    assert report.message is None, report.message
    assert (report.mode, report.status, report.updated, report.retired) == (
        "incremental",
        RunStatus.SUCCEEDED,
        1,
        1,
    )
    searches = [r for r in api.requests if r.url.path.endswith("/search") and "connection" not in r.url.path]
    assert searches and all("publishedAtOrAfter" in r.url.params for r in searches)
    cutoff = datetime.fromisoformat(searches[0].url.params["publishedAtOrAfter"].replace("Z", "+00:00"))
    assert cutoff < datetime.now(UTC)
    statuses = dict(session.exec(select(Service.external_id, Service.status)).all())
    assert statuses[_sid(2)] == ServiceStatus.RETIRED and statuses[_sid(3)] == ServiceStatus.ACTIVE
    assert session.exec(select(Location.status)).one() == RecordStatus.RETIRED


def test_incremental_sees_class_moves_and_connection_only_changes(
    session, context, sync_engine_in_thread
) -> None:
    api = _api(5)
    sync_engine_in_thread.run(_source(context, api), mode=SyncMode.FULL)
    fresh = "2099-01-01T00:00:00.000Z"
    # Service 3 republished in a class that is not hyte: out of scope now.
    api.services[2] = v12.service(_sid(3), "Palvelu 3", ORG, classes=("P10.1",), published=fresh)
    # Service 4 gets a second place; only the connection (and the new place) are published.
    hall = "c0ffee00-0000-4000-8000-000000000004"
    api.channels.append({**v12.location(hall, "Uimahalli", ORG), "publishedAt": fresh})
    api.connections.append({**v12.connection(_sid(4), hall), "publishedAt": fresh})
    # Service 5 loses its place: the connection is archived, the service itself unchanged.
    api.connections = [c for c in api.connections if c["serviceContentId"] != _sid(5)]
    api.archived_connections = [_sid(5)]
    # A service elsewhere in Finland changed its connection to a place elsewhere: not worth a request.
    elsewhere = v12.service(_sid(99), "Muualla", ORG, municipalities=("091",), published=fresh)
    api.services.append(elsewhere)
    api.connections.append(
        {**v12.connection(_sid(99), "c0ffee00-0000-4000-8000-000000000099"), "publishedAt": fresh}
    )
    api.requests.clear()
    from integrations.ptv.factory import held_service_ids

    held = held_service_ids(session)
    assert _sid(4) in held and _sid(99) not in held

    report = sync_engine_in_thread.run(_source(context, api, held=held), mode=SyncMode.INCREMENTAL)

    assert (report.status, report.failed, report.retired) == (RunStatus.SUCCEEDED, 0, 1)
    searches = [r for r in api.requests if r.url.path.endswith("service/search")]
    assert searches and not any("serviceClasses" in r.url.params for r in searches)
    statuses = dict(session.exec(select(Service.external_id, Service.status)).all())
    assert statuses[_sid(3)] == ServiceStatus.RETIRED
    assert statuses[_sid(4)] == statuses[_sid(5)] == statuses[_sid(1)] == ServiceStatus.ACTIVE

    def places(number: int) -> set[str]:
        service = session.exec(select(Service).where(Service.external_id == _sid(number))).one()
        session.refresh(service)
        return {link.location.external_id for link in service.service_at_locations}

    assert places(4) == {PLACE, hall}
    assert places(5) == set()
    assert places(1) == {PLACE}
    # Only the services of changed connections were fetched one by one.
    by_id = {
        r.url.path.rsplit("/", 1)[-1]
        for r in api.requests
        if r.url.path.startswith("/api/v12/service/") and not r.url.path.endswith(("search", "archived"))
    }
    assert by_id == {_sid(4), _sid(5)}


def test_v12_without_a_key_is_refused(context) -> None:
    from integrations.errors import IntegrationError

    with pytest.raises(IntegrationError, match="PTV_API_KEY"):
        make_v12_source(context, ["398"], base_url="https://ptv.test", api_key=None, timeout=5)


def test_replay_from_dir(session, settings, context, sync_engine, tmp_path: Path) -> None:
    services = [v12.service(_sid(n), f"Palvelu {n}", ORG) for n in range(1, 4)]
    directory = v12.write_dir(
        tmp_path / "v12",
        {
            "service_search": services,
            "service_channel_search": [v12.location(PLACE, "Halli", ORG)],
            "connection_search": [v12.connection(s["contentId"], PLACE) for s in services],
            "organization_search": [
                v12.organisation(ORG, "Seura ry"),
                v12.organisation(PARENT, "Lahden kaupunki", org_type="Municipality"),
            ],
        },
    )
    assert directory_version(directory) == "v12"
    report = sync_engine.run(make_source(session, settings, context, directory), mode=SyncMode.FULL)
    assert (report.status, report.created, report.failed) == (RunStatus.SUCCEEDED, 5, 0)
    assert len(session.exec(select(Service)).all()) == 3
    second = sync_engine.run(make_source(session, settings, context, directory), mode=SyncMode.FULL)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 5)


def test_an_unpublished_organisation_is_known_from_its_services_until_published(
    session, context, sync_engine_in_thread
) -> None:
    api = _api(3)
    held_back = api.organisations.pop(0)  # ORG answers 404 NotPublished
    report = sync_engine_in_thread.run(_source(context, api), mode=SyncMode.FULL)
    assert (report.status, report.failed) == (RunStatus.SUCCEEDED, 0)
    summary = session.exec(select(Organisation).where(Organisation.external_id == ORG)).one()
    # v12 services carry only the organisation's id.
    assert summary.summary_only and summary.name_fi is None and summary.status == RecordStatus.ACTIVE
    services = session.exec(select(Service)).all()
    assert len(services) == 3 and {s.organisation_id for s in services} == {summary.id}
    assert {s.is_free for s in services} == {True}  # v12's "Free"
    api.organisations.append(held_back)
    later = sync_engine_in_thread.run(_source(context, api), mode=SyncMode.FULL)
    # The organisation filled in, the place it owns linked to it, and its parent new.
    assert (later.status, later.updated, later.created) == (RunStatus.SUCCEEDED, 2, 1)
    session.expire_all()
    filled = session.exec(select(Organisation).where(Organisation.external_id == ORG)).one()
    assert (filled.id, filled.summary_only, filled.name_fi) == (summary.id, False, "Liikuntaseura ry")
