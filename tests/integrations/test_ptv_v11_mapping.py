"""PTV v11 payload -> records (pure functions, plain fixtures)."""

from __future__ import annotations

import pytest

from app.catalogue.enums import ContactKind, OrganisationKind, Taxonomy
from integrations.ptv.v11.mapping import (
    ChannelInfo,
    MappingError,
    channel_info_from_v11,
    location_from_v11,
    organisation_from_v11,
    service_from_v11,
)
from integrations.records import ContactRecord, Text
from tests.integrations import v11_pages as v11
from tests.integrations.test_ptv_common import CONTEXT

ORG = "0A000000-0000-4000-8000-000000000001"
PLACE = "00000000-0000-4000-8000-0000000000c1"
WEB = "00000000-0000-4000-8000-0000000000w1".replace("w", "e")
CHANNELS = {
    PLACE: ChannelInfo(is_location=True, municipality_code="398"),
    WEB: ChannelInfo(
        is_location=False, contacts=(ContactRecord(kind=ContactKind.WEB, value="https://seura.example"),)
    ),
}


def test_organisation_names_by_language_and_ids_lower_case() -> None:
    item = v11.organisation(ORG, "Liikuntaseura ry")
    item["organizationNames"] = [
        {"language": "en", "value": "Sports club", "type": "Name"},
        {"language": "fi", "value": "Liikuntaseura ry", "type": "Name"},
        {"language": "fi", "value": "LS", "type": "AlternateName"},
    ]
    record = organisation_from_v11(item, CONTEXT)
    assert record.provenance.external_id == ORG.lower()
    assert record.name == Text(fi="Liikuntaseura ry", en="Sports club")
    assert (record.kind, record.business_id, record.phone, record.website) == (
        OrganisationKind.NGO,
        "9912345-6",
        "+358401234567",
        "https://org.example/",
    )
    assert record.description == Text(fi="Liikuntaseura ry kuvaus")


def test_organisation_without_any_name_fails() -> None:
    item = v11.organisation(ORG, "")
    item["organizationNames"] = []
    item["businessName"] = None
    with pytest.raises(MappingError):
        organisation_from_v11(item, CONTEXT)


def test_location_address_coordinates_and_hours() -> None:
    record = location_from_v11(v11.location(PLACE, "Liikuntahalli", ORG), CONTEXT)
    assert record.street_address == Text(fi="Saimaankatu 35")
    assert (record.postal_code, record.post_office.fi, record.municipality_code) == ("15140", "LAHTI", "398")
    assert record.latitude == pytest.approx(60.9915, abs=1e-3)
    assert record.schedules[0].byday == "MO,TU,WE,TH,FR"
    assert record.organisation_external_id == ORG.lower()


def test_location_with_coordinate_state_not_received_has_no_point() -> None:
    item = v11.location(PLACE, "Halli", ORG)
    item["addresses"][0]["streetAddress"].update(
        {"coordinateState": "NotReceived", "latitude": "6762574", "longitude": "427733"}
    )
    assert location_from_v11(item, CONTEXT).latitude is None
    item["addresses"][0]["streetAddress"].update({"coordinateState": "Ok", "latitude": "0", "longitude": "0"})
    assert location_from_v11(item, CONTEXT).longitude is None


def test_location_municipality_from_address_only_if_known() -> None:
    item = v11.location(PLACE, "Halli", ORG, municipality="999")
    assert location_from_v11(item, CONTEXT).municipality_code is None


def test_channel_info_for_web_channels_carries_contacts() -> None:
    channel = {
        "id": WEB,
        "serviceChannelType": "WebPage",
        "webPages": [{"url": "https://seura.example/", "value": "Seura", "language": "fi"}],
        "supportEmails": [{"value": "info@seura.example", "language": "fi"}],
    }
    info = channel_info_from_v11(channel, CONTEXT)
    assert not info.is_location
    assert [(c.kind, c.value) for c in info.contacts] == [
        (ContactKind.EMAIL, "info@seura.example"),
        (ContactKind.WEB, "https://seura.example/"),
    ]


def test_service_record() -> None:
    item = v11.service("S-1", "Kuntosaliryhmä", ORG, channels=(PLACE, WEB))
    item["serviceDescriptions"].append(
        {"language": "fi", "value": "5 € / kerta", "type": "ChargeTypeAdditionalInfo"}
    )
    item["serviceDescriptions"].append({"language": "sv", "value": "Anmäl dig", "type": "UserInstruction"})
    record = service_from_v11(item, CHANNELS, CONTEXT)
    assert record is not None
    assert (record.provenance.external_id, record.organisation_external_id) == ("s-1", ORG.lower())
    assert (record.name.fi, record.summary.fi, record.price_text.fi, record.how_to_join.sv) == (
        "Kuntosaliryhmä",
        "Kuntosaliryhmä: lyhyesti",
        "5 € / kerta",
        "Anmäl dig",
    )
    assert (record.is_free, record.min_age, record.languages, record.area_municipality_codes) == (
        True,
        65,
        ("fi",),
        ("398",),
    )
    assert [link.location_external_id for link in record.locations] == [PLACE]
    assert record.locations[0].schedules[0].rrule == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270516T235959Z"
    assert [c.value for c in record.contacts] == ["https://seura.example"]
    assert len(record.schedules) == 1  # the hours on the web channel connection belong to the service
    by_taxonomy = {(t.taxonomy, t.code) for t in record.terms}
    assert {
        (Taxonomy.THEME, "liikunta"),
        (Taxonomy.PTV_SERVICE_CLASS, "P27.1"),
        (Taxonomy.PTV_TARGET_GROUP, "KR1.1"),
        (Taxonomy.KEYWORD, "kuntosali"),
    } <= by_taxonomy


def test_services_outside_scope_are_skipped() -> None:
    assert service_from_v11(v11.service("s", "Lupa", ORG, classes=("P2.1",)), CHANNELS, CONTEXT) is None
    assert (
        service_from_v11(v11.service("s", "Kouvolassa", ORG, municipalities=("286",)), CHANNELS, CONTEXT)
        is None
    )
    draft = v11.service("s", "Luonnos", ORG)
    draft["publishingStatus"] = "Draft"
    assert service_from_v11(draft, CHANNELS, CONTEXT) is None
    # The area lists only a neighbour, but the place is in a served municipality: kept.
    assert service_from_v11(
        v11.service("s", "Paikka Lahdessa", ORG, channels=(PLACE,), municipalities=("286",)),
        CHANNELS,
        CONTEXT,
    )
    nationwide = v11.service("s", "Kriisipuhelin", ORG, municipalities=())
    nationwide["areaType"] = "Nationwide"
    assert service_from_v11(nationwide, CHANNELS, CONTEXT) is not None


def test_services_that_cannot_be_records_fail() -> None:
    nameless = v11.service("s", "", ORG)
    with pytest.raises(MappingError, match="no name"):
        service_from_v11(nameless, CHANNELS, CONTEXT)
    orphan = v11.service("s", "Orpo", ORG)
    orphan["organizations"] = [{"organization": {"id": ORG}, "roleType": "Producer"}]
    with pytest.raises(MappingError, match="responsible"):
        service_from_v11(orphan, CHANNELS, CONTEXT)
    with pytest.raises(MappingError, match="no id"):
        service_from_v11({"id": ""}, CHANNELS, CONTEXT)
