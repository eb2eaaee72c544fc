"""Human labels for facet values and codes, in the reader's language."""

from __future__ import annotations

import time
from collections.abc import Iterable

from babel import Locale, UnknownLocaleError
from babel.dates import get_day_names
from sqlmodel import Session, select

from app.catalogue.enums import Taxonomy
from app.catalogue.models import Municipality, TaxonomyTerm, Theme
from app.errors import N_
from search.types import WEEKDAYS, Facet
from web.i18n import gettext
from web.pages.content import pick

FACET_TITLES: dict[Facet, str] = {
    Facet.THEME: N_("Theme"),
    Facet.FREE: N_("Price"),
    Facet.TARGET_GROUP: N_("For whom"),
    Facet.MUNICIPALITY: N_("Municipality"),
    Facet.ACCESSIBILITY: N_("Accessibility"),
    Facet.LANGUAGE: N_("Language of the activity"),
    Facet.WEEKDAY: N_("Weekday"),
    Facet.TIME_OF_DAY: N_("Time of day"),
    Facet.PROVIDER_KIND: N_("Provider"),
    Facet.FORMAT: N_("How to take part"),
    Facet.CAPACITY: N_("Room for new participants"),
    Facet.REFERRALS: N_("Referrals"),
}
FIXED_LABELS: dict[Facet, dict[str, str]] = {
    Facet.FREE: {"true": N_("Free of charge"), "false": N_("Charged")},
    Facet.ACCESSIBILITY: {
        "wheelchair": N_("Wheelchair accessible"),
        "rollator": N_("Accessible with a rollator"),
        "visual": N_("For people with visual impairments"),
        "hearing": N_("For people with hearing impairments"),
    },
    Facet.TIME_OF_DAY: {
        "morning": N_("Morning (before 12)"),
        "afternoon": N_("Afternoon (12–17)"),
        "evening": N_("Evening (from 17)"),
    },
    Facet.FORMAT: {
        "online": N_("Online"),
        "phone": N_("By phone"),
        "group": N_("Group"),
        "course": N_("Course"),
        "drop-in": N_("Drop-in"),
        "event": N_("Event"),
        "trip": N_("Camp or trip"),
        "volunteering": N_("Volunteering"),
    },
    Facet.CAPACITY: {
        "places_free": N_("Places free"),
        "waiting_list": N_("Waiting list"),
        "full": N_("Full at the moment"),
    },
    Facet.REFERRALS: {"true": N_("Takes referrals"), "false": N_("Does not take referrals")},
    Facet.PROVIDER_KIND: {
        "municipality": N_("Municipality"),
        "wellbeing_county": N_("Wellbeing services county"),
        "ngo": N_("Association or foundation"),
        "parish": N_("Parish"),
        "company": N_("Company"),
        "state_agency": N_("State agency"),
        "other": N_("Other provider"),
    },
}
# PTV's target groups are written for administrators ("Kansalaiset", sv "Handikappade"): residents
# see these instead, in their language.
RESIDENT_TARGET_GROUPS: dict[str, str] = {
    "KR1": N_("Everyone"),
    "KR1.1": N_("Older people"),
    "KR1.2": N_("Children and families"),
    "KR1.3": N_("Young people"),
    "KR1.4": N_("People with a long-term illness"),
    "KR1.5": N_("Finns living abroad"),
    "KR1.6": N_("People with disabilities"),
}
SOURCE_NAMES: dict[str, str] = {
    "ptv": N_("Finnish Service Catalogue (PTV)"),
    "lahella": "Lähellä.fi",
    "linkedevents": "LinkedEvents",
    "local": N_("this service"),
}


def language_label(code: str, locale: str) -> str:
    try:
        name = Locale.parse(code).get_display_name(locale)
    except (ValueError, UnknownLocaleError):
        return code
    return name or code


CODE_TABLE_TTL_SECONDS = 300.0
_code_table_cache: dict[str, tuple[float, dict[Facet, dict[str, str]]]] = {}


def _code_table_labels(session: Session, locale: str) -> dict[Facet, dict[str, str]]:
    """Theme, municipality and target group names; the code tables change only when a deploy loads
    them (`tarjotin codes load`), so a few minutes' cache spares every results page three queries."""
    now = time.monotonic()
    cached = _code_table_cache.get(locale)
    if cached is not None and cached[0] > now:
        return cached[1]
    maps: dict[Facet, dict[str, str]] = {
        Facet.THEME: {
            code: str(pick({"fi": fi, "sv": sv, "en": en}, locale) or code)
            for code, fi, sv, en in session.exec(
                select(Theme.code, Theme.name_fi, Theme.name_sv, Theme.name_en)
            )
        },
        Facet.MUNICIPALITY: {
            code: str(pick({"fi": fi, "sv": sv, "en": en}, locale) or code)
            for code, fi, sv, en in session.exec(
                select(Municipality.code, Municipality.name_fi, Municipality.name_sv, Municipality.name_en)
            )
        },
        Facet.TARGET_GROUP: {
            code: str(pick({"fi": fi, "sv": sv, "en": en}, locale) or code)
            for code, fi, sv, en in session.exec(
                select(
                    TaxonomyTerm.code, TaxonomyTerm.label_fi, TaxonomyTerm.label_sv, TaxonomyTerm.label_en
                ).where(TaxonomyTerm.taxonomy == Taxonomy.PTV_TARGET_GROUP.value)
            )
        },
    }
    if maps[Facet.THEME] and maps[Facet.MUNICIPALITY]:  # never cache an empty table (not loaded yet)
        _code_table_cache[locale] = (now + CODE_TABLE_TTL_SECONDS, maps)
    return maps


def label_maps(
    session: Session, locale: str, codes: dict[Facet, Iterable[str]]
) -> dict[Facet, dict[str, str]]:
    """value -> label for each facet."""
    maps: dict[Facet, dict[str, str]] = {
        facet: {value: gettext(locale, label) for value, label in labels.items()}
        for facet, labels in FIXED_LABELS.items()
    }
    maps.update(_code_table_labels(session, locale))
    maps[Facet.TARGET_GROUP] = {  # a copy: the code table labels are cached
        **maps.get(Facet.TARGET_GROUP, {}),
        **{code: gettext(locale, label) for code, label in RESIDENT_TARGET_GROUPS.items()},
    }
    maps[Facet.LANGUAGE] = {code: language_label(code, locale) for code in codes.get(Facet.LANGUAGE, ())}
    day_names = get_day_names("wide", context="stand-alone", locale=locale)
    maps[Facet.WEEKDAY] = {code: str(day_names[index]) for index, code in enumerate(WEEKDAYS)}
    return maps
