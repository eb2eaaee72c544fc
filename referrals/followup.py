"""The municipal follow-up report: what referrals led to, as suppressed aggregates (never a person).

One function builds every figure of the dashboard, the CSV/XLSX exports and GET /api/v1/followup from
grouped SQL over the referrals sent in the period to the chosen municipalities. Counts from 1 to 4, and any
cell from which one could be recovered, are hidden by referrals/suppression.py before anything leaves here.
"""

from __future__ import annotations

import statistics
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import (
    String,
    Uuid,
    and_,
    any_,
    bindparam,
    cast,
    func,
    literal,
    select,
    text,
    tuple_,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlmodel import col

from app.accounts.actor import Actor
from app.accounts.models import Role
from app.catalogue.enums import Taxonomy
from app.catalogue.models import Organisation, ServiceTerm
from referrals.followup_facts import reasons_of
from referrals.measures import Timepoint
from referrals.models import Referral, ReferralSource
from referrals.status import ReferralKind, ReferralStatus
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
        # The instant the Helsinki month began, labelled in Python: date_trunc is a quarter of the cost of
        # formatting every row's local time as text (to_char of timezone()), at 100,000 rows 80 ms vs 380.
        return func.date_trunc("month", col(Referral.sent_at), "Europe/Helsinki")
    # SQLite stores UTC text; a month boundary is off by at most three hours there (development only).
    return func.strftime("%Y-%m", col(Referral.sent_at))


def _month_label(key: object) -> str:
    if isinstance(key, datetime):
        return key.astimezone(HELSINKI).strftime("%Y-%m")
    return str(key)


def _count_if(condition):  # type: ignore[no-untyped-def]
    # FILTER tests the condition once a row; a sum of CASE built and added a value for every row.
    return func.count().filter(condition)


def _sum_if(condition, value):  # type: ignore[no-untyped-def]
    return func.coalesce(func.sum(value).filter(condition), 0)


# The outcome scores paired per referral (baseline and latest follow-up, referrals/followup_facts.py).
_PAIRS = {
    "active": (Referral.active_before, Referral.active_after, True),
    "wellbeing": (Referral.swemwbs_before, Referral.swemwbs_after, False),
    "lonely": (Referral.lonely_before, Referral.lonely_after, True),
}
_STILL = {Timepoint.M3: Referral.still_m3, Timepoint.M6: Referral.still_m6, Timepoint.M12: Referral.still_m12}


@dataclass(frozen=True)
class _Totals:
    total: int
    completed: int
    answered: int
    median_days: float | None
    reached: dict[int, int]  # referrals whose timeline reached at least stage 1, 2, 3
    attended: int
    pairs: dict[str, tuple[int, int, int]]  # (pairs, sum before, sum after) per score
    still_attending: dict[Timepoint, int]


def _totals(session: Session, where: list) -> _Totals:  # type: ignore[type-arg]
    """Every single-number figure in one pass over the scope's rows: totals, median days to an answer,
    the funnel's stages, attendance and the outcome pairs (all kept on the referral row)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    sent, answered_at = col(Referral.sent_at), col(Referral.answered_at)
    columns = [
        func.count(),
        _count_if(col(Referral.status) == ReferralStatus.COMPLETED),
        func.count(answered_at),
        func.percentile_cont(0.5).within_group(func.extract("epoch", answered_at - sent) / 86400.0)
        if postgres
        else literal(None),
        *(_count_if(col(Referral.followup_stage) >= rank) for rank in (1, 2, 3)),
        _count_if(col(Referral.sessions_attended) > 0),
    ]
    for before, after, boolean in _PAIRS.values():
        pair = and_(col(before).is_not(None), col(after).is_not(None))
        columns.append(_count_if(pair))
        if boolean:  # the number of pairs whose answer was yes, before and after
            columns += [
                _count_if(and_(col(before).is_(True), col(after).is_not(None))),
                _count_if(and_(col(after).is_(True), col(before).is_not(None))),
            ]
        else:
            columns += [_sum_if(pair, col(before)), _sum_if(pair, col(after))]
    columns += [_count_if(col(still).is_(True)) for still in _STILL.values()]
    row = session.execute(select(*columns).where(*where)).one()
    total, completed, answered, median = int(row[0]), int(row[1]), int(row[2]), row[3]
    if not postgres and answered >= 5:
        # SQLite has no percentile (development data is small): the days are read and the median taken here.
        days = session.execute(select(sent, answered_at).where(*where, answered_at.is_not(None))).all()
        median = statistics.median((a - s).total_seconds() / 86400 for s, a in days)
    sums = [int(v) for v in row[8:]]
    return _Totals(
        total=total,
        completed=completed,
        answered=answered,
        median_days=float(median) if median is not None else None,
        reached={1: int(row[4]), 2: int(row[5]), 3: int(row[6])},
        attended=int(row[7]),
        pairs={name: (sums[3 * i], sums[3 * i + 1], sums[3 * i + 2]) for i, name in enumerate(_PAIRS)},
        still_attending=dict(zip(_STILL, sums[3 * len(_PAIRS) :], strict=True)),
    )


# The breakdowns counted by grouping the scope's rows by each key in turn.
_KEYS = ("kind", "month", "unit", "age_band", "provider", "declined", "discontinued", "targets")


def _breakdown_keys(session: Session) -> dict[str, list]:  # type: ignore[type-arg]
    return {
        "kind": [col(Referral.kind)],
        "month": [_month_key(session)],
        "unit": [col(Referral.source), col(Referral.referrer_unit_id)],
        "age_band": [col(Referral.age_band)],
        "provider": [col(Referral.provider_organisation_id)],
        "declined": [col(Referral.declined_reasons)],
        "discontinued": [col(Referral.discontinued_reasons)],
        "targets": [col(Referral.targets_key), col(Referral.capacity_shortfall)],
    }


def _grouped_counts(session: Session, where: list):  # type: ignore[no-untyped-def,type-arg]
    """(breakdown, key values, count) for every key of every breakdown over the scope.

    PostgreSQL counts them all in one pass over the scope's rows (GROUPING SETS, hashed: one hash table
    per breakdown); SQLite, without grouping sets, in one grouped query per breakdown joined by UNION ALL.
    """
    keys = _breakdown_keys(session)
    if session.get_bind().dialect.name == "postgresql":
        columns = [c for name in _KEYS for c in keys[name]]
        # GROUPING(...) tells which set a row belongs to (a key's own value may be NULL): a bit per column,
        # 0 for the columns grouped by.
        which = func.grouping(*columns)
        rows = session.execute(
            select(which, *columns, func.count())
            .where(*where)
            .group_by(func.grouping_sets(*(tuple_(*keys[name]) for name in _KEYS)))
        )
        width, at = len(columns), 0
        sets: dict[int, tuple[str, int, int]] = {}  # GROUPING()'s value -> (breakdown, its columns)
        for name in _KEYS:
            count = len(keys[name])
            sets[((1 << width) - 1) & ~(((1 << count) - 1) << (width - at - count))] = (name, at, at + count)
            at += count
        for bits, *values, n in rows:
            name, first, last = sets[bits]
            yield name, values[first:last], n
        return
    parts = []
    for i, name in enumerate(_KEYS):
        padded = [
            (cast(c, String) if j == i else cast(literal(None), String)).label(f"k{j}_{m}")
            for j, other in enumerate(_KEYS)
            for m, c in enumerate(keys[other])
        ]
        parts.append(
            select(literal(name).label("section"), *padded, func.count().label("n"))
            .where(*where)
            .group_by(*keys[name])
        )
    offsets, at = {}, 0
    for name in _KEYS:
        offsets[name] = at
        at += len(keys[name])
    for section, *values, n in session.execute(union_all(*parts)):
        first = offsets[section]
        yield section, values[first : first + len(keys[section])], n


def _breakdowns(session: Session, where: list) -> dict[str, dict[str, int]]:  # type: ignore[type-arg]
    """The referrals by kind, month, unit, age band, provider and theme, declines and discontinuations by
    reason, and lack of room by theme."""
    result: dict[str, dict[str, int]] = {name: {} for name in (*_KEYS, "shortfalls")}
    providers: dict[uuid.UUID, int] = {}
    targets: list[tuple[str, bool, int]] = []
    for section, values, n in _grouped_counts(session, where):
        cells = result[section]
        if section == "targets":
            if values[0] is not None:  # a referral addressed to no service is under no theme
                targets.append((str(values[0]), values[1] in (True, 1, "1", "true"), int(n)))
            continue
        if section in ("declined", "discontinued"):
            # Reasons as sets of bits: a referral declined twice for different reasons counts under each.
            if values[0] is not None and int(values[0]):
                for reason in reasons_of(int(values[0])):
                    cells[reason] = cells.get(reason, 0) + int(n)
            continue
        if section == "provider":
            # Grouped by organisation and named below: a provider's name is read once, not per referral.
            if values[0] is not None:  # a referral with no provider yet is in no provider's row
                providers[uuid.UUID(str(values[0]))] = int(n)
            continue
        if section == "unit":
            source, unit = values
            if source == ReferralSource.SELF.value:
                label = SELF_REFERRAL
            else:
                # SQLite gives a uuid back as 32 hex digits: the same text on both
                label = str(uuid.UUID(str(unit))) if unit is not None else ""
        elif section == "month":
            label = _month_label(values[0])
        else:
            label = str(values[0]) if values[0] is not None else ""
        cells[label] = cells.get(label, 0) + int(n)
    if providers:
        names = session.execute(
            select(col(Organisation.id), col(Organisation.name_fi)).where(
                col(Organisation.id).in_(list(providers))
            )
        )
        for organisation_id, name in names:
            # Organisations of the same name share a row, as the figures have always been shown.
            label = str(name) if name is not None else "?"
            result["provider"][label] = result["provider"].get(label, 0) + providers[organisation_id]
    result["theme"], result["shortfalls"] = _themes(session, targets)
    return result


def _themes(session: Session, targets: list[tuple[str, bool, int]]) -> tuple[dict[str, int], dict[str, int]]:
    """Referrals per theme of the services they were addressed to, all and those that met no room
    (declined for lack of capacity, or waitlisted): a referral counts once under each theme of any of its
    services. The referrals come grouped by their set of services; the themes are read as they are now (a
    theme mapping can change), for the services in those sets only."""
    services = sorted({service for key, _, _ in targets for service in key.split()})
    themes: dict[str, set[str]] = {}
    for service_id, code in _theme_terms(session, [uuid.UUID(s) for s in services]):
        themes.setdefault(str(service_id), set()).add(str(code))
    every: dict[str, int] = {}
    shortfalls: dict[str, int] = {}
    for key, short, n in targets:
        for code in set().union(*(themes.get(s, ()) for s in key.split())):
            every[code] = every.get(code, 0) + n
            if short:
                shortfalls[code] = shortfalls.get(code, 0) + n
    return every, shortfalls


def _theme_terms(session: Session, services: list[uuid.UUID]) -> list[tuple[uuid.UUID, str]]:
    theme = col(ServiceTerm.taxonomy) == Taxonomy.THEME
    columns = (col(ServiceTerm.service_id), col(ServiceTerm.code))
    if session.get_bind().dialect.name == "postgresql":
        # One array parameter: an IN list of thousands of placeholders cost more to build and parse than
        # the lookup itself.
        ids = bindparam("services", services, type_=postgresql.ARRAY(Uuid()))
        return [(s, c) for s, c in session.execute(select(*columns).where(theme, columns[0] == any_(ids)))]
    rows: list[tuple[uuid.UUID, str]] = []
    for start in range(0, len(services), 500):
        chunk = services[start : start + 500]
        rows += [(s, c) for s, c in session.execute(select(*columns).where(theme, columns[0].in_(chunk)))]
    return rows


def _table(cells: dict[str, int], total: int | None) -> Table:
    shown, shown_total = suppress_partition(cells, total)
    return Table(dict(sorted(shown.items())), shown_total)


def _outcomes(totals: _Totals) -> OutcomeFigures:
    """Baseline and latest follow-up answers paired per person: the shares and the mean change."""
    n_active, active_before, active_after = totals.pairs["active"]
    n_wellbeing, wellbeing_before, wellbeing_after = totals.pairs["wellbeing"]
    n_lonely, lonely_before, lonely_after = totals.pairs["lonely"]
    pairs = max(n_active, n_wellbeing, n_lonely)
    return OutcomeFigures(
        pairs=pairs if pairs >= 5 else None,
        active_baseline=suppress_share(active_before, n_active),
        active_follow_up=suppress_share(active_after, n_active),
        swemwbs_change=round((wellbeing_after - wellbeing_before) / n_wellbeing, 1)
        if n_wellbeing >= 5
        else None,
        lonely_baseline=suppress_share(lonely_before, n_lonely),
        lonely_follow_up=suppress_share(lonely_after, n_lonely),
    )


def _roomy(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        # The hash tables of the grouping and of the themes' distinct referrals take about 10 MB at a
        # county's year of 100,000 referrals; at the default 4 MB they spilled to disk. This transaction only.
        session.execute(text("SET LOCAL work_mem = '32MB'"))


def _breakdowns_apart(engine: Engine, where: list) -> dict[str, dict[str, int]]:  # type: ignore[type-arg]
    with Session(engine) as other:
        _roomy(other)
        try:
            return _breakdowns(other, where)
        finally:
            other.rollback()  # it only read


def _passes(session: Session, where: list) -> tuple[_Totals, dict[str, dict[str, int]]]:  # type: ignore[type-arg]
    """The totals and the breakdowns. On PostgreSQL with a pool of connections the two passes run at once, on
    two connections (at 100,000 referrals about 95 and 155 ms of the server's time; one after the other
    they were most of the dashboard's 300 ms). Each statement already read committed data as of its own
    start, so reading them at the same moment is as consistent as one after the other. A session bound to
    one connection (a caller's own transaction) runs them in turn, so it sees what it has not committed."""
    _roomy(session)
    bind = session.get_bind()
    if bind.dialect.name == "postgresql" and isinstance(bind, Engine):
        with ThreadPoolExecutor(max_workers=1) as pool:
            later = pool.submit(_breakdowns_apart, bind, where)
            totals = _totals(session, where)
            return totals, later.result()
    return _totals(session, where), _breakdowns(session, where)


def followup_report(session: Session, *, municipality_codes: Sequence[str], start: date, end: date) -> Report:
    """Every figure of the follow-up for referrals sent in [start, end] to residents of these municipalities.

    Two passes over the scope's referral rows, which carry what the timeline, the targets and the follow-up
    answers say about each (referrals/followup_facts.py), then the names of the providers and the themes of
    the services counted; only aggregates come back, nothing per person.
    """
    low, high = _bounds(start, end)
    where = [
        col(Referral.municipality_code).in_(list(municipality_codes)),
        col(Referral.sent_at) >= low,
        col(Referral.sent_at) <= high,
        col(Referral.status) != ReferralStatus.ENTERED_IN_ERROR,
    ]
    totals, breakdowns = _passes(session, where)
    total = totals.total
    by_theme, shortfalls = breakdowns["theme"], breakdowns["shortfalls"]
    started = max(totals.reached[3], totals.attended)
    attending = totals.still_attending
    raw_funnel = [
        ("sent", total),
        ("accepted", totals.reached[1]),
        ("contacted", totals.reached[2]),
        ("started", started),
        ("attending_m3", attending[Timepoint.M3]),
        ("attending_m6", attending[Timepoint.M6]),
        ("attending_m12", attending[Timepoint.M12]),
        ("completed", totals.completed),
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
        median_days_to_answer=round(float(totals.median_days), 1)
        if totals.answered >= 5 and totals.median_days is not None
        else None,
        declines=_table(breakdowns["declined"], None),
        discontinuations=_table(breakdowns["discontinued"], None),
        capacity_shortfalls=_table(shortfalls, None),
        outcomes=_outcomes(totals),
        uptake=suppress_share(started, total) if total else None,
        adherence=suppress_share(attending[Timepoint.M3], started) if started else None,
        notes=[] if exercise_sent else ["no_exercise_referrals"],
    )
