"""What the provider itself says about a listing (its overlay), as residents and professionals see it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from babel.dates import format_date
from sqlmodel import Session

from app.catalogue.overlay import Capacity, ServiceOverlay
from app.catalogue.selfservice import STALE_MONTHS, is_stale, overlays_with_last_verified
from app.timeutil import local_date
from web.i18n import gettext, ngettext

_METHOD_LABELS = {
    "form": "the referral form",
    "phone": "phone",
    "email": "e-mail",
    "walk_in": "walk in",
}


@dataclass(frozen=True)
class ProviderFacts:
    referrals: str | None  # "Takes referrals: by phone, e-mail"
    capacity: str | None
    capacity_code: str | None  # places_free, waiting_list, full: the template's marker
    kaikukortti: bool
    verified: str | None  # "Checked by the provider on 7 Dec 2026"
    stale: bool
    # The provider takes referrals: a resident may ask them, from the page, to make contact (self-referral).
    contact_request: bool = False


def capacity_text(overlay: ServiceOverlay | None, locale: str) -> str | None:
    if overlay is None or overlay.capacity is None:
        return None
    if overlay.capacity is Capacity.PLACES_FREE:
        if overlay.places_free is None:
            return gettext(locale, "Places free")
        return ngettext(locale, "%(num)s place free", "%(num)s places free", overlay.places_free)
    if overlay.capacity is Capacity.WAITING_LIST:
        return gettext(locale, "Waiting list")
    return gettext(locale, "Full at the moment")


def provider_facts(
    overlay: ServiceOverlay | None, verified: datetime | None, *, now: datetime, locale: str
) -> ProviderFacts:
    referrals = None
    if overlay is not None and overlay.accepts_referrals is not None:
        if not overlay.accepts_referrals:
            referrals = gettext(locale, "Does not take referrals")
        elif overlay.referral_methods:
            ways = ", ".join(
                gettext(locale, _METHOD_LABELS[m]) for m in overlay.referral_methods if m in _METHOD_LABELS
            )
            referrals = gettext(locale, "Takes referrals: %(ways)s", ways=ways)
        else:
            referrals = gettext(locale, "Takes referrals")
    return ProviderFacts(
        referrals=referrals,
        capacity=capacity_text(overlay, locale),
        capacity_code=overlay.capacity.value
        if overlay is not None and overlay.capacity is not None
        else None,
        kaikukortti=bool(overlay and overlay.kaikukortti),
        verified=(
            gettext(
                locale,
                "Checked by the provider on %(date)s",
                date=format_date(local_date(verified), "medium", locale=locale),
            )
            if overlay is not None and overlay.verified_at is not None and verified is not None
            else None
        ),
        stale=is_stale(verified, now),
        contact_request=overlay is not None and overlay.accepts_referrals is True,
    )


@dataclass(frozen=True)
class CardFacts:
    """The provider's word on a result card: room, referrals, and whether the listing is unconfirmed."""

    capacity: str | None
    capacity_code: str | None
    referrals: str | None  # "Takes referrals" or "Does not take referrals"; None: not said
    stale: str | None  # "Not confirmed by the provider for over 12 months"


def card_facts(
    session: Session, service_ids: Sequence[str], *, now: datetime, locale: str
) -> dict[str, CardFacts]:
    """Read live (not from the search index), so a provider's change shows on the next search at once."""
    found = overlays_with_last_verified(session, [uuid.UUID(i) for i in service_ids])
    note = ngettext(
        locale,
        "Not confirmed by the provider for over %(num)s month",
        "Not confirmed by the provider for over %(num)s months",
        STALE_MONTHS,
    )
    facts = {}
    for service_id, (overlay, verified) in found.items():
        referrals = None
        if overlay is not None and overlay.accepts_referrals is not None:
            referrals = (
                gettext(locale, "Takes referrals")
                if overlay.accepts_referrals
                else gettext(locale, "Does not take referrals")
            )
        facts[str(service_id)] = CardFacts(
            capacity=capacity_text(overlay, locale),
            capacity_code=overlay.capacity.value if overlay is not None and overlay.capacity else None,
            referrals=referrals,
            stale=note if is_stale(verified, now) else None,
        )
    return facts
