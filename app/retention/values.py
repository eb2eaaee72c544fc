"""Retention and follow-up settings: their defaults (from Settings), the values in force, and changing them.

The scheduled jobs (`tarjotin referrals tick|anonymise`) and the referral pages read `effective()`, so a
change by an administrator applies from the next tick or request, on every app process, without a restart.
Every change goes to the audit trail with the old and the new value.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from app.accounts.actor import Actor
from app.accounts.service import require_admin
from app.audit.trail import record_event
from app.errors import N_, InvalidInput
from app.retention.models import RetentionSetting
from app.settings import Settings

# The follow-up questionnaires the outcome definitions offer after the baseline (months after the referral).
FOLLOW_UP_CHOICES = (3, 6, 12)
DEFAULT_FOLLOW_UP_MONTHS = FOLLOW_UP_CHOICES


@dataclass(frozen=True)
class Definition:
    key: str
    label: str  # an English message id
    hint: str
    minimum: int = 1
    maximum: int = 120


DEFINITIONS: tuple[Definition, ...] = (
    Definition(
        "referral_retention_months",
        N_("Months before a closed referral is anonymised"),
        N_("Personal data is removed from referrals closed longer ago than this; the statistics stay."),
        1,
        120,
    ),
    Definition(
        "referral_response_days",
        N_("Days a provider has to answer a referral"),
        N_("An unanswered referral expires after this many days, and the referrer is told."),
        1,
        90,
    ),
    Definition(
        "referral_reminder_days",
        N_("Days before the provider is reminded of an unanswered referral"),
        N_("The provider gets one reminder when a referral has waited this long."),
        1,
        60,
    ),
    Definition(
        "referral_link_days",
        N_("Days the resident's link to their referral stays valid"),
        N_("Also the link in follow-up questionnaire messages."),
        1,
        365,
    ),
)
FOLLOW_UP_KEY = "follow_up_months"


@dataclass(frozen=True)
class RetentionValues:
    referral_retention_months: int
    referral_response_days: int
    referral_reminder_days: int
    referral_link_days: int
    follow_up_months: tuple[int, ...]


def defaults(settings: Settings) -> dict[str, Any]:
    values: dict[str, Any] = {d.key: int(getattr(settings, d.key)) for d in DEFINITIONS}
    values[FOLLOW_UP_KEY] = list(DEFAULT_FOLLOW_UP_MONTHS)
    return values


def stored(session: Session) -> dict[str, RetentionSetting]:
    return {row.key: row for row in session.exec(select(RetentionSetting)).all()}


def effective(session: Session, settings: Settings) -> RetentionValues:
    """The values in force: what an administrator set, else the default from the settings."""
    values = defaults(settings)
    for key, row in stored(session).items():
        if key in values:
            values[key] = row.value
    return RetentionValues(
        referral_retention_months=int(values["referral_retention_months"]),
        referral_response_days=int(values["referral_response_days"]),
        referral_reminder_days=int(values["referral_reminder_days"]),
        referral_link_days=int(values["referral_link_days"]),
        follow_up_months=tuple(sorted(int(m) for m in values[FOLLOW_UP_KEY])),
    )


def _checked(definition: Definition, raw: str) -> int:
    try:
        value = int(raw.strip())
    except (ValueError, AttributeError):
        value = None
    if value is None or not definition.minimum <= value <= definition.maximum:
        raise InvalidInput(
            N_("Give a whole number from %(minimum)s to %(maximum)s."),
            code="invalid_setting",
            minimum=definition.minimum,
            maximum=definition.maximum,
        )
    return value


def _checked_months(raw: Iterable[str]) -> list[int]:
    months: set[int] = set()
    for item in raw:
        try:
            month = int(item)
        except ValueError:
            month = -1
        if month not in FOLLOW_UP_CHOICES:
            raise InvalidInput(N_("Choose the follow-up months from the list."), code="invalid_setting")
        months.add(month)
    return sorted(months)


def change_settings(
    session: Session,
    *,
    actor: Actor,
    settings: Settings,
    numbers: dict[str, str],
    follow_up_months: Iterable[str],
    now: datetime,
) -> list[str]:
    """Store the values that differ from those in force; one audit event per changed key. Returns the keys."""
    require_admin(actor)
    new: dict[str, Any] = {d.key: _checked(d, numbers.get(d.key, "")) for d in DEFINITIONS}
    new[FOLLOW_UP_KEY] = _checked_months(follow_up_months)
    current = effective(session, settings)
    rows = stored(session)
    changed = []
    for key, value in new.items():
        old = getattr(current, key)
        old = list(old) if isinstance(old, tuple) else old
        if old == value:
            continue
        row = rows.get(key) or RetentionSetting(key=key, value=value, changed_by=actor.label)
        row.value, row.changed_at, row.changed_by = value, now, actor.label
        session.add(row)
        record_event(
            session,
            action="retention_setting.changed",
            entity_type="retention_setting",
            entity_id=key,
            actor_user_id=actor.user_id,
            actor_label=actor.label,
            details={"old": old, "new": value},
        )
        changed.append(key)
    session.flush()
    return changed
