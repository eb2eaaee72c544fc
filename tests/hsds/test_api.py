"""The HSDS API's parameters (each, and together: AND), its errors, and its openness (CORS, ETag and
Last-Modified with 304, the rate limit's 429), over records built for each case."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.catalogue.enums import ScheduleKind, ServiceStatus, Taxonomy
from app.catalogue.models import Schedule, Service
from app.opendata import tabular
from app.opendata.hsds import taxonomy_id, term_id
from app.settings import Settings
from tests.factories import make_location, make_organisation, make_service
from tests.hsds.conftest import make_client


@pytest.fixture
def hsds_client(session: Session, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path, hsds_rate_limit=0, _env_file=None)  # type: ignore[call-arg]
    with make_client(session, settings) as client:
        yield client


def _ids(client: TestClient, path: str = "/hsds/services", **params: Any) -> set[str]:
    response = client.get(path, params={"per_page": 1000, **params})
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["contents"]}


@pytest.fixture
def catalogue(session: Session) -> dict[str, Any]:
    """Four services that each filter tells apart (Lahti 398, Hollola 098)."""
    club = make_organisation(
        session, name_fi="Hollolan kerho ry", business_id="1234567-8", municipality_code="098"
    )
    hall = make_location(
        session, name_fi="Lahden liikuntahalli", municipality_code="398", latitude=60.9830, longitude=25.6600
    )
    far = make_location(
        session, name_fi="Hollolan seurantalo", municipality_code="098", latitude=60.9890, longitude=25.5140
    )
    gym = make_service(
        session, name_fi="Senioreiden kuntosali", locations=(hall,), min_age=65, target_groups=("KR1.2",),
        weekly=(("MO,WE", time(10), time(11, 30)),),
    )  # fmt: skip
    choir = make_service(
        session, organisation=club, name_fi="Kamarikuoro", themes=("kulttuuri",), service_classes=("P25.5",),
        locations=(far,), min_age=18, max_age=30, weekly=(("TU", time(18), time(20)),), area_municipalities=("098",),
    )  # fmt: skip
    youth = make_service(
        session, name_fi="Nuorten kuntosali", locations=(hall,), min_age=13, max_age=17,
        weekly=(("SA", time(12), time(14)),),
    )  # fmt: skip
    phone = make_service(
        session, name_fi="Puhelinystävä", themes=("vertaistuki",), area_municipalities=("398",)
    )
    retired = make_service(session, name_fi="Lopetettu kuntosali", status=ServiceStatus.RETIRED)
    return {
        "gym": str(gym.id), "choir": str(choir.id), "youth": str(youth.id), "phone": str(phone.id),
        "retired": str(retired.id), "club": str(club.id), "hall": str(hall.id),
    }  # fmt: skip


def test_each_parameter_and_their_and(hsds_client: TestClient, catalogue: dict[str, Any]) -> None:
    c, ids = hsds_client, catalogue
    everything = {ids["gym"], ids["choir"], ids["youth"], ids["phone"]}
    assert _ids(c) == everything  # the retired one is not listed
    assert _ids(c, search="kuntosali") == {ids["gym"], ids["youth"]}
    assert _ids(c, search="kuntosali senioreiden") == {ids["gym"]}
    assert _ids(c, taxonomy_term_id=term_id(Taxonomy.THEME, "liikunta")) == {ids["gym"], ids["youth"]}
    assert _ids(c, taxonomy_term_id=term_id(Taxonomy.PTV_TARGET_GROUP, "KR1.2")) == {ids["gym"]}
    assert _ids(c, taxonomy_term_id=term_id("municipality", "098")) == {ids["choir"]}
    assert _ids(c, taxonomy_term_id="not-a-term") == set()
    assert _ids(c, taxonomy_id=taxonomy_id(Taxonomy.PTV_TARGET_GROUP)) == {ids["gym"]}
    assert _ids(c, organization_id=ids["club"]) == {ids["choir"]}
    assert _ids(c, minimum_age=18) == {ids["gym"], ids["choir"]}
    assert _ids(c, maximum_age=20) == {ids["youth"]}
    assert _ids(c, day="MO") == {ids["gym"]}
    assert _ids(c, day="saturday") == {ids["youth"]}
    assert _ids(c, start_time="17:00") == {ids["choir"]}
    assert _ids(c, end_time="12:00") == {ids["gym"]}
    assert _ids(c, day="TU", start_time="17:00", end_time="20:00") == {ids["choir"]}
    assert _ids(c, day="TU", start_time="18:30") == set()  # one schedule must hold all three
    # postcode: offered there (service area), or without an area, held there.
    assert _ids(c, postcode="15100") == {ids["gym"], ids["youth"], ids["phone"]}
    assert _ids(c, postcode="15870") == {ids["choir"]}  # Hollola
    assert _ids(c, postcode="15100", proximity=1000) == {ids["gym"], ids["youth"]}
    assert _ids(c, postcode="15100", proximity=10_000) == {ids["gym"], ids["youth"], ids["choir"]}
    # Parameters are cumulative (AND).
    assert _ids(c, search="kuntosali", minimum_age=18) == {ids["gym"]}
    assert _ids(c, search="kuntosali", minimum_age=18, day="SA") == set()
    assert _ids(
        c, taxonomy_term_id=term_id(Taxonomy.THEME, "liikunta"), postcode="15100", maximum_age=17
    ) == {ids["youth"]}
    # The same filters on services at locations.
    sal = _ids(c, "/hsds/service_at_locations", search="kuntosali", day="MO")
    assert len(sal) == 1
    assert c.get(f"/hsds/service_at_locations/{sal.pop()}").json()["service_id"] == ids["gym"]
    assert len(_ids(c, "/hsds/service_at_locations", postcode="15100", proximity=1000)) == 2


def test_pages_and_minimal(hsds_client: TestClient, catalogue: dict[str, Any]) -> None:
    first = hsds_client.get("/hsds/services", params={"per_page": 3}).json()
    second = hsds_client.get("/hsds/services", params={"per_page": 3, "page": 2}).json()
    assert (
        first["total_items"],
        first["total_pages"],
        first["size"],
        first["first_page"],
        first["last_page"],
    ) == (4, 2, 3, True, False)
    assert (second["size"], second["first_page"], second["last_page"], second["empty"]) == (
        1,
        False,
        True,
        False,
    )
    assert not {s["id"] for s in first["contents"]} & {s["id"] for s in second["contents"]}
    beyond = hsds_client.get("/hsds/services", params={"per_page": 3, "page": 9}).json()
    assert beyond["empty"] is True and beyond["contents"] == []
    minimal = hsds_client.get("/hsds/services", params={"minimal": "true"}).json()["contents"]
    assert all(set(item) == {"id", "last_modified"} for item in minimal)


def test_modified_after_includes_changes_of_the_place_and_retirements(
    hsds_client: TestClient, catalogue: dict[str, Any], session: Session
) -> None:
    later = datetime.now(UTC) + timedelta(hours=1)
    assert _ids(hsds_client, modified_after=later.isoformat()) == set()
    gym = session.get(Service, uuid.UUID(catalogue["gym"]))
    assert gym is not None
    from app.catalogue.models import Location

    hall = session.get(Location, uuid.UUID(catalogue["hall"]))
    assert hall is not None
    hall.updated_at = later + timedelta(minutes=1)
    session.add(hall)
    retired = session.get(Service, uuid.UUID(catalogue["retired"]))
    assert retired is not None
    retired.updated_at = later + timedelta(minutes=2)
    session.add(retired)
    session.flush()
    changed = hsds_client.get(
        "/hsds/services", params={"modified_after": later.isoformat(), "per_page": 100}
    ).json()
    assert {s["id"]: s["status"] for s in changed["contents"]} == {
        catalogue["gym"]: "active",
        catalogue["youth"]: "active",
        catalogue["retired"]: "inactive",
    }
    gym_record = next(s for s in changed["contents"] if s["id"] == catalogue["gym"])
    assert gym_record["last_modified"].startswith((later + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M"))


def test_bad_parameters_are_a_readable_422_in_the_asked_language(hsds_client: TestClient) -> None:
    for params in (
        {"day": "XX"},
        {"proximity": 100},
        {"postcode": "00000"},
        {"organization_id": "x"},
        {"per_page": 0},
        {"format": "xml"},
        {"start_time": "25:00"},
    ):
        response = hsds_client.get("/hsds/services", params={**params, "lang": "en"})
        assert response.status_code == 422, params
        body = response.json()
        assert body["message"] and body["error"]
        assert response.headers["access-control-allow-origin"] == "*"
    fi = hsds_client.get("/hsds/services", params={"per_page": 0, "lang": "fi"}).json()["message"]
    en = hsds_client.get("/hsds/services", params={"per_page": 0, "lang": "en"}).json()["message"]
    assert fi != en
    # Times are Finnish wall-clock times: an offset (even one beyond the database's range) is left out.
    for params in ({"start_time": "10:00"}, {"start_time": "10:00+21:41"}, {"start_time": "10:00+02:00"}):
        response = hsds_client.get("/hsds/service_at_locations", params={**params, "day": "MO"})
        assert response.status_code == 200, params
        assert (
            response.json()["total_items"]
            == hsds_client.get(
                "/hsds/service_at_locations", params={"start_time": "10:00", "day": "MO"}
            ).json()["total_items"]
        )
    missing = hsds_client.get("/hsds/services/3fa85f64-5717-4562-b3fc-2c963f66afa6")
    assert missing.status_code == 404 and missing.json()["error"] == "service_not_found"
    assert hsds_client.get("/hsds/organizations/3fa85f64-5717-4562-b3fc-2c963f66afa6").status_code == 404


def test_cors_and_conditional_requests(
    hsds_client: TestClient, catalogue: dict[str, Any], session: Session
) -> None:
    response = hsds_client.get("/hsds/services", params={"per_page": 2})
    assert response.headers["access-control-allow-origin"] == "*"
    etag, last_modified = response.headers["etag"], response.headers["last-modified"]
    again = hsds_client.get("/hsds/services", params={"per_page": 2}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag and again.headers["access-control-allow-origin"] == "*"
    other_query = hsds_client.get("/hsds/services", params={"per_page": 3}, headers={"If-None-Match": etag})
    assert other_query.status_code == 200
    since = hsds_client.get(
        "/hsds/services", params={"per_page": 2}, headers={"If-Modified-Since": last_modified}
    )
    assert since.status_code == 304
    one = hsds_client.get(f"/hsds/services/{catalogue['gym']}")
    assert (
        hsds_client.get(
            f"/hsds/services/{catalogue['gym']}", headers={"If-None-Match": one.headers["etag"]}
        ).status_code
        == 304
    )
    # A change in the catalogue changes the validators.
    service = session.get(Service, uuid.UUID(catalogue["choir"]))
    assert service is not None
    service.name_fi = "Kamarikuoro Laulun Ilo"
    service.updated_at = datetime.now(UTC) + timedelta(seconds=5)
    session.add(service)
    session.flush()
    changed = hsds_client.get("/hsds/services", params={"per_page": 2}, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    old = format_datetime(datetime(2020, 1, 1, tzinfo=UTC), usegmt=True)
    assert (
        hsds_client.get(
            "/hsds/services", params={"per_page": 2}, headers={"If-Modified-Since": old}
        ).status_code
        == 200
    )
    preflight = hsds_client.options(
        "/hsds/services", headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"}
    )
    assert preflight.status_code == 204 and preflight.headers["access-control-allow-origin"] == "*"
    # The rest of the site is not opened to other origins.
    assert "access-control-allow-origin" not in hsds_client.get("/api/v1/services").headers


def test_rate_limit_per_address_answers_429_with_retry_after(session: Session, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, hsds_rate_limit=3, _env_file=None)  # type: ignore[call-arg]
    with make_client(session, settings) as client:
        assert [client.get("/hsds/").status_code for _ in range(3)] == [200, 200, 200]
        limited = client.get("/hsds/", params={"lang": "en"})
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        assert limited.headers["access-control-allow-origin"] == "*"
        assert limited.json()["error"] == "rate_limited" and "seconds" in limited.json()["message"]
        assert client.get("/api/v1/services").status_code == 200  # the product's own API is not counted here


def test_schedules_of_places_count_for_day_and_times(
    hsds_client: TestClient, catalogue: dict[str, Any], session: Session
) -> None:
    session.add(
        Schedule(
            location_id=uuid.UUID(catalogue["hall"]),
            kind=ScheduleKind.OPENING_HOURS,
            byday="SU",
            opens_at=time(9),
            closes_at=time(15),
        )
    )
    session.add(
        Schedule(
            location_id=uuid.UUID(catalogue["hall"]), kind=ScheduleKind.EXCEPTION, byday="TH", closed=True
        )
    )
    session.flush()
    assert _ids(hsds_client, day="SU") == {catalogue["gym"], catalogue["youth"]}
    assert _ids(hsds_client, day="TH") == set()  # a closure is not an opening


def test_the_zip_answers_304_and_is_rebuilt_when_the_catalogue_changes(
    session: Session, tmp_path: Path
) -> None:
    service = make_service(session, name_fi="Tuolijumppa")
    settings = Settings(data_dir=tmp_path, hsds_rate_limit=0, _env_file=None)  # type: ignore[call-arg]
    with make_client(session, settings) as client:
        first = client.get("/hsds/export.zip")
        names = [row["name"] for row in tabular.read_zip_tables(first.content)["services"]]
        assert names == ["Tuolijumppa"]
        assert (
            client.get("/hsds/export.zip", headers={"If-None-Match": first.headers["etag"]}).status_code
            == 304
        )
        service.name_fi = "Tuolijumppa senioreille"
        service.updated_at = datetime.now(UTC) + timedelta(seconds=2)
        session.add(service)
        session.flush()
        second = client.get("/hsds/export.zip", headers={"If-None-Match": first.headers["etag"]})
        assert second.status_code == 200
        assert [row["name"] for row in tabular.read_zip_tables(second.content)["services"]] == [
            "Tuolijumppa senioreille"
        ]
    # The previous version's file is gone: one file per language.
    assert len(list((tmp_path / "hsds-export").glob("hsds-fi-*.zip"))) == 1
