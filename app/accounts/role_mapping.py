"""Roles from the identity provider's claims, through the OIDC_ROLE_MAPPING setting (pure functions).

A rule reads `claim value=role@organisation[/unit code]`, e.g. `hyte-lahettaja=referrer@3221313-0/fysio`:
a person whose roles claim holds `hyte-lahettaja` is a referrer of the organisation with business id
3221313-0 (an organisation id works too), in its unit coded `fysio`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.accounts.models import Role

_BUSINESS_ID = re.compile(r"^\d{7}-\d$")


@dataclass(frozen=True, slots=True)
class RoleRule:
    claim_value: str
    role: Role
    organisation: str  # an organisation id or a business id
    unit_code: str | None = None

    @property
    def organisation_id(self) -> uuid.UUID | None:
        try:
            return uuid.UUID(self.organisation)
        except ValueError:
            return None


def rule_from_text(text: str) -> RoleRule:
    """Parse one rule; ValueError with a readable reason when it is malformed."""
    claim_value, sep, target = text.strip().partition("=")
    role_text, at, where = target.partition("@")
    if not sep or not at or not claim_value.strip() or not where.strip():
        raise ValueError(f"a role mapping reads value=role@organisation[/unit], got {text!r}")
    try:
        role = Role(role_text.strip())
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise ValueError(f"unknown role {role_text.strip()!r} in {text!r} (known: {known})") from None
    organisation, _, unit_code = where.strip().partition("/")
    try:
        uuid.UUID(organisation)
    except ValueError:
        if not _BUSINESS_ID.match(organisation):
            raise ValueError(
                f"the organisation in {text!r} must be an organisation id or a business id like 1234567-8"
            ) from None
    return RoleRule(claim_value.strip(), role, organisation, unit_code.strip() or None)


def rules_from_settings(lines: Sequence[str]) -> tuple[RoleRule, ...]:
    return tuple(rule_from_text(line) for line in lines if line.strip())


def claim_values(claims: Mapping[str, Any], path: str) -> frozenset[str]:
    """The values at a dotted path of the claims (a string or a list of strings), e.g. realm_access.roles."""
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return frozenset()
        value = value[part]
    if isinstance(value, str):
        return frozenset(value.split())
    if isinstance(value, list | tuple):
        return frozenset(str(item) for item in value if isinstance(item, str | int))
    return frozenset()


def matching_rules(rules: Iterable[RoleRule], values: frozenset[str]) -> list[RoleRule]:
    return [rule for rule in rules if rule.claim_value in values]
