"""The read API: filters, pagination, 404 and readable 422s, provenance on every service."""

from __future__ import annotations

import uuid
from datetime import time

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.catalogue.enums import ContactKind, OrganisationKind, ServiceStatus
from tests.factories import make_location, make_organisation, make_service


def test_list_services_carries_provenance_and_nested_data(client: TestClient, session: Session) -> None:
    place = make_location(session, name_fi="Kisapuisto", postal_code="15110")
    service = make_service(
        session,
        name_fi="Vesijumppa",
        locations=(place,),
        weekly=(("TU", time(10), time(11)),),
        contacts=((ContactKind.PHONE, "+358 44 123 4567"),),
        external_id="ptv-123",
    )
    response = client.get("/api/v1/services")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 1
    item = body["items"][0]
    assert item["id"] == str(service.id)
    assert item["source"] == "ptv"
    assert item["external_id"] == "ptv-123"
    assert item["name"]["fi"] == "Vesijumppa"
    assert item["locations"][0]["name"]["fi"] == "Kisapuisto"
    assert item["locations"][0]["coordinates"] == {"latitude": 60.9827, "longitude": 25.6612}
    assert item["schedules"][0]["byday"] == ["TU"]
    assert item["contacts"][0]["value"] == "+358 44 123 4567"
    assert item["themes"][0]["code"] == "liikunta"


def test_filters_combine(client: TestClient, session: Session) -> None:
    lahti_place = make_location(session, municipality_code="398")
    hollola_place = make_location(session, municipality_code="098")
    ngo = make_organisation(session, name_fi="Lahden Seniorit ry", kind=OrganisationKind.NGO)
    wanted = make_service(
        session,
        name_fi="A",
        locations=(lahti_place,),
        themes=("liikunta",),
        target_groups=("KR1.1",),
        is_free=True,
        organisation=ngo,
    )
    make_service(
        session, name_fi="B", locations=(hollola_place,), themes=("liikunta",), target_groups=("KR1.1",)
    )
    make_service(
        session, name_fi="C", locations=(lahti_place,), themes=("kulttuuri",), target_groups=("KR1.1",)
    )
    make_service(session, name_fi="D", locations=(lahti_place,), themes=("liikunta",), is_free=False)
    make_service(session, name_fi="E", locations=(lahti_place,), status=ServiceStatus.RETIRED)

    def names(query: str) -> list[str]:
        response = client.get(f"/api/v1/services?{query}")
        assert response.status_code == 200, response.text
        return [item["name"]["fi"] for item in response.json()["items"]]

    assert names("municipality=398") == ["A", "C", "D"]
    assert names("municipality=398&theme=liikunta") == ["A", "D"]
    assert names("municipality=398&theme=liikunta&free=true") == ["A"]
    assert names("target_group=KR1.1&theme=liikunta") == ["A", "B"]
    assert names(f"organisation={ngo.id}") == ["A"]
    assert wanted.name_fi == "A"


def test_service_without_place_is_found_by_its_service_area(client: TestClient, session: Session) -> None:
    make_service(session, name_fi="Puhelinystävä", area_municipalities=("398", "098"))
    response = client.get("/api/v1/services?municipality=098")
    assert [i["name"]["fi"] for i in response.json()["items"]] == ["Puhelinystävä"]
    assert client.get("/api/v1/services?municipality=106").json()["total"] == 0


def test_pagination_is_stable_and_bounded(client: TestClient, session: Session) -> None:
    organisation = make_organisation(session)
    for number in range(25):
        make_service(session, organisation=organisation, name_fi=f"Ryhmä {number:02d}")
    first = client.get("/api/v1/services?per_page=10&page=1").json()
    third = client.get("/api/v1/services?per_page=10&page=3").json()
    assert first["total"] == 25 and first["pages"] == 3
    assert [i["name"]["fi"] for i in first["items"]][:2] == ["Ryhmä 00", "Ryhmä 01"]
    assert len(third["items"]) == 5
    assert client.get("/api/v1/services?page=9").json()["items"] == []


def test_get_service_and_organisation(client: TestClient, session: Session) -> None:
    service = make_service(session)
    body = client.get(f"/api/v1/services/{service.id}").json()
    assert body["id"] == str(service.id)
    organisation = client.get(f"/api/v1/organisations/{body['organisation']['id']}").json()
    assert organisation["active_service_count"] == 1
    assert organisation["source"] == "ptv"


def test_unknown_ids_give_404_with_a_message(client: TestClient) -> None:
    response = client.get(f"/api/v1/services/{uuid.uuid4()}", headers={"Accept-Language": "fi"})
    assert response.status_code == 404
    assert response.json()["error"] == "service_not_found"
    assert response.json()["message"] == "Tällä tunnisteella ei löytynyt palvelua."
    response = client.get(f"/api/v1/organisations/{uuid.uuid4()}?lang=en")
    assert response.status_code == 404
    assert response.json()["message"] == "No organisation with this id."
    assert client.get("/api/v1/nothing-here").status_code == 404


def test_bad_parameters_give_readable_422_in_the_users_language(client: TestClient) -> None:
    cases = {
        "/api/v1/services?page=0": ("page", "page must be at least 1."),
        "/api/v1/services?per_page=500": ("per_page", "per_page must be at most 100."),
        "/api/v1/services?page=abc": ("page", "page must be a whole number."),
        "/api/v1/services?free=maybe": ("free", "free must be true or false."),
        "/api/v1/services?municipality=12": ("municipality", "municipality is not in the expected format."),
        "/api/v1/services?organisation=x": (
            "organisation",
            "organisation must be an id like 3fa85f64-5717-4562-b3fc-2c963f66afa6.",
        ),
        "/api/v1/services/not-a-uuid": (
            "service_id",
            "service_id must be an id like 3fa85f64-5717-4562-b3fc-2c963f66afa6.",
        ),
    }
    for url, (parameter, message) in cases.items():
        response = client.get(url, headers={"Accept-Language": "en"})
        assert response.status_code == 422, url
        body = response.json()
        assert body["details"][0] == {"parameter": parameter, "message": message}, url
    swedish = client.get("/api/v1/services?page=0&lang=sv").json()
    assert swedish["message"] == "page måste vara minst 1."
    finnish = client.get("/api/v1/services?page=0", headers={"Accept-Language": "fi-FI,fi;q=0.9"}).json()
    assert finnish["message"] == "page on oltava vähintään 1."


def test_unknown_codes_give_422(client: TestClient) -> None:
    response = client.get("/api/v1/services?municipality=999&lang=en")
    assert response.status_code == 422
    assert response.json()["message"] == "Unknown municipality code 999."
    response = client.get("/api/v1/services?theme=karaoke&lang=fi")
    assert response.status_code == 422
    assert response.json()["message"] == "Tuntematon teema karaoke."


def test_openapi_and_health(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "/api/v1/services" in spec["paths"]
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["checks"]["database"] == "ok"
