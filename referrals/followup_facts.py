"""Per-referral facts for the follow-up report, kept on the referral row as its timeline and answers grow.

The report (referrals/followup.py) needs, for every referral in a period, how far its timeline got, whether
it met no room, why it was declined or discontinued, and its baseline and latest follow-up scores. Working
those out from the timeline and the answers at each look took seconds at a county's year (100,000
referrals, 360,000 events); so each fact is written here in the transaction that writes the event or the
answer, and the report reads them in one pass over its scope.

- `note_event` mirrors one timeline event exactly as the report used to read events (every event with that
  status and reason counts, whatever its action), on the referral object, so it rides in the same
  versioned UPDATE as the state change: two writers of one referral are already kept apart by its version.
- `note_answers` updates the score facts in one UPDATE whose every value is computed from the row as it is
  when the UPDATE runs (PostgreSQL re-reads a row another writer changed meanwhile), so two answers
  arriving at once both count; it does not move the version, as an answer must not make a staff member's
  open form stale.
- `rebuild_facts` recomputes every fact from the timeline, attendance and answers (bulk-loaded data, the
  bench; the migration that added the facts has its own copy of it).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from sqlalchemy import Boolean, Integer, and_, bindparam, case, func, literal, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col

from referrals.measures import Scores, Timepoint
from referrals.models import Attendance, Referral, ReferralEvent, ReferralTarget
from referrals.outcome_models import OutcomeResponse
from referrals.status import DeclineReason, DiscontinueReason, ReferralStatus

# How far a referral got on its timeline: each funnel stage is a subset of the one before.
STAGE: Mapping[ReferralStatus, int] = MappingProxyType(
    {ReferralStatus.ACCEPTED: 1, ReferralStatus.CONTACTED: 2, ReferralStatus.IN_PROGRESS: 3}
)
# A reason's bit in declined_reasons and discontinued_reasons. The bits are stored: append new codes at the
# end and never reorder (tests/referrals/test_followup_facts.py checks every reason has one).
_REASON_CODES = (
    DeclineReason.COULD_NOT_REACH,
    DeclineReason.DID_NOT_COME,
    DeclineReason.NOT_SUITABLE,
    DeclineReason.NO_CAPACITY,
    DeclineReason.NO_LONGER_NEEDED,
    DeclineReason.NOT_INTERESTED,
    DeclineReason.PRACTICAL_BARRIER,  # also DiscontinueReason.PRACTICAL_BARRIER
    DeclineReason.DUPLICATE,
    DeclineReason.OTHER,  # also DiscontinueReason.OTHER, and an event without a reason
    DiscontinueReason.ILLNESS,
    DiscontinueReason.LOST_INTEREST,
    DiscontinueReason.MOVED_AWAY,
)
REASON_BITS: Mapping[str, int] = MappingProxyType(
    {code.value: 1 << i for i, code in enumerate(_REASON_CODES)}
)
# Follow-up timepoints by rank: the latest answered one is paired with the baseline.
FOLLOW_UP_RANK: Mapping[Timepoint, int] = MappingProxyType(
    {Timepoint.M3: 1, Timepoint.M6: 2, Timepoint.M12: 3}
)
STILL_ATTENDING: Mapping[Timepoint, str] = MappingProxyType(
    {Timepoint.M3: "still_m3", Timepoint.M6: "still_m6", Timepoint.M12: "still_m12"}
)


def targets_key(service_ids: Iterable[uuid.UUID]) -> str | None:
    """The services a referral was addressed to, as one text the report can group by."""
    return " ".join(sorted({str(s) for s in service_ids})) or None


def reason_bit(reason: str | None) -> int:
    """The bit of a decline or discontinuation reason (the report files an event without one as 'other')."""
    return REASON_BITS[reason or DeclineReason.OTHER.value]


def reasons_of(bits: int) -> list[str]:
    return [code for code, bit in REASON_BITS.items() if bits & bit]


def is_shortfall(status: ReferralStatus, reason: str | None) -> bool:
    return status is ReferralStatus.WAITLISTED or (
        status is ReferralStatus.DECLINED and reason == DeclineReason.NO_CAPACITY.value
    )


def note_event(referral: Referral, status: ReferralStatus, reason: str | None) -> None:
    """What one timeline event (to `status`, with `reason`) adds to the referral's facts."""
    rank = STAGE.get(status, 0)
    if rank > referral.followup_stage:
        referral.followup_stage = rank
    if is_shortfall(status, reason) and not referral.capacity_shortfall:
        referral.capacity_shortfall = True
    if status is ReferralStatus.DECLINED:
        referral.declined_reasons |= reason_bit(reason)
    elif status is ReferralStatus.DISCONTINUED:
        referral.discontinued_reasons |= reason_bit(reason)


def note_answers(session: Session, referral: Referral, timepoint: Timepoint, scores: Scores) -> None:
    """What one questionnaire's answers (new, or replacing those at the same timepoint) add to the facts."""
    r = Referral.__table__.c  # type: ignore[attr-defined]
    values: dict[str, Any]
    if timepoint is Timepoint.BASELINE:
        values = {
            "active_before": scores.meets_activity,
            "swemwbs_before": scores.swemwbs,
            "lonely_before": scores.lonely,
        }
    else:
        rank = FOLLOW_UP_RANK[timepoint]
        # This answer is the latest follow-up unless a later timepoint was answered already (a replaced
        # answer at the latest timepoint replaces its scores too).
        newer = func.coalesce(r.latest_follow_up, 0) <= rank

        def latest(name: str, value: Any, type_: Any) -> Any:
            return case((newer, literal(value, type_)), else_=r[name])

        values = {
            "latest_follow_up": case((newer, literal(rank, Integer())), else_=r.latest_follow_up),
            "active_after": latest("active_after", scores.meets_activity, Boolean()),
            "swemwbs_after": latest("swemwbs_after", scores.swemwbs, Integer()),
            "lonely_after": latest("lonely_after", scores.lonely, Boolean()),
            STILL_ATTENDING[timepoint]: scores.still_attending,
        }
    session.execute(
        update(Referral)
        .where(col(Referral.id) == referral.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    # The object holds what the database now holds (another answer may have been written meanwhile).
    names = list(values)
    fresh = session.execute(select(*(r[name] for name in names)).where(col(Referral.id) == referral.id)).one()
    for name, value in zip(names, fresh, strict=True):
        set_committed_value(referral, name, value)


# --- recomputing from the records -----------------------------------------------------------------------------


def _as_int(value: Any) -> Any:
    """1/0 of a boolean column, for max() (PostgreSQL has no max of booleans)."""
    return case((value.is_(True), 1), (value.is_(False), 0), else_=None)


def _as_bool(value: Any) -> Any:
    return case((value == 1, literal(True, Boolean())), (value == 0, literal(False, Boolean())), else_=None)


def rebuild_facts(session: Session) -> None:
    """Every referral's facts from its timeline, targets, attendance and follow-up answers."""
    session.execute(
        update(Referral)
        .values(
            targets_key=None,
            followup_stage=0,
            capacity_shortfall=False,
            declined_reasons=0,
            discontinued_reasons=0,
            sessions_attended=0,
            **{name: None for name in _OUTCOME_FACTS},
        )
        .execution_options(synchronize_session=False)
    )
    targets: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for referral_id, service_id in session.execute(
        select(col(ReferralTarget.referral_id), col(ReferralTarget.service_id))
    ):
        targets[referral_id].append(service_id)
    keys = [{"rid": rid, "key": targets_key(services)} for rid, services in targets.items()]
    for start in range(0, len(keys), 5000):
        session.execute(
            update(Referral.__table__)  # type: ignore[attr-defined]
            .where(Referral.__table__.c.id == bindparam("rid"))  # type: ignore[attr-defined]
            .values(targets_key=bindparam("key")),
            keys[start : start + 5000],
        )
    status, reason = col(ReferralEvent.to_status), col(ReferralEvent.reason)
    bit = case(*((reason == code, b) for code, b in REASON_BITS.items()), else_=REASON_BITS["other"])
    events = (
        select(
            col(ReferralEvent.referral_id).label("referral_id"),
            func.max(case(*((status == s, rank) for s, rank in STAGE.items()), else_=0)).label("stage"),
            func.max(
                case(
                    (
                        or_(
                            status == ReferralStatus.WAITLISTED,
                            and_(status == ReferralStatus.DECLINED, reason == DeclineReason.NO_CAPACITY),
                        ),
                        1,
                    ),
                    else_=0,
                )
            ).label("short"),
            # Each reason is its own power of two, so the sum of the distinct bits is their union.
            func.sum(func.distinct(case((status == ReferralStatus.DECLINED, bit), else_=None))).label(
                "declined"
            ),
            func.sum(func.distinct(case((status == ReferralStatus.DISCONTINUED, bit), else_=None))).label(
                "discontinued"
            ),
        )
        .group_by(col(ReferralEvent.referral_id))
        .subquery()
    )
    session.execute(
        update(Referral)
        .where(col(Referral.id) == events.c.referral_id)
        .values(
            followup_stage=events.c.stage,
            capacity_shortfall=events.c.short == 1,
            declined_reasons=func.coalesce(events.c.declined, 0),
            discontinued_reasons=func.coalesce(events.c.discontinued, 0),
        )
        .execution_options(synchronize_session=False)
    )
    attended = (
        select(col(Attendance.referral_id).label("referral_id"), func.count().label("n"))
        .where(col(Attendance.attended).is_(True))
        .group_by(col(Attendance.referral_id))
        .subquery()
    )
    session.execute(
        update(Referral)
        .where(col(Referral.id) == attended.c.referral_id)
        .values(sessions_attended=attended.c.n)
        .execution_options(synchronize_session=False)
    )
    point = col(OutcomeResponse.timepoint)

    def at(timepoint: Timepoint, value: Any) -> Any:
        return func.max(case((point == timepoint, value), else_=None))

    scores = {
        "active": _as_int(col(OutcomeResponse.meets_activity)),
        "swemwbs": col(OutcomeResponse.swemwbs),
        "lonely": _as_int(col(OutcomeResponse.lonely)),
    }
    columns = [
        col(OutcomeResponse.referral_id).label("referral_id"),
        func.max(case(*((point == p, rank) for p, rank in FOLLOW_UP_RANK.items()), else_=None)).label(
            "latest"
        ),
    ]
    for name, value in scores.items():
        columns += [at(p, value).label(f"{name}_{p.value}") for p in Timepoint]
    columns += [
        at(p, _as_int(col(OutcomeResponse.still_attending))).label(f"still_{p.value}")
        for p in STILL_ATTENDING
    ]
    answers = select(*columns).group_by(col(OutcomeResponse.referral_id)).subquery()
    a = answers.c

    def latest(name: str) -> Any:
        return case(
            *((a.latest == rank, a[f"{name}_{p.value}"]) for p, rank in FOLLOW_UP_RANK.items()), else_=None
        )

    session.execute(
        update(Referral)
        .where(col(Referral.id) == a.referral_id)
        .values(
            latest_follow_up=a.latest,
            active_before=_as_bool(a.active_baseline),
            active_after=_as_bool(latest("active")),
            swemwbs_before=a.swemwbs_baseline,
            swemwbs_after=latest("swemwbs"),
            lonely_before=_as_bool(a.lonely_baseline),
            lonely_after=_as_bool(latest("lonely")),
            **{column: _as_bool(a[column]) for column in STILL_ATTENDING.values()},
        )
        .execution_options(synchronize_session=False)
    )


_OUTCOME_FACTS = (
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
)
