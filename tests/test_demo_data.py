"""The committed demo catalogue (demo/ptv-v11/, PTV v11 list pages) and its generator."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from pyproj import Transformer

from app.catalogue.codes import load_postal_codes, read_csv

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "demo" / "ptv-v11"
PAIJAT_HAME = {"398", "098", "111", "016", "081", "560", "142", "316", "576", "781"}
KESKI_UUSIMAA = {"106", "186", "858", "543", "505", "611"}
SERVED = PAIJAT_HAME | KESKI_UUSIMAA
FILE_NAME = re.compile(r"^(?:(Service|ServiceChannel)_(\d{3})_page(\d+)|Organization_batch(\d+))\.json$")

# Top-level keys of DVV's v11 models (vrk-kpa/ptv-releases, openapi-model-samples; MIT).
SERVICE_KEYS = {
    "id", "sourceId", "generalDescriptionId", "subType", "type", "fundingType", "serviceNames",
    "serviceChargeType", "areaType", "areas", "serviceDescriptions", "languages", "serviceClasses",
    "ontologyTerms", "targetGroups", "lifeEvents", "industrialClasses", "legislation", "keywords",
    "requirements", "serviceChannels", "organizations", "serviceVouchersInUse", "serviceVouchers",
    "serviceCollections", "publishingStatus", "modified", "responsibleSoteOrganization",
}  # fmt: skip
LOCATION_KEYS = {
    "id", "sourceId", "oid", "serviceChannelType", "organizationId", "serviceChannelNames", "displayNameType",
    "serviceChannelDescriptions", "areaType", "areas", "phoneNumbers", "emails", "languages", "webPages",
    "addresses", "serviceHours", "services", "serviceCollections", "publishingStatus", "modified",
    "responsibleSoteOrganization", "ontologyTerms",
}  # fmt: skip
ORGANIZATION_KEYS = {
    "id", "sourceId", "oid", "parentOrganizationId", "organizationRootId", "municipality", "organizationType",
    "businessCode", "businessName", "organizationNames", "displayNameType", "areaType", "areas",
    "organizationDescriptions", "emails", "phoneNumbers", "webPages", "addresses", "electronicInvoicings",
    "publishingStatus", "services", "modified", "subOrganizations",
}  # fmt: skip
STREET_ADDRESS_KEYS = {
    "street", "streetNumber", "postalCode", "postOffice", "municipality", "additionalInformation",
    "latitude", "longitude", "coordinateState",
}  # fmt: skip
HOUR_KEYS = {
    "serviceHourType", "validFrom", "validTo", "isClosed", "validForNow", "isAlwaysOpen", "isReservation",
    "additionalInformation", "openingHour",
}  # fmt: skip
DAYS = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def files() -> dict[str, Any]:
    return {path.name: _load(path) for path in sorted(DEMO.glob("*.json"))}


def _items(files: dict[str, Any], prefix: str) -> dict[str, dict[str, Any]]:
    items: dict[str, dict[str, Any]] = {}
    for name, body in files.items():
        if name.startswith(prefix + "_"):
            for item in body["itemList"]:
                items[item["id"]] = item
    return items


@pytest.fixture(scope="module")
def services(files: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return _items(files, "Service")


@pytest.fixture(scope="module")
def channels(files: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return _items(files, "ServiceChannel")


@pytest.fixture(scope="module")
def organisations(files: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        org["id"]: org for name, body in files.items() if name.startswith("Organization_") for org in body
    }


def _hyte_classes() -> set[str]:
    return {row["code"] for row in read_csv("theme_mapping.csv") if row["taxonomy"] == "ptv_service_class"}


def test_file_names_and_envelopes(files: dict[str, Any]) -> None:
    pages: dict[tuple[str, str], list[int]] = {}
    batches = []
    for name, body in files.items():
        match = FILE_NAME.match(name)
        assert match, f"unexpected file {name}"
        kind, code, page, batch = match.groups()
        if batch:
            assert isinstance(body, list) and 0 < len(body) <= 100
            batches.append(int(batch))
            continue
        assert set(body) == {"pageNumber", "pageSize", "pageCount", "itemList"}, name
        assert body["pageNumber"] == int(page) and body["pageSize"] == 100
        assert 0 < len(body["itemList"]) <= 100
        pages.setdefault((kind, code), []).append(int(page))
        page_counts = {files[f"{kind}_{code}_page{n}.json"]["pageCount"] for n in pages[(kind, code)]}
        assert page_counts == {body["pageCount"]}
    for (kind, code), numbers in pages.items():
        assert sorted(numbers) == list(range(1, files[f"{kind}_{code}_page1.json"]["pageCount"] + 1)), (
            kind,
            code,
        )
        assert all(len(files[f"{kind}_{code}_page{n}.json"]["itemList"]) == 100 for n in sorted(numbers)[:-1])
    assert {code for kind, code in pages if kind == "Service"} == SERVED
    assert {code for kind, code in pages if kind == "ServiceChannel"} == SERVED
    assert sorted(batches) == list(range(1, len(batches) + 1))
    assert any(files[f"{kind}_{code}_page1.json"]["pageCount"] > 1 for kind, code in pages), (
        "no municipality spans two pages, so paging is not exercised"
    )


def test_counts_meet_the_minimum(services: dict[str, Any], channels: dict[str, Any]) -> None:
    hyte = _hyte_classes()
    hyte_services = [s for s in services.values() if any(c["code"] in hyte for c in s["serviceClasses"])]
    locations = [c for c in channels.values() if c["serviceChannelType"] == "ServiceLocation"]
    assert len(hyte_services) >= 300
    assert len(locations) >= 200
    for region in (PAIJAT_HAME, KESKI_UUSIMAA):
        assert sum(1 for c in locations if c["areas"][0]["municipalities"][0]["code"] in region) >= 80


def test_service_shape(
    services: dict[str, Any], channels: dict[str, Any], organisations: dict[str, Any]
) -> None:
    for service in services.values():
        assert set(service) == SERVICE_KEYS, service["id"]
        assert service["publishingStatus"] == "Published" and service["type"] == "Service"
        assert service["serviceChargeType"] in ("FreeOfCharge", "Chargeable", None)  # v11's own words
        assert any(
            n["language"] == "fi" and n["value"] and n["type"] == "Name" for n in service["serviceNames"]
        )
        for text in service["serviceNames"] + service["serviceDescriptions"]:
            assert set(text) == {"language", "value", "type"}
        for group in ("serviceClasses", "targetGroups", "ontologyTerms"):
            for term in service[group]:
                assert term["code"] and term["uri"] and {n["language"] for n in term["name"]} >= {"fi"}
        assert service["areaType"] == "LimitedType" and service["areas"]
        roles = {o["roleType"] for o in service["organizations"]}
        assert "Responsible" in roles
        for link in service["organizations"]:
            assert link["organization"]["id"] in organisations
        assert service["serviceChannels"], service["id"]
        for connection in service["serviceChannels"]:
            channel = channels.get(connection["serviceChannel"]["id"])
            assert channel is not None, "a connected channel is missing from the channel pages"
            assert service["id"] in {s["service"]["id"] for s in channel["services"]}
            for hours in connection["serviceHours"]:
                assert set(hours) == HOUR_KEYS
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$", service["modified"])


def test_location_shape(channels: dict[str, Any], organisations: dict[str, Any]) -> None:
    for channel in channels.values():
        assert channel["organizationId"] in organisations
        assert channel["publishingStatus"] == "Published"
        if channel["serviceChannelType"] != "ServiceLocation":
            assert channel["serviceChannelType"] in ("Phone", "WebPage")
            continue
        assert set(channel) == LOCATION_KEYS, channel["id"]
        (address,) = channel["addresses"]
        assert (address["type"], address["subType"]) == ("Location", "Single")
        assert set(address["streetAddress"]) == STREET_ADDRESS_KEYS
        for hours in channel["serviceHours"]:
            assert set(hours) == HOUR_KEYS
            assert hours["serviceHourType"] in ("DaysOfTheWeek", "Exceptional")
            for opening in hours["openingHour"]:
                assert opening["dayFrom"] in DAYS and opening["dayTo"] in DAYS | {""}
                assert re.match(r"^\d\d:\d\d:\d\d$", opening["from"]) and re.match(
                    r"^\d\d:\d\d:\d\d$", opening["to"]
                )
        for phone in channel["phoneNumbers"]:
            assert phone["prefixNumber"] == "+358" and phone["number"].startswith("000")  # fictional
        for page in channel["webPages"]:
            assert ".example/" in page["url"]


def test_coordinates_lie_in_the_stated_municipality(channels: dict[str, Any]) -> None:
    postal = load_postal_codes()
    to_wgs84 = Transformer.from_crs("EPSG:3067", "EPSG:4326", always_xy=True)
    boxes: dict[str, tuple[float, float, float, float]] = {}
    for code in SERVED:
        points = [(p.latitude, p.longitude) for p in postal.values() if p.municipality_code == code]
        lats, lons = [p[0] for p in points], [p[1] for p in points]
        boxes[code] = (min(lats) - 0.03, max(lats) + 0.03, min(lons) - 0.06, max(lons) + 0.06)
    states: Counter[str] = Counter()
    for channel in channels.values():
        if channel["serviceChannelType"] != "ServiceLocation":
            continue
        street = channel["addresses"][0]["streetAddress"]
        code = street["municipality"]["code"]
        assert code in SERVED
        assert postal[street["postalCode"]].municipality_code == code, street["postalCode"]
        states[street["coordinateState"]] += 1
        if street["coordinateState"] == "NotReceived":
            assert (street["latitude"], street["longitude"]) == ("0", "0")
            continue
        northing, easting = float(street["latitude"]), float(street["longitude"])
        assert 6_600_000 < northing < 7_800_000 and 50_000 < easting < 750_000  # EPSG:3067, not degrees
        lon, lat = to_wgs84.transform(easting, northing)
        south, north, west, east = boxes[code]
        assert south < lat < north and west < lon < east, (channel["id"], code, lat, lon)
    assert states["NotReceived"] >= 1 and states["Ok"] > 150


def test_organisations(organisations: dict[str, Any], services: dict[str, Any]) -> None:
    kinds = Counter(org["organizationType"] for org in organisations.values())
    assert kinds["Municipality"] == 16 and kinds["RegionalOrganization"] == 2
    assert kinds["Organization"] > 40 and kinds["Company"] >= 1
    names = {org["organizationNames"][0]["value"] for org in organisations.values()}
    assert {
        "Päijät-Hämeen hyvinvointialue",
        "Keski-Uudenmaan hyvinvointialue",
        "Lahden seurakuntayhtymä",
    } <= names
    for org in organisations.values():
        assert set(org) == ORGANIZATION_KEYS
        assert re.match(r"^\d{7}-\d$", org["businessCode"])
        for link in org["services"]:
            assert link["service"]["id"] in services
    referenced = {link["organization"]["id"] for s in services.values() for link in s["organizations"]}
    assert referenced <= set(organisations)


def test_edge_cases_real_data_has(services: dict[str, Any], channels: dict[str, Any]) -> None:
    hyte = _hyte_classes()
    descriptions = [d["value"] for s in services.values() for d in s["serviceDescriptions"]]
    assert any("<p>" in text for text in descriptions), "HTML in a description"
    assert any("**" in text and "\n- " in text for text in descriptions), "Markdown in a description"
    assert any(not any(c["code"] in hyte for c in s["serviceClasses"]) for s in services.values())
    area_codes = [{m["code"] for a in s["areas"] for m in a["municipalities"]} for s in services.values()]
    assert any(codes - SERVED for codes in area_codes), "a service whose area reaches outside the regions"
    assert any(codes and not codes & SERVED for codes in area_codes), "a service only for a neighbour"
    assert any(s["languages"] == ["sv"] for s in services.values()), "a Swedish-language group"
    assert any(n["value"] == "" for s in services.values() for n in s["serviceNames"]), "an empty translation"
    assert any({a["type"] for a in s["areas"]} == {"Province"} for s in services.values())
    provisions = Counter(o["provisionType"] for s in services.values() for o in s["organizations"])
    assert provisions["PurchaseServices"] and provisions["SelfProducedServices"], "producers on services"
    hours = [h for c in channels.values() for h in c["serviceHours"]]
    openings = [o for h in hours for o in h["openingHour"]]
    assert any(o["to"] < o["from"] for o in openings), "over-midnight hours"
    assert any(o["dayTo"] and o["to"] > o["from"] for o in openings), "a weekday range"
    assert any(h["serviceHourType"] == "Exceptional" and h["isClosed"] for h in hours), "a holiday closure"
    assert any(h["isAlwaysOpen"] for h in hours)
    languages = Counter(n["language"] for s in services.values() for n in s["serviceNames"])
    assert languages["fi"] == len(services) and languages["sv"] > 100 and languages["en"] > 50


@pytest.mark.slow
def test_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    out = tmp_path / "ptv-v11"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate_demo_data.py"), "--out", str(out), "--quiet"],
        check=True,
        cwd=ROOT,
    )
    committed = sorted(p.name for p in DEMO.glob("*.json"))
    generated = sorted(p.name for p in out.glob("*.json"))
    assert generated == committed
    for name in committed:
        assert (out / name).read_bytes() == (DEMO / name).read_bytes(), (
            f"{name} differs: run python scripts/generate_demo_data.py and commit the result"
        )
