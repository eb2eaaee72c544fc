"""PTV v12 payloads -> source-neutral records. Pure: no I/O, no clock.

Shapes per ../shared/reference/ptv/v12/PARAMETERS.md §4: texts are per-language objects
(`languageVersions.fi.name`), classifications are bare codes, coordinates are EPSG:3067 numbers in a
list, service hours are typed entries, and a service's channels come from connections.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from app.catalogue.enums import ContactKind, ScheduleKind, ServiceStatus, Source, Taxonomy
from integrations.context import MappingContext
from integrations.formats import format_terms
from integrations.ptv.common import (
    BYDAY,
    DAYS,
    blank_to_none,
    business_id,
    continuous_rows,
    is_free_from_charge_type,
    is_hyte_service,
    keyword_themes,
    municipality_from_place,
    offered_online,
    organisation_kind,
    parse_date,
    parse_datetime,
    parse_time,
    phone_number,
    suomi_fi_service_url,
    theme_terms,
    wgs84_from_3067,
)
from integrations.ptv.holidays import HOLIDAY_NAMES, holiday_dates
from integrations.ptv.v11.mapping import MappingError
from integrations.records import (
    ContactRecord,
    LocationRecord,
    OrganisationRecord,
    Provenance,
    ScheduleRecord,
    ServiceLocationLink,
    ServiceRecord,
    TermRecord,
    Text,
)
from integrations.text import age_range_from_text, safe_text

LANGUAGES = ("fi", "sv", "en")
NATIONWIDE = ("WholeCountry", "WholeCountryExceptAland")
# The write-side bounds of a valid point (PARAMETERS.md §4.3), used as a sanity check on read.
EASTING = (43_500, 765_000)
NORTHING = (6_522_000, 7_796_000)


def _versions(item: Mapping[str, Any]) -> Mapping[str, Mapping[str, Any]]:
    versions = item.get("languageVersions")
    return versions if isinstance(versions, Mapping) else {}


def version_text(item: Mapping[str, Any], key: str, *, clean: bool = False) -> Text:
    """Text of `languageVersions.<lang>.<key>` for fi/sv/en; "" and null are missing."""
    values: dict[str, str | None] = {}
    for language in LANGUAGES:
        version = _versions(item).get(language)
        value = blank_to_none(version.get(key)) if isinstance(version, Mapping) else None
        values[language] = safe_text(value) if clean else value
    return Text(**values)


def display_name(item: Mapping[str, Any]) -> Text:
    """The name, or the alternative name where the provider marked it primary."""
    values: dict[str, str | None] = {}
    for language in LANGUAGES:
        version = _versions(item).get(language)
        if not isinstance(version, Mapping):
            values[language] = None
            continue
        alternative = blank_to_none(version.get("alternativeName"))
        primary = alternative if version.get("isAlternativeNamePrimary") and alternative else None
        values[language] = primary or blank_to_none(version.get("name"))
    return Text(**values)


def lang_object_text(value: Any) -> Text:
    """A {fi, sv, en} object -> Text."""
    if not isinstance(value, Mapping):
        return Text()
    return Text(**{language: blank_to_none(value.get(language)) for language in LANGUAGES})


def _id(item: Mapping[str, Any], key: str = "contentId") -> str:
    value = blank_to_none(item.get(key))
    if not isinstance(value, str):
        raise MappingError(f"item has no {key}")
    return value.lower()


def _provenance(item: Mapping[str, Any], external_id: str) -> Provenance:
    # v12 has no `modified`; `publishedAt` changes when a new version is published.
    return Provenance(
        source=Source.PTV, external_id=external_id, source_modified_at=parse_datetime(item.get("publishedAt"))
    )


def first_point(coordinates: Iterable[Any] | None) -> tuple[float, float] | None:
    """WGS84 (lat, lon) of the first EPSG:3067 coordinate inside Finland's bounds; "Unknown" skipped."""
    for coordinate in coordinates or ():
        if not isinstance(coordinate, Mapping) or coordinate.get("system") != "EPSG:3067":
            continue
        easting, northing = coordinate.get("easting"), coordinate.get("northing")
        if not isinstance(easting, int | float) or not isinstance(northing, int | float):
            continue
        if EASTING[0] <= easting <= EASTING[1] and NORTHING[0] <= northing <= NORTHING[1]:
            return wgs84_from_3067(northing, easting)
    return None


def v12_phone(phone: Mapping[str, Any]) -> str | None:
    """DomesticPhone: the number as given; International/Fax/Sms: dialCode + number."""
    if phone.get("type") in ("Fax",):
        return None
    dial = blank_to_none(phone.get("dialCode"))
    return phone_number(dial, phone.get("number")) if dial else phone_number(None, phone.get("number"))


def contacts_from_versions(
    item: Mapping[str, Any],
    *,
    phones: str = "contactPhoneNumbers",
    emails: str = "contactEmails",
    web_pages: str = "contactWebPages",
) -> list[ContactRecord]:
    """Contacts of every language version, each value once (the language where it first appears)."""
    contacts: list[ContactRecord] = []
    seen: set[tuple[str, str]] = set()

    def add(
        kind: str, value: str | None, language: str, label: str | None = None, charge: str | None = None
    ) -> None:
        if not value or (kind, value) in seen:
            return
        seen.add((kind, value))
        contacts.append(
            ContactRecord(
                kind=kind,
                value=value,
                label=Text(**{language: label}) if label else Text(),
                charge_info=charge,
                language=language,
            )
        )

    for language in LANGUAGES:
        version = _versions(item).get(language)
        if not isinstance(version, Mapping):
            continue
        for phone in version.get(phones) or ():
            if isinstance(phone, Mapping):
                add(
                    ContactKind.PHONE,
                    v12_phone(phone),
                    language,
                    blank_to_none(phone.get("additionalInformation")),
                    blank_to_none(phone.get("chargeDescription")),
                )
        for email in version.get(emails) or ():
            if isinstance(email, Mapping):
                add(ContactKind.EMAIL, blank_to_none(email.get("email")), language)
        web = version.get(web_pages)
        for page in [web] if isinstance(web, Mapping) else web or ():
            if isinstance(page, Mapping):
                add(
                    ContactKind.WEB, blank_to_none(page.get("url")), language, blank_to_none(page.get("name"))
                )
    return contacts


# -- service hours --------------------------------------------------------------------------------

_DAY_KEYS = tuple(day.lower() for day in DAYS)
_REPETITION = {
    "OddWeeks": Text(fi="parittomat viikot", sv="udda veckor", en="odd weeks"),
    "EvenWeeks": Text(fi="parilliset viikot", sv="jämna veckor", en="even weeks"),
}


def _week_rows(week: Any) -> list[tuple[str, Mapping[str, Any]]]:
    """(BYDAY list, hour entry) from a PartialWeek, identical hours on several days merged."""
    grouped: dict[tuple[Any, ...], list[str]] = {}
    entries: dict[tuple[Any, ...], Mapping[str, Any]] = {}
    if not isinstance(week, Mapping):
        return []
    for day_key, byday in zip(_DAY_KEYS, BYDAY, strict=True):
        day = week.get(day_key)
        if not isinstance(day, Mapping):
            continue
        for hour in day.get("hours") or ():
            if not isinstance(hour, Mapping):
                continue
            key = (
                hour.get("start"),
                hour.get("end"),
                hour.get("openingStatus"),
                hour.get("repetition"),
                repr(hour.get("additionalInformation")),
            )
            grouped.setdefault(key, []).append(byday)
            entries[key] = hour
    return [(",".join(days), entries[key]) for key, days in grouped.items()]


def _description(heading: Text, information: Text) -> Text:
    def join(language: str) -> str | None:
        parts = [part for part in (getattr(heading, language), getattr(information, language)) if part]
        return ": ".join(parts) if parts else None

    return Text(fi=join("fi"), sv=join("sv"), en=join("en"))


def schedules_from_v12_hours(
    hours: Any, *, weekly_kind: ScheduleKind, today: date | None = None
) -> list[ScheduleRecord]:
    """ServiceHoursResponse -> schedule records (weekly, continuous, exceptional and holiday hours).

    Holiday hours come by the holiday's name: each becomes an exception on its date, for the years
    PTV names or else its next occurrence from `today` (integrations.ptv.holidays).
    """
    if not isinstance(hours, Mapping):
        return []
    records: list[ScheduleRecord] = []
    for entry in hours.get("hours") or ():
        if not isinstance(entry, Mapping):
            continue
        kind = entry.get("type")
        description = _description(
            lang_object_text(entry.get("heading")), lang_object_text(entry.get("additionalInformation"))
        )
        valid_from, valid_to = parse_date(entry.get("fromDate")), parse_date(entry.get("toDate"))
        if kind in (
            "WeeklyUntilFurtherNoticeServiceHour",
            "WeeklyDateRangeServiceHour",
            "ExceptionalDateRangeServiceHour",
        ):
            exceptional = kind == "ExceptionalDateRangeServiceHour"
            rows = _week_rows(entry.get("weeklyHours"))
            if exceptional and not rows:
                records.append(
                    ScheduleRecord(
                        kind=ScheduleKind.EXCEPTION,
                        valid_from=valid_from,
                        valid_to=valid_to or valid_from,
                        closed=True,
                        description=description,
                    )
                )
            for byday, hour in rows:
                opens, closes = parse_time(hour.get("start")), parse_time(hour.get("end"))
                status = hour.get("openingStatus")
                repetition = hour.get("repetition")
                row_description = description
                if repetition in _REPETITION and not description:
                    row_description = _REPETITION[repetition]
                rrule = None
                if weekly_kind is ScheduleKind.SESSION and not exceptional:
                    rrule = f"FREQ=WEEKLY;{'INTERVAL=2;' if repetition in _REPETITION else ''}BYDAY={byday}"
                    if valid_to:
                        rrule += f";UNTIL={valid_to:%Y%m%d}T235959Z"
                closed = status == "Closed"
                records.append(
                    ScheduleRecord(
                        kind=ScheduleKind.EXCEPTION if exceptional else weekly_kind,
                        byday=byday,
                        opens_at=None if closed else opens,
                        closes_at=None if closed else closes,
                        closes_next_day=bool(not closed and opens and closes and closes <= opens),
                        valid_from=valid_from,
                        valid_to=(valid_to or valid_from) if exceptional else valid_to,
                        closed=closed,
                        by_appointment=status == "OpenOnReservation",
                        rrule=rrule,
                        dtstart=valid_from if rrule else None,
                        until=valid_to if rrule else None,
                        description=row_description,
                    )
                )
        elif kind == "ContinuousAlwaysValidServiceHour":
            closed = entry.get("openingStatus") == "Closed"
            records.append(
                ScheduleRecord(
                    kind=weekly_kind,
                    byday=",".join(BYDAY),
                    opens_at=None if closed else parse_time("00:00"),
                    closes_at=None if closed else parse_time("00:00"),
                    closes_next_day=not closed,
                    closed=closed,
                    by_appointment=entry.get("openingStatus") == "OpenOnReservation",
                    description=description,
                )
            )
        elif kind in ("ContinuousDateRangeServiceHour", "ContinuousWeekdaysUntilFurtherNoticeServiceHour"):
            opens, closes = parse_time(entry.get("fromTime")), parse_time(entry.get("toTime"))
            for byday, row_opens, row_closes, next_day in continuous_rows(
                entry.get("fromDay"), entry.get("toDay"), opens, closes
            ):
                records.append(
                    ScheduleRecord(
                        kind=weekly_kind,
                        byday=byday,
                        opens_at=row_opens,
                        closes_at=row_closes,
                        closes_next_day=next_day,
                        valid_from=valid_from,
                        valid_to=valid_to,
                        closed=entry.get("openingStatus") == "Closed",
                        by_appointment=entry.get("openingStatus") == "OpenOnReservation",
                        description=description,
                    )
                )
    holidays = hours.get("holidayServiceHours")
    if isinstance(holidays, Mapping):
        repetition = holidays.get("repetition")
        years = (
            [y for y in repetition.get("years") or () if isinstance(y, int)]
            if isinstance(repetition, Mapping) and repetition.get("type") == "RepetitionInSelectedYears"
            else None
        )
        for holiday in holidays.get("holidays") or ():
            if not isinstance(holiday, Mapping):
                continue
            name = str(holiday.get("holidayName") or "")
            label = HOLIDAY_NAMES.get(name) or Text(
                en="".join(f" {c}" if c.isupper() else c for c in name).strip() or None
            )
            dates: list[date | None] = list(holiday_dates(name, today=today, years=years)) or [None]
            for hour in holiday.get("hours") or [{"openingStatus": "Closed"}]:
                if not isinstance(hour, Mapping):
                    continue
                closed = hour.get("openingStatus") == "Closed"
                description = _description(label, lang_object_text(hour.get("additionalInformation")))
                for day in dates:
                    records.append(
                        ScheduleRecord(
                            kind=ScheduleKind.EXCEPTION,
                            opens_at=None if closed else parse_time(hour.get("start")),
                            closes_at=None if closed else parse_time(hour.get("end")),
                            closed=closed,
                            by_appointment=hour.get("openingStatus") == "OpenOnReservation",
                            valid_from=day,
                            valid_to=day,
                            description=description,
                        )
                    )
    return records


# -- organisations, places, services --------------------------------------------------------------


def organisation_from_v12(item: Mapping[str, Any], context: MappingContext) -> OrganisationRecord:
    external_id = _id(item)
    name = display_name(item)
    if not name:
        raise MappingError(f"organisation {external_id} has no name")
    contacts = contacts_from_versions(item)
    area: Mapping[str, Any] = item["area"] if isinstance(item.get("area"), Mapping) else {}
    municipalities = [
        code for code in area.get("municipalities") or () if code in context.known_municipalities
    ]
    municipality = (
        municipalities[0] if item.get("organizationType") == "Municipality" and municipalities else None
    )

    def first(kind: str) -> str | None:
        return next((contact.value for contact in contacts if contact.kind == kind), None)

    return OrganisationRecord(
        provenance=_provenance(item, external_id),
        kind=organisation_kind(item.get("organizationType"), name.first()),
        name=name,
        description=version_text(item, "description", clean=True)
        or version_text(item, "summary", clean=True),
        business_id=business_id(item.get("businessId")),
        parent_external_id=(blank_to_none(item.get("parentOrganizationContentId")) or "").lower() or None,
        municipality_code=municipality,
        website=first(ContactKind.WEB),
        email=first(ContactKind.EMAIL),
        phone=first(ContactKind.PHONE),
    )


@dataclass(frozen=True)
class PlaceAddress:
    street: Text
    postal_code: str | None
    point: tuple[float, float] | None
    register_id: str | None


def place_address(channel: Mapping[str, Any]) -> PlaceAddress:
    location: Mapping[str, Any] = channel["location"] if isinstance(channel.get("location"), Mapping) else {}
    for street in location.get("streetAddresses") or ():
        if isinstance(street, Mapping):
            name = lang_object_text(street.get("streetName"))
            detail = blank_to_none(street.get("addressDetail"))
            if detail:
                name = Text(
                    **{
                        lang: f"{value} {detail}" if value else None
                        for lang, value in (("fi", name.fi), ("sv", name.sv), ("en", name.en))
                    }
                )
            return PlaceAddress(
                street=name,
                postal_code=blank_to_none(street.get("postalCode")),
                point=first_point(street.get("coordinates")),
                register_id=blank_to_none(street.get("accessibilityRegisterServicePointId")),
            )
    for other in location.get("otherAddresses") or ():
        if isinstance(other, Mapping):
            return PlaceAddress(
                street=lang_object_text(other.get("additionalInformation")),
                postal_code=blank_to_none(other.get("postalCode")),
                point=first_point(other.get("coordinates")),
                register_id=None,
            )
    return PlaceAddress(street=Text(), postal_code=None, point=None, register_id=None)


def location_from_v12(channel: Mapping[str, Any], context: MappingContext) -> LocationRecord:
    external_id = _id(channel)
    name = display_name(channel)
    if not name:
        raise MappingError(f"service location {external_id} has no name")
    address = place_address(channel)
    latitude, longitude = address.point if address.point else (None, None)
    # v12 street addresses carry no municipality code: postal code first, then the coordinates.
    municipality = municipality_from_place(address.postal_code, latitude, longitude, context.postal_codes)
    postal = context.postal_codes.get(address.postal_code or "")
    return LocationRecord(
        provenance=_provenance(channel, external_id),
        name=name,
        organisation_external_id=(blank_to_none(channel.get("organizationContentId")) or "").lower() or None,
        description=version_text(channel, "description", clean=True)
        or version_text(channel, "summary", clean=True),
        street_address=Text(fi=address.street.fi or address.street.first(), sv=address.street.sv),
        postal_code=address.postal_code,
        post_office=Text(fi=postal.name_fi.upper(), sv=postal.name_sv.upper()) if postal else Text(),
        municipality_code=municipality if municipality in context.known_municipalities else None,
        latitude=latitude,
        longitude=longitude,
        accessibility_register_id=address.register_id,
        schedules=tuple(
            schedules_from_v12_hours(
                channel.get("serviceHours"), weekly_kind=ScheduleKind.OPENING_HOURS, today=context.today
            )
        ),
        contacts=tuple(contacts_from_versions(channel)),
    )


@dataclass(frozen=True)
class ChannelSummary:
    """What a service takes from a channel it is connected to."""

    is_location: bool
    municipality_code: str | None = None
    contacts: tuple[ContactRecord, ...] = ()
    channel_type: str = ""


def channel_summary_from_v12(channel: Mapping[str, Any], context: MappingContext) -> ChannelSummary:
    if channel.get("serviceChannelType") == "ServiceLocation":
        address = place_address(channel)
        latitude, longitude = address.point if address.point else (None, None)
        return ChannelSummary(
            is_location=True,
            municipality_code=municipality_from_place(
                address.postal_code, latitude, longitude, context.postal_codes
            ),
        )
    contacts = contacts_from_versions(
        channel, phones="supportPhoneNumbers", emails="supportEmails", web_pages="webAddress"
    )
    if channel.get("serviceChannelType") == "TelephoneService":
        contacts = contacts_from_versions(
            channel, phones="phoneNumbers", emails="supportEmails", web_pages="webAddress"
        )
    return ChannelSummary(
        is_location=False, contacts=tuple(contacts), channel_type=str(channel.get("serviceChannelType") or "")
    )


def area_municipalities_v12(area: Any, context: MappingContext) -> tuple[bool, list[str]]:
    """(nationwide, municipality codes) of a v12 area; regions and counties expand to their members."""
    if not isinstance(area, Mapping):
        return False, []
    if area.get("areaType") in NATIONWIDE:
        return True, []
    codes = [code for code in area.get("municipalities") or () if isinstance(code, str)]
    codes += context.municipalities_in(
        regions=area.get("regions") or (), counties=area.get("wellbeingServicesCounties") or ()
    )
    return False, list(dict.fromkeys(codes))


def service_from_v12(
    item: Mapping[str, Any],
    connections: Sequence[Mapping[str, Any]],
    channels: Mapping[str, ChannelSummary],
    context: MappingContext,
) -> ServiceRecord | None:
    """A v12 service with its connections -> a record, or None when it is not ours to import."""
    external_id = _id(item)
    class_codes = [code for code in item.get("serviceClasses") or () if isinstance(code, str)]
    if not is_hyte_service(class_codes, context):
        return None
    links: list[ServiceLocationLink] = []
    contacts: list[ContactRecord] = []
    schedules: list[ScheduleRecord] = []
    places: set[str] = set()
    channel_types: list[str] = []
    for connection in connections:
        channel_id = (blank_to_none(connection.get("channelContentId")) or "").lower()
        summary = channels.get(channel_id)
        if summary is None:
            continue
        channel_types.append(summary.channel_type)
        hours = schedules_from_v12_hours(
            connection.get("serviceHours"), weekly_kind=ScheduleKind.SESSION, today=context.today
        )
        for contact in contacts_from_versions(connection):
            if contact not in contacts:
                contacts.append(contact)
        if summary.is_location:
            if summary.municipality_code:
                places.add(summary.municipality_code)
            links.append(
                ServiceLocationLink(
                    location_external_id=channel_id,
                    description=version_text(connection, "description", clean=True),
                    schedules=tuple(hours),
                )
            )
        else:
            contacts.extend(contact for contact in summary.contacts if contact not in contacts)
            schedules.extend(hours)
    nationwide, areas = area_municipalities_v12(item.get("area"), context)
    if not (
        nationwide
        or context.served_municipalities.intersection(areas)
        or context.served_municipalities & places
    ):
        return None
    name = display_name(item)
    if not name:
        raise MappingError(f"service {external_id} has no name")
    organisation_id = (blank_to_none(item.get("organizationContentId")) or "").lower()
    if not organisation_id:
        raise MappingError(f"service {external_id} has no responsible organisation")
    description = version_text(item, "description", clean=True)
    min_age, max_age = age_range_from_text(description.fi or description.first())
    target_codes = [code for code in item.get("targetGroups") or () if isinstance(code, str)]
    terms: list[TermRecord] = [
        *theme_terms(class_codes, target_codes, context),
        *(TermRecord(taxonomy=Taxonomy.PTV_SERVICE_CLASS, code=code) for code in class_codes),
        *(TermRecord(taxonomy=Taxonomy.PTV_TARGET_GROUP, code=code) for code in target_codes),
        *(
            TermRecord(taxonomy=Taxonomy.PTV_LIFE_EVENT, code=code)
            for code in item.get("lifeEvents") or ()
            if isinstance(code, str)
        ),
        *(
            TermRecord(taxonomy=Taxonomy.ONTOLOGY_TERM, code=uri[:255])
            for uri in item.get("ontologyTerms") or ()
            if isinstance(uri, str)
        ),
    ]
    for language in LANGUAGES:
        version = _versions(item).get(language)
        for keyword in (version.get("freelyAssignedKeywords") or ()) if isinstance(version, Mapping) else ():
            if value := blank_to_none(keyword):
                terms.append(
                    TermRecord(
                        taxonomy=Taxonomy.KEYWORD, code=value.lower()[:255], label=Text(**{language: value})
                    )
                )
    terms.extend(keyword_themes(terms, context))
    if offered_online(channel_types, has_place=bool(links), nationwide=nationwide):
        terms.extend(format_terms({"online"}))
    how_to_join = version_text(item, "userInstructions", clean=True)
    return ServiceRecord(
        provenance=replace(
            _provenance(item, external_id),
            source_url=suomi_fi_service_url(external_id, name.fi or name.first()),
        ),
        organisation_external_id=organisation_id,
        name=name,
        summary=version_text(item, "summary", clean=True),
        description=description,
        how_to_join=how_to_join,
        is_free=is_free_from_charge_type(item.get("chargeType"), version="v12"),
        price_text=version_text(item, "chargeTypeAdditionalInformation", clean=True),
        languages=tuple(
            language for language in item.get("serviceLanguages") or () if isinstance(language, str)
        ),
        min_age=min_age,
        max_age=max_age,
        status=ServiceStatus.ACTIVE,
        terms=tuple({(term.taxonomy, term.code): term for term in terms}.values()),
        area_municipality_codes=tuple(code for code in areas if code in context.known_municipalities),
        locations=tuple(links),
        schedules=tuple(schedules),
        contacts=tuple(contacts),
    )
