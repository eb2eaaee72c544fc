"""Pure helpers shared by the PTV v11 and v12 mappings: languages, coordinates, hours, phones, codes."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time
from functools import cache
from typing import Any

from pyproj import Transformer

from app.catalogue.enums import OrganisationKind, ScheduleKind, Taxonomy
from integrations.context import MappingContext
from integrations.records import EMPTY, ScheduleRecord, TermRecord, Text, term
from integrations.text import safe_text

LANGUAGES = ("fi", "sv", "en")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
BUSINESS_ID = re.compile(r"^\d{7}-\d$")

log = logging.getLogger(__name__)


def blank_to_none(value: Any) -> Any:
    """Sources send "" and whitespace where they mean nothing."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def text_from(
    items: Iterable[Mapping[str, Any]] | None, *, type_: str | None = None, clean: bool = False
) -> Text:
    """A Text from PTV's [{language, value, type}] list, by each item's `language`, never its position.

    Items of other types are skipped when `type_` is given; empty values count as missing; the first
    non-empty value per language wins.
    """
    found: dict[str, str] = {}
    for item in items or ():
        if not isinstance(item, Mapping):
            continue
        if type_ is not None and item.get("type") != type_:
            continue
        language = item.get("language")
        value = blank_to_none(item.get("value"))
        if clean:
            value = safe_text(value)
        if language in LANGUAGES and value and language not in found:
            found[language] = value
    return Text(fi=found.get("fi"), sv=found.get("sv"), en=found.get("en"))


def pick_by_language(
    items: Sequence[Mapping[str, Any]] | None, key: str = "value"
) -> Mapping[str, Any] | None:
    """The item in the first language present, fi → sv → en, then any other; None if none has `key`."""
    usable = [item for item in items or () if isinstance(item, Mapping) and blank_to_none(item.get(key))]
    for language in LANGUAGES:
        for item in usable:
            if item.get("language") == language:
                return item
    return usable[0] if usable else None


@cache
def _to_wgs84() -> Transformer:
    return Transformer.from_crs("EPSG:3067", "EPSG:4326", always_xy=True)


def wgs84_from_3067(northing: Any, easting: Any) -> tuple[float, float] | None:
    """(latitude, longitude) in WGS84 from ETRS-TM35FIN northing/easting; None when missing or absurd.

    PTV sends strings; "0"/"0" and empty values mean no coordinates. The bounds are Finland's extent
    in EPSG:3067 with a margin, which also catches swapped axes.
    """
    try:
        north = float(str(northing).replace(",", "."))
        east = float(str(easting).replace(",", "."))
    except (TypeError, ValueError):
        return None
    if north == 0 and east == 0:
        return None
    if not (6_500_000 <= north <= 7_900_000 and 0 <= east <= 900_000):
        return None
    longitude, latitude = _to_wgs84().transform(east, north)
    return round(latitude, 6), round(longitude, 6)


def parse_time(value: Any) -> time | None:
    """'HH:MM' or 'HH:MM:SS' -> time; '24:00' is midnight (callers mark it as the next day)."""
    value = blank_to_none(value)
    if not isinstance(value, str):
        return None
    match = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", value)
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour == 24 and minute == 0:
        return time(0, 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def parse_date(value: Any) -> date | None:
    """The calendar date of a PTV date or date-time ("2026-08-31" or "2026-08-31T00:00:00Z")."""
    value = blank_to_none(value)
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def parse_datetime(value: Any) -> datetime | None:
    """An aware datetime from ISO 8601; a value without offset is taken as UTC (PTV sends UTC)."""
    value = blank_to_none(value)
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        from datetime import UTC

        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def day_index(name: Any) -> int | None:
    if isinstance(name, str):
        for index, day in enumerate(DAYS):
            if day.lower() == name.strip().lower():
                return index
    return None


def weekly_rows(
    day_from: Any, day_to: Any, opens: time | None, closes: time | None
) -> list[tuple[str, time | None, time | None, bool]]:
    """Weekly rows (byday, opens, closes, closes_next_day) from one PTV opening-hour entry.

    - no `dayTo`: that one day; a closing time not after the opening time runs past midnight.
    - `dayTo` and a closing time after the opening time: the same hours on every day of the range.
    - `dayTo` and a closing time not after the opening time: one stretch from `dayFrom` at `opens`
      to `dayTo` at `closes` (Friday 18:00 – Saturday 02:00); stretches longer than a night are cut
      at midnight into whole days so that every row is at most one night long.
    """
    first = day_index(day_from)
    if first is None:
        return []
    last = day_index(day_to)
    over_midnight = opens is not None and closes is not None and closes <= opens
    if last is None or last == first:
        return [(BYDAY[first], opens, closes, over_midnight)]
    days = [(first + offset) % 7 for offset in range(((last - first) % 7) + 1)]
    if not over_midnight:
        return [(",".join(BYDAY[day] for day in days), opens, closes, False)]
    if len(days) == 2:
        return [(BYDAY[first], opens, closes, True)]
    midnight = time(0, 0)
    rows: list[tuple[str, time | None, time | None, bool]] = [(BYDAY[first], opens, midnight, True)]
    rows.extend((BYDAY[day], midnight, midnight, True) for day in days[1:-1])
    rows.append((BYDAY[days[-1]], midnight, closes, False))
    return rows


def schedules_from_hours(
    hours: Iterable[Mapping[str, Any]] | None, *, weekly_kind: ScheduleKind
) -> list[ScheduleRecord]:
    """PTV serviceHours (v11 and v12 use the same field names) -> schedule records.

    `weekly_kind` is OPENING_HOURS for a place's hours and SESSION for the times a group meets at a
    place (hours on a service–channel connection); sessions carry a weekly RRULE bounded by the
    validity dates.
    """
    records: list[ScheduleRecord] = []
    for entry in hours or ():
        if not isinstance(entry, Mapping):
            continue
        hour_type = entry.get("serviceHourType") or entry.get("type")
        valid_from = parse_date(entry.get("validFrom"))
        valid_to = parse_date(entry.get("validTo"))
        description = text_from(entry.get("additionalInformation"))
        closed = bool(entry.get("isClosed"))
        by_appointment = bool(entry.get("isReservation"))
        openings = [
            item
            for item in entry.get("openingHour") or entry.get("openingHours") or ()
            if isinstance(item, Mapping)
        ]
        if hour_type in ("Exceptional", "Exception", "Special"):
            base = ScheduleRecord(
                kind=ScheduleKind.EXCEPTION,
                valid_from=valid_from,
                valid_to=valid_to or valid_from,
                closed=closed,
                by_appointment=by_appointment,
                description=description,
            )
            if closed or not openings:
                records.append(base)
                continue
            for item in openings:
                opens, closes = parse_time(item.get("from")), parse_time(item.get("to"))
                records.append(
                    ScheduleRecord(
                        kind=ScheduleKind.EXCEPTION,
                        opens_at=opens,
                        closes_at=closes,
                        closes_next_day=bool(opens and closes and closes <= opens),
                        valid_from=valid_from,
                        valid_to=valid_to or valid_from,
                        by_appointment=by_appointment,
                        description=description,
                    )
                )
            continue
        if entry.get("isAlwaysOpen"):
            records.append(
                ScheduleRecord(
                    kind=weekly_kind,
                    byday=",".join(BYDAY),
                    opens_at=time(0, 0),
                    closes_at=time(0, 0),
                    closes_next_day=True,
                    valid_from=valid_from,
                    valid_to=valid_to,
                    description=description,
                )
            )
            continue
        for item in openings:
            opens, closes = parse_time(item.get("from")), parse_time(item.get("to"))
            for byday, row_opens, row_closes, next_day in weekly_rows(
                item.get("dayFrom"), blank_to_none(item.get("dayTo")), opens, closes
            ):
                rrule = None
                if weekly_kind is ScheduleKind.SESSION:
                    rrule = f"FREQ=WEEKLY;BYDAY={byday}"
                    if valid_to:
                        rrule += f";UNTIL={valid_to:%Y%m%d}T235959Z"
                records.append(
                    ScheduleRecord(
                        kind=weekly_kind,
                        byday=byday,
                        opens_at=row_opens,
                        closes_at=row_closes,
                        closes_next_day=next_day,
                        valid_from=valid_from,
                        valid_to=valid_to,
                        closed=closed,
                        by_appointment=by_appointment,
                        rrule=rrule,
                        dtstart=valid_from if rrule else None,
                        until=valid_to if rrule else None,
                        description=description,
                    )
                )
    return records


def phone_number(prefix: Any, number: Any, *, is_service_number: bool = False) -> str | None:
    """A dialable number from PTV's prefix and number: "+358" + "040 123 4567" -> "+358401234567".

    Finnish service numbers (0800, 0600, 116 117) are national only and keep their own form.
    """
    digits = re.sub(r"[^\d+]", "", str(blank_to_none(number) or ""))
    if not digits:
        return None
    prefix_digits = re.sub(r"[^\d+]", "", str(blank_to_none(prefix) or ""))
    if is_service_number or digits.startswith("+") or not prefix_digits:
        return digits
    if not prefix_digits.startswith("+"):
        prefix_digits = "+" + prefix_digits.lstrip("0")
    # The national trunk 0 is dropped after a country code ("+358 040..." is dialled "+35840...").
    return prefix_digits + (digits[1:] if digits.startswith("0") else digits)


# Each API version has its own words for a service's charge type: v11 (DVV's V11VmOpenApiService) says
# FreeOfCharge / Chargeable, v12 (schemas-extract.json, ServiceChargeType) says Free / Charged. A word of
# the other version is not trusted: it would mean the source changed and the mapping needs a look.
# v11's "Other" is PTV's "depends" (free for some, charged for others): not stated either way.
SERVICE_CHARGE_TYPES: dict[str, dict[str, bool | None]] = {
    "v11": {"FreeOfCharge": True, "Chargeable": False, "Other": None},
    "v12": {"Free": True, "Charged": False},
}
_unknown_charge_types_logged: set[tuple[str, str]] = set()


def is_free_from_charge_type(value: Any, *, version: str) -> bool | None:
    """PTV charge type of `version` -> free (True) / charged (False) / not stated or unknown (None).

    A value the version does not define is stored as unknown and logged once per process (a crawl of
    100,000 services must not log the same surprise 100,000 times).
    """
    value = blank_to_none(value)
    if value is None:
        return None
    vocabulary = SERVICE_CHARGE_TYPES[version]
    if isinstance(value, str) and value in vocabulary:
        return vocabulary[value]
    key = (version, str(value)[:40])
    if key not in _unknown_charge_types_logged:
        _unknown_charge_types_logged.add(key)
        log.warning(
            "PTV %s: unknown service charge type %r stored as unknown (known: %s)",
            version,
            key[1],
            ", ".join(vocabulary),
        )
    return None


def organisation_kind(organisation_type: Any, name: str | None) -> OrganisationKind:
    """PTV organisationType -> our kind. Parishes are 'Organization' in PTV; their names tell them apart."""
    value = blank_to_none(organisation_type)
    lowered = (name or "").lower()
    if value == "Municipality":
        return OrganisationKind.MUNICIPALITY
    if value in ("RegionalOrganization", "Region", "SotePublic", "WellbeingServicesCounty"):
        return OrganisationKind.WELLBEING_COUNTY
    if value in ("State",):
        return OrganisationKind.STATE_AGENCY
    if value in ("Company", "SotePrivate"):
        return OrganisationKind.COMPANY
    if "seurakun" in lowered or "församling" in lowered:
        return OrganisationKind.PARISH
    if value == "Organization":
        return OrganisationKind.NGO
    return OrganisationKind.OTHER


def business_id(value: Any) -> str | None:
    value = blank_to_none(value)
    return value if isinstance(value, str) and BUSINESS_ID.match(value) else None


def class_with_ancestors(code: str) -> list[str]:
    """'P27.1.2' -> ['P27.1.2', 'P27.1', 'P27']: a subclass of a hyte class is a hyte class too."""
    parts = code.split(".")
    return [".".join(parts[:length]) for length in range(len(parts), 0, -1)]


def is_hyte_service(class_codes: Iterable[str], context: MappingContext) -> bool:
    hyte = context.hyte_service_classes
    return any(ancestor in hyte for code in class_codes for ancestor in class_with_ancestors(code))


def theme_terms(
    class_codes: Iterable[str], target_group_codes: Iterable[str], context: MappingContext
) -> list[TermRecord]:
    """Our hyte themes of a service, from its service classes (and their parents) and target groups."""
    themes: set[str] = set()
    for code in class_codes:
        for ancestor in class_with_ancestors(code):
            themes.update(context.themes_by_code.get((Taxonomy.PTV_SERVICE_CLASS, ancestor), ()))
    for code in target_group_codes:
        themes.update(context.themes_by_code.get((Taxonomy.PTV_TARGET_GROUP, code), ()))
    return [term(Taxonomy.THEME, theme, context.theme_labels.get(theme, EMPTY)) for theme in sorted(themes)]


def accessibility_text(entrances: Iterable[Mapping[str, Any]] | None) -> Text:
    """PTV entrance accessibility sentences -> one text per language: "Heading: sentence sentence"."""
    lines: dict[str, list[str]] = {language: [] for language in LANGUAGES}
    for entrance in entrances or ():
        if not isinstance(entrance, Mapping):
            continue
        for group in entrance.get("accessibilitySentences") or ():
            if not isinstance(group, Mapping):
                continue
            heading = text_from(group.get("sentenceGroup"))
            sentences = [
                text_from(item.get("sentence"))
                for item in group.get("sentences") or ()
                if isinstance(item, Mapping)
            ]
            for language in LANGUAGES:
                body = " ".join(s for s in (getattr(sentence, language) for sentence in sentences) if s)
                if not body:
                    continue
                title = getattr(heading, language)
                lines[language].append(f"{title}: {body}" if title else body)
    return Text(**{language: "\n".join(found) or None for language, found in lines.items()})


def continuous_rows(
    day_from: Any, day_to: Any, opens: time | None, closes: time | None
) -> list[tuple[str, time | None, time | None, bool]]:
    """Rows for one continuous stretch, e.g. open nonstop from Monday 08:00 to Friday 16:00."""
    first, last = day_index(day_from), day_index(day_to)
    if first is None:
        return []
    if last is None or last == first:
        over_midnight = opens is not None and closes is not None and closes <= opens
        return [(BYDAY[first], opens, closes, over_midnight)]
    days = [(first + offset) % 7 for offset in range(((last - first) % 7) + 1)]
    midnight = time(0, 0)
    rows: list[tuple[str, time | None, time | None, bool]] = [
        (BYDAY[first], opens or midnight, midnight, True)
    ]
    rows.extend((BYDAY[day], midnight, midnight, True) for day in days[1:-1])
    rows.append((BYDAY[days[-1]], midnight, closes or midnight, closes is None or closes == midnight))
    return rows


def municipality_from_place(
    postal_code: str | None,
    latitude: float | None,
    longitude: float | None,
    postal_codes: Mapping[str, Any],
    *,
    max_km: float = 15.0,
) -> str | None:
    """A place's municipality where the source gives no code (PTV v12): by postal code, else by the
    nearest postal-code point within `max_km` of its coordinates. Never from a service's area."""
    if postal_code and postal_code in postal_codes:
        return str(postal_codes[postal_code].municipality_code)
    if latitude is None or longitude is None:
        return None
    import math

    best: tuple[float, str] | None = None
    cos_lat = math.cos(math.radians(latitude))
    for entry in postal_codes.values():
        # Equirectangular distance: exact enough at these distances, and cheap for 3,600 points.
        dx = (entry.longitude - longitude) * cos_lat * 111.32
        dy = (entry.latitude - latitude) * 110.57
        distance = math.hypot(dx, dy)
        if best is None or distance < best[0]:
            best = (distance, entry.municipality_code)
    return best[1] if best and best[0] <= max_km else None


_SLUG_FOLD = str.maketrans({"ä": "a", "å": "a", "ö": "o", "é": "e", "ü": "u"})


def suomi_fi_service_url(service_id: str, name_fi: str | None) -> str:
    """The service's page on Suomi.fi, where PTV publishes every listing:
    https://www.suomi.fi/palvelut/<name as a slug>/<service id>."""
    slug = re.sub(r"[^a-z0-9]+", "-", (name_fi or "").lower().translate(_SLUG_FOLD)).strip("-") or "palvelu"
    return f"https://www.suomi.fi/palvelut/{slug}/{service_id.lower()}"


def keyword_themes(terms: Iterable[TermRecord], context: MappingContext) -> list[TermRecord]:
    """Hyte themes that a service's free keywords name (theme_mapping.csv `keyword` rows, e.g.
    "kaatumisten ehkäisy" -> arjen-turvallisuus), beyond the themes it already has: service
    classes alone put fall prevention under exercise only."""
    present = {t.code for t in terms if t.taxonomy == Taxonomy.THEME}
    themes: set[str] = set()
    for t in terms:
        if t.taxonomy == Taxonomy.KEYWORD:
            themes.update(context.themes_by_code.get((Taxonomy.KEYWORD, t.code.casefold()), ()))
    return [
        term(Taxonomy.THEME, theme, context.theme_labels.get(theme, EMPTY))
        for theme in sorted(themes - present)
    ]


# Channel types through which a service is used on the web (v11 and v12 names).
ONLINE_CHANNEL_TYPES = frozenset({"EChannel", "ElectronicService", "WebPage", "WebPageService"})


def offered_online(channel_types: Iterable[str], *, has_place: bool, nationwide: bool) -> bool:
    """Whether a PTV service is used online: it has an e-service channel (an online service even
    where it also has places), or it has no place in our area and is reached through a web page or
    offered nationwide (national digital services, online activities, advice lines)."""
    types = set(channel_types)
    if types & {"EChannel", "ElectronicService"}:
        return True
    return not has_place and (bool(types & ONLINE_CHANNEL_TYPES) or nationwide)
