"""Use cases of the staff side: sign-in, roles, units, local organisations and API clients.

Every change is written to the audit trail (identifiers and codes only) and flushed, never committed:
the caller's unit of work decides.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from app.accounts.actor import Actor, ActorKind, Grant
from app.accounts.models import ApiClient, GrantSource, Membership, Role, Unit, UserAccount
from app.accounts.role_mapping import RoleRule, claim_values, matching_rules
from app.accounts.tokens import (
    client_token,
    hash_secret,
    new_client_secret,
    parse_client_token,
    secret_matches,
)
from app.audit.trail import record_event
from app.catalogue.enums import OrganisationKind
from app.catalogue.models import Organisation
from app.errors import N_, InvalidInput, NotFound, PermissionDenied
from app.i18n import LOCALES


def require_admin(actor: Actor) -> None:
    """Administrators, and the CLI's named system jobs (whoever runs them already holds the database)."""
    if not (actor.is_admin or actor.kind is ActorKind.SYSTEM):
        raise PermissionDenied(N_("Only an administrator can do this."), code="admin_required")


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID | str,
    *,
    organisation_id: uuid.UUID | None = None,
    **details: Any,
) -> None:
    record_event(
        session,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        organisation_id=organisation_id,
        details={
            key: (str(value) if isinstance(value, uuid.UUID) else value) for key, value in details.items()
        },
    )


# --- who is signed in -------------------------------------------------------------------------------------


def grants_of(session: Session, user_id: uuid.UUID) -> tuple[Grant, ...]:
    rows = session.exec(select(Membership).where(Membership.user_id == user_id)).all()
    return tuple(
        sorted(
            (Grant(m.organisation_id, m.role, m.unit_id) for m in rows),
            key=lambda g: (str(g.organisation_id), g.role.value, str(g.unit_id or "")),
        )
    )


def actor_for_user(session: Session, user: UserAccount) -> Actor:
    return Actor.person(
        user.id, grants_of(session, user.id), locale=user.locale, display_name=user.display_name
    )


def actor_for_client(client: ApiClient) -> Actor:
    return Actor.api_client(
        client.id, [Grant(client.organisation_id, client.role, client.unit_id)], name=client.name
    )


def _claims_locale(claims: Mapping[str, Any]) -> str | None:
    value = str(claims.get("locale") or "").strip().lower().replace("_", "-").split("-")[0]
    return value if value in LOCALES else None


def _resolve_organisation(session: Session, reference: str) -> Organisation | None:
    try:
        return session.get(Organisation, uuid.UUID(reference))
    except ValueError:
        return session.exec(
            select(Organisation)
            .where(Organisation.business_id == reference)
            .order_by(col(Organisation.created_at))
        ).first()


def _claimed_grants(session: Session, rules: Sequence[RoleRule], values: frozenset[str]) -> set[Grant]:
    grants: set[Grant] = set()
    for rule in matching_rules(rules, values):
        organisation = _resolve_organisation(session, rule.organisation)
        if organisation is None:
            continue  # a rule for an organisation this installation does not hold grants nothing
        unit_id = None
        if rule.unit_code:
            unit = session.exec(
                select(Unit).where(Unit.organisation_id == organisation.id, Unit.code == rule.unit_code)
            ).first()
            if unit is None:
                continue
            unit_id = unit.id
        grants.add(Grant(organisation.id, rule.role, unit_id))
    return grants


def sign_in_from_claims(
    session: Session,
    *,
    issuer: str,
    claims: Mapping[str, Any],
    rules: Sequence[RoleRule],
    roles_claim: str,
    now: datetime,
) -> UserAccount:
    """Find or create the account of an OIDC sign-in and rewrite its claim-based roles."""
    subject = str(claims.get("sub") or "")
    if not subject:
        raise InvalidInput(N_("The identity provider did not say who signed in."), code="no_subject")
    user = session.exec(
        select(UserAccount).where(UserAccount.oidc_issuer == issuer, UserAccount.oidc_subject == subject)
    ).first()
    created = user is None
    if user is None:
        user = UserAccount(oidc_issuer=issuer, oidc_subject=subject, locale=_claims_locale(claims) or "fi")
        session.add(user)
    name = claims.get("name") or " ".join(
        part for part in (claims.get("given_name"), claims.get("family_name")) if part
    )
    user.display_name = (str(name)[:200] or None) if name else user.display_name
    user.email = str(claims["email"])[:320] if claims.get("email") else user.email
    user.last_login_at = now
    user.updated_at = now
    session.flush()
    actor = Actor.person(user.id, ())
    if created:
        _audit(session, actor, "user.created", "user_account", user.id)
    if rules:
        _sync_claimed_memberships(
            session, user, _claimed_grants(session, rules, claim_values(claims, roles_claim))
        )
    return user


def _sync_claimed_memberships(session: Session, user: UserAccount, wanted: set[Grant]) -> None:
    current = session.exec(
        select(Membership).where(Membership.user_id == user.id, Membership.source == GrantSource.CLAIMS)
    ).all()
    have = {Grant(m.organisation_id, m.role, m.unit_id): m for m in current}
    actor = Actor.system("oidc-sign-in")
    for grant, membership in have.items():
        if grant not in wanted:
            session.delete(membership)
            _audit(
                session,
                actor,
                "membership.revoked",
                "user_account",
                user.id,
                organisation_id=grant.organisation_id,
                role=grant.role.value,
                unit_id=grant.unit_id,
                source="claims",
            )
    others = {
        Grant(m.organisation_id, m.role, m.unit_id)
        for m in session.exec(select(Membership).where(Membership.user_id == user.id)).all()
    }
    for grant in wanted - set(have) - others:
        session.add(
            Membership(
                user_id=user.id,
                organisation_id=grant.organisation_id,
                role=grant.role,
                unit_id=grant.unit_id,
                source=GrantSource.CLAIMS,
            )
        )
        _audit(
            session,
            actor,
            "membership.granted",
            "user_account",
            user.id,
            organisation_id=grant.organisation_id,
            role=grant.role.value,
            unit_id=grant.unit_id,
            source="claims",
        )
    session.flush()


# --- users and roles (administrator) ----------------------------------------------------------------------


def get_user(session: Session, user_id: uuid.UUID) -> UserAccount:
    user = session.get(UserAccount, user_id)
    if user is None:
        raise NotFound(N_("No such user."), code="user_not_found")
    return user


def list_users(session: Session, *, pending_only: bool = False) -> list[UserAccount]:
    """Users by name; `pending_only`: those who signed in but hold no role yet."""
    statement = select(UserAccount)
    if pending_only:
        statement = statement.where(
            ~col(UserAccount.id).in_(select(Membership.user_id)), col(UserAccount.is_active)
        )
    return list(session.exec(statement.order_by(col(UserAccount.display_name), col(UserAccount.email))))


def list_memberships(session: Session, user_id: uuid.UUID) -> list[Membership]:
    return list(
        session.exec(
            select(Membership).where(Membership.user_id == user_id).order_by(col(Membership.created_at))
        )
    )


def _check_unit(session: Session, organisation_id: uuid.UUID, unit_id: uuid.UUID | None) -> None:
    if unit_id is None:
        return
    unit = session.get(Unit, unit_id)
    if unit is None or unit.organisation_id != organisation_id:
        raise InvalidInput(N_("The unit does not belong to the organisation."), code="unit_mismatch")


def grant_role(
    session: Session,
    *,
    actor: Actor,
    user_id: uuid.UUID,
    organisation_id: uuid.UUID,
    role: Role,
    unit_id: uuid.UUID | None = None,
    source: GrantSource = GrantSource.ADMIN,
) -> Membership:
    """Give a user a role in an organisation (optionally one of its units)."""
    require_admin(actor)
    get_user(session, user_id)
    if session.get(Organisation, organisation_id) is None:
        raise NotFound(N_("No such organisation."), code="organisation_not_found")
    _check_unit(session, organisation_id, unit_id)
    existing = session.exec(
        select(Membership).where(
            Membership.user_id == user_id,
            Membership.organisation_id == organisation_id,
            Membership.role == role,
            Membership.unit_id == unit_id if unit_id else col(Membership.unit_id).is_(None),
        )
    ).first()
    if existing is not None:
        return existing
    membership = Membership(
        user_id=user_id, organisation_id=organisation_id, role=role, unit_id=unit_id, source=source
    )
    session.add(membership)
    session.flush()
    _audit(
        session,
        actor,
        "membership.granted",
        "user_account",
        user_id,
        organisation_id=organisation_id,
        role=role.value,
        unit_id=unit_id,
        source=source.value,
    )
    return membership


def revoke_membership(session: Session, *, actor: Actor, membership_id: uuid.UUID) -> None:
    """Take one role away from a user."""
    require_admin(actor)
    membership = session.get(Membership, membership_id)
    if membership is None:
        raise NotFound(N_("No such role."), code="membership_not_found")
    if membership.role is Role.ADMIN and membership.user_id == actor.user_id:
        raise InvalidInput(N_("You cannot remove your own administrator role."), code="own_admin_role")
    session.delete(membership)
    session.flush()
    _audit(
        session,
        actor,
        "membership.revoked",
        "user_account",
        membership.user_id,
        organisation_id=membership.organisation_id,
        role=membership.role.value,
        unit_id=membership.unit_id,
    )


def set_user_active(session: Session, *, actor: Actor, user_id: uuid.UUID, active: bool) -> UserAccount:
    """Deactivate a user (signs them out at their next request) or activate them again."""
    require_admin(actor)
    user = get_user(session, user_id)
    if not active and user.id == actor.user_id:
        raise InvalidInput(N_("You cannot deactivate yourself."), code="own_account")
    user.is_active = active
    session.flush()
    _audit(session, actor, "user.activated" if active else "user.deactivated", "user_account", user.id)
    return user


def set_user_locale(session: Session, *, actor: Actor, locale: str) -> None:
    if actor.user_id is None or locale not in LOCALES:
        return
    user = session.get(UserAccount, actor.user_id)
    if user is not None and user.locale != locale:
        user.locale = locale
        session.flush()


# --- organisations and units ------------------------------------------------------------------------------


def get_organisation(session: Session, organisation_id: uuid.UUID) -> Organisation:
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(N_("No such organisation."), code="organisation_not_found")
    return organisation


def list_organisations(session: Session, *, query: str = "", limit: int = 200) -> list[Organisation]:
    statement = select(Organisation)
    if query.strip():
        pattern = f"%{query.strip().lower()}%"
        statement = statement.where(
            col(Organisation.name_fi).ilike(pattern)
            | col(Organisation.name_sv).ilike(pattern)
            | col(Organisation.name_en).ilike(pattern)
            | (col(Organisation.business_id) == query.strip())
        )
    return list(session.exec(statement.order_by(col(Organisation.name_fi)).limit(limit)))


def create_local_organisation(
    session: Session,
    *,
    actor: Actor,
    name: str,
    kind: OrganisationKind,
    business_id: str | None = None,
    municipality_code: str | None = None,
    is_demo: bool = False,
) -> Organisation:
    """An organisation that no source syncs (e.g. a unit of the county that PTV does not list)."""
    require_admin(actor)
    name = name.strip()
    if not name:
        raise InvalidInput(N_("The name is required."), code="name_required")
    organisation_id = uuid.uuid4()
    organisation = Organisation(
        id=organisation_id,
        source="local",
        external_id=str(organisation_id),
        kind=kind,
        name_fi=name[:500],
        business_id=business_id or None,
        municipality_code=municipality_code or None,
        is_demo=is_demo,
    )
    session.add(organisation)
    session.flush()
    _audit(
        session,
        actor,
        "organisation.created",
        "organisation",
        organisation.id,
        organisation_id=organisation.id,
        kind=kind.value,
    )
    return organisation


def list_units(session: Session, organisation_id: uuid.UUID) -> list[Unit]:
    return list(
        session.exec(select(Unit).where(Unit.organisation_id == organisation_id).order_by(col(Unit.name)))
    )


def create_unit(
    session: Session,
    *,
    actor: Actor,
    organisation_id: uuid.UUID,
    name: str,
    code: str | None = None,
) -> Unit:
    """Add a unit to an organisation."""
    require_admin(actor)
    get_organisation(session, organisation_id)
    name = name.strip()
    if not name:
        raise InvalidInput(N_("The name is required."), code="name_required")
    if session.exec(select(Unit).where(Unit.organisation_id == organisation_id, Unit.name == name)).first():
        raise InvalidInput(N_("The organisation already has a unit of this name."), code="unit_exists")
    unit = Unit(organisation_id=organisation_id, name=name[:200], code=(code or "").strip()[:64] or None)
    session.add(unit)
    session.flush()
    _audit(session, actor, "unit.created", "unit", unit.id, organisation_id=organisation_id)
    return unit


def delete_unit(session: Session, *, actor: Actor, unit_id: uuid.UUID) -> None:
    """Remove a unit; the roles held in it go with it."""
    require_admin(actor)
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(N_("No such unit."), code="unit_not_found")
    for client in session.exec(select(ApiClient).where(ApiClient.unit_id == unit_id)).all():
        client.unit_id = None
    for membership in session.exec(select(Membership).where(Membership.unit_id == unit_id)).all():
        session.delete(membership)
    session.delete(unit)
    session.flush()
    _audit(session, actor, "unit.deleted", "unit", unit_id, organisation_id=unit.organisation_id)


# --- API clients ------------------------------------------------------------------------------------------


def list_api_clients(session: Session) -> list[ApiClient]:
    return list(session.exec(select(ApiClient).order_by(col(ApiClient.created_at).desc())))


def create_api_client(
    session: Session,
    *,
    actor: Actor,
    name: str,
    organisation_id: uuid.UUID,
    role: Role,
    unit_id: uuid.UUID | None = None,
    now: datetime,
    valid_days: int,
) -> tuple[ApiClient, str]:
    """Create a client and return it with its bearer token: the only time the token is ever shown."""
    require_admin(actor)
    name = name.strip()
    if not name:
        raise InvalidInput(N_("The name is required."), code="name_required")
    if role is Role.ADMIN:
        raise InvalidInput(N_("An API client cannot be an administrator."), code="client_admin")
    get_organisation(session, organisation_id)
    _check_unit(session, organisation_id, unit_id)
    secret = new_client_secret()
    client = ApiClient(
        name=name[:200],
        organisation_id=organisation_id,
        role=role,
        unit_id=unit_id,
        secret_hash=hash_secret(secret),
        expires_at=now + timedelta(days=valid_days),
        created_by_user_id=actor.user_id,
    )
    session.add(client)
    session.flush()
    _audit(
        session,
        actor,
        "api_client.created",
        "api_client",
        client.id,
        organisation_id=organisation_id,
        role=role.value,
        unit_id=unit_id,
    )
    return client, client_token(client.id, secret)


def revoke_api_client(session: Session, *, actor: Actor, client_id: uuid.UUID, now: datetime) -> ApiClient:
    """Stop a client's token from working, at once and for good."""
    require_admin(actor)
    client = session.get(ApiClient, client_id)
    if client is None:
        raise NotFound(N_("No such API client."), code="api_client_not_found")
    if client.revoked_at is None:
        client.revoked_at = now
        session.flush()
        _audit(
            session,
            actor,
            "api_client.revoked",
            "api_client",
            client.id,
            organisation_id=client.organisation_id,
        )
    return client


def authenticate_client(session: Session, token: str, *, now: datetime) -> ApiClient | None:
    """The client a `tjc_` token belongs to, if the secret matches and it is neither expired nor revoked."""
    credentials = parse_client_token(token)
    if credentials is None:
        return None
    client = session.get(ApiClient, credentials.client_id)
    if client is None or not secret_matches(credentials.secret, client.secret_hash):
        return None
    if client.revoked_at is not None or client.expires_at <= now:
        return None
    # Once a minute is enough to say "in use"; a write per request would serialise a busy client.
    if client.last_used_at is None or now - client.last_used_at > timedelta(minutes=1):
        client.last_used_at = now
        session.flush()
    return client


# --- lists for the administration pages -------------------------------------------------------------------


def count_roles_by_user(session: Session) -> dict[uuid.UUID, int]:
    counts: dict[uuid.UUID, int] = {}
    for user_id in session.exec(select(Membership.user_id)).all():
        counts[user_id] = counts.get(user_id, 0) + 1
    return counts


def count_units_by_organisation(session: Session) -> dict[uuid.UUID, int]:
    counts: dict[uuid.UUID, int] = {}
    for organisation_id in session.exec(select(Unit.organisation_id)).all():
        counts[organisation_id] = counts.get(organisation_id, 0) + 1
    return counts


def list_units_with_organisation(session: Session) -> list[tuple[Unit, Organisation]]:
    """Every unit with its organisation, by organisation and unit name (the unit choices of forms)."""
    rows = session.exec(
        select(Unit, Organisation)
        .join(Organisation, col(Organisation.id) == Unit.organisation_id)
        .order_by(col(Organisation.name_fi), col(Unit.name))
    ).all()
    return [(unit, organisation) for unit, organisation in rows]


def list_organisation_staff(
    session: Session, organisation_id: uuid.UUID
) -> list[tuple[Membership, UserAccount]]:
    rows = session.exec(
        select(Membership, UserAccount)
        .join(UserAccount, col(UserAccount.id) == Membership.user_id)
        .where(Membership.organisation_id == organisation_id)
        .order_by(col(UserAccount.display_name))
    ).all()
    return [(membership, user) for membership, user in rows]


def list_organisation_clients(session: Session, organisation_id: uuid.UUID) -> list[ApiClient]:
    return list(session.exec(select(ApiClient).where(ApiClient.organisation_id == organisation_id)))


def organisation_names(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = session.exec(select(Organisation).where(col(Organisation.id).in_(ids))).all()
    return {o.id: o.name_fi or o.name_sv or o.name_en or "" for o in rows}


def actor_names(session: Session, labels: set[str]) -> dict[str, str]:
    """Readable names for audit and access log labels (user:<id>, client:<id>); others stay as they are."""
    users: set[uuid.UUID] = set()
    clients: set[uuid.UUID] = set()
    for label in labels:
        kind, _, ident = label.partition(":")
        try:
            (users if kind == "user" else clients if kind == "client" else set()).add(uuid.UUID(ident))
        except ValueError:
            continue
    names: dict[str, str] = {}
    if users:
        for user in session.exec(select(UserAccount).where(col(UserAccount.id).in_(users))).all():
            names[f"user:{user.id}"] = user.display_name or user.email or user.oidc_subject
    if clients:
        for client in session.exec(select(ApiClient).where(col(ApiClient.id).in_(clients))).all():
            names[f"client:{client.id}"] = client.name
    return names
