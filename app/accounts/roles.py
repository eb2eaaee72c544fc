"""Role checks for actions on an organisation. Rights to a referral are not here: referrals/policy.py."""

from __future__ import annotations

import uuid

from app.accounts.actor import Actor
from app.accounts.models import Role
from app.errors import PermissionDenied


def require_role(actor: Actor, organisation_id: uuid.UUID, *roles: Role) -> None:
    """Raise PermissionDenied unless the actor holds one of `roles` in the organisation (or is admin)."""
    if not (actor.has_role(*roles, organisation_id=organisation_id) or actor.is_admin):
        raise PermissionDenied(
            "You do not have the rights to do this for this organisation.",
            code="role_required",
        )
