"""LinkedEvents event (with its sessions) -> catalogue records. Pure: no I/O, no clock.

A recurring course is a super event (`super_event_type: "recurring"`) whose sub events are its
meetings. It becomes ONE service; the meetings become session schedules, folded into one RRULE per
weekday and time wherever they repeat regularly, so fifty Tuesdays are one row, not fifty listings.
Umbrella super events (festivals) are not services; their sub events are listed on their own.
Times arrive in UTC and are stored as Helsinki wall-clock times.
"""

from __future__ import annotations

import html
import itertools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import nh3

from app.catalogue.enums import (
    ContactKind,
    OrganisationKind,
    ScheduleKind,
    ServiceStatus,
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
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_BUSINESS_ID = re.compile(r"^\d{7}-\d$")
# A series meets at least every fourth week; rarer meetings are listed one by one.
_MAX_INTERVAL_WEEKS = 4
_FORMAT_BY_TYPE = {"General": "event", "Course": "course", "Volunteering": "volunteering"}


class MappingError(ValueError):
    """The event cannot become a record; the message says which field and why."""


@dataclass(frozen=True)
class LinkedEventsContext:
    mapping: MappingContext
    names: MunicipalityNames


@dataclass(frozen=True)
class Session:
    """One meeting: start and end as aware datetimes (end may be None)."""

    start: datetime
    end: datetime | None


# ---------------------------------------------------------------------------------------------
# Small pieces
# ---------------------------------------------------------------------------------------------


def _plain(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    if "<" in value or "&" in value:
        value = html.unescape(nh3.clean(value, tags=set(), attributes={}))
    return " ".join(value.split()) or None


def _text(value: Any, *, rich: bool = True) -> Text:
    """A LinkedEvents translated field ({"fi": ..., "sv": ..., "en": ...}); null and empty are missing."""
    if value is None:
        return EMPTY
    if isinstance(value, str):  # some forks send a plain string for a translated field
        value = {"fi": value}
    if not isinstance(value, Mapping):
        raise MappingError(f"expected a translated text, got {type(value).__name__}")
    convert = safe_text if rich else _plain
    return Text(
        **{lang: convert(value[lang]) if isinstance(value.get(lang), str) else None for lang in LANGUAGES}
    )


def reference_id(value: Any) -> str | None:
    """The id of a related object, expanded (`{"id": ...}`) or a reference (`{"@id": ".../keyword/yso:p916/"}`)."""
    if isinstance(value, Mapping):
        if isinstance(value.get("id"), str | int):
            return str(value["id"])
        link = value.get("@id")
        if isinstance(link, str) and link.strip("/"):
            return link.rstrip("/").rsplit("/", 1)[-1] or None
    return None


def parse_time(value: Any, what: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise MappingError(f"{what} is not a timestamp: {value!r}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise MappingError(f"{what} is not ISO 8601: {value!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)  # the API speaks UTC; a fork that drops the zone means UTC
    return parsed


def business_id_from_publisher(publisher: str | None) -> str | None:
    """Organisations registered from the trade register have ids like `ytj:1234567-8`."""
    if publisher and publisher.startswith("ytj:"):
        candidate = publisher.removeprefix("ytj:")
        if _BUSINESS_ID.match(candidate):
            return candidate
    return None


def themes_from_keywords(
    keyword_ids: Iterable[str], themes_by_code: Mapping[tuple[str, str], frozenset[str]]
) -> tuple[str, ...]:
    """Hyte theme codes of LinkedEvents keywords (YSO and others) through theme_mapping.csv."""
    result: set[str] = set()
    for keyword in keyword_ids:
        result.update(themes_by_code.get((Taxonomy.LINKEDEVENTS_KEYWORD.value, keyword), ()))
    return tuple(sorted(result))


def _clock(moment: datetime) -> time:
    return moment.time().replace(second=0, microsecond=0)


def _until_utc(day: date) -> str:
    end = datetime.combine(day, time(23, 59, 59), tzinfo=HELSINKI).astimezone(UTC)
    return end.strftime("%Y%m%dT%H%M%SZ")


def _single(session: Session) -> ScheduleRecord:
    start = session.start.astimezone(HELSINKI)
    end = session.end.astimezone(HELSINKI) if session.end else None
    last_day = end.date() if end else start.date()
    one_day = last_day == start.date() or (end is not None and end - start < timedelta(hours=24))
    closes = _clock(end) if end and one_day else None
    return ScheduleRecord(
        kind=ScheduleKind.SESSION.value,
        dtstart=start.date(),
        until=start.date() if one_day else last_day,
        opens_at=_clock(start),
        closes_at=closes,
        closes_next_day=closes is not None and last_day > start.date(),
    )


def schedules_from_sessions(sessions: Sequence[Session]) -> tuple[ScheduleRecord, ...]:
    """Meetings -> schedules: a regular weekly series becomes one RRULE (with EXDATEs for skipped weeks).

    Meetings are grouped by weekday and local start and end time; a group of one, or a group so
    irregular that it would need more exclusions than meetings or meets more rarely than every fourth
    week, stays a list of single sessions.
    """
    groups: dict[tuple[int, time, time | None, int], list[date]] = {}
    singles: list[ScheduleRecord] = []
    for session in sessions:
        start = session.start.astimezone(HELSINKI)
        end = session.end.astimezone(HELSINKI) if session.end else None
        if end is not None and end - start >= timedelta(hours=24):
            singles.append(_single(session))  # a multi-day session is not a weekly meeting
            continue
        days_later = (end.date() - start.date()).days if end else 0
        key = (start.weekday(), _clock(start), _clock(end) if end else None, days_later)
        groups.setdefault(key, []).append(start.date())
    result: list[ScheduleRecord] = []
    for (weekday, opens, closes, days_later), days in groups.items():
        dates = sorted(set(days))
        if len(dates) == 1:
            result.append(
                ScheduleRecord(
                    kind=ScheduleKind.SESSION.value,
                    dtstart=dates[0],
                    until=dates[0],
                    opens_at=opens,
                    closes_at=closes,
                    closes_next_day=days_later > 0,
                )
            )
            continue
        weeks = [(later - earlier).days // 7 for earlier, later in itertools.pairwise(dates)]
        interval = math.gcd(*weeks)
        expected = [
            dates[0] + timedelta(weeks=interval * n)
            for n in range((dates[-1] - dates[0]).days // 7 // interval + 1)
        ]
        missing = sorted(set(expected) - set(dates))
        if interval > _MAX_INTERVAL_WEEKS or len(missing) > len(dates):
            result.extend(
                ScheduleRecord(
                    kind=ScheduleKind.SESSION.value,
                    dtstart=day,
                    until=day,
                    opens_at=opens,
                    closes_at=closes,
                    closes_next_day=days_later > 0,
                )
                for day in dates
            )
            continue
        byday = _WEEKDAYS[weekday]
        rrule = "FREQ=WEEKLY" + (f";INTERVAL={interval}" if interval > 1 else "")
        rrule += f";BYDAY={byday};UNTIL={_until_utc(dates[-1])}"
        result.append(
            ScheduleRecord(
                kind=ScheduleKind.SESSION.value,
                byday=byday,
                opens_at=opens,
                closes_at=closes,
                closes_next_day=days_later > 0,
                rrule=rrule,
                dtstart=dates[0],
                until=dates[-1],
                exdates=tuple(day.isoformat() for day in missing),
            )
        )
    result.extend(singles)
    return tuple(sorted(result, key=lambda s: (s.dtstart or date.min, s.opens_at or time.min, s.rrule or "")))


def sessions_from_events(events: Iterable[Mapping[str, Any]]) -> list[Session]:
    """Meetings of sub events; deleted and cancelled ones are not meetings."""
    result: list[Session] = []
    for event in events:
        if event.get("deleted") or event.get("event_status") == "EventCancelled":
            continue
        start = parse_time(event.get("start_time"), "start_time")
        if start is None:
            continue
        result.append(Session(start=start, end=parse_time(event.get("end_time"), "end_time")))
    return result


# ---------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------


def organisation_from_payload(
    publisher: str, organisation: Mapping[str, Any] | None, provider: Text
) -> OrganisationRecord:
    """The publisher organisation; its name from /organization/ or, failing that, the event's provider."""
    name = _text((organisation or {}).get("name"), rich=False)
    if not name:
        name = provider if provider else Text(fi=publisher)
    business_id = business_id_from_publisher(publisher)
    return OrganisationRecord(
        provenance=Provenance(source=Source.LINKEDEVENTS.value, external_id=publisher),
        kind=OrganisationKind.NGO.value if business_id else OrganisationKind.OTHER.value,
        name=name,
        business_id=business_id,
    )


def is_virtual_place(place_id: str | None) -> bool:
    # LinkedEvents marks online events with a place such as "helsinki:internet".
    return bool(place_id) and str(place_id).endswith(":internet")


def location_from_place(place: Mapping[str, Any], context: LinkedEventsContext) -> LocationRecord | None:
    """An expanded place (include=location); None when it is virtual or says nothing useful."""
    place_id = reference_id(place)
    if (
        place_id is None
        or is_virtual_place(place_id)
        or ("name" not in place and "street_address" not in place)
    ):
        return None
    name = _text(place.get("name"), rich=False)
    street = _text(place.get("street_address"), rich=False)
    locality = _text(place.get("address_locality"), rich=False)
    postal_code = place.get("postal_code") if isinstance(place.get("postal_code"), str) else None
    if postal_code is not None and not re.fullmatch(r"\d{5}", postal_code.strip()):
        postal_code = None
    latitude = longitude = None
    position = place.get("position")
    if isinstance(position, Mapping) and position.get("type") == "Point":
        coordinates = position.get("coordinates")
        if (
            isinstance(coordinates, list)
            and len(coordinates) == 2
            and all(isinstance(c, int | float) and not isinstance(c, bool) for c in coordinates)
            and 59.0 <= coordinates[1] <= 70.5
            and 19.0 <= coordinates[0] <= 32.0
        ):
            longitude, latitude = float(coordinates[0]), float(coordinates[1])
    municipality = None
    for division in place.get("divisions") or []:
        if isinstance(division, Mapping) and division.get("type") == "muni":
            municipality = context.names.code_for_name(_text(division.get("name"), rich=False).first())
            if municipality is None and isinstance(division.get("municipality"), str):
                municipality = context.names.code_for_name(division["municipality"])
    municipality = municipality or context.names.code_for_name(locality.fi or locality.first())
    if municipality is None and postal_code is not None and postal_code in context.mapping.postal_codes:
        municipality = context.mapping.postal_codes[postal_code].municipality_code
    contacts: list[ContactRecord] = []
    phone = _text(place.get("telephone"), rich=False).first()
    if phone:
        contacts.append(ContactRecord(kind=ContactKind.PHONE.value, value=phone))
    if isinstance(place.get("email"), str) and place["email"].strip():
        contacts.append(ContactRecord(kind=ContactKind.EMAIL.value, value=place["email"].strip()))
    return LocationRecord(
        provenance=Provenance(
            source=Source.LINKEDEVENTS.value,
            external_id=place_id,
            source_url=place.get("@id") if isinstance(place.get("@id"), str) else None,
        ),
        name=name or street,
        description=_text(place.get("description")),
        street_address=Text(fi=street.fi or street.first(), sv=street.sv),
        postal_code=postal_code,
        post_office=Text(fi=locality.fi or locality.first(), sv=locality.sv),
        municipality_code=municipality,
        latitude=latitude,
        longitude=longitude,
        contacts=tuple(contacts),
    )


@dataclass(frozen=True)
class MappedEvent:
    service: ServiceRecord
    location: LocationRecord | None


def is_listing(event: Mapping[str, Any]) -> bool:
    """Whether an event is a catalogue listing: umbrellas are not, nor drafts."""
    if event.get("super_event_type") == "umbrella":
        return False
    return event.get("publication_status", "public") == "public"


def is_gone(event: Mapping[str, Any]) -> bool:
    """Deleted, cancelled or replaced events leave the catalogue (retired, never deleted here)."""
    return (
        bool(event.get("deleted"))
        or event.get("event_status") == "EventCancelled"
        or bool(event.get("replaced_by"))
    )


def _keyword_terms(items: Iterable[Any]) -> list[TermRecord]:
    terms: dict[str, TermRecord] = {}
    for item in items:
        keyword = reference_id(item)
        if keyword is None or keyword in terms:
            continue
        label = _text(item.get("name"), rich=False) if isinstance(item, Mapping) else EMPTY
        terms[keyword] = TermRecord(Taxonomy.LINKEDEVENTS_KEYWORD.value, keyword, label)
    return list(terms.values())


def event_from_payload(
    event: Mapping[str, Any], sub_events: Sequence[Mapping[str, Any]], context: LinkedEventsContext
) -> MappedEvent:
    """A listing (standalone event or recurring super event with its sub events) -> service and place."""
    event_id = reference_id(event)
    if event_id is None:
        raise MappingError("event has no id")
    name = _text(event.get("name"), rich=False)
    if not name:
        raise MappingError("event has no name in fi, sv or en")
    publisher = event.get("publisher")
    if not isinstance(publisher, str) or not publisher:
        raise MappingError("event has no publisher")

    sessions = sessions_from_events(sub_events) if event.get("super_event_type") == "recurring" else []
    if not sessions:
        start = parse_time(event.get("start_time"), "start_time")
        if start is not None:
            sessions = [Session(start=start, end=parse_time(event.get("end_time"), "end_time"))]
    schedules = schedules_from_sessions(sessions)

    keywords = _keyword_terms([*(event.get("keywords") or []), *(event.get("audience") or [])])
    themes = themes_from_keywords((term.code for term in keywords), context.mapping.themes_by_code)
    terms = [
        TermRecord(Taxonomy.THEME.value, code, context.mapping.theme_labels.get(code, EMPTY))
        for code in themes
    ]
    terms.extend(keywords)
    formats = {_FORMAT_BY_TYPE.get(str(event.get("type_id")), "event")}

    offers = [offer for offer in event.get("offers") or [] if isinstance(offer, Mapping)]
    is_free = None if not offers else any(offer.get("is_free") is True for offer in offers)
    price = next((_text(offer.get("price")) for offer in offers if offer.get("price")), EMPTY)
    price_info = next(
        (_text(offer.get("description")) for offer in offers if offer.get("description")), EMPTY
    )
    price_text = Text(
        **{
            lang: "\n".join(part for part in (getattr(price, lang), getattr(price_info, lang)) if part)
            or None
            for lang in LANGUAGES
        }
    )

    languages = tuple(
        dict.fromkeys(lang for lang in map(reference_id, event.get("in_language") or []) if lang)
    )
    min_age = event.get("audience_min_age") if isinstance(event.get("audience_min_age"), int) else None
    max_age = event.get("audience_max_age") if isinstance(event.get("audience_max_age"), int) else None

    registration_url = _plain(event.get("enrolment_url"))
    for link in event.get("external_links") or []:
        if isinstance(link, Mapping) and link.get("name") == "registration" and not registration_url:
            registration_url = _plain(link.get("link"))
    contacts: list[ContactRecord] = []
    info_url = _text(event.get("info_url"), rich=False)
    for lang in LANGUAGES:
        url = getattr(info_url, lang)
        if url and all(contact.value != url for contact in contacts):
            contacts.append(ContactRecord(kind=ContactKind.WEB.value, value=url, language=lang))

    place = event.get("location")
    place_id = reference_id(place)
    location = location_from_place(place, context) if isinstance(place, Mapping) else None
    if is_virtual_place(place_id) or event.get("is_virtualevent"):
        formats.add("online")
    links: tuple[ServiceLocationLink, ...] = ()
    service_schedules = schedules
    if location is not None:
        links = (
            ServiceLocationLink(
                location_external_id=location.provenance.external_id,
                description=_text(event.get("location_extra_info"), rich=False),
                schedules=schedules,
            ),
        )
        service_schedules = ()
    terms.extend(format_terms(formats))

    status = ServiceStatus.ACTIVE
    if event.get("event_status") == "EventPostponed":
        status = ServiceStatus.TEMPORARILY_CLOSED
    service = ServiceRecord(
        provenance=Provenance(
            source=Source.LINKEDEVENTS.value,
            external_id=event_id,
            source_url=event.get("@id") if isinstance(event.get("@id"), str) else None,
            source_modified_at=parse_time(event.get("last_modified_time"), "last_modified_time"),
        ),
        organisation_external_id=publisher,
        name=name,
        summary=_text(event.get("short_description")),
        description=_text(event.get("description")),
        registration_url=registration_url,
        is_free=is_free,
        price_text=price_text,
        languages=languages,
        min_age=min_age,
        max_age=max_age,
        status=status.value,
        terms=tuple(terms),
        locations=links,
        schedules=service_schedules,
        contacts=tuple(contacts),
        organisation_business_id=business_id_from_publisher(publisher),
    )
    return MappedEvent(service=service, location=location)


def is_in_area(mapped: MappedEvent, served: frozenset[str]) -> bool:
    """Events at a place in a municipality we do not serve are left out; online and unknown places stay."""
    if mapped.location is None or mapped.location.municipality_code is None:
        return True
    return mapped.location.municipality_code in served
