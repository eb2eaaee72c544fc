"""Search documents: the only place that decides what of a service is searchable and filterable.

`to_document` is pure: it takes a service with its organisation, places, schedules and terms
already loaded, plus the labels of the codes it carries, and returns a plain document both engines
index. Finnish text gets Voikko base forms and compound parts (search.finnish) and the synonyms of
those (search.synonyms); Swedish and English text stay in their own fields for their own analysers.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from app.catalogue import meeting_times
from app.catalogue.enums import ServiceStatus, Taxonomy
from app.catalogue.models import Location, Schedule, Service
from app.catalogue.overlay import ServiceOverlay
from search.finnish import fold, lemmas_of_text
from search.synonyms import expand

LANGS = ("fi", "sv", "en")
SEARCHABLE_STATUSES = frozenset({ServiceStatus.ACTIVE, ServiceStatus.TEMPORARILY_CLOSED})
# Taxonomies whose labels describe what a service is about, and so are searched as words.
LABELLED_TAXONOMIES = (
    Taxonomy.THEME,
    Taxonomy.PTV_SERVICE_CLASS,
    Taxonomy.PTV_TARGET_GROUP,
    Taxonomy.PTV_LIFE_EVENT,
    Taxonomy.ONTOLOGY_TERM,
    Taxonomy.KEYWORD,
    Taxonomy.LAHELLA_THEME,
    Taxonomy.LAHELLA_FORMAT,
    Taxonomy.FORMAT,
)
DESCRIPTION_LIMIT = 2000  # characters; longer descriptions add noise, not findability
SUMMARY_LIMIT = 1000  # characters, as synced text is capped (integrations/caps.py): hits carry the summary

# (taxonomy, code) -> labels by language, from the code tables (themes, PTV classes, target groups).
Labels = Mapping[tuple[str, str], Mapping[str, str]]

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class SearchDocument:
    id: str
    source: str
    external_id: str
    demo: bool
    name: dict[str, str]
    summary: dict[str, str]
    description: dict[str, str]
    organisation_name: dict[str, str]
    terms: dict[str, list[str]]  # labels by language
    lemmas: list[str]  # Finnish base forms, compound parts and their synonyms
    name_key: str  # folded name for sorting by name
    municipalities: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    target_groups: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    free: bool | None = None
    provider_kind: str | None = None
    accessibility: list[str] = field(default_factory=list)
    weekdays: list[str] = field(default_factory=list)
    times_of_day: list[str] = field(default_factory=list)
    min_age: int | None = None
    max_age: int | None = None
    points: list[tuple[float, float]] = field(default_factory=list)  # (latitude, longitude)
    # The weekly meeting pattern per place, by language, for result cards (not searched).
    when: dict[str, list[str]] = field(default_factory=dict)
    formats: list[str] = field(default_factory=list)  # Taxonomy.FORMAT codes: online, group, ...
    # The lemmas of the name and the labels (keywords, classes, ontology terms, themes), which say
    # what the listing is; they outweigh a word deep in a description. The name's own count most.
    main_lemmas: list[str] = field(default_factory=list)
    name_lemmas: list[str] = field(default_factory=list)
    # The provider's own word (its overlay, kept through every sync): room, and whether it takes referrals.
    capacity: str | None = None
    accepts_referrals: bool | None = None


def plain_text(value: str | None) -> str:
    """HTML (PTV descriptions carry some) to plain text with single spaces."""
    if not value:
        return ""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", value))).strip()


def _localized(obj: object, prefix: str, limit: int | None = None) -> dict[str, str]:
    values: dict[str, str] = {}
    for lang in LANGS:
        text = plain_text(getattr(obj, f"{prefix}_{lang}", None))
        if text:
            values[lang] = text[:limit] if limit else text
    return values


def schedule_facets(service: Service) -> tuple[list[str], list[str]]:
    """(weekdays, times of day) of a service: when its group meets (sessions of the service and at
    its places) where it says so, else the opening hours of its places."""
    meetings: list[Schedule] = list(service.schedules)
    hours: list[Schedule] = list(service.schedules)
    for sal in service.service_at_locations:
        meetings.extend(sal.schedules)
        hours.extend(sal.location.schedules)
    return meeting_times.when_facets(meetings, hours)


def when_lines(service: Service) -> dict[str, list[str]]:
    """The weekly meeting pattern per place, by language (result cards and print lists)."""
    return meeting_times.card_lines(
        ((_localized(sal.location, "name"), sal.schedules) for sal in service.service_at_locations),
        service.schedules,
    )


def _labels_for(taxonomy: str, code: str, term_labels: Mapping[str, str | None], labels: Labels) -> dict:
    known = labels.get((taxonomy, code), {})
    result: dict[str, str] = {}
    for lang in LANGS:
        label = known.get(lang) or term_labels.get(lang)
        if label and not (taxonomy == Taxonomy.THEME and label == code and lang != "fi"):
            result[lang] = label
    return result


def to_document(service: Service, labels: Labels, overlay: ServiceOverlay | None = None) -> SearchDocument:
    """The search document of a service (organisation, places, schedules and terms loaded), with the
    provider's overlay on it if there is one."""
    organisation = service.organisation
    locations: list[Location] = [sal.location for sal in service.service_at_locations]

    terms: dict[str, list[str]] = {lang: [] for lang in LANGS}
    themes: list[str] = []
    target_groups: list[str] = []
    for term in sorted(service.terms, key=lambda t: (t.taxonomy, t.code)):
        if term.taxonomy == Taxonomy.THEME:
            themes.append(term.code)
        elif term.taxonomy == Taxonomy.PTV_TARGET_GROUP:
            target_groups.append(term.code)
        if term.taxonomy not in LABELLED_TAXONOMIES:
            continue
        term_labels = {"fi": term.label_fi, "sv": term.label_sv, "en": term.label_en}
        for lang, label in _labels_for(term.taxonomy, term.code, term_labels, labels).items():
            if label not in terms[lang]:
                terms[lang].append(label)

    name = _localized(service, "name")
    summary = _localized(service, "summary", SUMMARY_LIMIT)
    description = _localized(service, "description", DESCRIPTION_LIMIT)
    organisation_name = _localized(organisation, "name") if organisation is not None else {}
    finnish_text = [
        name.get("fi"),
        summary.get("fi"),
        description.get("fi"),
        *terms["fi"],
    ]
    municipalities = sorted(
        {loc.municipality_code for loc in locations if loc.municipality_code}
        | {area.municipality_code for area in service.areas}
    )
    accessibility = sorted({feature for loc in locations for feature in loc.accessibility_features or []})
    weekdays, times_of_day = schedule_facets(service)
    points = [
        (loc.latitude, loc.longitude)
        for loc in locations
        if loc.latitude is not None and loc.longitude is not None
    ]
    display_name = name.get("fi") or name.get("sv") or name.get("en") or ""
    return SearchDocument(
        id=str(service.id),
        source=service.source,
        external_id=service.external_id,
        demo=service.is_demo,
        name=name,
        summary=summary,
        description=description,
        organisation_name=organisation_name,
        terms={lang: labels_ for lang, labels_ in terms.items() if labels_},
        lemmas=expand(lemmas_of_text(finnish_text)),
        name_key=fold(display_name),
        municipalities=municipalities,
        themes=themes,
        target_groups=target_groups,
        languages=sorted(set(service.languages or [])),
        free=service.is_free,
        provider_kind=organisation.kind.value if organisation is not None else None,
        accessibility=accessibility,
        weekdays=weekdays,
        times_of_day=times_of_day,
        min_age=service.min_age,
        max_age=service.max_age,
        points=points,
        when=when_lines(service),
        formats=sorted({t.code for t in service.terms if t.taxonomy == Taxonomy.FORMAT}),
        main_lemmas=expand(lemmas_of_text([name.get("fi"), *terms["fi"]])),
        name_lemmas=expand(lemmas_of_text([name.get("fi")])),
        capacity=overlay.capacity.value if overlay is not None and overlay.capacity is not None else None,
        accepts_referrals=overlay.accepts_referrals if overlay is not None else None,
    )


def is_searchable(service: Service) -> bool:
    return service.status in SEARCHABLE_STATUSES
