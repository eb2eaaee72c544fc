"""Administration: users and their roles, organisations and units, API clients, the access log.

Every route takes `AdminDep`; every change goes through a use case in app/accounts/service.py, which
writes the audit trail. Pages only parse, call and render.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.accounts import service
from app.accounts.models import ApiClient, Membership, Role, Unit
from app.audit.access import list_access_for_subject
from app.catalogue.enums import OrganisationKind
from app.errors import N_, InvalidInput
from app.settings import Settings, get_settings
from app.timeutil import utcnow
from web.auth import AdminDep
from web.deps import SessionDep
from web.staff.templating import render_staff

router = APIRouter(prefix="/staff/admin", include_in_schema=False)
IdPath = Annotated[uuid.UUID, Path()]
_UUID = re.compile(r"^[0-9a-fA-F-]{32,36}$")


def _settings(request: Request) -> Settings:
    return getattr(request.app.state, "settings", None) or get_settings()


def _back(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _optional_uuid(value: str | None) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidInput(N_("The unit is not valid."), code="invalid_unit") from None


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise InvalidInput(N_("Choose a role from the list."), code="invalid_role") from None


def _all_units(session: Session) -> list[tuple[Unit, str]]:
    return [(unit, o.name_fi or "") for unit, o in service.list_units_with_organisation(session)]


# --- users ------------------------------------------------------------------------------------------------


@router.get("/users")
def users(request: Request, actor: AdminDep, session: SessionDep) -> Response:
    everyone = service.list_users(session)
    counts = service.count_roles_by_user(session)
    pending = [user for user in everyone if not counts.get(user.id) and user.is_active]
    return render_staff(
        request,
        "staff/admin/users.html",
        {"title": None, "users": everyone, "pending": pending, "counts": counts},
    )


@router.get("/users/{user_id}")
def user_detail(request: Request, actor: AdminDep, session: SessionDep, user_id: IdPath) -> Response:
    user = service.get_user(session, user_id)
    memberships = service.list_memberships(session, user_id)
    organisations = {
        m.organisation_id: service.get_organisation(session, m.organisation_id) for m in memberships
    }
    units = {m.unit_id: session.get(Unit, m.unit_id) for m in memberships if m.unit_id}
    return render_staff(
        request,
        "staff/admin/user.html",
        {
            "user": user,
            "memberships": memberships,
            "organisations": organisations,
            "units": units,
            "all_organisations": service.list_organisations(session, limit=5000),
            "all_units": _all_units(session),
            "roles": list(Role),
            "is_self": user.id == actor.user_id,
        },
    )


@router.post("/users/{user_id}/roles")
def grant(
    actor: AdminDep,
    session: SessionDep,
    user_id: IdPath,
    organisation_id: Annotated[uuid.UUID, Form()],
    role: Annotated[str, Form(max_length=32)],
    unit_id: Annotated[str | None, Form(max_length=36)] = None,
) -> Response:
    service.grant_role(
        session,
        actor=actor,
        user_id=user_id,
        organisation_id=organisation_id,
        role=_role(role),
        unit_id=_optional_uuid(unit_id),
    )
    return _back(f"/staff/admin/users/{user_id}")


@router.post("/users/{user_id}/roles/{membership_id}/revoke")
def revoke(actor: AdminDep, session: SessionDep, user_id: IdPath, membership_id: IdPath) -> Response:
    membership = session.get(Membership, membership_id)
    if membership is not None and membership.user_id != user_id:
        membership_id = uuid.uuid4()  # a role of another user is "no such role" here
    service.revoke_membership(session, actor=actor, membership_id=membership_id)
    return _back(f"/staff/admin/users/{user_id}")


@router.post("/users/{user_id}/active")
def set_active(
    actor: AdminDep, session: SessionDep, user_id: IdPath, active: Annotated[bool, Form()]
) -> Response:
    service.set_user_active(session, actor=actor, user_id=user_id, active=active)
    return _back(f"/staff/admin/users/{user_id}")


# --- organisations and units ------------------------------------------------------------------------------


@router.get("/organisations")
def organisations(
    request: Request,
    actor: AdminDep,
    session: SessionDep,
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    found = service.list_organisations(session, query=q)
    unit_counts = service.count_units_by_organisation(session)
    return render_staff(
        request,
        "staff/admin/organisations.html",
        {"organisations": found, "q": q, "unit_counts": unit_counts, "kinds": list(OrganisationKind)},
    )


@router.post("/organisations")
def create_organisation(
    actor: AdminDep,
    session: SessionDep,
    name: Annotated[str, Form(max_length=500)],
    kind: Annotated[str, Form(max_length=32)],
    business_id: Annotated[str | None, Form(max_length=9, pattern=r"^(\d{7}-\d)?$")] = None,
) -> Response:
    try:
        chosen = OrganisationKind(kind)
    except ValueError:
        raise InvalidInput(N_("Choose a kind from the list."), code="invalid_kind") from None
    organisation = service.create_local_organisation(
        session, actor=actor, name=name, kind=chosen, business_id=business_id or None
    )
    return _back(f"/staff/admin/organisations/{organisation.id}")


@router.get("/organisations/{organisation_id}")
def organisation_detail(
    request: Request, actor: AdminDep, session: SessionDep, organisation_id: IdPath
) -> Response:
    organisation = service.get_organisation(session, organisation_id)
    staff = service.list_organisation_staff(session, organisation_id)
    clients = service.list_organisation_clients(session, organisation_id)
    return render_staff(
        request,
        "staff/admin/organisation.html",
        {
            "organisation": organisation,
            "units": service.list_units(session, organisation_id),
            "staff": staff,
            "clients": clients,
        },
    )


@router.post("/organisations/{organisation_id}/units")
def add_unit(
    actor: AdminDep,
    session: SessionDep,
    organisation_id: IdPath,
    name: Annotated[str, Form(max_length=200)],
    code: Annotated[str | None, Form(max_length=64)] = None,
) -> Response:
    service.create_unit(session, actor=actor, organisation_id=organisation_id, name=name, code=code)
    return _back(f"/staff/admin/organisations/{organisation_id}")


@router.post("/units/{unit_id}/delete")
def remove_unit(actor: AdminDep, session: SessionDep, unit_id: IdPath) -> Response:
    unit = session.get(Unit, unit_id)
    organisation_id = unit.organisation_id if unit else None
    service.delete_unit(session, actor=actor, unit_id=unit_id)
    return _back(f"/staff/admin/organisations/{organisation_id}")


# --- API clients ------------------------------------------------------------------------------------------


def _clients_page(
    request: Request, session: Session, *, created: ApiClient | None = None, token: str | None = None
) -> Response:
    clients = service.list_api_clients(session)
    names = service.organisation_names(session, {c.organisation_id for c in clients})
    return render_staff(
        request,
        "staff/admin/api_clients.html",
        {
            "clients": clients,
            "names": names,
            "created": created,
            "token": token,
            "now": utcnow(),
            "all_organisations": service.list_organisations(session, limit=5000),
            "all_units": _all_units(session),
            "roles": [role for role in Role if role is not Role.ADMIN],
            "valid_days": _settings(request).api_client_valid_days,
        },
        status_code=201 if created else 200,
    )


@router.get("/api-clients")
def api_clients(request: Request, actor: AdminDep, session: SessionDep) -> Response:
    return _clients_page(request, session)


@router.post("/api-clients")
def create_client(
    request: Request,
    actor: AdminDep,
    session: SessionDep,
    name: Annotated[str, Form(max_length=200)],
    organisation_id: Annotated[uuid.UUID, Form()],
    role: Annotated[str, Form(max_length=32)],
    unit_id: Annotated[str | None, Form(max_length=36)] = None,
) -> Response:
    """Create a client and show its token on this one response (never stored, never shown again)."""
    client, token = service.create_api_client(
        session,
        actor=actor,
        name=name,
        organisation_id=organisation_id,
        role=_role(role),
        unit_id=_optional_uuid(unit_id),
        now=utcnow(),
        valid_days=_settings(request).api_client_valid_days,
    )
    return _clients_page(request, session, created=client, token=token)


@router.post("/api-clients/{client_id}/revoke")
def revoke_client(actor: AdminDep, session: SessionDep, client_id: IdPath) -> Response:
    service.revoke_api_client(session, actor=actor, client_id=client_id, now=utcnow())
    return _back("/staff/admin/api-clients")


# --- access log -------------------------------------------------------------------------------------------


def subject_from_query(value: str) -> str | None:
    """A subject reference as typed: `resident:<id>` as it is, a bare id as a resident's."""
    value = value.strip()
    if not value:
        return None
    if _UUID.match(value):
        return f"resident:{value.lower()}"
    return value


@router.get("/access-log")
def access_log(
    request: Request,
    actor: AdminDep,
    session: SessionDep,
    subject: Annotated[str, Query(max_length=80)] = "",
) -> Response:
    """Who handled one person's data, when and why (Act 703/2023 §11): for answering that person."""
    reference = subject_from_query(subject)
    entries = list_access_for_subject(session, reference) if reference else []
    return render_staff(
        request,
        "staff/admin/access_log.html",
        {
            "subject": subject,
            "reference": reference,
            "entries": entries,
            "who": service.actor_names(session, {e.actor_label for e in entries}),
            "organisations": service.organisation_names(
                session, {e.organisation_id for e in entries if e.organisation_id}
            ),
        },
    )
