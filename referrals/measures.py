"""Outcome measures as versioned data (referrals/data/measures-<version>.json) and their scoring (pure).

Each answer set records the definition version it was asked with, so a municipality can change wording or
add items without making earlier answers unreadable. Scoring follows the instruments' own rules:
SWEMWBS raw score 7-35 (all seven items needed); the activity recommendation (UKK Institute 2019) as
150 min of brisk or 75 min of vigorous activity a week (vigorous counted double) and strength on two days.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from app.errors import InvalidInput
from referrals.status import ReferralKind

DATA_DIR = Path(__file__).parent / "data"
CURRENT_VERSION = "2026-12-1"


class Timepoint(StrEnum):
    BASELINE = "baseline"
    M3 = "m3"
    M6 = "m6"
    M12 = "m12"

    @property
    def months(self) -> int:
        return {"baseline": 0, "m3": 3, "m6": 6, "m12": 12}[self.value]


@dataclass(frozen=True)
class Definitions:
    version: str
    raw: Mapping[str, Any]

    def timepoints(self, kind: ReferralKind) -> list[Timepoint]:
        return [Timepoint(t) for t in self.raw["timepoints"][kind.value]]

    def instruments(
        self, kind: ReferralKind, timepoint: Timepoint, *, staff: bool
    ) -> list[Mapping[str, Any]]:
        """What is asked at this point; staff-only measures (weight, waist) never reach the resident."""
        chosen = []
        for instrument in self.raw["instruments"]:
            if "timepoints" in instrument and timepoint.value not in instrument["timepoints"]:
                continue
            if "kinds" in instrument and kind.value not in instrument["kinds"]:
                continue
            if instrument.get("staff_only") and not staff:
                continue
            chosen.append(instrument)
        return chosen

    def text(self, key: str, locale: str) -> str:
        return str(self.raw[key][locale])


@cache
def load_definitions(version: str = CURRENT_VERSION) -> Definitions:
    path = DATA_DIR / f"measures-{version}.json"
    if not path.is_file():
        raise InvalidInput("Unknown version of the follow-up questions: %(value)s.", value=version)
    raw = json.loads(path.read_text(encoding="utf-8"))
    return Definitions(version=raw["version"], raw=raw)


def _item_value(item: Mapping[str, Any], raw: str) -> Any:
    kind = item["type"]
    if kind in ("choice", "scale"):
        values = {str(option["value"]): option["value"] for option in item["options"]}
        if raw not in values:
            raise InvalidInput("Choose one of the answers given.")
        return values[raw]
    text = raw.replace(",", ".").strip()
    try:
        number = float(text) if kind == "number" else int(text)
    except ValueError:
        raise InvalidInput("Give a number.") from None
    if not text.replace(".", "", 1).isascii() or not item["min"] <= number <= item["max"]:
        raise InvalidInput("Give a number from %(low)s to %(high)s.", low=item["min"], high=item["max"])
    return number


def answers_from_form(instruments: list[Mapping[str, Any]], form: Mapping[str, str]) -> dict[str, Any]:
    """The answers given, checked against the definitions. A question left empty is simply not answered."""
    answers: dict[str, Any] = {}
    for instrument in instruments:
        for item in instrument["items"]:
            raw = str(form.get(item["code"]) or "").strip()
            if raw:
                answers[item["code"]] = _item_value(item, raw)
    if not answers:
        raise InvalidInput("Answer at least one question.")
    return answers


SWEMWBS_ITEMS = ("optimistic", "useful", "relaxed", "problems", "clearly", "close", "own_mind")


@dataclass(frozen=True)
class Scores:
    swemwbs: int | None  # raw 7-35, only with all seven items
    meets_activity: bool | None
    lonely: bool | None  # often or always
    good_health: bool | None  # good or fairly good
    still_attending: bool | None
    found_activity: bool | None


def scores_from_answers(answers: Mapping[str, Any]) -> Scores:
    swemwbs = (
        sum(int(answers[i]) for i in SWEMWBS_ITEMS) if all(i in answers for i in SWEMWBS_ITEMS) else None
    )
    meets = None
    if all(k in answers for k in ("moderate_minutes", "vigorous_minutes", "strength_days")):
        aerobic = answers["moderate_minutes"] + 2 * answers["vigorous_minutes"]
        meets = aerobic >= 150 and answers["strength_days"] >= 2
    return Scores(
        swemwbs=swemwbs,
        meets_activity=meets,
        lonely=None if "lonely" not in answers else int(answers["lonely"]) >= 4,
        good_health=None if "health" not in answers else int(answers["health"]) <= 2,
        still_attending=None if "still_attending" not in answers else answers["still_attending"] == "yes",
        found_activity=None if "found_activity" not in answers else answers["found_activity"] == "yes",
    )
