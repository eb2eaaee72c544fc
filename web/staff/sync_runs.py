"""Administration: the sync runs (status, counts, errors) and "run again" for a source.

"Run again" writes a sync_request row in the request's transaction and, after the response, starts a
runner process (tarjotin/sync_runner.py says why a process); the page shows the request until it runs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, BackgroundTasks, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.catalogue import sync_runs as runs
from app.errors import N_
from app.timeutil import utcnow
from web.auth import AdminDep
from web.deps import SessionDep
from web.staff.templating import render_staff

router = APIRouter(prefix="/staff/admin/sync-runs", include_in_schema=False)
HELSINKI = ZoneInfo("Europe/Helsinki")
RunId = Annotated[int, Path(ge=1, le=2**31 - 1)]
PageNumber = Annotated[int, Query(ge=1, le=100_000)]

STATUS_LABELS = {
    "running": N_("Running"),
    "succeeded": N_("Succeeded"),
    "incomplete": N_("Incomplete: nothing retired"),
    "refused": N_("Refused to retire too much"),
    "failed": N_("Failed"),
    "abandoned": N_("Abandoned: its process ended"),
}
MODE_LABELS = {"full": N_("Full"), "incremental": N_("Changes only")}
REQUEST_LABELS = {"pending": N_("Waiting to start"), "claimed": N_("Starting")}


def local_time(value: datetime | None) -> str:
    return value.astimezone(HELSINKI).strftime("%Y-%m-%d %H:%M") if value else ""


def _context() -> dict[str, object]:
    return {
        "status_labels": STATUS_LABELS,
        "mode_labels": MODE_LABELS,
        "request_labels": REQUEST_LABELS,
        "local_time": local_time,
    }


@router.get("")
def sync_runs(
    request: Request,
    actor: AdminDep,
    session: SessionDep,
    page: PageNumber = 1,
    requested: Annotated[bool, Query()] = False,
) -> Response:
    found = runs.list_runs(session, page=page)
    return render_staff(
        request,
        "staff/admin/sync_runs.html",
        {
            **_context(),
            "found": found,
            "latest": runs.latest_by_source(session),
            "open_requests": runs.open_requests(session),
            "requested": requested,
        },
    )


@router.get("/{run_id}")
def sync_run(
    request: Request, actor: AdminDep, session: SessionDep, run_id: RunId, page: PageNumber = 1
) -> Response:
    run = runs.get_run(session, run_id)
    errors, total = runs.errors_of(session, run_id, page=page)
    return render_staff(
        request,
        "staff/admin/sync_run.html",
        {**_context(), "run": run, "errors": errors, "error_total": total, "page": page, "per_page": 50},
    )


@router.post("/{run_id}/again")
def run_again(
    request: Request,
    background: BackgroundTasks,
    actor: AdminDep,
    session: SessionDep,
    run_id: RunId,
    full: Annotated[bool, Form()] = False,
) -> Response:
    runs.request_again(session, actor=actor, run_id=run_id, full=full, now=utcnow())
    # Started after the response, when the request's transaction has committed the row the runner takes.
    start = getattr(request.app.state, "start_requested_syncs", None)
    if start is not None:
        background.add_task(start)
    return RedirectResponse("/staff/admin/sync-runs?requested=true", status_code=303)
