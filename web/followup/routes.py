"""The follow-up dashboard (/staff/followup) and its figures for other tools (/api/v1/followup[.csv|.xlsx]).

Analysts only, aggregates only: a municipal analyst sees their own municipality, a county analyst the
whole area. Counts from 1 to 4 are hidden before anything is rendered (referrals/followup.py).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any

import xlsxwriter
from dateutil.relativedelta import relativedelta
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from sqlmodel import Session, col, select

from app.accounts.actor import Actor
from app.accounts.models import Unit
from app.catalogue.codes import served_municipality_codes
from app.catalogue.models import Municipality, Theme
from app.errors import InvalidInput, PermissionDenied
from app.settings import get_settings
from app.timeutil import local_date, utcnow
from referrals.followup import SELF_REFERRAL, Report, analyst_municipalities, followup_report
from web.api.schemas import SIGN_IN_ERRORS, ErrorOut
from web.auth import ActorDep
from web.deps import SessionDep
from web.followup.views import FUNNEL_LABELS, Row, bars, month_label, report_rows
from web.i18n import gettext, negotiate_locale
from web.staff.templating import render_staff

pages = APIRouter(prefix="/staff", include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["follow-up"])
ERRORS: dict[int | str, dict[str, Any]] = {
    **SIGN_IN_ERRORS,
    403: {"model": ErrorOut, "description": "Not an analyst, or not of this municipality or county."},
    422: {"model": ErrorOut, "description": "A parameter is not valid."},
}
MAX_YEARS = 5
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

MunicipalityQuery = Annotated[
    str | None, Query(pattern=r"^\d{3}$", description="A municipality's three-digit code, e.g. 398")
]
CountyQuery = Annotated[
    str | None, Query(pattern=r"^\d{2}$", description="A wellbeing services county's two-digit code, e.g. 09")
]
# Referrals began in this century: bounds keep date arithmetic (a year before `to`) inside the calendar.
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
FromQuery = Annotated[
    date | None,
    Query(alias="from", ge=EARLIEST, le=LATEST, description="First day (default: a year ago)"),
]
ToQuery = Annotated[
    date | None, Query(alias="to", ge=EARLIEST, le=LATEST, description="Last day (default: today)")
]


@dataclasses.dataclass(frozen=True)
class Scope:
    codes: tuple[str, ...]
    allowed: frozenset[str]
    start: date
    end: date
    municipality: str | None
    county: str | None


def _scope(
    session: Session,
    actor: Actor,
    municipality: str | None,
    county: str | None,
    start: date | None,
    end: date | None,
) -> Scope:
    allowed = analyst_municipalities(session, actor, served_municipality_codes(session, get_settings()))
    if not allowed:
        raise PermissionDenied("Only municipal and county analysts see the follow-up figures.")
    end = end or local_date(utcnow())
    start = start or (end - relativedelta(years=1) + relativedelta(days=1))
    if start > end:
        raise InvalidInput("The period must start before it ends.")
    if end - start > (date(2000 + MAX_YEARS, 1, 1) - date(2000, 1, 1)):
        raise InvalidInput("Choose a period of at most %(years)s years.", years=MAX_YEARS)
    codes: set[str] = set(allowed)
    if county is not None:
        in_county = set(
            session.exec(select(Municipality.code).where(Municipality.wellbeing_county_code == county))
        )
        # The whole county, or none of it: a county's figures are for the county's analysts.
        if (
            not in_county
            or not (in_county & set(served_municipality_codes(session, get_settings()))) <= allowed
        ):
            raise PermissionDenied("You may see only your own area's figures.")
        codes &= in_county
    if municipality is not None:
        if municipality not in allowed:
            raise PermissionDenied("You may see only your own area's figures.")
        codes &= {municipality}
    return Scope(tuple(sorted(codes)), allowed, start, end, municipality, county)


def api_scope(
    actor: ActorDep,
    session: SessionDep,
    municipality: MunicipalityQuery = None,
    county: CountyQuery = None,
    start: FromQuery = None,
    end: ToQuery = None,
) -> Scope:
    """The area and period of an API request (FastAPI shares the request's session and actor with the route)."""
    return _scope(session, actor, municipality, county, start, end)


ScopeDep = Annotated[Scope, Depends(api_scope)]


def _headings(locale: str) -> list[str]:
    return [
        gettext(locale, "Section"),
        gettext(locale, "Code"),
        gettext(locale, "Figure"),
        gettext(locale, "Value"),
    ]


def _report(session: Session, scope: Scope) -> Report:
    return followup_report(session, municipality_codes=scope.codes, start=scope.start, end=scope.end)


def _names(session: Session, report: Report, locale: str) -> dict[str, dict[str, str]]:
    unit_ids = [uuid.UUID(key) for key in report.by_unit.cells if key and key != SELF_REFERRAL]
    units: list[Unit] = list(session.exec(select(Unit).where(col(Unit.id).in_(unit_ids)))) if unit_ids else []
    themes = session.exec(select(Theme))
    return {
        "unit": {str(unit.id): unit.name for unit in units},
        "theme": {theme.code: getattr(theme, f"name_{locale}") or theme.name_fi for theme in themes},
    }


def _rows(session: Session, report: Report, locale: str) -> list[Row]:
    return report_rows(report, locale, _names(session, report, locale))


def _filename(scope: Scope, extension: str) -> str:
    area = scope.municipality or scope.county or "area"
    return f"followup-{area}-{scope.start.isoformat()}-{scope.end.isoformat()}.{extension}"


# --- the dashboard -----------------------------------------------------------------------------------------


@pages.get("/followup")
def dashboard(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    municipality: MunicipalityQuery = None,
    start: FromQuery = None,
    end: ToQuery = None,
) -> Response:
    locale = negotiate_locale(request)
    scope = _scope(session, actor, municipality or None, None, start, end)
    report = _report(session, scope)
    rows = _rows(session, report, locale)
    municipalities = [
        (m.code, getattr(m, f"name_{locale}") or m.name_fi)
        for m in session.exec(select(Municipality).where(col(Municipality.code).in_(sorted(scope.allowed))))
    ]
    query = request.url.query
    return render_staff(
        request,
        "followup/dashboard.html",
        {
            "title": gettext(locale, "Follow-up of referrals"),
            "scope": scope,
            "report": report,
            "rows": rows,
            "municipalities": sorted(municipalities, key=lambda pair: pair[1]),
            "month_bars": bars([(month_label(k, locale), v) for k, v in report.by_month.cells.items()]),
            "funnel_bars": bars([(gettext(locale, FUNNEL_LABELS[k]), v) for k, v in report.funnel]),
            "csv_url": "/api/v1/followup.csv" + (f"?{query}" if query else ""),
            "xlsx_url": "/api/v1/followup.xlsx" + (f"?{query}" if query else ""),
        },
    )


# --- figures for other tools ----------------------------------------------------------------------------------


def _as_json(report: Report) -> dict[str, Any]:
    body = dataclasses.asdict(report)
    body["start"], body["end"] = report.start.isoformat(), report.end.isoformat()
    body["funnel"] = [{"stage": stage, "count": count} for stage, count in report.funnel]
    body["suppressed"] = "null stands for a count from 1 to 4, or a figure from which one could be recovered"
    return body


@api.get(
    "/followup", summary="Follow-up figures of referrals (aggregates, small counts hidden)", responses=ERRORS
)
def followup_json(session: SessionDep, scope: ScopeDep) -> JSONResponse:
    return JSONResponse(_as_json(_report(session, scope)))


@api.get(
    "/followup.csv",
    summary="The follow-up figures as CSV (one figure a row)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}, **ERRORS},
)
def followup_csv(request: Request, session: SessionDep, scope: ScopeDep) -> StreamingResponse:
    locale = negotiate_locale(request)
    rows = _rows(session, _report(session, scope), locale)
    headings = _headings(locale)

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for record in [headings, *([r.section, r.key, r.label, r.value] for r in rows)]:
            writer.writerow(record)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()

    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{_filename(scope, "csv")}"'},
    )


@api.get(
    "/followup.xlsx",
    summary="The follow-up figures as an Excel workbook",
    response_class=Response,
    responses={200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}, **ERRORS},
)
def followup_xlsx(request: Request, session: SessionDep, scope: ScopeDep) -> Response:
    locale = negotiate_locale(request)
    rows = _rows(session, _report(session, scope), locale)
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet(gettext(locale, "Follow-up")[:31])
    bold = workbook.add_format({"bold": True})
    headings = _headings(locale)
    sheet.write_row(0, 0, headings, bold)
    for index, row in enumerate(rows, start=1):
        sheet.write_row(index, 0, [row.section, row.key, row.label])
        # Counts as numbers (so a welfare report can sum them); hidden ones and shares as text.
        if row.value.isdigit():
            sheet.write_number(index, 3, int(row.value))
        else:
            sheet.write_string(index, 3, row.value)
    sheet.set_column(0, 0, 32)
    sheet.set_column(1, 1, 30)
    sheet.set_column(2, 2, 48)
    sheet.set_column(3, 3, 12)
    workbook.close()
    return Response(
        buffer.getvalue(),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{_filename(scope, "xlsx")}"'},
    )
