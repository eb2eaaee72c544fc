"""Lähellä.fi activity (management API `traits`) -> catalogue records. Pure: no I/O, no clock.

Code lists (reverse-engineered by jkseppan/lahella-cli, see ../shared/reference/lahella/enums.json):
`ht_*` themes, `hm_*` formats, `ac_*` accessibility, `ageGroup/range:a-b` demographics,
`state/FI/<maakunta>` / `city/FI/<kunta>` regions. Event times are epoch milliseconds with a time zone.
A recurring schedule stays one RRULE; it is never expanded into one row per meeting.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import nh3

from app.catalogue.enums import (
    AccessibilityFeature,
    ContactKind,
    OrganisationKind,
    ScheduleKind,
    Source,
    Taxonomy,
)
from integrations.context import MappingContext
from integrations.formats import format_terms
from integrations.lookups import MunicipalityNames
from integrations.records import (
    EMPTY,
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
from integrations.text import safe_text

HELSINKI = ZoneInfo("Europe/Helsinki")
LANGUAGES = ("fi", "sv", "en")


class MappingError(ValueError):
    """The activity cannot become a record; the message says which field and why."""


@dataclass(frozen=True)
class LahellaContext:
    """What the mapping needs besides the payload: the organisation the credentials belong to, code tables."""

    group: str
    organisation_name: str | None
    business_id: str | None
    mapping: MappingContext
    names: MunicipalityNames


# Labels of the API codes. Finnish as on lahella.fi, English from lahella-cli; Swedish where known.
THEME_LABELS: dict[str, Text] = {
    "ht_digi_teknologia": Text(fi="Digi ja teknologia", en="Tech & gaming"),
    "ht_hyvinvointi": Text(fi="Hyvinvointi ja elämäntapa", en="Wellness & lifestyle"),
    "ht_kansainvalisyys": Text(fi="Kansainvälisyys", en="International activities"),
    "ht_kulttuuri": Text(fi="Kulttuuri ja taide", en="Culture & arts"),
    "ht_kadentaidot": Text(fi="Kädentaidot", en="Crafts & handicrafts"),
    "ht_luonto": Text(fi="Luonto ja eläimet", en="Nature & animals"),
    "ht_maanpuolustus": Text(fi="Maanpuolustus", en="National defence"),
    "ht_pelastustoiminta": Text(fi="Pelastustoiminta", en="Fire & rescue services"),
    "ht_urheilu": Text(fi="Urheilu ja liikunta", en="Sports & exercise"),
    "ht_uskonnot": Text(fi="Uskonnot ja katsomukset", en="Religion & spirituality"),
    "ht_vaikuttaminen": Text(fi="Vaikuttaminen ja ihmisoikeudet", en="Advocacy, democracy & human rights"),
}
FORMAT_LABELS: dict[str, Text] = {
    "hm_esitykset": Text(fi="Esitykset", en="Performances & shows"),
    "hm_harrastukset": Text(fi="Harrastukset", en="Hobbies & activities"),
    "hm_kohtaamispaikka": Text(fi="Kohtaamispaikat", en="Meeting places & community spaces"),
    "hm_kylatoiminta": Text(fi="Kylätoiminta", en="Village & neighbourhood activities"),
    "hm_leirit": Text(fi="Leirit ja retket", en="Camps, trips & excursions"),
    "hm_nayttelyt": Text(fi="Näyttelyt", en="Exhibitions"),
    "hm_oleskelu": Text(fi="Oleskelu", en="Recreation & leisure"),
    "hm_oppaat": Text(fi="Oppaat ja julkaisut", en="Guides & publications"),
    "hm_ryhmat": Text(fi="Ryhmät ja kerhot", en="Groups & clubs"),
    "hm_tilaisuudet": Text(fi="Tilaisuudet ja luennot", en="Events & lectures"),
}
_FORMAT_FROM_HM = {
    "hm_ryhmat": "group",
    "hm_kohtaamispaikka": "drop-in",
    "hm_tilaisuudet": "event",
    "hm_esitykset": "event",
    "hm_leirit": "trip",
}
_FORMAT_FROM_CHANNEL = {"online": "online", "hybrid": "online", "phone": "phone"}

# ac_* codes a resident can filter on; the others become sentences of the accessibility text.
_FEATURES = {
    "ac_wheelchair": AccessibilityFeature.WHEELCHAIR,
    "ac_rollator": AccessibilityFeature.ROLLATOR,
    "ac_inductionloop": AccessibilityFeature.HEARING,
}
_ACCESSIBILITY_SENTENCES: dict[str, Text] = {
    "ac_wheelchair": Text(
        fi="Esteetön kulku pyörätuolilla.", sv="Tillgängligt med rullstol.", en="Wheelchair accessible."
    ),
    "ac_rollator": Text(
        fi="Esteetön kulku rollaattorilla.", sv="Tillgängligt med rollator.", en="Rollator accessible."
    ),
    "ac_inductionloop": Text(fi="Induktiosilmukka.", sv="Induktionsslinga.", en="Induction loop."),
    "ac_itoilet": Text(fi="Esteetön WC.", sv="Tillgänglig toalett.", en="Accessible toilet."),
    "ac_parking": Text(fi="Pysäköintimahdollisuus.", sv="Parkering finns.", en="Parking available."),
    "ac_unknow": Text(
        fi="Järjestäjä ei takaa esteettömyyttä.",
        sv="Arrangören garanterar inte tillgänglighet.",
        en="The organiser does not guarantee accessibility.",
    ),
}

# Symbolic age groups of the lahella-cli schema and the ranges the API turns them into.
_AGE_GROUPS = {
    "baby": (0, 1),
    "child": (2, 6),
    "schoolAge": (7, 12),
    "young": (13, 17),
    "youngAdult": (18, 29),
    "adult": (30, 64),
    "elderly": (65, 99),
}
_AGE_RANGE = re.compile(r"^ageGroup/range:(\d{1,3})-(\d{1,3})$")
# The API's top age means "and older"; ranges that start at 0 and reach it mean "all ages".
_OPEN_TOP_AGE = 99

# Activity language codes (traits.locale) -> ISO 639 codes; Finnish Sign Language has only ISO 639-3.
_LANGUAGES = {"fisl": "fse"}

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_PERIODS = {"P1D": ("DAILY", 1), "P1W": ("WEEKLY", 1), "P2W": ("WEEKLY", 2), "P3W": ("WEEKLY", 3)}
_PERIODS |= {"P4W": ("WEEKLY", 4), "P1M": ("MONTHLY", 1)}


# ---------------------------------------------------------------------------------------------
# Small pieces
# ---------------------------------------------------------------------------------------------


def plain(value: Any) -> str | None:
    """A one-line value (a name, an address): markup removed, whitespace collapsed, empty -> None."""
    if not isinstance(value, str):
        return None
    if "<" in value or "&" in value:
        # Markup only, never Markdown: a name like "#1 ryhmä" or "1. kerros" must stay as written.
        value = html.unescape(nh3.clean(value, tags=set(), attributes={}))
    return " ".join(value.split()) or None


def _text(translations: Mapping[str, Any] | None, key: str, *, html: bool = True) -> Text:
    """A field of `translations.{fi,sv,en}`; missing, null and empty values are None."""
    values: dict[str, str | None] = {}
    for lang in LANGUAGES:
        block = (translations or {}).get(lang)
        raw = block.get(key) if isinstance(block, Mapping) else None
        if raw is not None and not isinstance(raw, str):
            raise MappingError(f"translations.{lang}.{key} is not text")
        values[lang] = (safe_text(raw) if html else plain(raw)) if raw else None
    return Text(**values)


def ages_from_demographic(codes: Iterable[str]) -> tuple[int | None, int | None]:
    """(min_age, max_age) of the age groups; None at an end that is open (all ages, 'and older')."""
    ranges: list[tuple[int, int]] = []
    for code in codes:
        match = _AGE_RANGE.match(code)
        if match:
            ranges.append((int(match.group(1)), int(match.group(2))))
        elif code.startswith("ageGroup/") and code.removeprefix("ageGroup/") in _AGE_GROUPS:
            ranges.append(_AGE_GROUPS[code.removeprefix("ageGroup/")])
    if not ranges:
        return None, None
    low = min(start for start, _ in ranges)
    high = max(end for _, end in ranges)
    return (low or None), (None if high >= _OPEN_TOP_AGE else high)


def languages_from_locales(codes: Iterable[str]) -> tuple[str, ...]:
    """Activity languages as ISO 639 codes ("fi-FI" -> "fi"), in the source's order, without repeats."""
    result: list[str] = []
    for code in codes:
        lang = _LANGUAGES.get(code, code.split("-")[0].lower())
        if lang and lang not in result:
            result.append(lang)
    return tuple(result)


def area_from_regions(codes: Iterable[str], names: MunicipalityNames) -> tuple[str, ...]:
    """Municipality codes of `city/FI/<kunta>` and `state/FI/<maakunta>`; () means national or unknown."""
    result: set[str] = set()
    for code in codes:
        kind, _, rest = code.partition("/")
        name = rest.split("/", 1)[1] if rest.startswith("FI/") else None
        if kind == "city":
            municipality = names.code_for_name(name)
            if municipality:
                result.add(municipality)
        elif kind == "state":
            result.update(names.codes_for_region(name))
    return tuple(sorted(result))


def accessibility_from_codes(codes: Iterable[str]) -> tuple[tuple[str, ...], Text]:
    """(AccessibilityFeature values, sentences in fi/sv/en) of the `ac_*` codes the organiser ticked."""
    features: list[str] = []
    sentences: list[Text] = []
    for code in codes:
        feature = _FEATURES.get(code)
        if feature and feature.value not in features:
            features.append(feature.value)
        if code in _ACCESSIBILITY_SENTENCES:
            sentences.append(_ACCESSIBILITY_SENTENCES[code])
    if not sentences:
        return tuple(features), EMPTY
    return tuple(features), Text(
        **{lang: " ".join(getattr(sentence, lang) for sentence in sentences) for lang in LANGUAGES}
    )


def themes_from_codes(
    activity_type: str | None,
    themes: Iterable[str],
    formats: Iterable[str],
    theme_mapping: Mapping[tuple[str, str], frozenset[str]],
) -> tuple[str, ...]:
    """Hyte theme codes through the mapping table (theme_mapping.csv): ht_*, hm_* and the activity type."""
    result: set[str] = set()
    keys = [(Taxonomy.LAHELLA_THEME.value, code) for code in themes]
    keys += [(Taxonomy.LAHELLA_FORMAT.value, code) for code in formats]
    if activity_type:
        keys.append((Taxonomy.LAHELLA_TYPE.value, activity_type))
    for key in keys:
        result.update(theme_mapping.get(key, ()))
    return tuple(sorted(result))


def _local(epoch_ms: Any, zone: ZoneInfo, what: str) -> datetime:
    if isinstance(epoch_ms, bool) or not isinstance(epoch_ms, int | float):
        raise MappingError(f"{what} is not a timestamp in milliseconds: {epoch_ms!r}")
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC).astimezone(zone)


def _clock(value: Any, what: str) -> time:
    if not isinstance(value, str):
        raise MappingError(f"{what} is not a time: {value!r}")
    try:
        hours, minutes = value.split(":")
        return time(int(hours) % 24, int(minutes))
    except ValueError as exc:
        raise MappingError(f"{what} is not HH:MM: {value!r}") from exc


def _until_utc(day: date, zone: ZoneInfo) -> str:
    # RFC 5545: with a zoned start, UNTIL is UTC. The last local second of the day keeps that day's meeting.
    end = datetime.combine(day, time(23, 59, 59), tzinfo=zone).astimezone(UTC)
    return end.strftime("%Y%m%dT%H%M%SZ")


def _exdates(values: Any, zone: ZoneInfo) -> tuple[str, ...]:
    result: list[str] = []
    for value in values or ():
        if isinstance(value, str):
            try:
                result.append(date.fromisoformat(value[:10]).isoformat())
            except ValueError as exc:
                raise MappingError(f"recurrence.exclude has a bad date: {value!r}") from exc
        else:
            result.append(_local(value, zone, "recurrence.exclude").date().isoformat())
    return tuple(sorted(set(result)))


def _nth_weekday(day: date) -> str:
    """RFC 5545 BYDAY for "the same weekday of the month", e.g. 2TU for the second Tuesday."""
    return f"{(day.day - 1) // 7 + 1}{_WEEKDAYS[day.weekday()]}"


def schedules_from_event(event: Mapping[str, Any]) -> tuple[ScheduleRecord, ...]:
    """One `channels[].events[]` entry -> session schedules; a recurrence stays one RRULE per weekday time."""
    try:
        zone = ZoneInfo(event.get("timeZone") or "Europe/Helsinki")
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise MappingError(f"unknown time zone {event.get('timeZone')!r}") from exc
    start = _local(event.get("start"), zone, "events[].start")
    end = _local(event["end"], zone, "events[].end") if event.get("end") is not None else None
    recurrence = event.get("recurrence") or None
    if recurrence is None:
        # A single meeting (type 1), or a continuous date range (type 3) without weekday times.
        last_day = end.date() if end else start.date()
        return (
            ScheduleRecord(
                kind=ScheduleKind.SESSION.value,
                dtstart=start.date(),
                until=last_day,
                opens_at=start.time().replace(second=0, microsecond=0),
                closes_at=end.time().replace(second=0, microsecond=0)
                if end and last_day == start.date()
                else None,
            ),
        )
    period = recurrence.get("period") or "P1W"
    if period not in _PERIODS:
        raise MappingError(f"unknown recurrence period {period!r}")
    freq, interval = _PERIODS[period]
    until = _local(recurrence["end"], zone, "recurrence.end").date() if recurrence.get("end") else None
    exdates = _exdates(recurrence.get("exclude"), zone)
    times = recurrence.get("daySpecificTimes") or []
    base = f"FREQ={freq}" + (f";INTERVAL={interval}" if interval > 1 else "")
    tail = f";UNTIL={_until_utc(until, zone)}" if until else ""
    if not times:
        # No weekday times: the meeting repeats at the start's weekday and time.
        byday = _nth_weekday(start.date()) if freq == "MONTHLY" else _WEEKDAYS[start.weekday()]
        rrule = base + ("" if freq == "DAILY" else f";BYDAY={byday}") + tail
        return (
            ScheduleRecord(
                kind=ScheduleKind.SESSION.value,
                byday=None if freq == "DAILY" else byday,
                opens_at=start.time().replace(second=0, microsecond=0),
                rrule=rrule,
                dtstart=start.date(),
                until=until,
                exdates=exdates,
            ),
        )
    result: list[ScheduleRecord] = []
    for slot in times:
        weekday = slot.get("weekday")
        if not isinstance(weekday, int) or not 1 <= weekday <= 7:
            raise MappingError(f"daySpecificTimes weekday is 1-7, got {weekday!r}")
        opens = _clock(slot.get("startTime"), "daySpecificTimes.startTime")
        closes = _clock(slot.get("endTime"), "daySpecificTimes.endTime") if slot.get("endTime") else None
        day = _WEEKDAYS[weekday - 1]
        # The first meeting is the first such weekday on or after the start date.
        first = start.date() + timedelta(days=(weekday - 1 - start.weekday()) % 7)
        byday = _nth_weekday(first) if freq == "MONTHLY" else day
        result.append(
            ScheduleRecord(
                kind=ScheduleKind.SESSION.value,
                byday=byday,
                opens_at=opens,
                closes_at=closes,
                closes_next_day=closes is not None and closes <= opens,
                rrule=f"{base};BYDAY={byday}{tail}",
                dtstart=first,
                until=until,
                exdates=exdates,
            )
        )
    return tuple(result)


def _contacts(items: Iterable[Mapping[str, Any]]) -> tuple[ContactRecord, ...]:
    kinds = {"www": ContactKind.WEB, "email": ContactKind.EMAIL, "phone": ContactKind.PHONE}
    result: list[ContactRecord] = []
    for item in items:
        kind = kinds.get(str(item.get("type")))
        value = plain(item.get("value")) if isinstance(item.get("value"), str) else None
        if kind is None or value is None:
            continue
        result.append(
            ContactRecord(
                kind=kind.value, value=value, label=_text(item.get("translations"), "description", html=False)
            )
        )
    return tuple(result)


# ---------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------


def organisation_from_settings(context: LahellaContext) -> OrganisationRecord:
    """The organisation the credentials belong to: the API scopes every activity to its group."""
    return OrganisationRecord(
        provenance=Provenance(source=Source.LAHELLA.value, external_id=context.group),
        kind=OrganisationKind.NGO.value,
        name=Text(fi=context.organisation_name or context.group),
        business_id=context.business_id,
    )


@dataclass(frozen=True)
class MappedActivity:
    """A published activity: its service and the places it meets at."""

    service: ServiceRecord
    locations: tuple[LocationRecord, ...]


def activity_key(activity: Mapping[str, Any]) -> str | None:
    key = activity.get("_key")
    return str(key) if isinstance(key, str | int) and str(key) else None


def is_published(activity: Mapping[str, Any]) -> bool:
    return activity.get("status") == "published"


def location_external_id(activity_id: str, channel_id: str) -> str:
    # Channel ids are only known to be unique within their activity.
    return f"{activity_id}/{channel_id}"


def _location_from_channel(
    activity_id: str, channel: Mapping[str, Any], name: Text, context: LahellaContext
) -> LocationRecord | None:
    translations = channel.get("translations") or {}
    addresses = {lang: (translations.get(lang) or {}).get("address") or {} for lang in LANGUAGES}
    first = next((address for address in addresses.values() if address), {})
    street = Text(**{lang: plain(addresses[lang].get("street")) for lang in LANGUAGES})
    postal_code = plain(first.get("postalCode"))
    if postal_code is not None and not re.fullmatch(r"\d{5}", postal_code):
        postal_code = None
    city = Text(**{lang: plain(addresses[lang].get("city")) for lang in LANGUAGES})
    center = (channel.get("map") or {}).get("center") or {}
    coordinates = center.get("coordinates") if center.get("type") == "Point" else None
    longitude = latitude = None
    # GeoJSON order: [longitude, latitude]. A point outside Finland's box is a data entry slip.
    if (
        isinstance(coordinates, list)
        and len(coordinates) == 2
        and all(isinstance(c, int | float) and not isinstance(c, bool) for c in coordinates)
        and 59.0 <= coordinates[1] <= 70.5
        and 19.0 <= coordinates[0] <= 32.0
    ):
        longitude, latitude = float(coordinates[0]), float(coordinates[1])
    if not street and latitude is None:
        return None
    municipality = context.names.code_for_name(city.first())
    if municipality is None and postal_code is not None and postal_code in context.mapping.postal_codes:
        municipality = context.mapping.postal_codes[postal_code].municipality_code
    features, accessibility = accessibility_from_codes(channel.get("accessibility") or [])
    channel_id = str(channel.get("id") or "")
    return LocationRecord(
        provenance=Provenance(
            source=Source.LAHELLA.value, external_id=location_external_id(activity_id, channel_id)
        ),
        name=name,
        organisation_external_id=context.group,
        description=_text(translations, "summary"),
        street_address=Text(fi=street.fi or street.first(), sv=street.sv),
        postal_code=postal_code,
        post_office=Text(fi=city.fi or city.first(), sv=city.sv),
        municipality_code=municipality,
        latitude=latitude,
        longitude=longitude,
        accessibility=accessibility,
        accessibility_features=features,
    )


def activity_from_payload(activity: Mapping[str, Any], context: LahellaContext) -> MappedActivity:
    """A published activity -> its service record and locations. Raises MappingError on bad data."""
    activity_id = activity_key(activity)
    if activity_id is None:
        raise MappingError("activity has no _key")
    traits = activity.get("traits")
    if not isinstance(traits, Mapping):
        raise MappingError("activity has no traits")
    translations = traits.get("translations") or {}
    name = _text(translations, "name", html=False)
    if not name:
        raise MappingError("activity has no name in fi, sv or en")
    theme_codes = [str(code) for code in traits.get("theme") or []]
    format_codes = [str(code) for code in traits.get("format") or []]
    activity_type = traits.get("type") if isinstance(traits.get("type"), str) else None
    min_age, max_age = ages_from_demographic(str(code) for code in traits.get("demographic") or [])
    area = area_from_regions((str(code) for code in traits.get("region") or []), context.names)
    pricing = set(traits.get("pricing") or [])
    is_free = True if pricing == {"free"} else False if "paid" in pricing else None

    terms: list[TermRecord] = []
    for theme in themes_from_codes(activity_type, theme_codes, format_codes, context.mapping.themes_by_code):
        terms.append(TermRecord(Taxonomy.THEME.value, theme, context.mapping.theme_labels.get(theme, EMPTY)))
    for code in theme_codes:
        terms.append(TermRecord(Taxonomy.LAHELLA_THEME.value, code, THEME_LABELS.get(code, EMPTY)))
    for code in format_codes:
        terms.append(TermRecord(Taxonomy.LAHELLA_FORMAT.value, code, FORMAT_LABELS.get(code, EMPTY)))
    formats = {_FORMAT_FROM_HM[code] for code in format_codes if code in _FORMAT_FROM_HM}

    links: list[ServiceLocationLink] = []
    locations: list[LocationRecord] = []
    service_schedules: list[ScheduleRecord] = []
    contacts = list(_contacts(traits.get("contacts") or []))
    registration_url: str | None = None
    how_to_join = _text(translations, "registration")
    for channel in traits.get("channels") or []:
        if not isinstance(channel, Mapping):
            raise MappingError("a channel is not an object")
        types = [str(kind) for kind in channel.get("type") or []]
        formats.update(_FORMAT_FROM_CHANNEL[kind] for kind in types if kind in _FORMAT_FROM_CHANNEL)
        schedules = tuple(s for event in channel.get("events") or [] for s in schedules_from_event(event))
        registration_url = registration_url or plain(channel.get("registrationUrl"))
        email = plain(channel.get("registrationEmail"))
        if email and all(contact.value != email for contact in contacts):
            label = Text(fi="Ilmoittautuminen", sv="Anmälan", en="Registration")
            contacts.append(ContactRecord(kind=ContactKind.EMAIL.value, value=email, label=label))
        if not how_to_join:
            how_to_join = _text(channel.get("translations"), "registration")
        location = None
        if "place" in types or "hybrid" in types:
            location = _location_from_channel(activity_id, channel, name, context)
        if location is None:
            service_schedules.extend(schedules)
            continue
        locations.append(location)
        links.append(
            ServiceLocationLink(location_external_id=location.provenance.external_id, schedules=schedules)
        )
    terms.extend(format_terms(formats))

    service = ServiceRecord(
        provenance=Provenance(source=Source.LAHELLA.value, external_id=activity_id),
        organisation_external_id=context.group,
        name=name,
        summary=_text(translations, "summary"),
        description=_text(translations, "description"),
        how_to_join=how_to_join,
        registration_url=registration_url,
        is_free=is_free,
        price_text=_text(translations, "pricing"),
        languages=languages_from_locales(str(code) for code in traits.get("locale") or []),
        min_age=min_age,
        max_age=max_age,
        terms=tuple(terms),
        area_municipality_codes=area,
        locations=tuple(links),
        schedules=tuple(service_schedules),
        contacts=tuple(contacts),
        organisation_business_id=context.business_id,
    )
    return MappedActivity(service=service, locations=tuple(locations))


def is_in_area(mapped: MappedActivity, served: frozenset[str]) -> bool:
    """Served if a place or the target area is in a served municipality; national activities count."""
    places = [location.municipality_code for location in mapped.locations if location.municipality_code]
    if not places and not mapped.service.area_municipality_codes:
        return True
    return any(code in served for code in [*places, *mapped.service.area_municipality_codes])
