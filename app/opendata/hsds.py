"""Catalogue rows -> Open Referral HSDS 3.0 objects (plain dicts ready for JSON). Pure: no I/O, no clock.

Ids: services, organisations, locations and services-at-location keep the catalogue's own UUIDs, which
survive syncs (rows are upserted by their source id). Objects the catalogue keeps no id of its own for
(schedules, phones, languages, attributes, taxonomy terms ...) get name-based UUIDs (uuid5) derived
from their owner and what they are, so they too stay the same from one sync to the next.

Text is given in one language per answer (`lang`, fi/sv/en), falling back to the others when a
listing lacks it, because HSDS has no multilingual text. Schedule times are Finnish wall-clock times
(Europe/Helsinki); the README says so, since HSDS's numeric `timezone` cannot express summer time.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Any

import orjson
from babel import Locale

from app.catalogue.enums import ContactKind, OrganisationKind, ScheduleKind, ServiceStatus, Taxonomy
from app.opendata.bundles import (
    Labels,
    LocationBundle,
    Lookups,
    OrganisationBundle,
    PlaceStamp,
    Row,
    SalBundle,
    ServiceBundle,
    TermInfo,
)

HSDS_VERSION = "3.0"
# The namespace of every derived id; never change it, or every derived id changes.
NAMESPACE = uuid.UUID("5b0b6a3e-2f52-4a56-9a0e-3c1f3e0d7a11")

STATUS: dict[str, str] = {
    ServiceStatus.ACTIVE: "active",
    ServiceStatus.TEMPORARILY_CLOSED: "temporarily closed",
    ServiceStatus.RETIRED: "inactive",
}

LEGAL_STATUS: dict[str, str] = {
    OrganisationKind.MUNICIPALITY: "municipality",
    OrganisationKind.WELLBEING_COUNTY: "wellbeing services county",
    OrganisationKind.NGO: "non-profit association",
    OrganisationKind.PARISH: "parish",
    OrganisationKind.COMPANY: "company",
    OrganisationKind.STATE_AGENCY: "state agency",
    OrganisationKind.OTHER: "other",
}

SOURCE_NAMES: dict[str, str] = {
    "ptv": "Suomi.fi Palvelutietovaranto (PTV)",
    "lahella": "Lähellä.fi",
    "linkedevents": "LinkedEvents",
    "local": "Palvelutarjotin",
}

DEMO_ALERT = Labels(
    fi="Esimerkkiaineistoa: tämä palvelu on keksitty eikä sitä ole olemassa.",
    sv="Exempeldata: tjänsten är påhittad och finns inte.",
    en="Demo data: this service is fictional and does not exist.",
)
FREE = Labels(fi="Maksuton", sv="Avgiftsfri", en="Free of charge")
CHARGED = Labels(fi="Maksullinen", sv="Avgiftsbelagd", en="Subject to a charge")
CLOSED = Labels(fi="Suljettu", sv="Stängt", en="Closed")
BY_APPOINTMENT = Labels(fi="Ajanvarauksella", sv="Med tidsbokning", en="By appointment")
NEXT_DAY = Labels(fi="sulkeutuu seuraavana päivänä", sv="stänger följande dag", en="closes the next day")
NOT_ON = Labels(fi="Ei järjestetä", sv="Ordnas inte", en="Not held on")


class TaxonomyInfo:
    """One vocabulary published as an HSDS taxonomy."""

    def __init__(
        self, name: str, label: Labels, description: Labels, link_type: str, uri: str | None = None
    ) -> None:
        self.name = name
        self.label = label
        self.description = description
        self.link_type = link_type
        self.uri = uri


ACCESSIBILITY_TAXONOMY = "accessibility"
MUNICIPALITY_TAXONOMY = "municipality"

TAXONOMIES: dict[str, TaxonomyInfo] = {
    info.name: info
    for info in (
        TaxonomyInfo(
            Taxonomy.THEME,
            Labels("Hyte-teemat", "Teman för främjande av hälsa och välfärd", "Wellbeing themes"),
            Labels(
                "Palvelutarjottimen omat teemat (liikunta, kulttuuri, vertaistuki ...).",
                "Palvelutarjotins egna teman (motion, kultur, kamratstöd ...).",
                "The catalogue's own themes of health and wellbeing promotion (exercise, culture, peer support ...).",
            ),
            "theme",
        ),
        TaxonomyInfo(
            Taxonomy.PTV_SERVICE_CLASS,
            Labels("PTV:n palveluluokat", "PTV:s tjänsteklasser", "PTV service classes"),
            Labels(
                "Suomi.fi-palvelutietovarannon palveluluokitus.",
                "Tjänsteklassificeringen i Suomi.fi-tjänstedatalagret.",
                "Service classification of the Finnish Service Catalogue (PTV).",
            ),
            "service_class",
            "http://uri.suomi.fi/codelist/ptv/ptvserclass2",
        ),
        TaxonomyInfo(
            Taxonomy.PTV_TARGET_GROUP,
            Labels("PTV:n kohderyhmät", "PTV:s målgrupper", "PTV target groups"),
            Labels(
                "Kenelle palvelu on tarkoitettu (Suomi.fi-palvelutietovaranto).",
                "Vem tjänsten är avsedd för (Suomi.fi-tjänstedatalagret).",
                "Who a service is meant for (Finnish Service Catalogue).",
            ),
            "audience",
            "http://uri.suomi.fi/codelist/ptv/ptvkohderyhmat",
        ),
        TaxonomyInfo(
            Taxonomy.PTV_LIFE_EVENT,
            Labels("PTV:n elämätilanteet", "PTV:s livssituationer", "PTV life events"),
            Labels(
                "Elämätilanteet, joihin palvelu liittyy (Suomi.fi-palvelutietovaranto).",
                "Livssituationer som tjänsten hör till (Suomi.fi-tjänstedatalagret).",
                "Life events a service belongs to (Finnish Service Catalogue).",
            ),
            "life_event",
            "http://uri.suomi.fi/codelist/ptv/ptvelti",
        ),
        TaxonomyInfo(
            Taxonomy.ONTOLOGY_TERM,
            Labels("YSO- ja KOKO-asiasanat", "YSO- och KOKO-ämnesord", "YSO and KOKO keywords"),
            Labels(
                "Finto-ontologioiden käsitteet, joilla lähde on kuvaillut palvelun.",
                "Begrepp ur Finto-ontologierna som källan beskrivit tjänsten med.",
                "Concepts of the Finto ontologies (YSO, KOKO) the source describes the service with.",
            ),
            "keyword",
            "http://www.yso.fi/onto/yso/",
        ),
        TaxonomyInfo(
            Taxonomy.LINKEDEVENTS_KEYWORD,
            Labels("LinkedEvents-asiasanat", "LinkedEvents-ämnesord", "LinkedEvents keywords"),
            Labels(
                "Tapahtumien asiasanat, enimmäkseen YSO-käsitteitä.",
                "Evenemangens ämnesord, mest YSO-begrepp.",
                "Keywords of events, mostly YSO concepts.",
            ),
            "keyword",
        ),
        TaxonomyInfo(
            Taxonomy.KEYWORD,
            Labels("Avainsanat", "Nyckelord", "Keywords"),
            Labels(
                "Lähteen vapaat avainsanat.", "Källans fria nyckelord.", "Free keywords given by the source."
            ),
            "keyword",
        ),
        TaxonomyInfo(
            Taxonomy.LAHELLA_THEME,
            Labels("Lähellä.fi-teemat", "Lähellä.fi-teman", "Lähellä.fi themes"),
            Labels("Lähellä.fi:n teemakoodit.", "Lähellä.fi:s temakoder.", "Theme codes of Lähellä.fi."),
            "theme",
        ),
        TaxonomyInfo(
            Taxonomy.LAHELLA_FORMAT,
            Labels("Lähellä.fi-toimintamuodot", "Lähellä.fi-verksamhetsformer", "Lähellä.fi formats"),
            Labels(
                "Lähellä.fi:n toimintamuotokoodit.",
                "Lähellä.fi:s koder för verksamhetsform.",
                "Format codes of Lähellä.fi.",
            ),
            "format",
        ),
        TaxonomyInfo(
            Taxonomy.FORMAT,
            Labels("Toimintamuodot", "Verksamhetsformer", "Formats"),
            Labels(
                "Ryhmä, yksilö, verkossa, kurssi ...",
                "Grupp, individuell, på nätet, kurs ...",
                "Group, individual, online, drop-in, course ...",
            ),
            "format",
        ),
        TaxonomyInfo(
            ACCESSIBILITY_TAXONOMY,
            Labels("Esteettömyys", "Tillgänglighet", "Accessibility"),
            Labels(
                "Paikan esteettömyyspiirteet, joista lähde kertoo.",
                "Platsens tillgänglighet som källan uppger.",
                "Accessibility features of a place, as its source states them.",
            ),
            "accessibility",
        ),
        TaxonomyInfo(
            MUNICIPALITY_TAXONOMY,
            Labels("Kunnat", "Kommuner", "Municipalities"),
            Labels(
                "Tilastokeskuksen kuntakoodit.",
                "Statistikcentralens kommunkoder.",
                "Statistics Finland's municipality codes.",
            ),
            "area",
        ),
    )
}

ACCESSIBILITY_LABELS: dict[str, Labels] = {
    "wheelchair": Labels("Pyörätuolilla", "Med rullstol", "Wheelchair accessible"),
    "rollator": Labels("Rollaattorilla", "Med rollator", "Rollator accessible"),
    "visual": Labels("Näkövammaisille", "För synskadade", "For people with visual impairments"),
    "hearing": Labels("Kuulovammaisille", "För hörselskadade", "For people with hearing impairments"),
}

_TERM_URI_PREFIX: dict[str, str] = {
    Taxonomy.PTV_SERVICE_CLASS: "http://uri.suomi.fi/codelist/ptv/ptvserclass2/code/",
    Taxonomy.PTV_TARGET_GROUP: "http://uri.suomi.fi/codelist/ptv/ptvkohderyhmat/code/",
    Taxonomy.PTV_LIFE_EVENT: "http://uri.suomi.fi/codelist/ptv/ptvelti/code/",
}
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_BARE_DOMAIN = re.compile(r"^[\w-]+(\.[\w-]+)*\.[a-z]{2,}([/?#]\S*)?$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def derived_id(*parts: object) -> str:
    """A stable UUID for an object the catalogue has no id of its own for: uuid5(NAMESPACE, parts).

    Computed by hand because uuid.uuid5 and str(UUID) cost a third of a full record's mapping: the SHA-1's
    hex digits with the version digit (5) and the variant bits (RFC 4122) set, as uuid5 sets them."""
    h = hashlib.sha1(_NAMESPACE_BYTES + "/".join(map(str, parts)).encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"


# The RFC 4122 variant keeps a hex digit's two low bits and sets its high bits to 10.
_VARIANT = {digit: "89ab"[int(digit, 16) & 0x3] for digit in "0123456789abcdef"}
_NAMESPACE_BYTES = NAMESPACE.bytes


@lru_cache(maxsize=64)
def taxonomy_id(name: str) -> str:
    return derived_id("taxonomy", name)


@lru_cache(maxsize=100_000)
def term_id(taxonomy: str, code: str) -> str:
    return derived_id("taxonomy_term", taxonomy, code)


def text(row: Row, prefix: str, lang: str, languages: Sequence[str] = ("fi", "sv", "en")) -> str | None:
    """A row's text in `lang`, else in the first language it has."""
    for name in _text_columns(prefix, lang, tuple(languages)):
        value = getattr(row, name, None)
        if value:
            return str(value)
    return None


@lru_cache(maxsize=256)
def _text_columns(prefix: str, lang: str, languages: tuple[str, ...]) -> tuple[str, ...]:
    """The columns `text` reads, in order (built once, not per call: it runs a few dozen times a record)."""
    first = [f"{prefix}_{lang}"] if lang in languages else []
    return tuple(dict.fromkeys([*first, *(f"{prefix}_{other}" for other in languages)]))


def iso_datetime(value: datetime | None) -> str | None:
    """RFC 3339 in UTC with milliseconds, as HSDS asks of last_modified."""
    if value is None:
        return None
    value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return value.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def iso_time(value: time | None) -> str | None:
    if value is None:
        return None
    if value.second:
        return f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    return f"{value.hour:02d}:{value.minute:02d}"


def iso_date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def uri(value: str | None) -> str | None:
    """An absolute http(s) URL, or None; a bare domain (www.example.fi) gets https://."""
    if not value:
        return None
    value = value.strip()
    if _URL.match(value):
        return value
    if _BARE_DOMAIN.match(value):
        return "https://" + value
    return None


def email(value: str | None) -> str | None:
    value = (value or "").strip()
    return value if _EMAIL.match(value) else None


def compact(data: dict[str, Any]) -> dict[str, Any]:
    """Leave out what we do not know: absent is HSDS's 'not stated'. Empty lists go too."""
    return {key: value for key, value in data.items() if value is not None and value != []}


@lru_cache(maxsize=1024)
def language_name(code: str, lang: str) -> str:
    try:
        return Locale.parse(lang).languages.get(code) or code
    except (ValueError, TypeError):
        return code


def service_last_modified(bundle: ServiceBundle) -> datetime:
    """When the service or anything published with it (organisation, places) last changed."""
    stamps = [bundle.row.updated_at, bundle.organisation.row.updated_at]
    if bundle.overlay is not None:
        stamps.append(bundle.overlay.updated_at)
    stamps.extend(sal.location.row.updated_at for sal in bundle.sals)
    return max(stamps)


# ---------------------------------------------------------------------------------------------
# Provenance
# ---------------------------------------------------------------------------------------------


def metadata(row: Row, resource_type: str, extra_provenances: Iterable[Row] = ()) -> list[dict[str, Any]]:
    """Field-level provenance: where each of the record's provenance fields came from and when.

    One entry per field (`source`, `source_id`, `source_url`, `source_modified`, `last_synced`, and
    `demo` for demo rows) for the record's own source, then for every further source that publishes
    it (a service Lähellä.fi and PTV both list).
    """
    entries: list[dict[str, Any]] = []
    resource_id = str(row.id)
    for provenance in (row, *extra_provenances):
        source = provenance.source
        updated_by = "demo data" if getattr(row, "is_demo", False) else f"sync:{source}"
        synced = iso_datetime(provenance.last_synced_at)
        fields: list[tuple[str, str | None]] = [
            ("source", source),
            ("source_id", provenance.external_id),
            ("source_url", provenance.source_url),
            ("source_modified", iso_datetime(provenance.source_modified_at)),
            ("last_synced", synced),
        ]
        if provenance is row and getattr(row, "is_demo", False):
            fields.append(("demo", "true"))
        for field_name, value in fields:
            if value is None:
                continue
            entries.append(
                {
                    "id": derived_id(
                        "metadata", resource_type, resource_id, source, provenance.external_id, field_name
                    ),
                    "resource_id": resource_id,
                    "resource_type": resource_type,
                    "last_action_date": synced,
                    "last_action_type": "sync",
                    "field_name": field_name,
                    "previous_value": "",
                    "replacement_value": value,
                    "updated_by": updated_by,
                }
            )
    return entries


# ---------------------------------------------------------------------------------------------
# Taxonomies, terms and attributes
# ---------------------------------------------------------------------------------------------


def term_uri(taxonomy: str, code: str) -> str | None:
    prefix = _TERM_URI_PREFIX.get(taxonomy)
    if prefix:
        return prefix + code
    if taxonomy == Taxonomy.ONTOLOGY_TERM:
        return uri(code)
    if taxonomy == Taxonomy.LINKEDEVENTS_KEYWORD and code.startswith("yso:"):
        return "http://www.yso.fi/onto/yso/" + code[4:]
    return None


def taxonomy_to_hsds(name: str, lang: str) -> dict[str, Any]:
    info = TAXONOMIES[name]
    return compact(
        {
            "id": taxonomy_id(name),
            "name": info.label.get(lang),
            "description": info.description.get(lang),
            "uri": info.uri,
            "version": None,
        }
    )


def term_to_hsds(
    taxonomy: str, code: str, lookups: Lookups, lang: str, label: Labels | None = None
) -> dict[str, Any]:
    """A term of one of our vocabularies; names from the code tables, else from the service's row.

    Memoised on the lookups (the same few hundred terms recur in every record); callers never mutate it."""
    key = ("term", taxonomy, code, lang, label)
    cached = lookups.memo.get(key)
    if cached is None:
        cached = lookups.memo[key] = _term(taxonomy, code, lookups, lang, label)
    return cached


def _term(taxonomy: str, code: str, lookups: Lookups, lang: str, label: Labels | None) -> dict[str, Any]:
    known = lookups.terms.get((taxonomy, code))
    if known is None and taxonomy == ACCESSIBILITY_TAXONOMY and code in ACCESSIBILITY_LABELS:
        known = TermInfo(ACCESSIBILITY_LABELS[code])
    name = (known.label.get(lang) if known else None) or (label.get(lang) if label else None) or code
    description = (known.description.get(lang) if known and known.description else None) or name
    parent = known.parent_code if known else None
    info = TAXONOMIES.get(taxonomy)
    return compact(
        {
            "id": term_id(taxonomy, code),
            "code": code,
            "name": name,
            "description": description,
            "parent_id": term_id(taxonomy, parent) if parent else None,
            "taxonomy": info.uri or info.label.get("en") if info else taxonomy,
            "taxonomy_id": taxonomy_id(taxonomy),
            "language": lang,
            "term_uri": term_uri(taxonomy, code),
        }
    )


def attribute(
    link_entity: str,
    link_id: object,
    taxonomy: str,
    code: str,
    lookups: Lookups,
    lang: str,
    label: Labels | None = None,
) -> dict[str, Any]:
    info = TAXONOMIES.get(taxonomy)
    return {
        "id": derived_id("attribute", link_entity, link_id, taxonomy, code),
        "link_id": str(link_id),
        "link_type": info.link_type if info else taxonomy,
        "link_entity": link_entity,
        "taxonomy_term_id": term_id(taxonomy, code),
        "taxonomy_term": term_to_hsds(taxonomy, code, lookups, lang, label),
    }


def _row_labels(row: Row) -> Labels:
    return Labels(
        getattr(row, "label_fi", None), getattr(row, "label_sv", None), getattr(row, "label_en", None)
    )


# ---------------------------------------------------------------------------------------------
# Schedules
# ---------------------------------------------------------------------------------------------


def parse_rrule(rrule: str) -> dict[str, str]:
    """RFC 5545 RRULE parts by name ("FREQ=WEEKLY;BYDAY=TU" -> {"FREQ": "WEEKLY", "BYDAY": "TU"})."""
    body = rrule.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    parts: dict[str, str] = {}
    for part in body.split(";"):
        name, _, value = part.partition("=")
        if name and value:
            parts[name.strip().upper()] = value.strip()
    return parts


def _until(value: str) -> str | None:
    """UNTIL=20261215T235959Z or UNTIL=20261215 -> 2026-12-15."""
    digits = value[:8]
    if len(digits) == 8 and digits.isdigit():
        return f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}"
    return None


def _number(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


ALL_DAYS = "MO,TU,WE,TH,FR,SA,SU"


def _recurrence(schedule: Row) -> dict[str, Any]:
    """The iCalendar fields of a schedule. HSDS allows WEEKLY and MONTHLY only; a daily rule is weekly
    on every day, and what HSDS cannot say (yearly, every other day) stays in the notes as the RRULE."""
    if schedule.kind in (ScheduleKind.OPENING_HOURS, ScheduleKind.EXCEPTION) or not schedule.rrule:
        fields: dict[str, Any] = {"byday": schedule.byday}
        if schedule.byday and schedule.kind != ScheduleKind.EXCEPTION:
            fields["freq"] = "WEEKLY"
        return fields
    parts = parse_rrule(schedule.rrule)
    freq = parts.get("FREQ", "").upper()
    interval = _number(parts.get("INTERVAL"))
    fields = {
        "byday": parts.get("BYDAY") or schedule.byday,
        "bymonthday": parts.get("BYMONTHDAY"),
        "byweekno": parts.get("BYWEEKNO"),
        "byyearday": parts.get("BYYEARDAY"),
        "count": _number(parts.get("COUNT")),
        "wkst": parts.get("WKST")
        if parts.get("WKST") in ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
        else None,
        "until": iso_date(schedule.until) or _until(parts.get("UNTIL", "")),
    }
    if freq in ("WEEKLY", "MONTHLY"):
        fields["freq"] = freq
        fields["interval"] = interval
    elif freq == "DAILY" and (interval or 1) == 1 and not fields["byday"]:
        fields["freq"] = "WEEKLY"
        fields["byday"] = ALL_DAYS
    else:
        fields["notes_rrule"] = "RRULE:" + schedule.rrule
    return fields


def schedule_to_hsds(schedule: Row, owner_key: str, owner_id: object, lang: str) -> dict[str, Any]:
    """One schedule row: opening hours (a location's or service's week), an exception (a date range
    that overrides them: a holiday, a summer closure) or a recurring meeting time of a group."""
    recurrence = _recurrence(schedule)
    notes: list[str] = []
    if rrule_note := recurrence.pop("notes_rrule", None):
        notes.append(rrule_note)
    if schedule.exdates:
        notes.append(f"{NOT_ON.get(lang)}: {', '.join(schedule.exdates)}")
    description = [text(schedule, "description", lang)]
    if schedule.closed:
        description.insert(0, CLOSED.get(lang))
    if schedule.by_appointment:
        description.append(BY_APPOINTMENT.get(lang))
    if schedule.closes_next_day and schedule.closes_at is not None:
        description.append(f"{iso_time(schedule.closes_at)} {NEXT_DAY.get(lang)}")
    return compact(
        {
            "id": derived_id("schedule", owner_key, owner_id, schedule.sort_order),
            owner_key: str(owner_id),
            "valid_from": iso_date(schedule.valid_from),
            "valid_to": iso_date(schedule.valid_to),
            "dtstart": iso_date(schedule.dtstart),
            **recurrence,
            "description": ". ".join(part for part in description if part) or None,
            "opens_at": None if schedule.closed else iso_time(schedule.opens_at),
            "closes_at": None if schedule.closed else iso_time(schedule.closes_at),
            "notes": ". ".join(notes) or None,
        }
    )


def schedules_to_hsds(
    rows: Iterable[Row], owner_key: str, owner_id: object, lang: str
) -> list[dict[str, Any]]:
    owner = str(owner_id)  # once, not per schedule
    return [schedule_to_hsds(row, owner_key, owner, lang) for row in rows]


# ---------------------------------------------------------------------------------------------
# Contacts and phones
# ---------------------------------------------------------------------------------------------


def phones_to_hsds(
    contacts: Iterable[Row], owner_key: str, owner_id: object, lang: str
) -> list[dict[str, Any]]:
    phones: list[dict[str, Any]] = []
    owner_id = str(owner_id)
    for row in contacts:
        if row.kind != ContactKind.PHONE or not row.value:
            continue
        phone_id = derived_id("phone", owner_key, owner_id, row.sort_order)
        description = "; ".join(part for part in (text(row, "label", lang), row.charge_info) if part)
        languages = (
            [
                {
                    "id": derived_id("language", "phone", phone_id, row.language),
                    "phone_id": phone_id,
                    "name": language_name(row.language, lang),
                    "code": row.language,
                }
            ]
            if row.language
            else []
        )
        phones.append(
            compact(
                {
                    "id": phone_id,
                    owner_key: str(owner_id),
                    "number": row.value,
                    "type": "voice",
                    "description": description or None,
                    "languages": languages,
                }
            )
        )
    return phones


def contacts_to_hsds(
    contacts: Iterable[Row], owner_key: str, owner_id: object, lang: str
) -> list[dict[str, Any]]:
    """E-mail addresses as HSDS contacts (named by their label). Our contacts are never people."""
    out: list[dict[str, Any]] = []
    owner_id = str(owner_id)
    for row in contacts:
        if row.kind != ContactKind.EMAIL or not email(row.value):
            continue
        out.append(
            compact(
                {
                    "id": derived_id("contact", owner_key, owner_id, row.sort_order),
                    owner_key: str(owner_id),
                    "name": text(row, "label", lang),
                    "email": email(row.value),
                }
            )
        )
    return out


def _first(contacts: Iterable[Row], kind: ContactKind) -> str | None:
    for row in contacts:
        if row.kind == kind:
            found = uri(row.value) if kind == ContactKind.WEB else email(row.value)
            if found:
                return found
    return None


# ---------------------------------------------------------------------------------------------
# Organisations
# ---------------------------------------------------------------------------------------------


def organisation_brief(row: Row, lang: str) -> dict[str, Any]:
    """The organisation's one-to-one fields (what a list item nests)."""
    return compact(
        {
            "id": str(row.id),
            "name": text(row, "name", lang) or row.external_id,
            "description": text(row, "description", lang) or "",
            "email": email(row.email),
            "website": uri(row.website),
            "legal_status": LEGAL_STATUS.get(row.kind),
            "uri": uri(row.source_url),
            "parent_organization_id": str(row.parent_id) if row.parent_id else None,
        }
    )


def organisation_to_hsds(
    bundle: OrganisationBundle,
    lang: str,
    *,
    services: list[dict[str, Any]] | None = None,
    locations: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    row = bundle.row
    out = organisation_brief(row, lang)
    if not out.get("email"):
        out["email"] = _first(bundle.contacts, ContactKind.EMAIL)
    if not out.get("website"):
        out["website"] = _first(bundle.contacts, ContactKind.WEB)
    phones = phones_to_hsds(bundle.contacts, "organization_id", row.id, lang)
    if row.phone and all(phone["number"] != row.phone for phone in phones):
        phones.insert(
            0,
            {
                "id": derived_id("phone", "organization_id", row.id, "main"),
                "organization_id": str(row.id),
                "number": row.phone,
                "type": "voice",
            },
        )
    identifiers = (
        [
            {
                "id": derived_id("organization_identifier", row.id, "FI-PRO", row.business_id),
                "organization_id": str(row.id),
                # org-id.guide's scheme for the Finnish Patent and Registration Office's business ids.
                "identifier_scheme": "FI-PRO",
                "identifier_type": "Y-tunnus (business id)",
                "identifier": row.business_id,
            }
        ]
        if row.business_id
        else []
    )
    out.update(
        {
            "phones": phones,
            "contacts": contacts_to_hsds(bundle.contacts, "organization_id", row.id, lang),
            "organization_identifiers": identifiers,
            "locations": locations,
            "services": services,
            "metadata": metadata(row, "organization"),
        }
    )
    return compact(out)


# ---------------------------------------------------------------------------------------------
# Locations
# ---------------------------------------------------------------------------------------------

_EXTERNAL_ID_TYPE: dict[str, str] = {
    "ptv": "PTV service channel id",
    "lahella": "Lähellä.fi location id",
    "linkedevents": "LinkedEvents place id",
    "local": "Palvelutarjotin place id",
}


def location_brief(row: Row, lang: str) -> dict[str, Any]:
    return compact(
        {
            "id": str(row.id),
            "location_type": "physical",
            "organization_id": str(row.organisation_id) if row.organisation_id else None,
            "name": text(row, "name", lang),
            "description": text(row, "description", lang),
            "latitude": row.latitude,
            "longitude": row.longitude,
            "external_identifier": row.external_id,
            "external_identifier_type": _EXTERNAL_ID_TYPE.get(row.source, f"{row.source} id"),
        }
    )


def _address(row: Row, lookups: Lookups, lang: str) -> list[dict[str, Any]]:
    street = text(row, "street_address", lang, ("fi", "sv"))
    if not street or not row.postal_code:
        return []  # HSDS requires the street and the postal code of an address
    municipality = lookups.municipalities.get(row.municipality_code or "")
    region = lookups.regions.get(municipality.region_code) if municipality is not None else None
    city = text(row, "post_office", lang, ("fi", "sv")) or (
        text(municipality, "name", lang) if municipality else None
    )
    return [
        compact(
            {
                "id": derived_id("address", row.id),
                "location_id": str(row.id),
                "address_1": street,
                "city": city or "",
                "region": text(municipality, "name", lang) if municipality is not None else None,
                "state_province": (text(region, "name", lang) if region is not None else None) or "",
                "postal_code": row.postal_code,
                "country": "FI",
                "address_type": "physical",
            }
        )
    ]


def _accessibility(row: Row, lookups: Lookups, lang: str) -> list[dict[str, Any]]:
    description = text(row, "accessibility", lang)
    features = list(row.accessibility_features or [])
    if not description and not features and not row.accessibility_register_id:
        return []
    labels = [ACCESSIBILITY_LABELS[f].get(lang) for f in features if f in ACCESSIBILITY_LABELS]
    accessibility_id = derived_id("accessibility", row.id)
    return [
        compact(
            {
                "id": accessibility_id,
                "location_id": str(row.id),
                "description": description or ", ".join(str(label) for label in labels) or None,
                "details": (
                    f"Esteettömyysrekisteri / Tillgänglighetsregistret / accessibility register: {row.accessibility_register_id}"
                    if row.accessibility_register_id
                    else None
                ),
                "attributes": [
                    attribute(
                        "accessibility", accessibility_id, ACCESSIBILITY_TAXONOMY, feature, lookups, lang
                    )
                    for feature in features
                ],
            }
        )
    ]


def location_to_hsds(bundle: LocationBundle, lookups: Lookups, lang: str) -> dict[str, Any] | orjson.Fragment:
    """The place in full; made once per loaded place and language (many services share a place). As its
    JSON text for a bundle a stream caches (`as_json`): the same bytes once serialised."""
    cached = bundle.rendered.get(lang)
    if cached is None:
        if isinstance(bundle.row, PlaceStamp):  # a stream's cache keeps its language's record only
            raise ValueError(f"place {bundle.row.id} was rendered in {list(bundle.rendered)}, not {lang}")
        cached = _location(bundle, lookups, lang)
        if bundle.as_json:
            # A copy of orjson's bytes: its own can hold a buffer several times the text's size.
            cached = orjson.Fragment(memoryview(orjson.dumps(cached)).tobytes())
        bundle.rendered[lang] = cached
    return cached


def _location(bundle: LocationBundle, lookups: Lookups, lang: str) -> dict[str, Any]:
    row = bundle.row
    out = location_brief(row, lang)
    out.update(
        {
            "addresses": _address(row, lookups, lang),
            "accessibility": _accessibility(row, lookups, lang),
            "phones": phones_to_hsds(bundle.contacts, "location_id", row.id, lang),
            "contacts": contacts_to_hsds(bundle.contacts, "location_id", row.id, lang),
            "schedules": schedules_to_hsds(bundle.schedules, "location_id", row.id, lang),
            "metadata": metadata(row, "location"),
        }
    )
    return compact(out)


# ---------------------------------------------------------------------------------------------
# Services and services at locations
# ---------------------------------------------------------------------------------------------


def service_brief(bundle: ServiceBundle, lang: str) -> dict[str, Any]:
    """The service's one-to-one fields and its organisation: a list item."""
    row = bundle.row
    return compact(
        {
            "id": str(row.id),
            "organization_id": str(row.organisation_id),
            "name": text(row, "name", lang) or row.external_id,
            "alternate_name": None,
            "description": text(row, "description", lang) or text(row, "summary", lang),
            "url": _first(bundle.contacts, ContactKind.WEB) or uri(row.registration_url),
            "email": _first(bundle.contacts, ContactKind.EMAIL),
            "status": STATUS[row.status],
            "application_process": text(row, "how_to_join", lang),
            "fees_description": text(row, "price_text", lang),
            "minimum_age": row.min_age,
            "maximum_age": row.max_age,
            "assured_date": row.last_synced_at.date().isoformat() if row.last_synced_at else None,
            "alert": DEMO_ALERT.get(lang) if row.is_demo else None,
            "last_modified": iso_datetime(service_last_modified(bundle)),
            "organization": organisation_brief(bundle.organisation.row, lang),
        }
    )


def service_minimal(bundle: ServiceBundle) -> dict[str, Any]:
    """`minimal=true`: the id and when it last changed, to sync a copy with few bytes."""
    return {"id": str(bundle.row.id), "last_modified": iso_datetime(service_last_modified(bundle))}


def _cost_options(row: Row, lang: str) -> list[dict[str, Any]]:
    if row.is_free is None:
        return []  # the source does not say
    option: dict[str, Any] = {
        "id": derived_id("cost_option", row.id),
        "service_id": str(row.id),
        "option": (FREE if row.is_free else CHARGED).get(lang),
        "currency": "EUR",
    }
    if row.is_free:
        option["amount"] = 0
    price = text(row, "price_text", lang)
    if price:
        option["amount_description"] = price
    return [option]


def _languages(row: Row, lang: str) -> list[dict[str, Any]]:
    return [
        {
            "id": derived_id("language", "service", row.id, code),
            "service_id": str(row.id),
            "name": language_name(code, lang),
            "code": code,
        }
        for code in dict.fromkeys(row.languages or [])
    ]


def _service_areas(bundle: ServiceBundle, lookups: Lookups, lang: str) -> list[dict[str, Any]]:
    areas: list[dict[str, Any]] = []
    for area in sorted(bundle.areas, key=lambda a: a.municipality_code):
        code = area.municipality_code
        municipality = lookups.municipalities.get(code)
        area_id = derived_id("service_area", bundle.row.id, code)
        areas.append(
            compact(
                {
                    "id": area_id,
                    "service_id": str(bundle.row.id),
                    "name": (text(municipality, "name", lang) if municipality is not None else None) or code,
                    "attributes": [
                        attribute("service_area", area_id, MUNICIPALITY_TAXONOMY, code, lookups, lang)
                    ],
                }
            )
        )
    return areas


def _service_attributes(bundle: ServiceBundle, lookups: Lookups, lang: str) -> list[dict[str, Any]]:
    terms = sorted((t for t in bundle.terms if t.taxonomy in TAXONOMIES), key=lambda t: (t.taxonomy, t.code))
    return [
        attribute("service", bundle.row.id, term.taxonomy, term.code, lookups, lang, _row_labels(term))
        for term in terms
    ]


CAPACITY_EXTENSION = "x_hsds_3_1_capacities"
PLACE = Labels(fi="paikka", sv="plats", en="place")
CAPACITY_TEXT = {
    "places_free": Labels("Vapaita paikkoja", "Lediga platser", "Places free"),
    "waiting_list": Labels(
        "Jonotuslista: ei vapaita paikkoja", "Kölista: inga lediga platser", "Waiting list: no places free"
    ),
    "full": Labels("Täynnä", "Fullt", "Full"),
}


def capacities(bundle: ServiceBundle, lang: str) -> list[dict[str, Any]]:
    """The provider's word on room, in the HSDS 3.1 draft's service_capacity shape (an extension of 3.0:
    key CAPACITY_EXTENSION). Only what is known: a count of free places, or none left (full, waiting list)."""
    overlay = bundle.overlay
    if overlay is None or overlay.capacity is None:
        return []
    capacity = str(overlay.capacity)
    if capacity == "places_free" and overlay.places_free is None:
        return []  # room, but no number: the 3.1 shape requires one
    available = overlay.places_free if capacity == "places_free" else 0
    service_id = bundle.row.id
    return [
        {
            "id": derived_id("service_capacity", service_id),
            "service_id": str(service_id),
            "unit_id": derived_id("unit", "place"),
            "unit": {"id": derived_id("unit", "place"), "name": PLACE.get(lang)},
            "available": available,
            "description": CAPACITY_TEXT[capacity].get(lang),
            "updated": iso_datetime(overlay.updated_at),
        }
    ]


def sal_to_hsds(
    sal: SalBundle,
    lookups: Lookups,
    lang: str,
    *,
    service: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A service at one place: its meeting times there, and the place (with the place's own hours)."""
    row = sal.row
    return compact(
        {
            "id": str(row.id),
            "service_id": str(row.service_id),
            "location_id": str(row.location_id),
            "description": text(row, "description", lang),
            "schedules": schedules_to_hsds(sal.schedules, "service_at_location_id", row.id, lang),
            "location": location_to_hsds(sal.location, lookups, lang),
            "service": service,
        }
    )


def sal_brief(sal: SalBundle, service: ServiceBundle, lang: str) -> dict[str, Any]:
    """A list item of /service_at_locations: one-to-one fields, the place's and the service's."""
    row = sal.row
    return compact(
        {
            "id": str(row.id),
            "service_id": str(row.service_id),
            "location_id": str(row.location_id),
            "description": text(row, "description", lang),
            "location": location_brief(sal.location.row, lang),
            "service": service_brief(service, lang),
        }
    )


def service_to_hsds(bundle: ServiceBundle, lookups: Lookups, lang: str) -> dict[str, Any]:
    """The fully nested service: everything HSDS can say about it, and nothing personal."""
    row = bundle.row
    out = service_brief(bundle, lang)
    links = [link for link in bundle.source_links if str(getattr(link, "status", "active")) == "active"]
    out.update(
        {
            "phones": phones_to_hsds(bundle.contacts, "service_id", row.id, lang),
            "schedules": schedules_to_hsds(bundle.schedules, "service_id", row.id, lang),
            "service_areas": _service_areas(bundle, lookups, lang),
            "service_at_locations": [sal_to_hsds(sal, lookups, lang) for sal in bundle.sals],
            "languages": _languages(row, lang),
            "cost_options": _cost_options(row, lang),
            "contacts": contacts_to_hsds(bundle.contacts, "service_id", row.id, lang),
            "attributes": _service_attributes(bundle, lookups, lang),
            "metadata": metadata(row, "service", links),
            CAPACITY_EXTENSION: capacities(bundle, lang),
        }
    )
    return compact(out)


def taxonomy_names() -> list[str]:
    return list(TAXONOMIES)


class Vocabulary:
    """Every published term by its id (ids are uuid5: a lookup table is the only way back)."""

    def __init__(self, terms: dict[str, tuple[str, str, Labels | None]]) -> None:
        self.terms = terms
        self.taxonomies = {taxonomy_id(name): name for name in TAXONOMIES}

    def term(self, term_uuid: str) -> tuple[str, str, Labels | None] | None:
        return self.terms.get(term_uuid)

    def taxonomy(self, taxonomy_uuid: str) -> str | None:
        return self.taxonomies.get(taxonomy_uuid)


def build_vocabulary(
    lookups: Lookups, used: Iterable[tuple[str, str, str | None, str | None, str | None]]
) -> Vocabulary:
    """The code tables' terms of the published taxonomies, the terms services are tagged with, and the
    accessibility features, in (taxonomy, code) order."""
    found: dict[tuple[str, str], Labels | None] = {}
    for taxonomy, code in lookups.terms:
        if taxonomy in TAXONOMIES:
            found[(taxonomy, code)] = None
    for taxonomy, code, label_fi, label_sv, label_en in used:
        if taxonomy in TAXONOMIES and (taxonomy, code) not in lookups.terms:
            found[(taxonomy, code)] = Labels(label_fi, label_sv, label_en)
    for feature in ACCESSIBILITY_LABELS:
        found[(ACCESSIBILITY_TAXONOMY, feature)] = None
    return Vocabulary(
        {
            term_id(taxonomy, code): (taxonomy, code, label)
            for (taxonomy, code), label in sorted(found.items())
        }
    )


def api_metadata(openapi_url: str, profile_url: str) -> dict[str, Any]:
    return {"version": HSDS_VERSION, "profile": profile_url, "openapi_url": openapi_url}
