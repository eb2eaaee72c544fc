"""Labels of the self-service code lists in the reader's language, for the templates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from babel import Locale
from babel.dates import format_date, get_day_names

from app.catalogue.problems import ProblemKind, ProblemStatus
from app.catalogue.revisions import RevisionStatus
from app.errors import N_
from app.timeutil import local_date
from web.i18n import gettext

CAPACITY_LABELS = {
    "places_free": N_("Places free"),
    "waiting_list": N_("Waiting list"),
    "full": N_("Full at the moment"),
}
METHOD_LABELS = {
    "form": N_("Through this service's referral form"),
    "phone": N_("By phone"),
    "email": N_("By e-mail"),
    "walk_in": N_("The resident can just come along"),
}
FEATURE_LABELS = {
    "wheelchair": N_("Wheelchair accessible"),
    "rollator": N_("Accessible with a rollator"),
    "visual": N_("For people with visual impairments"),
    "hearing": N_("For people with hearing impairments"),
}
REVISION_LABELS = {
    RevisionStatus.PENDING: N_("Waiting for a moderator"),
    RevisionStatus.APPROVED: N_("Published"),
    RevisionStatus.REJECTED: N_("Not approved"),
    RevisionStatus.WITHDRAWN: N_("Replaced by a newer version"),
}
PROBLEM_LABELS = {
    ProblemKind.ENDED: N_("The activity has ended"),
    ProblemKind.WRONG_TIME: N_("The time is wrong"),
    ProblemKind.WRONG_PLACE: N_("The place is wrong"),
    ProblemKind.WRONG_CONTACT: N_("The contact details are wrong"),
    ProblemKind.WRONG_PRICE: N_("The price is wrong"),
    ProblemKind.ACCESSIBILITY: N_("The accessibility information is wrong"),
    ProblemKind.OTHER: N_("Something else"),
}
PROBLEM_STATUS_LABELS = {
    ProblemStatus.OPEN: N_("Open"),
    ProblemStatus.RESOLVED: N_("Fixed"),
    ProblemStatus.DISMISSED: N_("No change needed"),
}


def _labeller(table: dict[Any, str], locale: str) -> Callable[[Any], str]:
    return lambda value: gettext(locale, table[value]) if value in table else str(value)


def selfservice_globals(locale: str) -> dict[str, Any]:
    def date_text(value: date | datetime | None) -> str:
        return format_date(local_date(value), "medium", locale=locale) if value else ""

    days = get_day_names("wide", locale=locale)
    languages = Locale.parse(locale).languages

    return {
        "weekday_name": lambda code: days[("MO", "TU", "WE", "TH", "FR", "SA", "SU").index(code)],
        "language_label": lambda code: languages.get(code, code),
        "capacity_label": _labeller(CAPACITY_LABELS, locale),
        "method_label": _labeller(METHOD_LABELS, locale),
        "feature_label": _labeller(FEATURE_LABELS, locale),
        "revision_status": _labeller(REVISION_LABELS, locale),
        "problem_label": _labeller(PROBLEM_LABELS, locale),
        "problem_status": _labeller(PROBLEM_STATUS_LABELS, locale),
        "date_text": date_text,
    }
