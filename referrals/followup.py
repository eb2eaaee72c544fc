"""The municipal follow-up report: what referrals led to, as suppressed aggregates (never a person).

One function builds every figure of the dashboard, the CSV/XLSX exports and GET /api/v1/followup from
grouped SQL over the referrals sent in the period to the chosen municipalities. Counts from 1 to 4, and any
cell from which one could be recovered, are hidden by referrals/suppression.py before anything leaves here.
"""

from __future__ import annotations

import statistics
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, case, cast, distinct, func, literal, or_, select, union_all
from sqlalchemy.orm import Session
from sqlmodel import col

from app.accounts.actor import Actor
from app.accounts.models import Role
from app.catalogue.enums import Taxonomy
from app.catalogue.models import Organisation, ServiceTerm
from referrals.measures import Timepoint
from referrals.models import Attendance, Referral, ReferralEvent, ReferralSource, ReferralTarget
from referrals.outcome_models import OutcomeResponse
from referrals.status import DeclineReason, ReferralKind, ReferralStatus
from referrals.suppression import suppress_funnel, suppress_partition, suppress_share

HELSINKI = ZoneInfo("Europe/Helsinki")
# Exercise-referral studies: about 66 % take up the activity and about 49 % still attend (DESIGN.md §5).
REFERENCE_UPTAKE = 0.66
REFERENCE_ADHERENCE = 0.49
# The referring-unit key of a resident's own contact request: it names no unit, and its referrer
# organisation is the receiving provider's own (the column is required), so it is a group of its own rather
# than "unit not recorded" or the provider's unit.
SELF_REFERRAL = "self"
FUNNEL = (
    "sent",
    "accepted",
    "contacted",
    "started",
    "attending_m3",
    "attending_m6",
    "attending_m12",
    "completed",
)


@dataclass(frozen=True)
class Table:
    """One breakdown: shown cells (None = hidden, fewer than five or recoverable) and the shown total."""

    cells: dict[str, int | None]
    total: int | None


@dataclass(frozen=True)
class OutcomeFigures:
    pairs: int | None  # people with a baseline and a follow-up answer (None when fewer than five)
    active_baseline: float | None
    active_follow_up: float | None
    swemwbs_change: float | None  # mean paired change of the raw score
    lonely_baseline: float | None
    lonely_follow_up: float | None


@dataclass(frozen=True)
class Report:
    start: date
    end: date
    municipality_codes: tuple[str, ...]
    total: int | None
    by_kind: Table
    by_month: Table
    by_unit: Table  # referring unit; SELF_REFERRAL for residents' own contact requests
    by_theme: Table  # a referral to several services counts under each of their themes
    by_provider: Table
    by_age_band: Table
    funnel: list[tuple[str, int | None]]
    median_days_to_answer: float | None
    declines: Table
    discontinuations: Table
    capacity_shortfalls: Table  # declined for lack of room or waitlisted, by theme
    outcomes: OutcomeFigures
    uptake: float | None
    adherence: float | None
    reference_uptake: float = REFERENCE_UPTAKE
    reference_adherence: float = REFERENCE_ADHERENCE
    notes: list[str] = field(default_factory=list)


def analyst_municipalities(session: Session, actor: Actor, served: set[str]) -> frozenset[str]:
    """Whose figures the actor may see: a municipal analyst their own municipality, a county analyst the
    whole served area. Aggregates only; nobody else sees the follow-up."""
    if actor.has_role(Role.COUNTY_ANALYST):
        return frozenset(served)
    codes = set()
    for organisation_id in actor.organisations_with(Role.MUNICIPAL_ANALYST):
        organisation = session.get(Organisation, organisation_id)
        if organisation is not None and organisation.municipality_code in served:
            codes.add(organisation.municipality_code)
    return frozenset(codes)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(start, time.min, HELSINKI),
        datetime.combine(end, time.max, HELSINKI),
    )


def _month_key(session: Session):  # type: ignore[no-untyped-def]
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("Europe/Helsinki", col(Referral.sent_at)), "YYYY-MM")
    # SQLite stores UTC text; a month boundary is off by at most three hours there (development only).
    return func.strftime("%Y-%m", col(Referral.sent_at))


def _as_int(value):  # type: ignore[no-untyped-def]
    """1/0 of a boolean column, for sums (PostgreSQL has no sum of booleans; SQLite stores 1/0)."""
    return case((value.is_(True), 1), (value.is_(False), 0), else_=None)


@dataclass(frozen=True)
class _Counts:
    breakdowns: dict[str, dict[str, int]]
    total: int
    completed: int
    answered: int
    median_days: float | None


def _counts(session: Session, scope) -> _Counts:  # type: ignore[no-untyped-def]
    """The totals and the referrals by kind, month, unit, age band and provider, in one statement.

    The scope is a CTE read once (PostgreSQL materialises a CTE used more than once), and each figure is an
    aggregate over it joined by UNION ALL: one round trip and one scan of the referrals, where six queries
    each scanned them again. The median days to an answer rides in the key column of the totals row.
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    median = (
        cast(
            func.percentile_cont(0.5).within_group(
                func.extract("epoch", scope.c.answered_at - scope.c.sent_at) / 86400.0
            ),
            String,
        )
        if postgres
        else cast(literal(None), String)
    )
    keys = {
        "kind": scope.c.kind,
        "month": scope.c.month,
        "unit": case(
            (scope.c.source == ReferralSource.SELF, literal(SELF_REFERRAL)),
            else_=cast(scope.c.referrer_unit_id, String),
        ),
        "age_band": scope.c.age_band,
    }
    parts = [
        select(literal("total").label("section"), median.label("key"), func.count().label("n")).select_from(
            scope
        ),
        select(
            literal("completed").label("section"),
            cast(literal(None), String).label("key"),
            func.coalesce(func.sum(case((scope.c.status == ReferralStatus.COMPLETED, 1), else_=0)), 0).label(
                "n"
            ),
        ).select_from(scope),
        select(
            literal("answered").label("section"),
            cast(literal(None), String).label("key"),
            func.count(scope.c.answered_at).label("n"),
        ).select_from(scope),
    ]
    parts += [
        select(literal(name).label("section"), cast(key, String).label("key"), func.count().label("n"))
        .select_from(scope)
        .group_by(key)
        for name, key in keys.items()
    ]
    parts.append(
        select(
            literal("provider").label("section"),
            cast(col(Organisation.name_fi), String).label("key"),
            func.count().label("n"),
        )
        .select_from(scope)
        .join(Organisation, col(Organisation.id) == scope.c.provider_organisation_id)
        .group_by(col(Organisation.name_fi))
    )
    result: dict[str, dict[str, int]] = {name: {} for name in (*keys, "provider")}
    scalars: dict[str, int] = {}
    median_days: float | None = None
    for section, key, n in session.execute(union_all(*parts)):
        if section in ("total", "completed", "answered"):
            scalars[str(section)] = int(n or 0)
            if section == "total" and key is not None:
                median_days = float(key)
            continue
        cells = result[str(section)]
        label = str(key) if key is not None else ("?" if section == "provider" else "")
        if section == "unit" and key is not None and key != SELF_REFERRAL:
            label = str(uuid.UUID(label))  # SQLite keeps a uuid as 32 hex digits: the same text on both
        cells[label] = cells.get(label, 0) + int(n)
    if not postgres and scalars["answered"] >= 5:
        # SQLite has no percentile (development data is small): the days are read and the median taken here.
        rows = session.execute(
            select(scope.c.sent_at, scope.c.answered_at).where(scope.c.answered_at.is_not(None))
        ).all()
        median_days = statistics.median((a - s).total_seconds() / 86400 for s, a in rows)
    return _Counts(result, scalars["total"], scalars["completed"], scalars["answered"], median_days)


# How far a referral got on its timeline: each funnel stage is a subset of the one before.
_STAGE = {ReferralStatus.ACCEPTED: 1, ReferralStatus.CONTACTED: 2, ReferralStatus.IN_PROGRESS: 3}


def _timeline(session: Session, scope) -> tuple[dict[int, int], dict[str, dict[str, int]]]:  # type: ignore[no-untyped-def]
    """From the append-only timeline: referrals by the furthest stage they reached (accepted, contacted,
    started), and declines and discontinuations by reason (distinct referrals), in two grouped queries."""
    stage = case(
        *((col(ReferralEvent.to_status) == status, rank) for status, rank in _STAGE.items()), else_=0
    )
    per_referral = (
        select(func.max(stage).label("stage"))
        .select_from(ReferralEvent)
        .join(scope, scope.c.id == col(ReferralEvent.referral_id))
        .where(col(ReferralEvent.to_status).in_(list(_STAGE)))
        .group_by(col(ReferralEvent.referral_id))
        .subquery()
    )
    stages = {
        int(rank): int(n)
        for rank, n in session.execute(
            select(per_referral.c.stage, func.count()).group_by(per_referral.c.stage)
        )
    }
    reasons: dict[str, dict[str, int]] = {ReferralStatus.DECLINED: {}, ReferralStatus.DISCONTINUED: {}}
    rows = session.execute(
        select(
            col(ReferralEvent.to_status),
            col(ReferralEvent.reason),
            func.count(distinct(col(ReferralEvent.referral_id))),
        )
        .select_from(ReferralEvent)
        .join(scope, scope.c.id == col(ReferralEvent.referral_id))
        .where(col(ReferralEvent.to_status).in_(list(reasons)))
        .group_by(col(ReferralEvent.to_status), col(ReferralEvent.reason))
    )
    for status, reason, n in rows:
        cells = reasons[status]
        cells[str(reason or "other")] = cells.get(str(reason or "other"), 0) + int(n)
    return stages, reasons


def _attended(session: Session, scope) -> int:  # type: ignore[no-untyped-def]
    return int(
        session.execute(
            select(func.count(distinct(col(Attendance.referral_id))))
            .select_from(Attendance)
            .join(scope, scope.c.id == col(Attendance.referral_id))
            .where(col(Attendance.attended).is_(True))
        ).scalar_one()
    )


def _themes(session: Session, scope) -> tuple[dict[str, int], dict[str, int]]:  # type: ignore[no-untyped-def]
    """Referrals per theme of the services they were addressed to, all and those that met no room
    (declined for lack of capacity, or waitlisted): distinct referrals per theme, in one query."""
    short = (
        select(col(ReferralEvent.referral_id))
        .where(
            or_(
                and_(
                    col(ReferralEvent.to_status) == ReferralStatus.DECLINED,
                    col(ReferralEvent.reason) == DeclineReason.NO_CAPACITY,
                ),
                col(ReferralEvent.to_status) == ReferralStatus.WAITLISTED,
            )
        )
        .distinct()
        .subquery()
    )
    rows = session.execute(
        select(
            col(ServiceTerm.code),
            func.count(distinct(scope.c.id)),
            func.count(distinct(short.c.referral_id)),
        )
        .select_from(scope)
        .join(ReferralTarget, col(ReferralTarget.referral_id) == scope.c.id)
        .join(
            ServiceTerm,
            and_(
                col(ServiceTerm.service_id) == col(ReferralTarget.service_id),
                col(ServiceTerm.taxonomy) == Taxonomy.THEME,
            ),
        )
        .outerjoin(short, short.c.referral_id == scope.c.id)
        .group_by(col(ServiceTerm.code))
    )
    every: dict[str, int] = {}
    shortfalls: dict[str, int] = {}
    for code, n, n_short in rows:
        every[str(code)] = int(n)
        if n_short:
            shortfalls[str(code)] = int(n_short)
    return every, shortfalls


def _table(cells: dict[str, int], total: int | None) -> Table:
    shown, shown_total = suppress_partition(cells, total)
    return Table(dict(sorted(shown.items())), shown_total)


# Follow-up timepoints, latest first: a person's latest follow-up answer is paired with their baseline.
_FOLLOW_UPS = (Timepoint.M12, Timepoint.M6, Timepoint.M3)


def _outcomes(session: Session, scope) -> tuple[OutcomeFigures, dict[Timepoint, int]]:  # type: ignore[no-untyped-def]
    """Baseline and latest follow-up answers paired per person, and the changes, in one SQL aggregate.

    The inner query makes one row per referral with the baseline's values, each follow-up's values and the
    latest follow-up answered; the outer one takes the latest one's values and sums the pairs. Only the
    sums come back (formerly every answer was read and paired here, 60,000 rows at a county's year).
    """
    point = col(OutcomeResponse.timepoint)

    def at(timepoint: Timepoint, value):  # type: ignore[no-untyped-def]
        return func.max(case((point == timepoint, value), else_=None))

    fields = {
        "active": _as_int(col(OutcomeResponse.meets_activity)),
        "wellbeing": col(OutcomeResponse.swemwbs),
        "lonely": _as_int(col(OutcomeResponse.lonely)),
    }
    columns = [
        at(Timepoint.BASELINE, literal(1)).label("has_baseline"),
        func.max(
            case(*((point == p, len(_FOLLOW_UPS) - i) for i, p in enumerate(_FOLLOW_UPS)), else_=0)
        ).label("latest"),
    ]
    for name, value in fields.items():
        columns.append(at(Timepoint.BASELINE, value).label(f"{name}_baseline"))
        columns.extend(at(p, value).label(f"{name}_{p.value}") for p in _FOLLOW_UPS)
    columns.extend(
        at(p, _as_int(col(OutcomeResponse.still_attending))).label(f"still_{p.value}") for p in _FOLLOW_UPS
    )
    per_referral = (
        select(*columns)
        .select_from(OutcomeResponse)
        .join(scope, scope.c.id == col(OutcomeResponse.referral_id))
        .group_by(col(OutcomeResponse.referral_id))
        .subquery()
    )
    c = per_referral.c

    def latest(name: str):  # type: ignore[no-untyped-def]
        return case(
            *((c.latest == len(_FOLLOW_UPS) - i, c[f"{name}_{p.value}"]) for i, p in enumerate(_FOLLOW_UPS)),
            else_=None,
        )

    paired = c.has_baseline == 1
    aggregates = []
    for name in fields:
        pair = and_(paired, c[f"{name}_baseline"].is_not(None), latest(name).is_not(None))
        aggregates += [
            func.coalesce(func.sum(case((pair, 1), else_=0)), 0),
            func.coalesce(func.sum(case((pair, c[f"{name}_baseline"]), else_=0)), 0),
            func.coalesce(func.sum(case((pair, latest(name)), else_=0)), 0),
        ]
    aggregates += [
        func.coalesce(func.sum(case((c[f"still_{p.value}"] == 1, 1), else_=0)), 0) for p in _FOLLOW_UPS
    ]
    row = [int(v) for v in session.execute(select(*aggregates).select_from(per_referral)).one()]
    (n_active, active_before, active_after, n_wellbeing, wellbeing_before, wellbeing_after) = row[:6]
    (n_lonely, lonely_before, lonely_after) = row[6:9]
    attending = dict(zip(_FOLLOW_UPS, row[9:], strict=True))
    pairs = max(n_active, n_wellbeing, n_lonely)
    figures = OutcomeFigures(
        pairs=pairs if pairs >= 5 else None,
        active_baseline=suppress_share(active_before, n_active),
        active_follow_up=suppress_share(active_after, n_active),
        swemwbs_change=round((wellbeing_after - wellbeing_before) / n_wellbeing, 1)
        if n_wellbeing >= 5
        else None,
        lonely_baseline=suppress_share(lonely_before, n_lonely),
        lonely_follow_up=suppress_share(lonely_after, n_lonely),
    )
    return figures, attending


def followup_report(session: Session, *, municipality_codes: Sequence[str], start: date, end: date) -> Report:
    """Every figure of the follow-up for referrals sent in [start, end] to residents of these municipalities.

    Six grouped queries over one scope (the referrals of the period and place), each returning aggregates
    only: at a county's year of 100,000 referrals nothing per person is read into Python.
    """
    low, high = _bounds(start, end)
    scope = (
        select(
            col(Referral.id).label("id"),
            col(Referral.kind).label("kind"),
            col(Referral.source).label("source"),
            col(Referral.status).label("status"),
            col(Referral.referrer_unit_id).label("referrer_unit_id"),
            col(Referral.provider_organisation_id).label("provider_organisation_id"),
            col(Referral.age_band).label("age_band"),
            col(Referral.sent_at).label("sent_at"),
            col(Referral.answered_at).label("answered_at"),
            _month_key(session).label("month"),
        )
        .where(
            col(Referral.municipality_code).in_(list(municipality_codes)),
            col(Referral.sent_at) >= low,
            col(Referral.sent_at) <= high,
            col(Referral.status) != ReferralStatus.ENTERED_IN_ERROR,
        )
        .cte("scope")
    )
    counts = _counts(session, scope)
    total, completed, answered, median_days = (
        counts.total,
        counts.completed,
        counts.answered,
        counts.median_days,
    )
    breakdowns = counts.breakdowns
    stages, reasons = _timeline(session, scope)
    started = max(sum(n for rank, n in stages.items() if rank >= 3), _attended(session, scope))
    outcomes, attending = _outcomes(session, scope)
    by_theme, shortfalls = _themes(session, scope)
    raw_funnel = [
        ("sent", total),
        ("accepted", sum(n for rank, n in stages.items() if rank >= 1)),
        ("contacted", sum(n for rank, n in stages.items() if rank >= 2)),
        ("started", started),
        ("attending_m3", attending.get(Timepoint.M3, 0)),
        ("attending_m6", attending.get(Timepoint.M6, 0)),
        ("attending_m12", attending.get(Timepoint.M12, 0)),
        ("completed", completed),
    ]
    exercise_sent = breakdowns["kind"].get(ReferralKind.EXERCISE.value, 0)
    return Report(
        start=start,
        end=end,
        municipality_codes=tuple(municipality_codes),
        total=None if 0 < total < 5 else total,
        by_kind=_table(breakdowns["kind"], total),
        by_month=_table(breakdowns["month"], total),
        by_unit=_table(breakdowns["unit"], total),
        by_theme=_table(by_theme, None),
        by_provider=_table(breakdowns["provider"], None),
        by_age_band=_table(breakdowns["age_band"], total),
        funnel=suppress_funnel(raw_funnel),
        median_days_to_answer=round(float(median_days), 1)
        if answered >= 5 and median_days is not None
        else None,
        declines=_table(reasons[ReferralStatus.DECLINED], None),
        discontinuations=_table(reasons[ReferralStatus.DISCONTINUED], None),
        capacity_shortfalls=_table(shortfalls, None),
        outcomes=outcomes,
        uptake=suppress_share(started, total) if total else None,
        adherence=suppress_share(attending.get(Timepoint.M3, 0), started) if started else None,
        notes=[] if exercise_sent else ["no_exercise_referrals"],
    )
