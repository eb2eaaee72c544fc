"""GET /api/v1/services, /api/v1/services/{id}, /api/v1/organisations/{id}."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from app.catalogue import queries
from app.errors import InvalidInput
from web.api.schemas import (
    ErrorOut,
    OrganisationOut,
    ServiceOut,
    ServicePage,
    to_organisation_out,
    to_service_out,
)
from web.deps import SessionDep

router = APIRouter(prefix="/api/v1", tags=["catalogue"])

ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut}, 422: {"model": ErrorOut}}


@router.get("/services", response_model=ServicePage, responses={422: {"model": ErrorOut}})
def list_services(
    session: SessionDep,
    municipality: Annotated[
        str | None, Query(pattern=r"^\d{3}$", description="3-digit municipality code, e.g. 398 (Lahti)")
    ] = None,
    theme: Annotated[str | None, Query(max_length=40, description="hyte theme code, e.g. liikunta")] = None,
    target_group: Annotated[
        str | None, Query(pattern=r"^KR\d+(\.\d+)?$", description="PTV target group code, e.g. KR1.1")
    ] = None,
    free: Annotated[bool | None, Query(description="true: free of charge only; false: charged only")] = None,
    organisation: Annotated[uuid.UUID | None, Query(description="organisation id")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=queries.MAX_PER_PAGE)] = 20,
) -> ServicePage:
    """Active services, filtered; every filter given must hold."""
    if municipality and not queries.municipality_exists(session, municipality):
        raise InvalidInput(
            "Unknown municipality code %(value)s.", code="unknown_municipality", value=municipality
        )
    if theme and not queries.theme_exists(session, theme):
        raise InvalidInput("Unknown theme %(value)s.", code="unknown_theme", value=theme)
    flt = queries.ServiceFilter(
        municipality=municipality,
        theme=theme,
        target_group=target_group,
        is_free=free,
        organisation_id=organisation,
    )
    result = queries.list_services(session, flt, page=page, per_page=per_page)
    return ServicePage(
        items=[to_service_out(s, whole=False) for s in result.items],
        total=result.total,
        page=result.page,
        per_page=result.per_page,
        pages=result.pages,
    )


@router.get("/services/{service_id}", response_model=ServiceOut, responses=ERRORS)
def get_service(session: SessionDep, service_id: Annotated[uuid.UUID, Path()]) -> ServiceOut:
    """One service with its organisation, places, schedules and contacts (retired ones too)."""
    return to_service_out(queries.get_service(session, service_id))


@router.get("/organisations/{organisation_id}", response_model=OrganisationOut, responses=ERRORS)
def get_organisation(session: SessionDep, organisation_id: Annotated[uuid.UUID, Path()]) -> OrganisationOut:
    organisation = queries.get_organisation(session, organisation_id)
    count = queries.count_services_by_organisation(session, organisation_id)
    return to_organisation_out(organisation, count)
