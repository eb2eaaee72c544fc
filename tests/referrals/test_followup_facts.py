"""The follow-up report from the facts kept on each referral equals a plain recomputation from the records.

Seeded random referrals are driven through the real use cases (accept, decline with reasons, waitlist,
reopen, messages on closed ones, attendance replaced, answers out of order and replaced, another service
chosen, entered in error); the report is then compared, figure by figure and after suppression, with one
worked out here from the timeline, attendance, answers and targets the way the report used to read them.
"""

from __future__ import annotations

import dataclasses
import random
import statistics
import threading
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from app.catalogue.enums import Taxonomy
from app.catalogue.models import Organisation, Service, ServiceTerm
from app.catalogue.overlay import ServiceOverlay
from app.errors import DomainError
from referrals.followup import (
    HELSINKI,
    SELF_REFERRAL,
    OutcomeFigures,
    Report,
    Table,
    followup_report,
)
from referrals.followup_facts import REASON_BITS, rebuild_facts
from referrals.measures import SWEMWBS_ITEMS, Timepoint
from referrals.models import Attendance, Referral, ReferralEvent, ReferralSource, ReferralTarget
from referrals.outcome_models import OutcomeResponse
from referrals.outcomes import record_answers, record_outcome_consent
from referrals.queries import get_referral
from referrals.self_referral import ContactRequest, send_contact_request
from referrals.service import act, choose_service, enter_in_error, issue_referral, record_attendance
from referrals.status import (
    REASONS,
    Action,
    DeclineReason,
    DiscontinueReason,
    ReferralKind,
    ReferralStatus,
)
from referrals.suppression import suppress_funnel, suppress_partition, suppress_share
from tests.factories import make_service
from tests.referrals.test_concurrency import committed  # noqa: F401  (the committed referral fixture)
from tests.referrals.world import NOW, SECRET, World, make_world, referral_input

FACTS = (
    "followup_stage",
    "capacity_shortfall",
    "declined_reasons",
    "discontinued_reasons",
    "sessions_attended",
    "latest_follow_up",
    "active_before",
    "active_after",
    "swemwbs_before",
    "swemwbs_after",
    "lonely_before",
    "lonely_after",
    "still_m3",
    "still_m6",
    "still_m12",
    "targets_key",
)


def test_every_reason_has_its_own_bit() -> None:
    for code in [*DeclineReason, *DiscontinueReason]:
        assert code.value in REASON_BITS
    bits = list(REASON_BITS.values())
    assert len(set(bits)) == len(bits) and all(b > 0 and b & (b - 1) == 0 for b in bits)


# --- a random world ------------------------------------------------------------------------------------------


def _answers(rng: random.Random, follow_up: bool) -> dict[str, str]:
    form: dict[str, str] = {}
    if rng.random() < 0.8:  # sometimes the wellbeing items are left out (no score)
        form.update({item: str(rng.randint(1, 5)) for item in SWEMWBS_ITEMS})
    if rng.random() < 0.8:
        form["lonely"] = str(rng.randint(1, 5))
    if rng.random() < 0.8:
        form["moderate_minutes"] = str(rng.choice((0, 30, 90, 150, 200)))
        form["vigorous_minutes"] = str(rng.choice((0, 0, 20, 80)))
        form["strength_days"] = str(rng.choice((0, 1, 2)))
    if follow_up and rng.random() < 0.8:
        form["still_attending"] = rng.choice(("yes", "no"))
    if not form:
        form["lonely"] = "3"
    return form


def _themed_services(session: Session, world: World) -> list[Service]:
    """The world's three services (all 'liikunta') and two more of other themes and of two themes."""
    return [
        world.service,
        world.second_service,
        world.other_service,
        make_service(session, organisation=world.ngo, name_fi="Kuoro", themes=("kulttuuri",)),
        make_service(session, organisation=world.ngo, name_fi="Tanssi", themes=("liikunta", "kulttuuri")),
    ]


def _drive(session: Session, world: World, rng: random.Random, count: int) -> None:
    services = _themed_services(session, world)
    # Residents' own contact requests from the pages of two services (no unit, one target each).
    for service in services[3:]:
        session.add(ServiceOverlay(service_id=service.id, accepts_referrals=True))
    session.flush()
    for index in range(8):
        request = ContactRequest(
            name=f"Asukas {index}", contact_channel="phone", contact="+358401234567", consent=True
        )
        sent = NOW - timedelta(days=rng.uniform(0, 200))
        send_contact_request(
            session, service_id=rng.choice(services[3:]).id, data=request, now=sent, secret=SECRET
        )
    municipalities = ("398", "398", "098")
    for index in range(count):
        sent = NOW - timedelta(days=rng.uniform(0, 200), hours=rng.uniform(0, 23))
        targets = tuple(rng.sample(services, rng.choice((1, 1, 2, 3))))
        data = referral_input(
            world,
            kind=rng.choice((ReferralKind.WELFARE, ReferralKind.WELFARE, ReferralKind.EXERCISE)),
            services=targets,
            organisations=(world.ngo.id, world.other_ngo.id) if rng.random() < 0.5 else None,
        )
        data = dataclasses.replace(
            data,
            resident=dataclasses.replace(
                data.resident,
                municipality_code=rng.choice(municipalities),
                birth_year=rng.choice((1940, 1950, 1960, 1985)),
            ),
        )
        referrer = rng.choice((world.referrer, world.stranger_referrer))
        referral = issue_referral(session, actor=referrer, data=data, now=sent, secret=SECRET).referral
        at = sent
        if rng.random() < 0.05:
            enter_in_error(session, referral, actor=world.admin, note="väärä henkilö", now=at)
            continue
        if rng.random() < 0.5:
            record_outcome_consent(session, referral, method="spoken", actor=referrer, now=at)
        for _ in range(rng.randint(0, 9)):
            at += timedelta(hours=rng.uniform(1, 300))
            _step(session, world, rng, referral, referrer, services, at)
        if index % 6 == 0:
            # Declined, reopened and declined again for another reason, then a message on the closed one.
            for step in ("decline", "reopen", "accept", "decline", "message"):
                at += timedelta(hours=rng.uniform(1, 50))
                _step(session, world, rng, referral, referrer, services, at, step)
        if index % 7 == 0:
            session.flush()


def _step(  # type: ignore[no-untyped-def]
    session: Session,
    world: World,
    rng: random.Random,
    referral: Referral,
    referrer,
    services,
    at: datetime,
    step: str | None = None,
) -> None:
    step = step or rng.choice(
        (
            "receive",
            "accept",
            "accept",
            "decline",
            "refuse",
            "waitlist",
            "contact",
            "contact",
            "attend",
            "attend",
            "complete",
            "discontinue",
            "cancel",
            "reopen",
            "message",
            "choose",
            "answer",
            "answer",
            "answer",
        )
    )
    provider = world.provider if referral.provider_organisation_id == world.ngo.id else world.other_provider
    try:
        with session.begin_nested():
            if step == "answer":
                point = rng.choice(list(Timepoint))
                record_answers(
                    session,
                    referral,
                    point,
                    _answers(rng, point is not Timepoint.BASELINE),
                    actor=referrer,
                    now=at,
                )
            elif step == "attend":
                record_attendance(
                    session,
                    referral,
                    actor=provider,
                    session_on=(at - timedelta(days=rng.choice((0, 0, 1)))).date(),
                    attended=rng.random() < 0.7,
                    now=at,
                )
            elif step == "choose":
                choose_service(session, referral, actor=referrer, service_id=rng.choice(services).id, now=at)
            else:
                action = Action(step)
                actor = referrer if action in (Action.CANCEL, Action.REOPEN, Action.MESSAGE) else provider
                if action is Action.REFUSE:
                    actor = world.provider  # only a resident may refuse: refused, nothing written
                reason = None
                if action in REASONS:
                    reason = rng.choice([r.value for r in REASONS[action] if r.value != "other"])
                note = "Soitin ja sovimme." if action in (Action.REOPEN, Action.MESSAGE) else None
                act(session, referral, action, actor=actor, now=at, reason=reason, note=note)
    except DomainError:
        session.refresh(referral)  # refused before anything was written; the savepoint is gone


# --- the report worked out plainly from the records ----------------------------------------------------------

_STAGE = {ReferralStatus.ACCEPTED: 1, ReferralStatus.CONTACTED: 2, ReferralStatus.IN_PROGRESS: 3}
_LATER = (Timepoint.M12, Timepoint.M6, Timepoint.M3)


def _table(cells: dict[str, int], total: int | None) -> Table:
    shown, shown_total = suppress_partition(cells, total)
    return Table(dict(sorted(shown.items())), shown_total)


def _plain_report(session: Session, codes: Sequence[str], start: date, end: date) -> Report:
    postgres = session.get_bind().dialect.name == "postgresql"
    low = datetime.combine(start, datetime.min.time(), HELSINKI)
    high = datetime.combine(end, datetime.max.time(), HELSINKI)
    referrals = [
        r
        for r in session.scalars(select(Referral)).all()
        if r.municipality_code in codes
        and r.sent_at is not None
        and low <= r.sent_at <= high
        and r.status is not ReferralStatus.ENTERED_IN_ERROR
    ]
    ids = {r.id for r in referrals}
    events: dict[uuid.UUID, list[ReferralEvent]] = defaultdict(list)
    for event in session.scalars(select(ReferralEvent)).all():
        if event.referral_id in ids:
            events[event.referral_id].append(event)
    attended = {
        a.referral_id
        for a in session.scalars(select(Attendance)).all()
        if a.attended and a.referral_id in ids
    }
    answers: dict[uuid.UUID, dict[Timepoint, OutcomeResponse]] = defaultdict(dict)
    for response in session.scalars(select(OutcomeResponse)).all():
        if response.referral_id in ids:
            answers[response.referral_id][response.timepoint] = response
    themes: dict[uuid.UUID, set[str]] = defaultdict(set)
    for term in session.scalars(select(ServiceTerm).where(col(ServiceTerm.taxonomy) == Taxonomy.THEME)).all():
        themes[term.service_id].add(term.code)
    targets: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for target in session.scalars(select(ReferralTarget)).all():
        targets[target.referral_id].add(target.service_id)
    names = {o.id: o.name_fi for o in session.scalars(select(Organisation)).all()}

    def count(key) -> dict[str, int]:  # type: ignore[no-untyped-def]
        cells: dict[str, int] = defaultdict(int)
        for r in referrals:
            k = key(r)
            if k is not None:
                cells[k] += 1
        return dict(cells)

    def month(r: Referral) -> str:
        assert r.sent_at is not None
        return (r.sent_at.astimezone(HELSINKI) if postgres else r.sent_at).strftime("%Y-%m")

    total = len(referrals)
    stage = {r.id: max([_STAGE.get(e.to_status, 0) for e in events[r.id]], default=0) for r in referrals}
    reasons: dict[ReferralStatus, dict[str, int]] = {
        ReferralStatus.DECLINED: {},
        ReferralStatus.DISCONTINUED: {},
    }
    short: set[uuid.UUID] = set()
    for r in referrals:
        for status, cells in reasons.items():
            for reason in {e.reason or "other" for e in events[r.id] if e.to_status is status}:
                cells[reason] = cells.get(reason, 0) + 1
        if any(
            e.to_status is ReferralStatus.WAITLISTED
            or (e.to_status is ReferralStatus.DECLINED and e.reason == "no_capacity")
            for e in events[r.id]
        ):
            short.add(r.id)
    by_theme: dict[str, int] = defaultdict(int)
    shortfalls: dict[str, int] = defaultdict(int)
    for r in referrals:
        for code in set().union(*(themes[s] for s in targets[r.id])):
            by_theme[code] += 1
            if r.id in short:
                shortfalls[code] += 1
    started = max(
        sum(1 for r in referrals if stage[r.id] >= 3), sum(1 for r in referrals if r.id in attended)
    )
    still = {
        p: sum(1 for r in referrals if p in answers[r.id] and answers[r.id][p].still_attending is True)
        for p in _LATER
    }
    pairs: dict[str, list[tuple[Any, Any]]] = {"meets_activity": [], "swemwbs": [], "lonely": []}
    for r in referrals:
        given = answers[r.id]
        latest = next((given[p] for p in _LATER if p in given), None)
        if Timepoint.BASELINE not in given or latest is None:
            continue
        for name, found in pairs.items():
            before, after = getattr(given[Timepoint.BASELINE], name), getattr(latest, name)
            if before is not None and after is not None:
                found.append((int(before), int(after)))
    n_pairs = max(len(p) for p in pairs.values())
    days = [
        (r.answered_at - r.sent_at).total_seconds() / 86400
        for r in referrals
        if r.answered_at is not None and r.sent_at is not None
    ]
    funnel = [
        ("sent", total),
        ("accepted", sum(1 for r in referrals if stage[r.id] >= 1)),
        ("contacted", sum(1 for r in referrals if stage[r.id] >= 2)),
        ("started", started),
        ("attending_m3", still[Timepoint.M3]),
        ("attending_m6", still[Timepoint.M6]),
        ("attending_m12", still[Timepoint.M12]),
        ("completed", sum(1 for r in referrals if r.status is ReferralStatus.COMPLETED)),
    ]
    active, wellbeing, lonely = pairs["meets_activity"], pairs["swemwbs"], pairs["lonely"]
    exercise = sum(1 for r in referrals if r.kind is ReferralKind.EXERCISE)
    return Report(
        start=start,
        end=end,
        municipality_codes=tuple(codes),
        total=None if 0 < total < 5 else total,
        by_kind=_table(count(lambda r: r.kind.value), total),
        by_month=_table(count(month), total),
        by_unit=_table(
            count(
                lambda r: (
                    SELF_REFERRAL
                    if r.source is ReferralSource.SELF
                    else (str(r.referrer_unit_id) if r.referrer_unit_id else "")
                )
            ),
            total,
        ),
        by_theme=_table(dict(by_theme), None),
        by_provider=_table(
            count(lambda r: names[r.provider_organisation_id] if r.provider_organisation_id else None), None
        ),
        by_age_band=_table(count(lambda r: r.age_band or ""), total),
        funnel=suppress_funnel(funnel),
        median_days_to_answer=round(statistics.median(days), 1) if len(days) >= 5 else None,
        declines=_table(reasons[ReferralStatus.DECLINED], None),
        discontinuations=_table(reasons[ReferralStatus.DISCONTINUED], None),
        capacity_shortfalls=_table(dict(shortfalls), None),
        outcomes=OutcomeFigures(
            pairs=n_pairs if n_pairs >= 5 else None,
            active_baseline=suppress_share(sum(b for b, _ in active), len(active)),
            active_follow_up=suppress_share(sum(a for _, a in active), len(active)),
            swemwbs_change=round(sum(a - b for b, a in wellbeing) / len(wellbeing), 1)
            if len(wellbeing) >= 5
            else None,
            lonely_baseline=suppress_share(sum(b for b, _ in lonely), len(lonely)),
            lonely_follow_up=suppress_share(sum(a for _, a in lonely), len(lonely)),
        ),
        uptake=suppress_share(started, total) if total else None,
        adherence=suppress_share(still[Timepoint.M3], started) if started else None,
        notes=[] if exercise else ["no_exercise_referrals"],
    )


def _facts(session: Session) -> dict[uuid.UUID, tuple[Any, ...]]:
    rows = session.execute(select(col(Referral.id), *(getattr(Referral, name) for name in FACTS))).all()
    return {row[0]: tuple(row[1:]) for row in rows}


@pytest.mark.parametrize("seed", [3, 11])
def test_the_report_equals_a_plain_recomputation_from_the_records(session: Session, seed: int) -> None:
    world = make_world(session)
    _drive(session, world, random.Random(seed), 90)
    session.flush()
    session.expire_all()
    periods = [
        (["398"], date(2026, 6, 1), date(2026, 12, 31)),
        (["398", "098"], date(2026, 1, 1), date(2026, 12, 31)),
        (["098"], date(2026, 9, 1), date(2026, 11, 30)),
        (["398"], date(2026, 11, 20), date(2026, 12, 7)),  # a short period: mostly small, hidden counts
    ]
    seen_hidden = seen_shown = False
    for codes, start, end in periods:
        report = followup_report(session, municipality_codes=codes, start=start, end=end)
        assert report == _plain_report(session, codes, start, end)
        cells = [v for t in (report.by_kind, report.by_theme, report.declines) for v in t.cells.values()]
        seen_hidden |= None in cells
        seen_shown |= any(v for v in cells)
    assert seen_hidden and seen_shown  # the comparison covered both shown and suppressed cells
    # The facts kept step by step are those worked out afresh from the records.
    kept = _facts(session)
    rebuild_facts(session)
    session.expire_all()
    assert _facts(session) == kept
    # Some referral was declined (or discontinued) twice for different reasons: it counts under both.
    assert any(bin(f[2]).count("1") > 1 or bin(f[3]).count("1") > 1 for f in kept.values())


# --- several writers at once ---------------------------------------------------------------------------------


def test_answers_and_actions_at_once_all_count(
    engine: Engine,
    committed: tuple[World, Referral],  # noqa: F811  (the fixture imported above)
) -> None:
    """Two follow-up answers and the provider's actions on one referral, each in its own transaction at
    the same moment (as from several app processes): the facts end up as a fresh recomputation says."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time (the app's writing requests begin with the write lock)")
    world, referral = committed
    with Session(engine, expire_on_commit=False) as session:
        loaded = session.get(Referral, referral.id)
        assert loaded is not None
        record_outcome_consent(session, loaded, method="spoken", actor=world.referrer, now=NOW)
        session.commit()
    barrier = threading.Barrier(3)
    errors: list[str] = []

    def answer(point: Timepoint, swemwbs: str) -> None:
        with Session(engine, expire_on_commit=False) as session:
            try:
                loaded = session.get(Referral, referral.id)
                assert loaded is not None
                barrier.wait(timeout=10)
                form = {**dict.fromkeys(SWEMWBS_ITEMS, swemwbs), "lonely": "2", "still_attending": "yes"}
                record_answers(session, loaded, point, form, actor=world.referrer, now=NOW)
                session.commit()
            except Exception as exc:  # pragma: no cover - shown in the assertion
                session.rollback()
                errors.append(f"{point}: {type(exc).__name__}: {exc}")

    def provide() -> None:
        with Session(engine, expire_on_commit=False) as session:
            try:
                barrier.wait(timeout=10)
                for action in (Action.ACCEPT, Action.WAITLIST):
                    loaded = get_referral(session, referral.id, actor=world.provider, for_update=True)
                    act(session, loaded, action, actor=world.provider, now=NOW)
                    session.commit()
            except Exception as exc:  # pragma: no cover - shown in the assertion
                session.rollback()
                errors.append(f"provider: {type(exc).__name__}: {exc}")

    threads = [
        threading.Thread(target=answer, args=(Timepoint.M3, "3")),
        threading.Thread(target=answer, args=(Timepoint.M6, "4")),
        threading.Thread(target=provide),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with Session(engine) as session:
        kept = _facts(session)[referral.id]
        final = session.get(Referral, referral.id)
        assert final is not None and final.status is ReferralStatus.WAITLISTED
        # The 6-month answer is the latest whichever was written first; the 3-month one's "still attending"
        # stays too; the provider's actions (accepted, then waitlisted) are in the facts.
        assert final.latest_follow_up == 2 and final.swemwbs_after == 28
        assert final.still_m3 is True and final.still_m6 is True
        assert final.followup_stage == 1 and final.capacity_shortfall is True
        rebuild_facts(session)
        session.flush()
        session.expire_all()
        assert _facts(session)[referral.id] == kept
        session.rollback()


def test_the_two_passes_at_once_read_what_one_after_the_other_does(
    engine: Engine,
    committed: tuple[World, Referral],  # noqa: F811  (the fixture imported above)
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On PostgreSQL with a pool the breakdowns are counted on a second connection while the totals are;
    both read the same committed rows as a session bound to one connection, which counts them in turn."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite counts on the one connection")
    import referrals.followup as followup

    _, referral = committed
    apart: list[object] = []
    original = followup._breakdowns_apart

    def spy(bind: Engine, where: list) -> dict[str, dict[str, int]]:  # type: ignore[type-arg]
        apart.append(bind)
        return original(bind, where)

    monkeypatch.setattr(followup, "_breakdowns_apart", spy)
    low, high = followup._bounds(date(2000, 1, 1), date(2100, 1, 1))
    where = [
        col(Referral.municipality_code).in_([referral.municipality_code]),
        col(Referral.sent_at) >= low,
        col(Referral.sent_at) <= high,
    ]
    with Session(engine) as session:
        at_once = followup._passes(session, where)
    assert len(apart) == 1
    with engine.connect() as connection, Session(connection) as session:
        in_turn = followup._passes(session, where)
    assert len(apart) == 1  # a session on one connection stays on it
    assert at_once == in_turn
    assert at_once[0].total >= 1 and sum(at_once[1]["kind"].values()) == at_once[0].total
