"""PTV v12 payloads written for these tests, shaped like DVV's v12 response schemas
(../shared/reference/ptv/v12/PARAMETERS.md §4): fictional content, real codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

LAHTI_POINT = {"system": "EPSG:3067", "source": "NLS", "easting": 426768.3, "northing": 6761719.2}


def organisation(
    cid: str, name: str, *, org_type: str = "Organization", parent: str | None = None
) -> dict[str, Any]:
    return {
        "contentId": cid,
        "parentOrganizationContentId": parent,
        "languageVersions": {
            "fi": {
                "name": name,
                "alternativeName": None,
                "isAlternativeNamePrimary": False,
                "description": f"**{name}** toimii Lahdessa.",
                "summary": None,
                "contactEmails": [{"email": "info@seura.example", "additionalInformation": None}],
                "contactWebPages": [{"name": name, "url": "https://seura.example"}],
                "contactPhoneNumbers": [
                    {
                        "type": "DomesticPhone",
                        "number": "0401234567",
                        "chargeType": "Charged",
                        "chargeDescription": None,
                        "additionalInformation": None,
                    }
                ],
            }
        },
        "businessId": "9912345-6",
        "oid": None,
        "eInvoiceAddresses": [],
        "publishedAt": "2026-05-06T13:50:09.777Z",
        "contactAddresses": {"foreignAddresses": [], "postOfficeBoxAddresses": [], "streetAddresses": []},
        "location": {"foreignAddresses": [], "otherAddresses": [], "streetAddresses": []},
        "organizationType": org_type,
        "area": {
            "areaType": "LimitedArea",
            "municipalities": ["398"],
            "regions": [],
            "wellbeingServicesCounties": [],
        },
    }


def weekly(
    days: dict[str, tuple[str, str]], *, kind: str = "WeeklyUntilFurtherNoticeServiceHour", **extra: Any
) -> dict[str, Any]:
    return {
        "type": kind,
        "heading": {},
        "additionalInformation": {},
        "weeklyHours": {
            day: {
                "hours": [
                    {
                        "start": start,
                        "end": end,
                        "openingStatus": "Open",
                        "repetition": "Weekly",
                        "additionalInformation": {},
                    }
                ]
            }
            for day, (start, end) in days.items()
        },
        **extra,
    }


def location(
    cid: str, name: str, org: str, *, postal_code: str = "15110", coordinates: list | None = None
) -> dict[str, Any]:
    return {
        "contentId": cid,
        "organizationContentId": org,
        "allowedConnectionType": "OwnOrganizations",
        "serviceLanguages": ["fi"],
        "area": {
            "areaType": "LimitedArea",
            "municipalities": ["398"],
            "regions": [],
            "wellbeingServicesCounties": [],
        },
        "publishedAt": "2026-05-20T06:47:40.233Z",
        "serviceChannelType": "ServiceLocation",
        "languageVersions": {
            "fi": {
                "name": name,
                "summary": f"{name} lyhyesti",
                "description": None,
                "alternativeName": None,
                "isAlternativeNamePrimary": False,
                "contactEmails": [],
                "contactFaxNumbers": [],
                "contactWebPages": [],
                "contactPhoneNumbers": [],
            }
        },
        "location": {
            "foreignAddresses": [],
            "otherAddresses": [],
            "streetAddresses": [
                {
                    "addressSource": {"source": "Posti"},
                    "streetName": {"fi": "Salpausselänkatu"},
                    "addressDetail": "8",
                    "postalCode": postal_code,
                    "coordinates": [LAHTI_POINT] if coordinates is None else coordinates,
                    "additionalInformation": {},
                    "accessibilityRegisterServicePointId": None,
                }
            ],
        },
        "contactAddresses": {"foreignAddresses": [], "postOfficeBoxAddresses": [], "streetAddresses": []},
        "serviceHours": {
            "hours": [weekly({"monday": ("08:00", "16:00"), "tuesday": ("08:00", "16:00")})],
            "holidayServiceHours": None,
        },
    }


def service(
    cid: str,
    name: str,
    org: str,
    *,
    classes: tuple[str, ...] = ("P27.1",),
    municipalities: tuple[str, ...] = ("398",),
    published: str = "2026-04-14T09:12:33.512Z",
) -> dict[str, Any]:
    return {
        "contentId": cid,
        "organizationContentId": org,
        "generalDescriptionContentId": None,
        "targetGroups": ["KR1.1"],
        "industrialClasses": [],
        "lifeEvents": [],
        "ontologyTerms": [],
        "serviceClasses": list(classes),
        "producers": {
            "selfProducedProducers": {"organizations": [org]},
            "procuredProducers": {"organizations": [], "other": []},
            "otherProducers": {"organizations": [], "other": []},
        },
        "otherResponsibleOrganizations": [],
        "chargeType": "Free",
        "fundingType": "PubliclyFunded",
        "serviceLanguages": ["fi"],
        "area": {
            "areaType": "LimitedArea",
            "municipalities": list(municipalities),
            "regions": [],
            "wellbeingServicesCounties": [],
        },
        "publishedAt": published,
        "serviceType": "Service",
        "languageVersions": {
            "fi": {
                "name": name,
                "alternativeName": None,
                "summary": f"{name}: lyhyesti",
                "description": "Ryhmä **yli 65-vuotiaille**.\n\n- maksuton\n- ei ilmoittautumista",
                "userInstructions": "Tule paikalle.",
                "conditions": None,
                "legislationLinks": [],
                "freelyAssignedKeywords": ["kuntosali"],
                "voucher": {"voucherType": "NotUsed"},
                "chargeTypeAdditionalInformation": None,
            }
        },
    }


def connection(service_id: str, channel_id: str, *, hours: list | None = None) -> dict[str, Any]:
    return {
        "serviceContentId": service_id,
        "channelContentId": channel_id,
        "contactAddresses": {"foreignAddresses": [], "postOfficeBoxAddresses": [], "streetAddresses": []},
        "chargeType": None,
        "serviceHours": {"hours": hours or [], "holidayServiceHours": None},
        "languageVersions": {},
        "publishedAt": "2026-04-14T09:12:40.001Z",
    }


def page(
    items: list[dict[str, Any]],
    number: int = 1,
    total_pages: int = 1,
    page_size: int = 100,
    total_items: int | None = None,
) -> dict[str, Any]:
    return {
        "page": number,
        "pageSize": page_size,
        "totalItems": len(items) if total_items is None else total_items,
        "totalPages": total_pages,
        "items": items,
    }


def write_dir(directory: Path, files: dict[str, list[dict[str, Any]]], page_size: int = 100) -> Path:
    """Write recorded pages in the --from-dir naming: `{name}_page{N}.json`."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, items in files.items():
        chunks = [items[start : start + page_size] for start in range(0, len(items), page_size)] or [[]]
        for number, chunk in enumerate(chunks, start=1):
            body = page(chunk, number, len(chunks), page_size, total_items=len(items))
            (directory / f"{name}_page{number}.json").write_text(json.dumps(body), encoding="utf-8")
    return directory
