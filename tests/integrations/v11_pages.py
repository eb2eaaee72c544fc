"""Small PTV v11 payloads written for these tests (shapes as in DVV's V11 models and demo/README.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

LAHTI = "398"
HOLLOLA = "098"


def _names(fi: str, sv: str | None = None, type_: str = "Name") -> list[dict[str, Any]]:
    items = [{"language": "fi", "value": fi, "type": type_}]
    if sv is not None:
        items.append({"language": "sv", "value": sv, "type": type_})
    return items


def _municipality(code: str) -> dict[str, Any]:
    return {"code": code, "name": [{"language": "fi", "value": code}]}


def organisation(
    oid: str, name: str, *, org_type: str = "Organization", parent: str | None = None
) -> dict[str, Any]:
    return {
        "id": oid,
        "parentOrganizationId": parent,
        "organizationType": org_type,
        "businessCode": "9912345-6",
        "businessName": name,
        "organizationNames": _names(name),
        "organizationDescriptions": [{"language": "fi", "value": f"{name} kuvaus", "type": "Description"}],
        "emails": [{"value": "info@org.example", "language": "fi"}],
        "phoneNumbers": [
            {
                "prefixNumber": "+358",
                "number": "0401234567",
                "isFinnishServiceNumber": False,
                "language": "fi",
            }
        ],
        "webPages": [{"url": "https://org.example/", "value": name, "language": "fi"}],
        "municipality": _municipality(LAHTI) if org_type == "Municipality" else None,
        "publishingStatus": "Published",
        "modified": "2026-05-01T10:00:00.000000Z",
    }


def location(
    cid: str, name: str, org: str, *, municipality: str = LAHTI, north: str = "6762574", east: str = "427733"
) -> dict[str, Any]:
    return {
        "id": cid,
        "serviceChannelType": "ServiceLocation",
        "organizationId": org,
        "serviceChannelNames": _names(name),
        "serviceChannelDescriptions": [
            {"language": "fi", "value": f"<p>{name} on <b>tässä</b>.</p>", "type": "Description"}
        ],
        "areaType": "LimitedType",
        "areas": [{"type": "Municipality", "municipalities": [_municipality(municipality)]}],
        "phoneNumbers": [],
        "emails": [],
        "webPages": [],
        "addresses": [
            {
                "type": "Location",
                "subType": "Single",
                "streetAddress": {
                    "street": [{"value": "Saimaankatu", "language": "fi"}],
                    "streetNumber": "35",
                    "postalCode": "15140",
                    "postOffice": [{"value": "LAHTI", "language": "fi"}],
                    "municipality": _municipality(municipality),
                    "latitude": north,
                    "longitude": east,
                    "coordinateState": "Ok",
                },
                "entrances": [],
            }
        ],
        "serviceHours": [
            {
                "serviceHourType": "DaysOfTheWeek",
                "validForNow": True,
                "openingHour": [
                    {"dayFrom": "Monday", "dayTo": "Friday", "from": "08:00:00", "to": "16:00:00"}
                ],
            }
        ],
        "services": [],
        "publishingStatus": "Published",
        "modified": "2026-05-01T10:00:00.000000Z",
    }


def service(
    sid: str,
    name: str,
    org: str,
    *,
    channels: tuple[str, ...] = (),
    classes: tuple[str, ...] = ("P27.1",),
    municipalities: tuple[str, ...] = (LAHTI,),
    modified: str = "2026-05-01T10:00:00.000000Z",
    charge: str | None = "FreeOfCharge",
    org_name: str = "x",
) -> dict[str, Any]:
    return {
        "id": sid,
        "type": "Service",
        "serviceNames": _names(name),
        "serviceChargeType": charge,
        "areaType": "LimitedType",
        "areas": [
            {"type": "Municipality", "municipalities": [_municipality(code) for code in municipalities]}
        ],
        "serviceDescriptions": [
            {"language": "fi", "value": f"{name}: lyhyesti", "type": "Summary"},
            {"language": "fi", "value": "Yli 65-vuotiaille.", "type": "Description"},
        ],
        "languages": ["fi"],
        "serviceClasses": [
            {
                "code": code,
                "name": _names(code),
                "uri": f"http://uri.suomi.fi/codelist/ptv/ptvserclass2/code/{code}",
            }
            for code in classes
        ],
        "targetGroups": [{"code": "KR1.1", "name": _names("Ikäihmiset")}],
        "ontologyTerms": [],
        "lifeEvents": [],
        "keywords": [{"value": "kuntosali", "language": "fi"}],
        "serviceChannels": [
            {
                "serviceChannel": {"id": channel, "name": "x"},
                "description": [],
                "serviceHours": [
                    {
                        "serviceHourType": "DaysOfTheWeek",
                        "validFrom": "2026-08-31T00:00:00Z",
                        "validTo": "2027-05-16T00:00:00Z",
                        "openingHour": [
                            {"dayFrom": "Tuesday", "dayTo": "", "from": "10:00:00", "to": "11:00:00"}
                        ],
                    }
                ],
            }
            for channel in channels
        ],
        "organizations": [{"organization": {"id": org, "name": org_name}, "roleType": "Responsible"}],
        "publishingStatus": "Published",
        "modified": modified,
    }


def list_page(items: list[dict[str, Any]], number: int, count: int) -> dict[str, Any]:
    return {"pageNumber": number, "pageSize": 100, "pageCount": count, "itemList": items}


def write_crawl(
    directory: Path,
    *,
    services: dict[str, list[dict[str, Any]]],
    channels: dict[str, list[dict[str, Any]]],
    organisations: list[dict[str, Any]],
    page_size: int = 100,
) -> Path:
    """Write a v11 crawl in the --from-dir naming: one or more pages per municipality and kind."""
    directory.mkdir(parents=True, exist_ok=True)
    for kind, by_code in (("Service", services), ("ServiceChannel", channels)):
        for code, items in by_code.items():
            chunks = [items[start : start + page_size] for start in range(0, len(items), page_size)] or [[]]
            for number, chunk in enumerate(chunks, start=1):
                path = directory / f"{kind}_{code}_page{number}.json"
                path.write_text(json.dumps(list_page(chunk, number, len(chunks))), encoding="utf-8")
    (directory / "Organization_batch1.json").write_text(json.dumps(organisations), encoding="utf-8")
    return directory
