"""Who is a party to a referral: the one place rights to a referral come from (DESIGN.md §6).

`visible_to(actor)` is the WHERE clause every query starts from; `parties_of(...)` is the same relation
for one loaded referral, in Python. Both say the same thing and tests/referrals check them against each
other. Holding `admin` alone makes no one a party to anything.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlmodel import Session, col

from app.accounts.actor import Actor, ActorKind
from app.accounts.models import Role
from app.catalogue.models import Organisation
from referrals.models import Referral
from referrals.status import Party, ReferralKind, ReferralStatus

PROVIDER_ROLES = (Role.PROVIDER_CONTACT, Role.PROVIDER_ADMIN)
# The receiving municipal role for a referral of each kind, when it is addressed to the municipality.
COORDINATOR_ROLE = {ReferralKind.WELFARE: Role.COORDINATOR, ReferralKind.EXERCISE: Role.EXERCISE_COUNSELLOR}


def _coordinator_clause(actor: Actor, kind: ReferralKind) -> ColumnElement[bool] | None:
    organisations = actor.organisations_with(COORDINATOR_ROLE[kind])
    if not organisations:
        return None
    municipalities = select(col(Organisation.municipality_code)).where(
        col(Organisation.id).in_(organisations)
    )
    return and_(
        col(Referral.addressed_to_coordinator).is_(True),
        col(Referral.kind) == kind,
        col(Referral.status) != ReferralStatus.DRAFT,
        col(Referral.municipality_code).in_(municipalities),
    )


def visible_to(actor: Actor) -> ColumnElement[bool]:
    """The referrals this actor may see at all; anything else is answered as if it did not exist."""
    if actor.kind is ActorKind.SYSTEM:
        return true()
    if actor.kind is ActorKind.RESIDENT:
        return and_(
            col(Referral.id) == actor.referral_id,
            col(Referral.status) != ReferralStatus.ENTERED_IN_ERROR,
            col(Referral.anonymised_at).is_(None),
        )
    clauses = party_branches(actor)
    if not clauses:
        return false()
    return and_(or_(*clauses), col(Referral.status) != ReferralStatus.ENTERED_IN_ERROR)


def party_branches(actor: Actor) -> list[ColumnElement[bool]]:
    """The OR-ed branches of `visible_to` for a person or an API client, one per way of being a party.
    A list query may read each branch through its own index (their OR defeats ordered index scans);
    `visible_to` stays the one definition, as the disjunction of these ANDed with not entered in error.
    Empty for the system and residents, whose clause is not a disjunction."""
    if actor.kind in (ActorKind.SYSTEM, ActorKind.RESIDENT):
        return []
    clauses: list[ColumnElement[bool]] = []
    if actor.kind is ActorKind.PERSON:
        clauses.append(col(Referral.referrer_user_id) == actor.user_id)
        units = actor.units_with(Role.REFERRER)
        if units:
            clauses.append(col(Referral.referrer_unit_id).in_(units))
    elif actor.kind is ActorKind.API_CLIENT:
        clauses.append(col(Referral.referrer_client_id) == actor.client_id)
    providers = actor.organisations_with(*PROVIDER_ROLES)
    if providers:
        clauses.append(
            and_(
                col(Referral.provider_organisation_id).in_(providers),
                col(Referral.provider_access).is_(True),
                col(Referral.status) != ReferralStatus.DRAFT,
            )
        )
    for kind in ReferralKind:
        clause = _coordinator_clause(actor, kind)
        if clause is not None:
            clauses.append(clause)
    return clauses


class ReferralFacts(Protocol):
    """What `parties_of` reads of a referral: a loaded Referral, or a list's row of one
    (referrals.queries.ReferralRow)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def kind(self) -> ReferralKind: ...
    @property
    def status(self) -> ReferralStatus: ...
    @property
    def municipality_code(self) -> str: ...
    @property
    def referrer_user_id(self) -> uuid.UUID | None: ...
    @property
    def referrer_client_id(self) -> uuid.UUID | None: ...
    @property
    def referrer_unit_id(self) -> uuid.UUID | None: ...
    @property
    def provider_organisation_id(self) -> uuid.UUID | None: ...
    @property
    def provider_access(self) -> bool: ...
    @property
    def addressed_to_coordinator(self) -> bool: ...
    @property
    def anonymised_at(self) -> datetime | None: ...


def coordinator_municipalities(session: Session, actor: Actor, kind: ReferralKind) -> frozenset[str]:
    organisations = actor.organisations_with(COORDINATOR_ROLE[kind])
    if not organisations:
        return frozenset()
    codes = session.scalars(
        select(col(Organisation.municipality_code)).where(col(Organisation.id).in_(organisations))
    ).all()
    return frozenset(code for code in codes if code)


def parties_of(
    session: Session,
    actor: Actor,
    referral: ReferralFacts,
    *,
    municipalities: dict[ReferralKind, frozenset[str]] | None = None,
) -> frozenset[Party]:
    """The actor's relations to this referral (empty: not theirs to see). `municipalities` keeps the
    coordinator's municipalities between calls over a page of referrals (one query per kind, not per row)."""
    parties: set[Party] = set()
    if actor.kind is ActorKind.SYSTEM:
        return frozenset({Party.SYSTEM})
    if actor.is_admin:
        parties.add(Party.ADMIN)  # acts only through ENTER_IN_ERROR; sees nothing by it
    if referral.status is ReferralStatus.ENTERED_IN_ERROR:
        return frozenset(parties)
    if actor.kind is ActorKind.RESIDENT:
        if actor.referral_id == referral.id and referral.anonymised_at is None:
            parties.add(Party.RESIDENT)
        return frozenset(parties)
    if actor.kind is ActorKind.PERSON and (
        referral.referrer_user_id == actor.user_id
        or (
            referral.referrer_unit_id is not None
            and referral.referrer_unit_id in actor.units_with(Role.REFERRER)
        )
    ):
        parties.add(Party.REFERRER)
    if actor.kind is ActorKind.API_CLIENT and referral.referrer_client_id == actor.client_id:
        parties.add(Party.REFERRER)
    if (
        referral.provider_access
        and referral.status is not ReferralStatus.DRAFT
        and referral.provider_organisation_id in actor.organisations_with(*PROVIDER_ROLES)
    ):
        parties.add(Party.PROVIDER)
    if referral.addressed_to_coordinator and referral.status is not ReferralStatus.DRAFT:
        known = municipalities if municipalities is not None else {}
        if referral.kind not in known:
            known[referral.kind] = coordinator_municipalities(session, actor, referral.kind)
        if referral.municipality_code in known[referral.kind]:
            parties.add(Party.COORDINATOR)
    return frozenset(parties)


def can_see(parties: frozenset[Party]) -> bool:
    return bool(parties - {Party.ADMIN})
