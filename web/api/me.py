"""GET /api/v1/me: who the caller is (a person or an API client), with roles, organisations and units."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlmodel import Session

from app.accounts.actor import Actor
from app.accounts.models import Unit
from app.catalogue.models import Organisation
from web.api.schemas import SIGN_IN_ERRORS
from web.auth import ActorDep
from web.deps import SessionDep

router = APIRouter(prefix="/api/v1", tags=["staff"])


class OrganisationRef(BaseModel):
    id: str
    name: str | None


class UnitRef(BaseModel):
    id: str
    name: str
    code: str | None


class GrantOut(BaseModel):
    role: str
    organisation: OrganisationRef
    unit: UnitRef | None


class MeOut(BaseModel):
    kind: str  # person or api_client
    id: str
    name: str | None
    locale: str
    roles: list[GrantOut]


def me_from_actor(session: Session, actor: Actor) -> MeOut:
    roles: list[GrantOut] = []
    for grant in actor.grants:
        organisation = session.get(Organisation, grant.organisation_id)
        unit = session.get(Unit, grant.unit_id) if grant.unit_id else None
        roles.append(
            GrantOut(
                role=grant.role.value,
                organisation=OrganisationRef(
                    id=str(grant.organisation_id),
                    name=(organisation.name_fi or organisation.name_sv or organisation.name_en)
                    if organisation
                    else None,
                ),
                unit=UnitRef(id=str(unit.id), name=unit.name, code=unit.code) if unit else None,
            )
        )
    return MeOut(
        kind=actor.kind.value, id=actor.id, name=actor.display_name, locale=actor.locale, roles=roles
    )


@router.get(
    "/me",
    response_model=MeOut,
    responses=SIGN_IN_ERRORS,
)
def me(actor: ActorDep, session: SessionDep) -> MeOut:
    """The caller: a signed-in person (session cookie) or an API client (`Authorization: Bearer`)."""
    return me_from_actor(session, actor)
