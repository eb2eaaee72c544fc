"""Demo staff of a development installation: one person per role in demo organisations.

`make run` seeds them (`tarjotin demo staff`) after the demo catalogue, so the NGOs and municipalities are
the catalogue's own where it has them (found by business id) and local demo organisations otherwise. They
sign in on the demo sign-in page or get a bearer token from `tarjotin demo token EMAIL`. Production
refuses all of this: demo accounts would be a door without a lock.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.accounts.actor import Actor
from app.accounts.models import GrantSource, Membership, Role, Unit, UserAccount
from app.accounts.service import create_local_organisation, create_unit, grant_role
from app.catalogue.enums import OrganisationKind
from app.catalogue.models import Organisation
from app.errors import N_, PermissionDenied
from app.settings import Settings

DEMO_ISSUER = "demo"
DEMO_ACTOR = Actor.system("demo-staff")


class DemoRefused(PermissionDenied):
    code = "demo_refused"


def refuse_in_production(settings: Settings) -> None:
    if settings.is_production:
        raise DemoRefused(N_("Demo accounts are not available in production (ENVIRONMENT=production)."))


@dataclass(frozen=True, slots=True)
class DemoOrganisation:
    key: str
    name: str
    kind: OrganisationKind
    business_id: str | None = None  # the demo catalogue's organisation, when it holds one
    municipality_code: str | None = None


@dataclass(frozen=True, slots=True)
class DemoPerson:
    email: str
    name: str
    role: Role
    organisation: str  # a DemoOrganisation key
    unit: str | None = None
    locale: str = "fi"


DEMO_ORGANISATIONS: tuple[DemoOrganisation, ...] = (
    DemoOrganisation("county", "Päijät-Hämeen hyvinvointialue (demo)", OrganisationKind.WELLBEING_COUNTY),
    DemoOrganisation("hollola", "Hollolan kunta", OrganisationKind.MUNICIPALITY, "9971249-6", "098"),
    DemoOrganisation("lahti", "Lahden kaupunki", OrganisationKind.MUNICIPALITY, "9958855-2", "398"),
    DemoOrganisation("hyvinkaa", "Hyvinkään kaupunki", OrganisationKind.MUNICIPALITY, "9942311-7", "106"),
    DemoOrganisation("vire", "Urheiluseura Hollola Vire ry", OrganisationKind.NGO, "9911951-0"),
    DemoOrganisation("muisti", "Lahden Muistiystävät ry", OrganisationKind.NGO, "9908069-5"),
    DemoOrganisation("tules", "Nastolan Tules-ryhmä ry", OrganisationKind.NGO, "9915401-7"),
)

NURSING = "Lahden terveysasema, hoitotyö"
PHYSIOTHERAPY = "Lahden terveysasema, fysioterapia"

DEMO_STAFF: tuple[DemoPerson, ...] = (
    DemoPerson("hoitaja@demo.example", "Sanna Sairaanhoitaja", Role.REFERRER, "county", NURSING),
    DemoPerson(
        "fysioterapeutti@demo.example", "Pekka Fysioterapeutti", Role.REFERRER, "county", PHYSIOTHERAPY
    ),
    DemoPerson("koordinaattori.hollola@demo.example", "Kaisa Koordinaattori", Role.COORDINATOR, "hollola"),
    DemoPerson(
        "liikuntaneuvoja.lahti@demo.example", "Lauri Liikuntaneuvoja", Role.EXERCISE_COUNSELLOR, "lahti"
    ),
    DemoPerson("vire@demo.example", "Veera Vireä", Role.PROVIDER_ADMIN, "vire"),
    DemoPerson("muistiystavat@demo.example", "Maija Muistinen", Role.PROVIDER_CONTACT, "muisti"),
    DemoPerson("tules@demo.example", "Tuomas Tuki", Role.PROVIDER_CONTACT, "tules", locale="sv"),
    DemoPerson("analyytikko.lahti@demo.example", "Anna Analyytikko", Role.MUNICIPAL_ANALYST, "lahti"),
    DemoPerson("analyytikko.hyvinkaa@demo.example", "Hanna Hyvönen", Role.MUNICIPAL_ANALYST, "hyvinkaa"),
    DemoPerson("maakunta.analyytikko@demo.example", "Mikko Maakunta", Role.COUNTY_ANALYST, "county"),
    DemoPerson("moderaattori@demo.example", "Mira Moderaattori", Role.MODERATOR, "county", locale="en"),
    DemoPerson("yllapitaja@demo.example", "Ylva Ylläpitäjä", Role.ADMIN, "county"),
)


def _organisation(session: Session, spec: DemoOrganisation) -> Organisation:
    if spec.business_id:
        found = session.exec(
            select(Organisation)
            .where(Organisation.business_id == spec.business_id)
            .order_by(col(Organisation.source) == "local", col(Organisation.created_at))
        ).first()
    else:
        found = session.exec(
            select(Organisation).where(Organisation.source == "local", Organisation.name_fi == spec.name)
        ).first()
    if found is not None:
        return found
    return create_local_organisation(
        session,
        actor=DEMO_ACTOR,
        name=spec.name,
        kind=spec.kind,
        business_id=spec.business_id,
        municipality_code=spec.municipality_code,
        is_demo=True,
    )


def _unit(session: Session, organisation: Organisation, name: str) -> Unit:
    found = session.exec(
        select(Unit).where(Unit.organisation_id == organisation.id, Unit.name == name)
    ).first()
    return found or create_unit(session, actor=DEMO_ACTOR, organisation_id=organisation.id, name=name)


def seed_demo_staff(session: Session, settings: Settings) -> list[UserAccount]:
    """Create (or bring up to date) the demo organisations, units and staff; idempotent."""
    refuse_in_production(settings)
    organisations = {spec.key: _organisation(session, spec) for spec in DEMO_ORGANISATIONS}
    users: list[UserAccount] = []
    for person in DEMO_STAFF:
        user = session.exec(
            select(UserAccount).where(
                UserAccount.oidc_issuer == DEMO_ISSUER, UserAccount.oidc_subject == person.email
            )
        ).first()
        if user is None:
            user = UserAccount(oidc_issuer=DEMO_ISSUER, oidc_subject=person.email, is_demo=True)
            session.add(user)
        user.email, user.display_name, user.locale, user.is_active = (
            person.email,
            person.name,
            person.locale,
            True,
        )
        session.flush()
        organisation = organisations[person.organisation]
        unit = _unit(session, organisation, person.unit) if person.unit else None
        grant_role(
            session,
            actor=DEMO_ACTOR,
            user_id=user.id,
            organisation_id=organisation.id,
            role=person.role,
            unit_id=unit.id if unit else None,
            source=GrantSource.DEMO,
        )
        users.append(user)
    return users


@dataclass(frozen=True, slots=True)
class DemoUserRow:
    email: str
    name: str
    role: str
    organisation_id: str
    organisation_name: str
    unit: str | None
    locale: str


def list_demo_users(session: Session) -> list[DemoUserRow]:
    """Every demo account with each of its roles (one row per role), in the order of DEMO_STAFF."""
    order = {person.email: index for index, person in enumerate(DEMO_STAFF)}
    rows = session.exec(
        select(UserAccount, Membership, Organisation)
        .join(Membership, col(Membership.user_id) == UserAccount.id)
        .join(Organisation, col(Organisation.id) == Membership.organisation_id)
        .where(col(UserAccount.is_demo), col(UserAccount.is_active))
    ).all()
    units = {unit.id: unit.name for unit in session.exec(select(Unit)).all()} if rows else {}
    result = [
        DemoUserRow(
            email=user.email or user.oidc_subject,
            name=user.display_name or "",
            role=membership.role.value,
            organisation_id=str(organisation.id),
            organisation_name=organisation.name_fi or organisation.name_en or organisation.name_sv or "",
            unit=units.get(membership.unit_id) if membership.unit_id else None,
            locale=user.locale,
        )
        for user, membership, organisation in rows
    ]
    return sorted(result, key=lambda row: (order.get(row.email, len(order)), row.email, row.role))


def get_demo_user(session: Session, email: str) -> UserAccount | None:
    return session.exec(
        select(UserAccount).where(
            UserAccount.oidc_issuer == DEMO_ISSUER,
            UserAccount.oidc_subject == email.strip().lower(),
            col(UserAccount.is_demo),
            col(UserAccount.is_active),
        )
    ).first()
