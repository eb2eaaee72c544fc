"""The staff navigation: which links each role sees. Add a line here for a new staff area."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.accounts.actor import Actor
from app.accounts.models import Role
from app.errors import N_


@dataclass(frozen=True, slots=True)
class NavItem:
    label: str  # an English message id, translated when shown
    href: str
    roles: frozenset[Role] = field(default_factory=frozenset)  # empty: everyone with any role

    def visible_to(self, actor: Actor | None) -> bool:
        if actor is None or not actor.grants:
            return False
        return not self.roles or actor.has_role(*self.roles)


STAFF_NAV: tuple[NavItem, ...] = (
    NavItem(N_("Start"), "/staff/"),
    NavItem(N_("Our listings"), "/staff/listings", frozenset({Role.PROVIDER_ADMIN})),
    NavItem(
        N_("Problem reports"),
        "/staff/problems",
        frozenset({Role.PROVIDER_ADMIN, Role.PROVIDER_CONTACT, Role.MODERATOR}),
    ),
    NavItem(N_("Listings waiting for review"), "/staff/moderation", frozenset({Role.MODERATOR})),
    NavItem(
        N_("Follow-up of referrals"),
        "/staff/followup",
        frozenset({Role.MUNICIPAL_ANALYST, Role.COUNTY_ANALYST}),
    ),
    NavItem(
        N_("Catalogue health"),
        "/staff/catalogue-health",
        frozenset({Role.MODERATOR, Role.MUNICIPAL_ANALYST, Role.COUNTY_ANALYST, Role.ADMIN}),
    ),
    NavItem(
        N_("Referrals"),
        "/staff/referrals",
        frozenset(
            {
                Role.REFERRER,
                Role.COORDINATOR,
                Role.EXERCISE_COUNSELLOR,
                Role.PROVIDER_CONTACT,
                Role.PROVIDER_ADMIN,
            }
        ),
    ),
    NavItem(N_("Residents' data requests"), "/staff/admin/residents", frozenset({Role.ADMIN})),
    NavItem(N_("Sync runs"), "/staff/admin/sync-runs", frozenset({Role.ADMIN})),
    NavItem(N_("Theme mapping"), "/staff/admin/theme-mapping", frozenset({Role.ADMIN})),
    NavItem(N_("Retention and follow-up"), "/staff/admin/retention", frozenset({Role.ADMIN})),
)


def nav_for(actor: Actor | None) -> list[NavItem]:
    return [item for item in STAFF_NAV if item.visible_to(actor)]
