"""Human labels for facet values and codes, in the reader's language."""

from __future__ import annotations

from collections.abc import Iterable

from babel import Locale, UnknownLocaleError
from babel.dates import get_day_names
from sqlmodel import Session, col, select

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


def label_maps(
    session: Session, locale: str, codes: dict[Facet, Iterable[str]]
) -> dict[Facet, dict[str, str]]:
    """value -> label for each facet, loading only the code-table rows that are needed."""
    maps: dict[Facet, dict[str, str]] = {
        facet: {value: gettext(locale, label) for value, label in labels.items()}
        for facet, labels in FIXED_LABELS.items()
    }
    themes = session.exec(select(Theme)).all()
    maps[Facet.THEME] = {
        t.code: str(pick({"fi": t.name_fi, "sv": t.name_sv, "en": t.name_en}, locale) or t.code)
        for t in themes
    }
    wanted_municipalities = set(codes.get(Facet.MUNICIPALITY, ()))
    maps[Facet.MUNICIPALITY] = {
        m.code: str(pick({"fi": m.name_fi, "sv": m.name_sv, "en": m.name_en}, locale) or m.code)
        for m in (
            session.exec(select(Municipality).where(col(Municipality.code).in_(wanted_municipalities))).all()
            if wanted_municipalities
            else []
        )
    }
    wanted_groups = set(codes.get(Facet.TARGET_GROUP, ()))
    maps[Facet.TARGET_GROUP] = {
        t.code: str(pick({"fi": t.label_fi, "sv": t.label_sv, "en": t.label_en}, locale) or t.code)
        for t in (
            session.exec(
                select(TaxonomyTerm).where(
                    TaxonomyTerm.taxonomy == Taxonomy.PTV_TARGET_GROUP.value,
                    col(TaxonomyTerm.code).in_(wanted_groups),
                )
            ).all()
            if wanted_groups
            else []
        )
    }
    maps[Facet.LANGUAGE] = {code: language_label(code, locale) for code in codes.get(Facet.LANGUAGE, ())}
    day_names = get_day_names("wide", context="stand-alone", locale=locale)
    maps[Facet.WEEKDAY] = {code: str(day_names[index]) for index, code in enumerate(WEEKDAYS)}
    return maps
