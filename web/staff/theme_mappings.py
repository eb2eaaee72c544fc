"""Administration: the theme mapping table (PTV classes, target groups, keywords, Lähellä.fi and
LinkedEvents codes -> our hyte themes), its history, and changing a code's themes.

A change derives the themes of the services tagged with the code again in the same transaction
(app/catalogue/theme_mappings.py) and re-indexes them after the response, as a self-service change does.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, select

from app.accounts.service import actor_names
from app.catalogue import theme_mappings
from app.catalogue.models import Theme
from app.errors import N_
from app.timeutil import utcnow
from web.auth import AdminDep
from web.deps import SessionDep
from web.i18n import negotiate_locale
from web.selfservice.reindex import reindex_queued
from web.staff.sync_runs import local_time
from web.staff.templating import render_staff

router = APIRouter(prefix="/staff/admin/theme-mapping", include_in_schema=False)

TAXONOMY_LABELS = {
    "ptv_service_class": N_("PTV service class"),
    "ptv_target_group": N_("PTV target group"),
    "keyword": N_("Keyword of a PTV service"),
    "lahella_theme": N_("Lähellä.fi theme"),
    "lahella_format": N_("Lähellä.fi format"),
    "lahella_type": N_("Lähellä.fi activity type"),
    "linkedevents_keyword": N_("LinkedEvents keyword"),
}


def _theme_names(session: Session, locale: str) -> dict[str, str]:
    themes = session.exec(select(Theme).order_by(Theme.sort_order)).all()  # type: ignore[arg-type]
    return {t.code: getattr(t, f"name_{locale}", None) or t.name_fi for t in themes}


@router.get("")
def mapping_table(
    request: Request,
    actor: AdminDep,
    session: SessionDep,
    changed: Annotated[int | None, Query(ge=0, le=10_000_000)] = None,
) -> Response:
    entries = theme_mappings.history(session)
    return render_staff(
        request,
        "staff/admin/theme_mapping.html",
        {
            "rows": theme_mappings.list_mappings(session),
            "history": entries,
            "who": actor_names(session, {e.actor_label for e in entries}),
            "themes": _theme_names(session, negotiate_locale(request)),
            "taxonomies": theme_mappings.TAXONOMIES,
            "taxonomy_labels": TAXONOMY_LABELS,
            "changed": changed,
            "local_time": local_time,
        },
    )


@router.get("/edit")
def edit(
    request: Request,
    actor: AdminDep,
    session: SessionDep,
    taxonomy: Annotated[str, Query(max_length=40)],
    code: Annotated[str, Query(min_length=1, max_length=255)],
) -> Response:
    rows = {(r.taxonomy, r.code): r for r in theme_mappings.list_mappings(session)}
    row = rows.get((taxonomy, code))
    return render_staff(
        request,
        "staff/admin/theme_mapping_edit.html",
        {
            "taxonomy": taxonomy,
            "code": code,
            "row": row,
            "current": set(row.themes) if row else set(),
            "themes": _theme_names(session, negotiate_locale(request)),
            "taxonomy_labels": TAXONOMY_LABELS,
        },
    )


@router.post("")
def change(
    request: Request,
    background: BackgroundTasks,
    actor: AdminDep,
    session: SessionDep,
    taxonomy: Annotated[str, Form(max_length=40)],
    code: Annotated[str, Form(max_length=255)],
    comment: Annotated[str, Form(max_length=theme_mappings.MAX_COMMENT)] = "",
    themes: Annotated[list[str], Form(max_length=100)] = [],  # noqa: B006 (FastAPI copies defaults)
) -> Response:
    made = theme_mappings.change_mapping(
        session, actor=actor, taxonomy=taxonomy, code=code, themes=themes, comment=comment, now=utcnow()
    )
    if made.affected_services:
        background.add_task(reindex_queued, request.app)  # after the commit: searchable at once
    return RedirectResponse(f"/staff/admin/theme-mapping?changed={made.affected_services}", status_code=303)
