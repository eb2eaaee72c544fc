"""A record built to fill every field the catalogue has: the HSDS answer carries each of them, validates
against the 3.0 schemas, and holds only HSDS fields (no personal data, no referral, no extension)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.catalogue.enums import ContactKind, OrganisationKind, ScheduleKind, ServiceStatus, Taxonomy
from app.catalogue.models import Contact, Schedule, ServiceAtLocation, ServiceSourceLink, ServiceTerm
from app.catalogue.overlay import Capacity, ServiceOverlay
from app.settings import Settings
from tests.factories import make_location, make_organisation, make_service
from tests.hsds.conftest import assert_valid, make_client, reference_dir


def _properties(name: str) -> set[str]:
    schema = json.loads((reference_dir() / "3.0" / "schema" / name).read_text(encoding="utf-8"))
    return set(schema["properties"])


# Where each nested key's object is described (to check that only HSDS fields appear).
NESTED = {
    "phones": "phone.json", "schedules": "schedule.json", "service_areas": "service_area.json",
    "service_at_locations": "service_at_location.json", "languages": "language.json", "organization": "organization.json",
    "cost_options": "cost_option.json", "contacts": "contact.json", "attributes": "attribute.json", "metadata": "metadata.json",
    "location": "location.json", "addresses": "address.json", "accessibility": "accessibility.json",
    "taxonomy_term": "taxonomy_term.json", "organization_identifiers": "organization_identifier.json",
    "services": "service.json", "service": "service.json", "locations": "location.json",
}  # fmt: skip


# The reference API nests these where the table schemas have none: an organization's services
# (/organizations/{id}) and a service at location's service (compiled_service_at_location_list.json).
# And the one extension: capacity in the HSDS 3.1 draft's shape.
API_NESTING = {
    "organization.json": {"services"},
    "service_at_location.json": {"service"},
    "service.json": {"x_hsds_3_1_capacities"},
}


def _only_hsds_fields(record: dict[str, Any], schema: str) -> None:
    allowed = _properties(schema) | API_NESTING.get(schema, set())
    assert set(record) <= allowed, (schema, set(record) - allowed)
    for key, value in record.items():
        if key in NESTED:
            for child in value if isinstance(value, list) else [value]:
                _only_hsds_fields(child, NESTED[key])


@pytest.fixture
def rich(session: Session, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, Any]]]:
    parent = make_organisation(
        session, name_fi="Päijät-Hämeen hyvinvointialue", kind=OrganisationKind.WELLBEING_COUNTY
    )
    club = make_organisation(
        session, name_fi="Liikkuvat Seniorit ry", name_sv="Rörliga Seniorer rf", kind=OrganisationKind.NGO,
        description_fi="Yhdistys.", business_id="1234567-8", parent_id=parent.id, website="www.seniorit.example",
        email="info@seniorit.example", phone="+358 3 123 4567", source_url="https://ptv.example/org/1",
    )  # fmt: skip
    session.add(
        Contact(
            organisation_id=club.id, kind=ContactKind.PHONE, value="+358 40 111 2222", label_fi="Toimisto"
        )
    )
    hall = make_location(
        session, name_fi="Liikuntahalli", name_sv="Idrottshallen", description_fi="Halli keskustassa.",
        street_address_fi="Kisapuistonkatu 1", street_address_sv="Idrottsparksgatan 1", postal_code="15110",
        post_office_fi="LAHTI", post_office_sv="LAHTIS", accessibility_fi="Esteetön sisäänkäynti.",
        accessibility_features=["wheelchair", "hearing"], accessibility_register_id="1234", organisation_id=club.id,
    )  # fmt: skip
    session.add_all(
        [
            Schedule(location_id=hall.id, kind=ScheduleKind.OPENING_HOURS, byday="MO,TU,WE,TH,FR", opens_at=time(8), closes_at=time(21), description_fi="Arkisin"),
            Schedule(location_id=hall.id, kind=ScheduleKind.OPENING_HOURS, byday="FR", opens_at=time(22), closes_at=time(2), closes_next_day=True, sort_order=1),
            Schedule(location_id=hall.id, kind=ScheduleKind.EXCEPTION, valid_from=date(2026, 12, 24), valid_to=date(2026, 12, 26), closed=True, description_fi="Joulu", sort_order=2),
            Contact(location_id=hall.id, kind=ContactKind.PHONE, value="+358 3 814 000", charge_info="pvm/mpm", language="fi"),
            Contact(location_id=hall.id, kind=ContactKind.EMAIL, value="halli@lahti.example", label_fi="Halli", sort_order=1),
        ]
    )  # fmt: skip
    service = make_service(
        session, organisation=club, name_fi="Senioreiden kuntosaliryhmä", name_sv="Gymgrupp för seniorer",
        name_en="Gym group for seniors", summary_fi="Lyhyesti.", description_fi="Kuvaus.", description_sv="Beskrivning.",
        how_to_join_fi="Ilmoittaudu.", registration_url="https://ilmo.example/1", is_free=False,
        price_text_fi="10 € / kerta", price_text_en="10 € a time", languages=["fi", "sv", "en"], min_age=65, max_age=99,
        status=ServiceStatus.TEMPORARILY_CLOSED, is_demo=True, target_groups=("KR1.2",), area_municipalities=("398", "098"),
        source_url="https://ptv.example/service/1", source_modified_at=datetime(2026, 11, 1, tzinfo=UTC),
        contacts=((ContactKind.PHONE, "+358 44 123 4567"), (ContactKind.EMAIL, "ryhma@seniorit.example"), (ContactKind.WEB, "https://seniorit.example/ryhma")),
    )  # fmt: skip
    session.add_all(
        [
            ServiceTerm(service_id=service.id, taxonomy=Taxonomy.PTV_LIFE_EVENT, code="KE13"),
            ServiceTerm(service_id=service.id, taxonomy=Taxonomy.ONTOLOGY_TERM, code="http://www.yso.fi/onto/yso/p916", label_fi="liikunta"),
            ServiceTerm(service_id=service.id, taxonomy=Taxonomy.LINKEDEVENTS_KEYWORD, code="yso:p2433", label_fi="ikääntyneet"),
            ServiceTerm(service_id=service.id, taxonomy=Taxonomy.KEYWORD, code="kuntosali", label_fi="kuntosali"),
            ServiceTerm(service_id=service.id, taxonomy=Taxonomy.FORMAT, code="group", label_en="Group"),
            ServiceTerm(service_id=service.id, taxonomy=Taxonomy.LAHELLA_THEME, code="ht_liikunta", label_fi="Liikunta"),
            Schedule(service_id=service.id, kind=ScheduleKind.OPENING_HOURS, byday="MO", opens_at=time(9), closes_at=time(12), by_appointment=True),
            ServiceSourceLink(service_id=service.id, source="lahella", external_id="4711", source_url="https://lahella.example/4711"),
        ]
    )  # fmt: skip
    session.flush()
    link = session.query(ServiceAtLocation).filter_by(service_id=service.id).one_or_none()
    if link is None:
        link = ServiceAtLocation(service_id=service.id, location_id=hall.id, description_fi="Salissa 2.")
        session.add(link)
        session.flush()
    session.add_all(
        [
            Schedule(service_at_location_id=link.id, kind=ScheduleKind.SESSION, byday="TU", opens_at=time(10), closes_at=time(11, 30),
                     rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;UNTIL=20270531T235959Z", dtstart=date(2026, 9, 1), exdates=["2026-12-29"]),
            Schedule(service_at_location_id=link.id, kind=ScheduleKind.SESSION, byday="2MO", opens_at=time(18), closes_at=time(19),
                     rrule="FREQ=MONTHLY;BYDAY=2MO;COUNT=10", dtstart=date(2026, 9, 14), sort_order=1),
            Schedule(service_at_location_id=link.id, kind=ScheduleKind.SESSION, opens_at=time(7), closes_at=time(8),
                     rrule="FREQ=DAILY;UNTIL=20261231", dtstart=date(2026, 12, 1), sort_order=2),
            Schedule(service_at_location_id=link.id, kind=ScheduleKind.SESSION, opens_at=time(12), closes_at=time(13),
                     rrule="FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=21", dtstart=date(2026, 6, 21), sort_order=3),
        ]
    )  # fmt: skip
    session.add(
        ServiceOverlay(
            service_id=service.id,
            capacity=Capacity.PLACES_FREE,
            places_free=3,
            contact_name="Maija Ohjaaja",
            contact_email="maija@seniorit.example",
            note_to_professionals="Soita ensin.",
        )
    )
    session.flush()
    settings = Settings(data_dir=tmp_path, hsds_rate_limit=0, _env_file=None)  # type: ignore[call-arg]
    with make_client(session, settings) as client:
        yield client, {"service": str(service.id), "club": str(club.id), "link": str(link.id)}


def test_every_field_we_hold_reaches_the_record_and_validates(
    rich: tuple[TestClient, dict[str, Any]],
) -> None:
    client, ids = rich
    record = client.get(f"/hsds/services/{ids['service']}").json()
    assert_valid("service.json", record)
    # Capacity is not in 3.0: the 3.1 draft's service_capacity shape, under an extension key.
    capacities = record.pop("x_hsds_3_1_capacities")
    assert [(c["available"], c["unit"]["name"], c["description"]) for c in capacities] == [
        (3, "paikka", "Vapaita paikkoja")
    ]
    for capacity in capacities:
        assert_valid("service_capacity.json", capacity, version="3.1-dev")
    # The provider's staff contact and note are for professionals: not published.
    assert "Maija" not in json.dumps(record) and "Soita ensin" not in json.dumps(record)
    _only_hsds_fields(record, "service.json")
    assert {
        "id", "organization_id", "name", "description", "url", "email", "status", "application_process", "fees_description",
        "minimum_age", "maximum_age", "assured_date", "alert", "last_modified", "organization", "phones", "schedules",
        "service_areas", "service_at_locations", "languages", "cost_options", "contacts", "attributes", "metadata",
    } <= set(record)  # fmt: skip
    assert record["status"] == "temporarily closed" and record["alert"].startswith("Esimerkkiaineistoa")
    assert record["cost_options"] == [
        {
            "id": record["cost_options"][0]["id"],
            "service_id": ids["service"],
            "option": "Maksullinen",
            "currency": "EUR",
            "amount_description": "10 € / kerta",
        }
    ]
    assert {language["code"] for language in record["languages"]} == {"fi", "sv", "en"}
    assert {area["name"] for area in record["service_areas"]} == {"Lahti", "Hollola"}
    links = {(a["link_type"], a["taxonomy_term"]["code"]) for a in record["attributes"]}
    assert {("service_class", "P27.1"), ("theme", "liikunta"), ("audience", "KR1.2"), ("life_event", "KE13"),
            ("keyword", "http://www.yso.fi/onto/yso/p916"), ("keyword", "yso:p2433")} <= links  # fmt: skip
    yso = next(a["taxonomy_term"] for a in record["attributes"] if a["taxonomy_term"]["code"] == "yso:p2433")
    assert yso["term_uri"] == "http://www.yso.fi/onto/yso/p2433"
    provenance = {(m["field_name"], m["replacement_value"]) for m in record["metadata"]}
    assert {("source", "ptv"), ("source", "lahella"), ("source_id", "4711"), ("demo", "true")} <= provenance
    assert {"source_url", "source_modified", "last_synced"} <= {m["field_name"] for m in record["metadata"]}
    sal = record["service_at_locations"][0]
    fortnightly = next(s for s in sal["schedules"] if s.get("interval") == 2)
    assert (
        fortnightly["freq"],
        fortnightly["byday"],
        fortnightly["until"],
        fortnightly["dtstart"],
        fortnightly["opens_at"],
    ) == ("WEEKLY", "TU", "2027-05-31", "2026-09-01", "10:00")
    assert "2026-12-29" in fortnightly["notes"] and fortnightly["service_at_location_id"] == sal["id"]
    monthly = next(s for s in sal["schedules"] if s.get("freq") == "MONTHLY")
    assert (monthly["byday"], monthly["count"]) == ("2MO", 10)
    daily = next(s for s in sal["schedules"] if s.get("opens_at") == "07:00")
    assert (daily["freq"], daily["byday"], daily["until"]) == ("WEEKLY", "MO,TU,WE,TH,FR,SA,SU", "2026-12-31")
    yearly = next(s for s in sal["schedules"] if s.get("opens_at") == "12:00")
    assert "freq" not in yearly and "RRULE:FREQ=YEARLY" in yearly["notes"]
    location = sal["location"]
    assert location["addresses"][0] | {"id": None} == {
        "id": None, "location_id": location["id"], "address_1": "Kisapuistonkatu 1", "city": "LAHTI", "region": "Lahti",
        "state_province": "Päijät-Häme", "postal_code": "15110", "country": "FI", "address_type": "physical",
    }  # fmt: skip
    accessibility = location["accessibility"][0]
    assert accessibility["description"] == "Esteetön sisäänkäynti." and "1234" in accessibility["details"]
    assert {a["taxonomy_term"]["code"] for a in accessibility["attributes"]} == {"wheelchair", "hearing"}
    hours = {s.get("byday"): s for s in location["schedules"]}
    assert (
        hours["MO,TU,WE,TH,FR"]["freq"] == "WEEKLY"
        and hours["MO,TU,WE,TH,FR"]["location_id"] == location["id"]
    )
    christmas = next(s for s in location["schedules"] if s.get("valid_from") == "2026-12-24")
    assert christmas["description"].startswith("Suljettu") and "opens_at" not in christmas
    assert "seuraavana päivänä" in hours["FR"]["description"]
    assert (
        location["phones"][0]["languages"][0]["code"] == "fi"
        and "pvm/mpm" in location["phones"][0]["description"]
    )
    assert (
        record["schedules"][0]["service_id"] == ids["service"]
        and "Ajanvarauksella" in record["schedules"][0]["description"]
    )
    # Swedish where the listing has it, Finnish where it does not.
    sv = client.get(f"/hsds/services/{ids['service']}", params={"lang": "sv"}).json()
    assert (sv["name"], sv["description"], sv["application_process"]) == (
        "Gymgrupp för seniorer",
        "Beskrivning.",
        "Ilmoittaudu.",
    )
    assert sv["service_at_locations"][0]["location"]["addresses"][0]["address_1"] == "Idrottsparksgatan 1"


def test_organization_and_service_at_location_records(rich: tuple[TestClient, dict[str, Any]]) -> None:
    client, ids = rich
    organisation = client.get(f"/hsds/organizations/{ids['club']}", params={"full_service": "true"}).json()
    assert_valid("organization.json", organisation)
    _only_hsds_fields(organisation, "organization.json")
    assert organisation["organization_identifiers"][0]["identifier"] == "1234567-8"
    assert (
        organisation["website"] == "https://www.seniorit.example" and organisation["parent_organization_id"]
    )
    assert {p["number"] for p in organisation["phones"]} == {"+358 3 123 4567", "+358 40 111 2222"}
    assert [s["id"] for s in organisation["services"]] == [ids["service"]]
    assert_valid("service.json", organisation["services"][0])
    sal = client.get(f"/hsds/service_at_locations/{ids['link']}").json()
    assert_valid("service_at_location.json", sal)
    _only_hsds_fields(sal, "service_at_location.json")
    assert sal["service"]["id"] == ids["service"] and len(sal["schedules"]) == 4


def test_derived_ids_are_the_same_on_every_answer(rich: tuple[TestClient, dict[str, Any]]) -> None:
    client, ids = rich
    first = client.get(f"/hsds/services/{ids['service']}").json()
    second = client.get(f"/hsds/services/{ids['service']}", params={"lang": "en"}).json()

    def all_ids(node: Any) -> list[str]:
        if isinstance(node, dict):
            return [node["id"]] * ("id" in node) + [i for value in node.values() for i in all_ids(value)]
        if isinstance(node, list):
            return [i for value in node for i in all_ids(value)]
        return []

    assert all_ids(first) == all_ids(second)
    assert len(set(all_ids(first))) > 40


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_stream_holds_each_rich_record_byte_for_byte(
    rich: tuple[TestClient, dict[str, Any]], lang: str
) -> None:
    """Records that use every optional field: each ndjson line is exactly /services/{id}'s answer."""
    client, ids = rich
    lines = client.get("/hsds/services", params={"format": "ndjson", "lang": lang}).content.splitlines()
    assert ids["service"] in {json.loads(line)["id"] for line in lines}
    for line in lines:
        single = client.get(f"/hsds/services/{json.loads(line)['id']}", params={"lang": lang})
        assert single.content == line
