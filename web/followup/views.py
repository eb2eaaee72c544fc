"""The follow-up report as rows and charts in the reader's language (pure: no I/O).

One list of rows feeds the accessible table, the CSV and the XLSX, so the three can never disagree;
hidden small counts are written as "<5" everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from babel.dates import format_date
from babel.numbers import format_percent

from app.errors import N_
from referrals.followup import SELF_REFERRAL, Report, Table
from referrals.status import REASON_LABELS
from web.i18n import gettext

HIDDEN = "<5"
KIND_LABELS = {"welfare": N_("Welfare referral"), "exercise": N_("Exercise referral")}
FUNNEL_LABELS = {
    "sent": N_("Sent"),
    "accepted": N_("Accepted"),
    "contacted": N_("Contacted"),
    "started": N_("Started"),
    "attending_m3": N_("Still attending at 3 months"),
    "attending_m6": N_("Still attending at 6 months"),
    "attending_m12": N_("Still attending at 12 months"),
    "completed": N_("Completed"),
}
SECTIONS = {
    "total": N_("Referrals"),
    "by_kind": N_("By kind"),
    "by_month": N_("By month"),
    "by_unit": N_("By referring unit"),
    "by_theme": N_("By theme of the activity"),
    "by_provider": N_("By provider"),
    "by_age_band": N_("By age group"),
    "funnel": N_("From referral to activity"),
    "declines": N_("Declined, by reason"),
    "discontinuations": N_("Discontinued, by reason"),
    "capacity_shortfalls": N_("No room (declined or waiting list), by theme"),
    "outcomes": N_("Outcomes"),
}


@dataclass(frozen=True)
class Row:
    section: str
    key: str  # the machine-readable code, for the CSV and the API
    label: str
    value: str  # a count, a share or "<5"


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | None  # None: hidden
    width: float  # 0..100, share of the largest shown value


def _count(value: int | None) -> str:
    return HIDDEN if value is None else str(value)


def _share(value: float | None, locale: str) -> str:
    return HIDDEN if value is None else format_percent(value, locale=locale)


def month_label(key: str, locale: str) -> str:
    try:
        year, month = (int(part) for part in key.split("-"))
    except ValueError:
        return key
    return format_date(date(year, month, 1), "LLLL yyyy", locale=locale)


def report_rows(report: Report, locale: str, names: Mapping[str, Mapping[str, str]]) -> list[Row]:
    """Every figure of the report; `names` maps a table's codes to names (units, themes, ...)."""

    def tr(message: str) -> str:
        return gettext(locale, message)

    rows = [Row(tr(SECTIONS["total"]), "total", tr(SECTIONS["total"]), _count(report.total))]

    def table(name: str, data: Table, label: Callable[[str], str]) -> None:
        section = tr(SECTIONS[name])
        for key, value in data.cells.items():
            rows.append(Row(section, f"{name}.{key or 'unknown'}", label(key), _count(value)))

    table("by_kind", report.by_kind, lambda k: tr(KIND_LABELS.get(k, k)))
    table("by_month", report.by_month, lambda k: month_label(k, locale))
    table(
        "by_unit",
        report.by_unit,
        lambda k: (
            gettext(locale, "Self-referral")
            if k == SELF_REFERRAL
            else names.get("unit", {}).get(k) or gettext(locale, "Unit not recorded")
        ),
    )
    table("by_theme", report.by_theme, lambda k: names.get("theme", {}).get(k, k))
    table("by_provider", report.by_provider, lambda k: k)
    table("by_age_band", report.by_age_band, lambda k: k or gettext(locale, "Age not recorded"))
    section = tr(SECTIONS["funnel"])
    for key, value in report.funnel:
        rows.append(Row(section, f"funnel.{key}", tr(FUNNEL_LABELS[key]), _count(value)))
    rows.append(
        Row(
            section,
            "funnel.median_days_to_answer",
            gettext(locale, "Median days to the provider's first answer"),
            HIDDEN if report.median_days_to_answer is None else f"{report.median_days_to_answer:g}",
        )
    )
    rows.append(
        Row(section, "uptake", gettext(locale, "Uptake (started of sent)"), _share(report.uptake, locale))
    )
    rows.append(
        Row(
            section,
            "uptake.reference",
            gettext(locale, "Uptake in exercise-referral studies"),
            _share(report.reference_uptake, locale),
        )
    )
    rows.append(
        Row(
            section,
            "adherence",
            gettext(locale, "Adherence (attending at 3 months of started)"),
            _share(report.adherence, locale),
        )
    )
    rows.append(
        Row(
            section,
            "adherence.reference",
            gettext(locale, "Adherence in exercise-referral studies"),
            _share(report.reference_adherence, locale),
        )
    )
    reason = lambda k: tr(REASON_LABELS[k]) if k in REASON_LABELS else k  # noqa: E731
    table("declines", report.declines, reason)
    table("discontinuations", report.discontinuations, reason)
    table("capacity_shortfalls", report.capacity_shortfalls, lambda k: names.get("theme", {}).get(k, k))
    section = tr(SECTIONS["outcomes"])
    outcomes = report.outcomes
    rows.append(
        Row(
            section,
            "outcomes.pairs",
            gettext(locale, "People with a first and a follow-up answer"),
            _count(outcomes.pairs),
        )
    )
    shares: tuple[tuple[str, str, float | None], ...] = (
        (
            "outcomes.active_baseline",
            gettext(locale, "Met the activity recommendation at first"),
            outcomes.active_baseline,
        ),
        (
            "outcomes.active_follow_up",
            gettext(locale, "Met the activity recommendation at follow-up"),
            outcomes.active_follow_up,
        ),
        (
            "outcomes.lonely_baseline",
            gettext(locale, "Often or always lonely at first"),
            outcomes.lonely_baseline,
        ),
        (
            "outcomes.lonely_follow_up",
            gettext(locale, "Often or always lonely at follow-up"),
            outcomes.lonely_follow_up,
        ),
    )
    for key, label, fraction in shares:
        rows.append(Row(section, key, label, _share(fraction, locale)))
    rows.append(
        Row(
            section,
            "outcomes.swemwbs_change",
            gettext(locale, "Mean change in mental wellbeing (SWEMWBS, 7–35)"),
            HIDDEN if outcomes.swemwbs_change is None else f"{outcomes.swemwbs_change:+g}",
        )
    )
    return rows


def bars(pairs: list[tuple[str, int | None]]) -> list[Bar]:
    largest = max((v for _, v in pairs if v), default=0)
    return [
        Bar(label, value, 0 if not value or not largest else 100 * value / largest) for label, value in pairs
    ]
