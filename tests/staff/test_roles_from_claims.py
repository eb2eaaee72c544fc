"""Roles from the identity provider's claims (OIDC_ROLE_MAPPING) and the session timeouts."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import Session, select

from app.accounts.actor import Actor
from app.accounts.models import GrantSource, Membership, Role
from app.accounts.role_mapping import claim_values, rule_from_text, rules_from_settings
from app.accounts.service import create_local_organisation, create_unit, grant_role, sign_in_from_claims
from app.catalogue.enums import OrganisationKind
from app.settings import Settings
from app.timeutil import utcnow
from web.auth.session import StaffSession, session_is_current


def test_rule_parsing() -> None:
    rule = rule_from_text(" hyte-lahettaja = referrer@1234567-8/fysio ")
    assert (rule.claim_value, rule.role, rule.organisation, rule.unit_code) == (
        "hyte-lahettaja",
        Role.REFERRER,
        "1234567-8",
        "fysio",
    )
    organisation_id = uuid.uuid4()
    assert rule_from_text(f"admins=admin@{organisation_id}").organisation_id == organisation_id
    for bad in ("no-equals", "x=referrer", "x=wizard@1234567-8", "x=referrer@Lahti"):
        with pytest.raises(ValueError):
            rule_from_text(bad)


def test_claim_values_follow_a_dotted_path() -> None:
    claims = {"roles": ["a", "b"], "realm_access": {"roles": ["c"]}, "groups": "d e"}
    assert claim_values(claims, "roles") == {"a", "b"}
    assert claim_values(claims, "realm_access.roles") == {"c"}
    assert claim_values(claims, "groups") == {"d", "e"}
    assert claim_values(claims, "missing.path") == frozenset()


def test_claim_roles_are_rewritten_at_each_sign_in_and_granted_roles_kept(session: Session) -> None:
    system = Actor.system("test")
    county = create_local_organisation(
        session,
        actor=system,
        name="Hyvinvointialue",
        kind=OrganisationKind.WELLBEING_COUNTY,
        business_id="1234567-8",
    )
    unit = create_unit(session, actor=system, organisation_id=county.id, name="Fysioterapia", code="fysio")
    rules = rules_from_settings(
        ["lahettaja=referrer@1234567-8/fysio", "analyytikko=county_analyst@1234567-8"]
    )
    claims = {"sub": "abc", "name": "Tiina Testaaja", "locale": "sv-FI", "roles": ["lahettaja", "muu"]}
    user = sign_in_from_claims(
        session, issuer="https://idp", claims=claims, rules=rules, roles_claim="roles", now=utcnow()
    )
    assert user.locale == "sv"
    first = session.exec(select(Membership).where(Membership.user_id == user.id)).all()
    assert [(m.role, m.unit_id, m.source) for m in first] == [(Role.REFERRER, unit.id, GrantSource.CLAIMS)]
    grant_role(session, actor=system, user_id=user.id, organisation_id=county.id, role=Role.MODERATOR)
    again = sign_in_from_claims(
        session,
        issuer="https://idp",
        claims={**claims, "roles": ["analyytikko"]},
        rules=rules,
        roles_claim="roles",
        now=utcnow(),
    )
    assert again.id == user.id
    roles = {m.role for m in session.exec(select(Membership).where(Membership.user_id == user.id)).all()}
    assert roles == {Role.COUNTY_ANALYST, Role.MODERATOR}  # the claim role changed, the granted one stayed


def test_session_timeouts(settings: Settings) -> None:
    now = 1_000_000.0
    fresh = StaffSession(uuid.uuid4(), signed_in_at=now - 60, seen_at=now - 60, id_token=None, via="oidc")
    idle = StaffSession(
        uuid.uuid4(), signed_in_at=now - 3600, seen_at=now - 31 * 60, id_token=None, via="oidc"
    )
    old = StaffSession(
        uuid.uuid4(), signed_in_at=now - 10 * 3600 - 1, seen_at=now - 5, id_token=None, via="oidc"
    )
    assert session_is_current(fresh, settings, now=now)
    assert not session_is_current(idle, settings, now=now)  # 30 minutes without a request
    assert not session_is_current(old, settings, now=now)  # 10 hours after sign-in, however active
    shorter = settings.model_copy(update={"session_idle_minutes": 1})
    assert not session_is_current(fresh, shorter, now=now + 61)


def test_a_malformed_role_mapping_stops_the_app_with_a_reason(settings: Settings) -> None:
    from app.settings import ConfigurationError
    from tarjotin.asgi import create_app

    broken = Settings(_env_file=None, data_dir=settings.data_dir, oidc_role_mapping="x=wizard@1234567-8")  # type: ignore[call-arg]
    with pytest.raises(ConfigurationError, match="OIDC_ROLE_MAPPING: unknown role 'wizard'"):
        create_app(broken)
