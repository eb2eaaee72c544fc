"""Staff sign-in and who is asking: `current_actor`, `require_actor` and `ActorDep` for every staff route."""

from web.auth.actor import (
    ActorDep,
    AdminDep,
    SignedInDep,
    current_actor,
    require_actor,
    require_admin_actor,
    require_signed_in,
)

__all__ = [
    "ActorDep",
    "AdminDep",
    "SignedInDep",
    "current_actor",
    "require_actor",
    "require_admin_actor",
    "require_signed_in",
]
