"""A small world for referral tests: a county that refers, two NGOs, a municipality with a coordinator and
a counsellor, and one actor of every kind. Plain functions; nothing commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlmodel import Session

from app.accounts.actor import Actor, Grant
from app.accounts.models import ApiClient, Membership, Role, Unit, UserAccount
from app.accounts.tokens import client_token, hash_secret, new_client_secret
from app.catalogue.enums import OrganisationKind
from app.catalogue.models import Organisation, Service
from referrals.models import ConsentMethod, ContactChannel
from referrals.service import ConsentInput, ExercisePlan, Issued, ReferralInput, ResidentInput, issue_referral
from referrals.status import ReferralKind
from tests.factories import make_organisation, make_service

SECRET = "test-secret-key-for-referral-links-0123456789"
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
# Every actor of the world, by attribute name (the staff, the API clients).
ACTORS = (
    "referrer",
    "colleague",
    "stranger_referrer",
    "provider",
    "other_provider",
    "coordinator",
    "counsellor",
    "analyst",
    "admin",
    "client",
    "other_client",
)
RESIDENT_NAME = "Aino Testinen-Ylikangas"
RESIDENT_PHONE = "+358401234567"
RESIDENT_EMAIL = "aino.ylikangas@example.org"


@dataclass
class World:
    county: Organisation
    ngo: Organisation
    other_ngo: Organisation
    municipality: Organisation
    service: Service
    second_service: Service
    other_service: Service
    unit: uuid.UUID
    referrer: Actor
    colleague: Actor  # same unit
    stranger_referrer: Actor  # same county, another unit
    provider: Actor
    other_provider: Actor
    coordinator: Actor
    counsellor: Actor
    analyst: Actor
    admin: Actor
    client: Actor
    other_client: Actor
    client_tokens: dict[str, str]


def _user(session: Session, name: str, email: str, grants: list[Grant]) -> Actor:
    user = UserAccount(
        oidc_issuer="test", oidc_subject=str(uuid.uuid4()), display_name=name, email=email, locale="fi"
    )
    session.add(user)
    session.flush()
    for grant in grants:
        session.add(
            Membership(
                user_id=user.id, organisation_id=grant.organisation_id, role=grant.role, unit_id=grant.unit_id
            )
        )
    session.flush()
    return Actor.person(user.id, grants, display_name=name)


def _client(session: Session, name: str, organisation_id: uuid.UUID) -> tuple[Actor, str]:
    secret = new_client_secret()
    client = ApiClient(
        name=name,
        organisation_id=organisation_id,
        role=Role.REFERRER,
        secret_hash=hash_secret(secret),
        expires_at=NOW.replace(year=2030),
    )
    session.add(client)
    session.flush()
    actor = Actor.api_client(client.id, [Grant(organisation_id, Role.REFERRER)], name=name)
    return actor, client_token(client.id, secret)


def make_world(session: Session) -> World:
    county = make_organisation(
        session,
        name_fi="Päijät-Hämeen hyvinvointialue",
        kind=OrganisationKind.WELLBEING_COUNTY,
        business_id=None,
        municipality_code="398",
    )
    ngo = make_organisation(
        session,
        name_fi="Lahden Seniorit ry",
        kind=OrganisationKind.NGO,
        business_id=None,
        email="seniorit@example.org",
    )
    other_ngo = make_organisation(
        session,
        name_fi="Hollolan Liikkujat ry",
        kind=OrganisationKind.NGO,
        business_id=None,
        municipality_code="098",
        email="liikkujat@example.org",
    )
    municipality = make_organisation(
        session, name_fi="Lahden kaupunki", business_id=None, municipality_code="398"
    )
    service = make_service(
        session, organisation=ngo, name_fi="Tasapainoryhmä", weekly=(("TU", time(10), time(11)),)
    )
    second_service = make_service(session, organisation=ngo, name_fi="Kävelyryhmä")
    other_service = make_service(session, organisation=other_ngo, name_fi="Kuntosali")
    unit_row = Unit(organisation_id=county.id, name="Lahden terveysasema, hoitajat")
    other_unit_row = Unit(organisation_id=county.id, name="Hollolan terveysasema")
    session.add_all([unit_row, other_unit_row])
    session.flush()
    unit, other_unit = unit_row.id, other_unit_row.id
    referrer = _user(session, "Hoitaja Heli", "heli@example.org", [Grant(county.id, Role.REFERRER, unit)])
    colleague = _user(
        session, "Fysioterapeutti Pia", "pia@example.org", [Grant(county.id, Role.REFERRER, unit)]
    )
    stranger = _user(
        session, "Lääkäri Lauri", "lauri@example.org", [Grant(county.id, Role.REFERRER, other_unit)]
    )
    provider = _user(session, "Seniorit Sari", "sari@example.org", [Grant(ngo.id, Role.PROVIDER_CONTACT)])
    other_provider = _user(
        session, "Liikkujat Leo", "leo@example.org", [Grant(other_ngo.id, Role.PROVIDER_ADMIN)]
    )
    coordinator = _user(
        session, "Koordinaattori Kaisa", "kaisa@example.org", [Grant(municipality.id, Role.COORDINATOR)]
    )
    counsellor = _user(
        session,
        "Liikuntaneuvoja Lassi",
        "lassi@example.org",
        [Grant(municipality.id, Role.EXERCISE_COUNSELLOR)],
    )
    analyst = _user(
        session, "Analyytikko Anna", "anna@example.org", [Grant(municipality.id, Role.MUNICIPAL_ANALYST)]
    )
    admin = _user(session, "Ylläpitäjä Ylva", "ylva@example.org", [Grant(county.id, Role.ADMIN)])
    client, client_bearer = _client(session, "EHR", county.id)
    other_client, other_bearer = _client(session, "Other EHR", other_ngo.id)
    return World(
        county,
        ngo,
        other_ngo,
        municipality,
        service,
        second_service,
        other_service,
        unit,
        referrer,
        colleague,
        stranger,
        provider,
        other_provider,
        coordinator,
        counsellor,
        analyst,
        admin,
        client,
        other_client,
        {"client": client_bearer, "other_client": other_bearer},
    )


def referral_input(
    world: World,
    *,
    kind: ReferralKind = ReferralKind.WELFARE,
    services: tuple[Service, ...] | None = None,
    channel: ContactChannel = ContactChannel.EMAIL,
    fields: tuple[str, ...] = ("name", "phone", "email", "hopes"),
    organisations: tuple[uuid.UUID, ...] | None = None,
) -> ReferralInput:
    chosen = (world.service,) if services is None else services
    return ReferralInput(
        kind=kind,
        resident=ResidentInput(
            name=RESIDENT_NAME,
            contact_channel=channel,
            municipality_code="398",
            phone=RESIDENT_PHONE,
            email=RESIDENT_EMAIL,
            contact_time="aamupäivisin",
            birth_year=1948,
            locale="fi",
        ),
        reasons=("fall_risk", "loneliness"),
        hopes="Haluaisin oppia liikkumaan varmemmin ja tavata muita.",
        practical_needs=("transport",),
        service_ids=tuple(s.id for s in chosen),
        consent=ConsentInput(
            method=ConsentMethod.SPOKEN,
            organisation_ids=organisations
            if organisations is not None
            else tuple({s.organisation_id for s in chosen}),
            fields=fields,
            informed=True,
        ),
        exercise=ExercisePlan(goal="Kävely 30 min päivässä", follow_up_dates=(datetime(2027, 3, 1).date(),))
        if kind is ReferralKind.EXERCISE
        else None,
    )


def issue(session: Session, world: World, actor: Actor | None = None, **kwargs) -> Issued:  # type: ignore[no-untyped-def]
    return issue_referral(
        session, actor=actor or world.referrer, data=referral_input(world, **kwargs), now=NOW, secret=SECRET
    )


def savepoint_sessions(session: Session):  # type: ignore[no-untyped-def]
    """A session factory for runners (tick, outbox) inside the test's rolled-back transaction."""

    def factory() -> Session:
        return Session(
            bind=session.connection(), join_transaction_mode="create_savepoint", expire_on_commit=False
        )

    return factory


def bearer(actor: Actor, secret: str) -> dict[str, str]:
    """The Authorization header of a person's short-lived development token."""
    from app.accounts.tokens import person_token

    assert actor.user_id is not None
    return {"Authorization": f"Bearer {person_token(actor.user_id, secret)}"}
