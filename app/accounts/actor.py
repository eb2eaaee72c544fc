"""Who acts: the one value every domain function takes instead of a request (../shared/DESIGN.md §6).

An actor is a signed-in person with the memberships read once at sign-in, an API client acting for one
organisation, a resident holding a verified referral link (rights to that one referral only), or a named
system job. Rights to a referral come from the actor's relation to it, computed in referrals/policy.py;
this module only says who the actor is and which roles it holds where.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from app.accounts.models import Role


class ActorKind(StrEnum):
    PERSON = "person"
    API_CLIENT = "api_client"
    RESIDENT = "resident"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Grant:
    """One role in one organisation, optionally narrowed to one of its units."""

    organisation_id: uuid.UUID
    role: Role
    unit_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Actor:
    kind: ActorKind
    # user id, API client id, referral id (resident) or job name (system), as text
    id: str
    grants: tuple[Grant, ...] = ()
    locale: str = "fi"
    display_name: str | None = field(default=None, compare=False)

    # --- constructors -------------------------------------------------------------------------------------
    @classmethod
    def person(
        cls,
        user_id: uuid.UUID,
        grants: Iterable[Grant],
        *,
        locale: str = "fi",
        display_name: str | None = None,
    ) -> Actor:
        return cls(ActorKind.PERSON, str(user_id), tuple(grants), locale, display_name)

    @classmethod
    def api_client(cls, client_id: uuid.UUID, grants: Iterable[Grant], *, name: str | None = None) -> Actor:
        return cls(ActorKind.API_CLIENT, str(client_id), tuple(grants), "fi", name)

    @classmethod
    def resident(cls, referral_id: uuid.UUID, *, locale: str = "fi") -> Actor:
        return cls(ActorKind.RESIDENT, str(referral_id), (), locale)

    @classmethod
    def system(cls, job: str) -> Actor:
        """A named job, e.g. Actor.system("referral-tick")."""
        return cls(ActorKind.SYSTEM, job)

    # --- who ----------------------------------------------------------------------------------------------
    @property
    def label(self) -> str:
        """How the audit trail and the access log name this actor (identifiers only)."""
        prefix = {
            ActorKind.PERSON: "user",
            ActorKind.API_CLIENT: "client",
            ActorKind.RESIDENT: "resident:referral",
            ActorKind.SYSTEM: "system",
        }[self.kind]
        return f"{prefix}:{self.id}"

    @property
    def user_id(self) -> uuid.UUID | None:
        return uuid.UUID(self.id) if self.kind is ActorKind.PERSON else None

    @property
    def client_id(self) -> uuid.UUID | None:
        return uuid.UUID(self.id) if self.kind is ActorKind.API_CLIENT else None

    @property
    def referral_id(self) -> uuid.UUID | None:
        """The one referral a resident actor may act on."""
        return uuid.UUID(self.id) if self.kind is ActorKind.RESIDENT else None

    # --- roles --------------------------------------------------------------------------------------------
    def roles_in(self, organisation_id: uuid.UUID) -> frozenset[Role]:
        return frozenset(g.role for g in self.grants if g.organisation_id == organisation_id)

    def has_role(self, *roles: Role, organisation_id: uuid.UUID | None = None) -> bool:
        """Holds one of `roles` (in that organisation, when one is named)."""
        return any(
            g.role in roles and (organisation_id is None or g.organisation_id == organisation_id)
            for g in self.grants
        )

    def organisations_with(self, *roles: Role) -> frozenset[uuid.UUID]:
        return frozenset(g.organisation_id for g in self.grants if g.role in roles)

    def units_with(self, *roles: Role) -> frozenset[uuid.UUID]:
        return frozenset(g.unit_id for g in self.grants if g.role in roles and g.unit_id is not None)

    @property
    def is_admin(self) -> bool:
        """Runs the service. Never by itself a reason to see a resident's data."""
        return self.has_role(Role.ADMIN)
