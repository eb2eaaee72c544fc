"""The translated labels every staff referral page renders with (statuses, actions, reasons, needs,
outcomes, consent fields and contact channels), in one place so the pages cannot drift apart."""

from __future__ import annotations

from typing import Any

from app.i18n import gettext
from referrals.fields import CHANNEL_LABELS, CONSENT_FIELD_LABELS, NEED_LABELS, REASON_LABELS
from referrals.status import ACTION_LABELS, STATUS_LABELS
from referrals.status import REASON_LABELS as OUTCOME_LABELS


def referral_labels(locale: str) -> dict[str, Any]:
    return {
        "status_labels": {s.value: gettext(locale, label) for s, label in STATUS_LABELS.items()},
        "action_labels": {a.value: gettext(locale, label) for a, label in ACTION_LABELS.items()},
        "reason_labels": {k: gettext(locale, v) for k, v in REASON_LABELS.items()},
        "need_labels": {k: gettext(locale, v) for k, v in NEED_LABELS.items()},
        "outcome_labels": {str(k): gettext(locale, v) for k, v in OUTCOME_LABELS.items()},
        "field_labels": {k: gettext(locale, v) for k, v in CONSENT_FIELD_LABELS.items()},
        "channel_labels": {k: gettext(locale, v) for k, v in CHANNEL_LABELS.items()},
    }
