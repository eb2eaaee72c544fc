"""A local listing's fields: parsed from a form into plain values (pure), and compared for a moderator.

Local listings are activities published nowhere else (no PTV, Lähellä.fi or LinkedEvents record). Each change
is a revision holding these fields as JSON; a moderator approves it before it reaches the catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import time
from typing import Any

from app.errors import InvalidInput

TEXT_FIELDS = (
    "name_fi",
    "name_sv",
    "name_en",
    "summary_fi",
    "summary_sv",
    "summary_en",
    "description_fi",
    "description_sv",
    "description_en",
    "how_to_join_fi",
    "how_to_join_sv",
    "how_to_join_en",
    "price_text_fi",
    "place_name",
    "street_address",
    "phone",
    "email",
    "website",
)
LIMITS = {"name": 200, "summary": 500, "description": 5000, "how_to_join": 2000, "price_text": 500}
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
LANGUAGES = ("fi", "sv", "en", "se", "ru", "et", "ar", "so", "uk", "fa")
MAX_SESSIONS = 14
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")
_POSTAL = re.compile(r"^\d{5}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _limit(name: str) -> int:
    for prefix, limit in LIMITS.items():
        if name.startswith(prefix):
            return limit
    return 300


def _text(form: Mapping[str, Any], name: str) -> str | None:
    value = str(form.get(name) or "").strip()
    if len(value) > _limit(name):
        raise InvalidInput(
            "A text is longer than %(limit)s characters. Shorten it and try again.", limit=_limit(name)
        )
    return value or None


def _age(form: Mapping[str, Any], name: str) -> int | None:
    raw = str(form.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or int(raw) > 120:
        raise InvalidInput("An age must be a whole number from 0 to 120.")
    return int(raw)


def _time(raw: str) -> str:
    match = _TIME.match(raw.strip())
    if not match:
        raise InvalidInput("Give times as hours and minutes, for example 13.00.")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def parse_sessions(days: Sequence[str], starts: Sequence[str], ends: Sequence[str]) -> list[dict[str, str]]:
    """Rows of the form's weekly table; a row left empty is skipped, a half-filled one refused."""
    sessions: list[dict[str, str]] = []
    for day, start, end in zip(days, starts, ends, strict=False):
        if not (day or start or end):
            continue
        if day not in DAYS or not start or not end:
            raise InvalidInput("Each meeting time needs a weekday, a start and an end.")
        begins, finishes = _time(start), _time(end)
        if finishes <= begins:
            raise InvalidInput("A meeting must end after it starts.")
        sessions.append({"day": day, "starts": begins, "ends": finishes})
    if len(sessions) > MAX_SESSIONS:
        raise InvalidInput("At most %(limit)s weekly meeting times.", limit=MAX_SESSIONS)
    return sessions


def listing_from_form(
    form: Mapping[str, Any],
    *,
    themes: Sequence[str],
    municipalities: Sequence[str],
    languages: Sequence[str],
    sessions: list[dict[str, str]],
    known_themes: set[str],
    known_municipalities: set[str],
) -> dict[str, Any]:
    """Plain, bounded JSON-ready fields of a listing, or InvalidInput naming what is wrong."""
    fields: dict[str, Any] = {name: _text(form, name) for name in TEXT_FIELDS}
    if not fields["name_fi"] and not fields["name_sv"] and not fields["name_en"]:
        raise InvalidInput("Give the activity a name in at least one language.")
    if not fields["summary_fi"] and not fields["summary_sv"] and not fields["summary_en"]:
        raise InvalidInput("Describe the activity in a sentence or two.")
    if fields["email"] and not _EMAIL.match(fields["email"]):
        raise InvalidInput("Check the e-mail address.")
    if fields["website"] and not fields["website"].startswith(("https://", "http://")):
        raise InvalidInput("A web address starts with https://.")
    postal = str(form.get("postal_code") or "").strip()
    if postal and not _POSTAL.match(postal):
        raise InvalidInput("A postal code has five digits.")
    fields["postal_code"] = postal or None
    free = str(form.get("is_free") or "")
    if free not in ("", "true", "false"):
        raise InvalidInput("Choose whether the activity is free.")
    fields["is_free"] = None if not free else free == "true"
    fields["min_age"] = _age(form, "min_age")
    fields["max_age"] = _age(form, "max_age")
    if (
        fields["min_age"] is not None
        and fields["max_age"] is not None
        and fields["min_age"] > fields["max_age"]
    ):
        raise InvalidInput("The lowest age must not be above the highest.")
    unknown = [t for t in themes if t not in known_themes]
    if unknown or not themes:
        raise InvalidInput("Choose at least one theme from the list.")
    outside = [m for m in municipalities if m not in known_municipalities]
    if outside or not municipalities:
        raise InvalidInput("Choose the municipalities the activity is for, from the served area.")
    if any(code not in LANGUAGES for code in languages):
        raise InvalidInput("Choose the languages from the list.")
    fields["themes"] = sorted(set(themes))
    fields["municipalities"] = sorted(set(municipalities))
    fields["languages"] = sorted(set(languages)) or ["fi"]
    fields["sessions"] = sessions
    return fields


@dataclass(frozen=True)
class Change:
    field: str
    before: Any
    after: Any


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[Change]:
    """What a revision changes, field by field, for the moderator (every field when the listing is new)."""
    before = before or {}
    return [
        Change(name, before.get(name), after.get(name))
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    ]


def session_times(session: dict[str, str]) -> tuple[time, time]:
    return time.fromisoformat(session["starts"]), time.fromisoformat(session["ends"])
