"""Forms of the self-service pages turned into domain inputs (pure; no I/O)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from app.catalogue.enums import AccessibilityFeature
from app.catalogue.overlay import Capacity, ReferralMethod
from app.catalogue.selfservice import OverlayInput
from app.errors import InvalidInput


def _tristate(value: str | None) -> bool | None:
    if value in (None, ""):
        return None
    if value in ("true", "false"):
        return value == "true"
    raise InvalidInput("Choose yes, no or not said.")


def overlay_from_form(form: Mapping[str, str], lists: Mapping[str, Sequence[str]]) -> OverlayInput:
    capacity_raw = form.get("capacity") or ""
    if capacity_raw and capacity_raw not in Capacity.__members__.values():
        raise InvalidInput("Choose how much room there is.")
    places_raw = (form.get("places_free") or "").strip()
    if places_raw and not (places_raw.isascii() and places_raw.isdigit()):
        raise InvalidInput("The number of free places must be between 0 and 10,000.")
    capacity = Capacity(capacity_raw) if capacity_raw else None
    places = int(places_raw) if places_raw and capacity is Capacity.PLACES_FREE else None
    features = [f for f in lists.get("accessibility_features", ()) if f]
    if any(f not in AccessibilityFeature.__members__.values() for f in features):
        raise InvalidInput("Choose the accessibility features from the list.")
    methods = [m for m in lists.get("referral_methods", ()) if m]
    if any(m not in ReferralMethod.__members__.values() for m in methods):
        raise InvalidInput(
            "Unknown way of referring: %(value)s.",
            value=next(m for m in methods if m not in ReferralMethod.__members__.values()),
        )
    return OverlayInput(
        accepts_referrals=_tristate(form.get("accepts_referrals")),
        referral_methods=tuple(methods),
        capacity=capacity,
        places_free=places,
        contact_name=form.get("contact_name"),
        contact_phone=form.get("contact_phone"),
        contact_email=form.get("contact_email"),
        note_to_professionals=form.get("note_to_professionals"),
        kaikukortti=_tristate(form.get("kaikukortti")),
        accessibility_features=tuple(features),
    )
