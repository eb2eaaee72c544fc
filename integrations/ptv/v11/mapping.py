"""PTV v11 payloads -> source-neutral records. Pure: no I/O, no clock.

Field names follow DVV's V11VmOpenApiService, V11VmOpenApiServiceLocationChannel and
V10VmOpenApiOrganization (see demo/README.md for the conventions the demo data exercises).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from app.catalogue.enums import ContactKind, ScheduleKind, ServiceStatus, Source, Taxonomy
from integrations.context import MappingContext
from integrations.formats import format_terms
from integrations.ptv.accessibility import accessibility_features
from integrations.ptv.common import (
    accessibility_text,
    blank_to_none,
    business_id,
    is_free_from_charge_type,
    is_hyte_service,
    keyword_themes,
    offered_online,
    organisation_kind,
    parse_datetime,
    phone_number,
    pick_by_language,
    schedules_from_hours,
    suomi_fi_service_url,
    text_from,
    theme_terms,
    wgs84_from_3067,
)
from integrations.records import (
    ContactRecord,
    LocationRecord,
    OrganisationRecord,
    Provenance,
    ServiceLocationLink,
    ServiceRecord,
    TermRecord,
    Text,
    term,
)
from integrations.text import age_range_from_text

NATIONWIDE = ("Nationwide", "NationwideExceptAlandIslands")


class MappingError(ValueError):
    """The item cannot become a record (missing id, name or responsible organisation)."""


@dataclass(frozen=True)
class ChannelInfo:
    """What a service needs to know about a channel it links to."""

    is_location: bool
    municipality_code: str | None = None
    contacts: tuple[ContactRecord, ...] = ()
    channel_type: str = ""


def _id(item: Mapping[str, Any]) -> str:
    value = blank_to_none(item.get("id"))
    if not isinstance(value, str):
        raise MappingError("item has no id")
    return value.lower()


def _provenance(item: Mapping[str, Any], external_id: str) -> Provenance:
    return Provenance(
        source=Source.PTV,
        external_id=external_id,
        source_modified_at=parse_datetime(item.get("modified")),
    )


def _known(code: Any, context: MappingContext) -> str | None:
    code = blank_to_none(code)
    return code if isinstance(code, str) and code in context.known_municipalities else None


def contacts_from(
    phones: Iterable[Mapping[str, Any]] | None,
    emails: Iterable[Mapping[str, Any]] | None,
    web_pages: Iterable[Mapping[str, Any]] | None,
) -> list[ContactRecord]:
    contacts: list[ContactRecord] = []
    for phone in phones or ():
        if not isinstance(phone, Mapping):
            continue
        number = phone_number(
            phone.get("prefixNumber"),
            phone.get("number"),
            is_service_number=bool(phone.get("isFinnishServiceNumber")),
        )
        if not number:
            continue
        language = blank_to_none(phone.get("language"))
        label = blank_to_none(phone.get("additionalInformation"))
        contacts.append(
            ContactRecord(
                kind=ContactKind.PHONE,
                value=number,
                label=Text(**{language: label}) if label and language in ("fi", "sv", "en") else Text(),
                charge_info=blank_to_none(phone.get("chargeDescription")),
                language=language,
            )
        )
    for email in emails or ():
        if isinstance(email, Mapping) and (value := blank_to_none(email.get("value"))):
            contacts.append(
                ContactRecord(
                    kind=ContactKind.EMAIL, value=value, language=blank_to_none(email.get("language"))
                )
            )
    for page in web_pages or ():
        if not isinstance(page, Mapping):
            continue
        url = blank_to_none(page.get("url"))
        if not url:
            continue
        language = blank_to_none(page.get("language"))
        label = blank_to_none(page.get("value"))
        contacts.append(
            ContactRecord(
                kind=ContactKind.WEB,
                value=url,
                label=Text(**{language: label}) if label and language in ("fi", "sv", "en") else Text(),
                language=language,
            )
        )
    return contacts


def organisation_from_v11(item: Mapping[str, Any], context: MappingContext) -> OrganisationRecord:
    external_id = _id(item)
    name = text_from(item.get("organizationNames"), type_="Name")
    if not name:
        name = Text(fi=blank_to_none(item.get("businessName")))
    if not name:
        raise MappingError(f"organisation {external_id} has no name")
    web = pick_by_language(item.get("webPages"), "url")
    email = pick_by_language(item.get("emails"))
    phones = contacts_from(item.get("phoneNumbers"), None, None)
    municipality = item.get("municipality")
    return OrganisationRecord(
        provenance=_provenance(item, external_id),
        kind=organisation_kind(item.get("organizationType"), name.first()),
        name=name,
        description=text_from(item.get("organizationDescriptions"), type_="Description", clean=True),
        business_id=business_id(item.get("businessCode")),
        parent_external_id=(blank_to_none(item.get("parentOrganizationId")) or "").lower() or None,
        municipality_code=_known(municipality.get("code"), context)
        if isinstance(municipality, Mapping)
        else None,
        website=web.get("url") if web else None,
        email=email.get("value") if email else None,
        phone=phones[0].value if phones else None,
    )


def _location_address(channel: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The street address of the place: the 'Location' (or 'Visiting') address, Single/Street first."""
    candidates = [
        address
        for address in channel.get("addresses") or ()
        if isinstance(address, Mapping) and isinstance(address.get("streetAddress"), Mapping)
    ]
    candidates.sort(
        key=lambda address: (
            address.get("type") not in ("Location", "Visiting"),
            address.get("subType") not in ("Single", "Street"),
        )
    )
    return candidates[0]["streetAddress"] if candidates else None


def location_from_v11(channel: Mapping[str, Any], context: MappingContext) -> LocationRecord:
    """A ServiceLocation channel -> a place, with its own opening hours and contacts."""
    external_id = _id(channel)
    name = text_from(channel.get("serviceChannelNames"), type_="Name")
    if not name:
        raise MappingError(f"service location {external_id} has no name")
    description = text_from(channel.get("serviceChannelDescriptions"), type_="Description", clean=True)
    if not description:
        description = text_from(channel.get("serviceChannelDescriptions"), type_="Summary", clean=True)
    address = _location_address(channel) or {}
    street = text_from(address.get("street"))
    number = blank_to_none(address.get("streetNumber"))
    if number:
        street = Text(
            **{
                lang: f"{value} {number}" if value else None
                for lang, value in (("fi", street.fi), ("sv", street.sv), ("en", street.en))
            }
        )
    coordinates = None
    if address.get("coordinateState") != "NotReceived":
        # v11 names the axes wrongly: `latitude` holds the northing and `longitude` the easting.
        coordinates = wgs84_from_3067(address.get("latitude"), address.get("longitude"))
    municipality = address.get("municipality")
    entrances: list[Mapping[str, Any]] = []
    for candidate in channel.get("addresses") or ():
        if isinstance(candidate, Mapping):
            entrances.extend(candidate.get("entrances") or ())
    return LocationRecord(
        provenance=_provenance(channel, external_id),
        name=name,
        organisation_external_id=(blank_to_none(channel.get("organizationId")) or "").lower() or None,
        description=description,
        street_address=Text(fi=street.fi or street.first(), sv=street.sv),
        postal_code=blank_to_none(address.get("postalCode")),
        post_office=text_from(address.get("postOffice")),
        municipality_code=_known(municipality.get("code"), context)
        if isinstance(municipality, Mapping)
        else None,
        latitude=coordinates[0] if coordinates else None,
        longitude=coordinates[1] if coordinates else None,
        accessibility=accessibility_text(entrances),
        accessibility_features=accessibility_features(entrances),
        schedules=tuple(
            schedules_from_hours(channel.get("serviceHours"), weekly_kind=ScheduleKind.OPENING_HOURS)
        ),
        contacts=tuple(
            contacts_from(channel.get("phoneNumbers"), channel.get("emails"), channel.get("webPages"))
        ),
    )


def channel_info_from_v11(channel: Mapping[str, Any], context: MappingContext) -> ChannelInfo:
    """What services linking to this channel take from it: the place, or its contacts."""
    if channel.get("serviceChannelType") == "ServiceLocation":
        address = _location_address(channel) or {}
        municipality = address.get("municipality")
        code = _known(municipality.get("code"), context) if isinstance(municipality, Mapping) else None
        return ChannelInfo(is_location=True, municipality_code=code, channel_type="ServiceLocation")
    contacts = contacts_from(
        channel.get("phoneNumbers") or channel.get("supportPhones"),
        channel.get("emails") or channel.get("supportEmails"),
        channel.get("webPages") or channel.get("urls"),
    )
    return ChannelInfo(
        is_location=False, contacts=tuple(contacts), channel_type=str(channel.get("serviceChannelType") or "")
    )


def _codes(items: Iterable[Mapping[str, Any]] | None) -> list[str]:
    return [
        code
        for item in items or ()
        if isinstance(item, Mapping) and (code := blank_to_none(item.get("code")))
    ]


def _terms(
    taxonomy: str, items: Iterable[Mapping[str, Any]] | None, *, key: str = "code"
) -> list[TermRecord]:
    terms = []
    for item in items or ():
        if isinstance(item, Mapping) and (code := blank_to_none(item.get(key))):
            terms.append(term(taxonomy, str(code)[:255], text_from(item.get("name"))))
    return terms


def area_municipalities(item: Mapping[str, Any]) -> list[str]:
    """Municipality codes of a service's area (Municipality areas and the municipalities of wider ones)."""
    codes: list[str] = []
    for area in item.get("areas") or ():
        if not isinstance(area, Mapping):
            continue
        if area.get("type") == "Municipality" and (code := blank_to_none(area.get("code"))):
            codes.append(code)
        for municipality in area.get("municipalities") or ():
            if isinstance(municipality, Mapping) and (code := blank_to_none(municipality.get("code"))):
                codes.append(code)
    return list(dict.fromkeys(codes))


def _summary_name(value: Any) -> Text:
    """The name in a service's {id, name} organisation summary: one string, in PTV's main language."""
    value = blank_to_none(value)
    return Text(fi=value[:500]) if isinstance(value, str) else Text()


def service_from_v11(
    item: Mapping[str, Any], channels: Mapping[str, ChannelInfo], context: MappingContext
) -> ServiceRecord | None:
    """A v11 service -> a record, or None when it is not ours to import.

    Ours: published, with a hyte service class, offered in a served municipality (by its area, or by a
    place it links to that lies in one). Raises MappingError for an item that cannot be a record.
    """
    external_id = _id(item)
    if item.get("publishingStatus") not in (None, "Published"):
        return None
    class_codes = _codes(item.get("serviceClasses"))
    if not is_hyte_service(class_codes, context):
        return None
    links = []
    contacts: list[ContactRecord] = []
    schedules = []
    place_municipalities = set()
    for connection in item.get("serviceChannels") or ():
        if not isinstance(connection, Mapping) or not isinstance(connection.get("serviceChannel"), Mapping):
            continue
        channel_id = (blank_to_none(connection["serviceChannel"].get("id")) or "").lower()
        info = channels.get(channel_id)
        if info is None:
            continue
        hours = schedules_from_hours(connection.get("serviceHours"), weekly_kind=ScheduleKind.SESSION)
        if info.is_location:
            if info.municipality_code:
                place_municipalities.add(info.municipality_code)
            links.append(
                ServiceLocationLink(
                    location_external_id=channel_id,
                    description=text_from(connection.get("description"), clean=True),
                    schedules=tuple(hours),
                )
            )
        else:
            contacts.extend(contact for contact in info.contacts if contact not in contacts)
            schedules.extend(hours)
    areas = area_municipalities(item)
    nationwide = item.get("areaType") in NATIONWIDE
    if not (
        nationwide
        or context.served_municipalities.intersection(areas)
        or context.served_municipalities & place_municipalities
    ):
        return None
    name = text_from(item.get("serviceNames"), type_="Name")
    if not name:
        raise MappingError(f"service {external_id} has no name")
    organisations = [
        link
        for link in item.get("organizations") or ()
        if isinstance(link, Mapping) and isinstance(link.get("organization"), Mapping)
    ]
    responsible = next((link for link in organisations if link.get("roleType") == "Responsible"), None)
    if responsible is None:
        raise MappingError(f"service {external_id} has no responsible organisation")
    organisation_id = (blank_to_none(responsible["organization"].get("id")) or "").lower()
    if not organisation_id:
        raise MappingError(f"service {external_id}: responsible organisation has no id")
    descriptions = item.get("serviceDescriptions")
    description = text_from(descriptions, type_="Description", clean=True)
    min_age, max_age = age_range_from_text(description.fi or description.first())
    target_codes = _codes(item.get("targetGroups"))
    terms = [
        *theme_terms(class_codes, target_codes, context),
        *_terms(Taxonomy.PTV_SERVICE_CLASS, item.get("serviceClasses")),
        *_terms(Taxonomy.PTV_TARGET_GROUP, item.get("targetGroups")),
        *_terms(Taxonomy.PTV_LIFE_EVENT, item.get("lifeEvents")),
        *_terms(Taxonomy.ONTOLOGY_TERM, item.get("ontologyTerms"), key="uri"),
    ]
    for keyword in item.get("keywords") or ():
        if isinstance(keyword, Mapping) and (value := blank_to_none(keyword.get("value"))):
            language = keyword.get("language")
            label = Text(**{language: value}) if language in ("fi", "sv", "en") else Text(fi=value)
            terms.append(term(Taxonomy.KEYWORD, value.lower()[:255], label))
    terms.extend(keyword_themes(terms, context))
    channel_types = [
        info.channel_type
        for connection in item.get("serviceChannels") or ()
        if isinstance(connection, Mapping)
        and isinstance(connection.get("serviceChannel"), Mapping)
        and (info := channels.get((blank_to_none(connection["serviceChannel"].get("id")) or "").lower()))
    ]
    if offered_online(channel_types, has_place=bool(links), nationwide=nationwide):
        terms.extend(format_terms({"online"}))
    unique_terms = list({(term.taxonomy, term.code): term for term in terms}.values())
    return ServiceRecord(
        provenance=replace(
            _provenance(item, external_id),
            source_url=suomi_fi_service_url(external_id, name.fi or name.first()),
        ),
        organisation_external_id=organisation_id,
        organisation_name=_summary_name(responsible["organization"].get("name")),
        name=name,
        summary=text_from(descriptions, type_="Summary", clean=True),
        description=description,
        how_to_join=text_from(descriptions, type_="UserInstruction", clean=True),
        is_free=is_free_from_charge_type(item.get("serviceChargeType"), version="v11"),
        price_text=text_from(descriptions, type_="ChargeTypeAdditionalInfo", clean=True),
        languages=tuple(language for language in item.get("languages") or () if isinstance(language, str)),
        min_age=min_age,
        max_age=max_age,
        status=ServiceStatus.ACTIVE,
        terms=tuple(unique_terms),
        area_municipality_codes=tuple(code for code in areas if code in context.known_municipalities),
        locations=tuple(links),
        schedules=tuple(schedules),
        contacts=tuple(contacts),
    )
