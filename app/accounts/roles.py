"""Role checks used by every domain; a user holds roles per organisation."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from app.accounts.models import Membership, Role, UserAccount
from app.errors import PermissionDenied


def roles_in(user: UserAccount, organisation_id: uuid.UUID) -> set[Role]:
    return {m.role for m in user.memberships if m.organisation_id == organisation_id}


def has_role(user: UserAccount, organisation_id: uuid.UUID, roles: Iterable[Role]) -> bool:
    wanted = set(roles)
    held = roles_in(user, organisation_id)
    return bool(held & wanted) or Role.ADMIN in _global_roles(user.memberships)


def require_role(user: UserAccount, organisation_id: uuid.UUID, *roles: Role) -> None:
    """Raise PermissionDenied unless the user holds one of `roles` in the organisation (or is admin)."""
    if not user.is_active or not has_role(user, organisation_id, roles):
        raise PermissionDenied(
            "You do not have the rights to do this for this organisation.",
            code="role_required",
        )


def _global_roles(memberships: Iterable[Membership]) -> set[Role]:
    return {m.role for m in memberships if m.role is Role.ADMIN}
