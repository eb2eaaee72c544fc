"""The municipal follow-up report: what referrals led to, as suppressed aggregates (never a person).

One function builds every figure of the dashboard, the CSV/XLSX exports and GET /api/v1/followup from
grouped SQL over the referrals sent in the period to the chosen municipalities. Counts from 1 to 4, and any
cell from which one could be recovered, are hidden by referrals/suppression.py before anything leaves here.
"""

from __future__ import annotations

import statistics
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import and_, distinct, func, or_, select
from sqlalchemy.orm import Session
from sqlmodel import col

from app.accounts.actor import Actor
from app.accounts.models import Role
from app.catalogue.enums import Taxonomy
from app.catalogue.models import Organisation, ServiceTerm
from referrals.measures import Timepoint
from referrals.models import Attendance, Referral, ReferralEvent, ReferralTarget
from referrals.outcome_models import OutcomeResponse
from referrals.status import DeclineReason, ReferralKind, ReferralStatus
from referrals.suppression import suppress_funnel, suppress_partition, suppress_share

HELSINKI = ZoneInfo("Europe/Helsinki")
# Exercise-referral studies: about 66 % take up the activity and about 49 % still attend (DESIGN.md §5).
REFERENCE_UPTAKE = 0.66
REFERENCE_ADHERENCE = 0.49
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
    by_unit: Table
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


def _grouped(session: Session, key, where) -> dict[str, int]:  # type: ignore[no-untyped-def]
    rows = session.execute(select(key, func.count()).select_from(Referral).where(*where).group_by(key))
    return {str(k) if k is not None else "": int(n) for k, n in rows}


def _month_key(session: Session):  # type: ignore[no-untyped-def]
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("Europe/Helsinki", col(Referral.sent_at)), "YYYY-MM")
    # SQLite stores UTC text; a month boundary is off by at most three hours there (development only).
    return func.strftime("%Y-%m", col(Referral.sent_at))


def _themes_of_referrals(session: Session, where, extra=None) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Referrals per theme of the services they were addressed to (distinct referrals per theme)."""
    query = (
        select(col(ServiceTerm.code), func.count(distinct(col(Referral.id))))
        .select_from(Referral)
        .join(ReferralTarget, col(ReferralTarget.referral_id) == col(Referral.id))
        .join(
            ServiceTerm,
            and_(
                col(ServiceTerm.service_id) == col(ReferralTarget.service_id),
                col(ServiceTerm.taxonomy) == Taxonomy.THEME,
            ),
        )
        .where(*where)
        .group_by(col(ServiceTerm.code))
    )
    if extra is not None:
        query = query.where(extra)
    return {str(code): int(n) for code, n in session.execute(query)}


def _reached(session: Session, where, statuses: Sequence[ReferralStatus]) -> int:  # type: ignore[no-untyped-def]
    """Referrals that ever reached one of `statuses` (from the append-only timeline)."""
    query = (
        select(func.count(distinct(col(ReferralEvent.referral_id))))
        .select_from(ReferralEvent)
        .join(Referral, col(Referral.id) == col(ReferralEvent.referral_id))
        .where(*where, col(ReferralEvent.to_status).in_(list(statuses)))
    )
    return int(session.execute(query).scalar_one())


def _reasons(session: Session, where, status: ReferralStatus) -> dict[str, int]:  # type: ignore[no-untyped-def]
    query = (
        select(col(ReferralEvent.reason), func.count(distinct(col(ReferralEvent.referral_id))))
        .select_from(ReferralEvent)
        .join(Referral, col(Referral.id) == col(ReferralEvent.referral_id))
        .where(*where, col(ReferralEvent.to_status) == status)
        .group_by(col(ReferralEvent.reason))
    )
    return {str(reason or "other"): int(n) for reason, n in session.execute(query)}


def _table(cells: dict[str, int], total: int | None) -> Table:
    shown, shown_total = suppress_partition(cells, total)
    return Table(dict(sorted(shown.items())), shown_total)


def _outcomes(session: Session, where) -> tuple[OutcomeFigures, dict[Timepoint, int]]:  # type: ignore[no-untyped-def]
    rows = session.execute(
        select(
            col(OutcomeResponse.referral_id),
            col(OutcomeResponse.timepoint),
            col(OutcomeResponse.meets_activity),
            col(OutcomeResponse.swemwbs),
            col(OutcomeResponse.lonely),
            col(OutcomeResponse.still_attending),
        )
        .join(Referral, col(Referral.id) == col(OutcomeResponse.referral_id))
        .where(*where)
    ).all()
    by_referral: dict[uuid.UUID, dict[str, tuple]] = defaultdict(dict)  # type: ignore[type-arg]
    attending: dict[Timepoint, int] = defaultdict(int)
    for referral_id, point, active, swemwbs, lonely, still in rows:
        by_referral[referral_id][str(point)] = (active, swemwbs, lonely)
        if still:
            attending[Timepoint(point)] += 1
    active_pairs: list[tuple[bool, bool]] = []
    wellbeing_changes: list[int] = []
    lonely_pairs: list[tuple[bool, bool]] = []
    for answers in by_referral.values():
        baseline = answers.get(Timepoint.BASELINE.value)
        follow_ups = [
            answers[p.value] for p in (Timepoint.M12, Timepoint.M6, Timepoint.M3) if p.value in answers
        ]
        if baseline is None or not follow_ups:
            continue
        latest = follow_ups[0]
        if baseline[0] is not None and latest[0] is not None:
            active_pairs.append((baseline[0], latest[0]))
        if baseline[1] is not None and latest[1] is not None:
            wellbeing_changes.append(latest[1] - baseline[1])
        if baseline[2] is not None and latest[2] is not None:
            lonely_pairs.append((baseline[2], latest[2]))

    def share(pairs: list[tuple[bool, bool]], which: int) -> float | None:
        return suppress_share(sum(1 for pair in pairs if pair[which]), len(pairs))

    pairs = max(len(active_pairs), len(wellbeing_changes), len(lonely_pairs))
    figures = OutcomeFigures(
        pairs=pairs if pairs >= 5 else None,
        active_baseline=share(active_pairs, 0),
        active_follow_up=share(active_pairs, 1),
        swemwbs_change=round(statistics.fmean(wellbeing_changes), 1) if len(wellbeing_changes) >= 5 else None,
        lonely_baseline=share(lonely_pairs, 0),
        lonely_follow_up=share(lonely_pairs, 1),
    )
    return figures, attending


def followup_report(session: Session, *, municipality_codes: Sequence[str], start: date, end: date) -> Report:
    """Every figure of the follow-up for referrals sent in [start, end] to residents of these municipalities."""
    low, high = _bounds(start, end)
    where = [
        col(Referral.municipality_code).in_(list(municipality_codes)),
        col(Referral.sent_at) >= low,
        col(Referral.sent_at) <= high,
        col(Referral.status) != ReferralStatus.ENTERED_IN_ERROR,
    ]
    by_kind = _grouped(session, col(Referral.kind), where)
    total = sum(by_kind.values())
    by_unit = _grouped(session, col(Referral.referrer_unit_id), where)
    provider_rows = session.execute(
        select(col(Organisation.name_fi), func.count())
        .select_from(Referral)
        .join(Organisation, col(Organisation.id) == col(Referral.provider_organisation_id))
        .where(*where)
        .group_by(col(Organisation.name_fi))
    )
    by_provider = {str(name or "?"): int(n) for name, n in provider_rows}

    started = _reached(session, where, [ReferralStatus.IN_PROGRESS])
    attended_query = (
        select(func.count(distinct(col(Attendance.referral_id))))
        .join(Referral, col(Referral.id) == col(Attendance.referral_id))
        .where(*where, col(Attendance.attended).is_(True))
    )
    started = max(started, int(session.execute(attended_query).scalar_one()))
    outcomes, attending = _outcomes(session, where)
    completed = int(
        session.execute(
            select(func.count())
            .select_from(Referral)
            .where(*where, col(Referral.status) == ReferralStatus.COMPLETED)
        ).scalar_one()
    )
    raw_funnel = [
        ("sent", total),
        (
            "accepted",
            _reached(
                session,
                where,
                [ReferralStatus.ACCEPTED, ReferralStatus.CONTACTED, ReferralStatus.IN_PROGRESS],
            ),
        ),
        ("contacted", _reached(session, where, [ReferralStatus.CONTACTED, ReferralStatus.IN_PROGRESS])),
        ("started", started),
        ("attending_m3", attending.get(Timepoint.M3, 0)),
        ("attending_m6", attending.get(Timepoint.M6, 0)),
        ("attending_m12", attending.get(Timepoint.M12, 0)),
        ("completed", completed),
    ]
    answer_times = session.execute(
        select(col(Referral.sent_at), col(Referral.answered_at)).where(
            *where, col(Referral.answered_at).is_not(None)
        )
    ).all()
    days = [(answered - sent).total_seconds() / 86400 for sent, answered in answer_times if sent and answered]
    shortfalls = _themes_of_referrals(
        session,
        where,
        col(Referral.id).in_(
            select(col(ReferralEvent.referral_id)).where(
                or_(
                    and_(
                        col(ReferralEvent.to_status) == ReferralStatus.DECLINED,
                        col(ReferralEvent.reason) == DeclineReason.NO_CAPACITY,
                    ),
                    col(ReferralEvent.to_status) == ReferralStatus.WAITLISTED,
                )
            )
        ),
    )
    exercise_sent = by_kind.get(ReferralKind.EXERCISE.value, 0)
    return Report(
        start=start,
        end=end,
        municipality_codes=tuple(municipality_codes),
        total=None if 0 < total < 5 else total,
        by_kind=_table(by_kind, total),
        by_month=_table(_grouped(session, _month_key(session), where), total),
        by_unit=_table(by_unit, total),
        by_theme=_table(_themes_of_referrals(session, where), None),
        by_provider=_table(by_provider, None),
        by_age_band=_table(_grouped(session, col(Referral.age_band), where), total),
        funnel=suppress_funnel(raw_funnel),
        median_days_to_answer=round(statistics.median(days), 1) if len(days) >= 5 else None,
        declines=_table(_reasons(session, where, ReferralStatus.DECLINED), None),
        discontinuations=_table(_reasons(session, where, ReferralStatus.DISCONTINUED), None),
        capacity_shortfalls=_table(shortfalls, None),
        outcomes=outcomes,
        uptake=suppress_share(started, total) if total else None,
        adherence=suppress_share(attending.get(Timepoint.M3, 0), started) if started else None,
        notes=[] if exercise_sent else ["no_exercise_referrals"],
    )
