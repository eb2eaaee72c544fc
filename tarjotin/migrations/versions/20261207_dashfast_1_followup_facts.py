"""the follow-up report's facts on each referral row, filled from the timeline, attendance and answers

Revision ID: 20261207_dashfast_1
Revises: 20261207_refbugs_1
Create Date: 2026-12-07 21:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_dashfast_1"
down_revision: str | None = "20261207_refbugs_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _facts() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("followup_stage", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("capacity_shortfall", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("declined_reasons", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("discontinued_reasons", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("latest_follow_up", sa.Integer(), nullable=True),
        sa.Column("active_before", sa.Boolean(), nullable=True),
        sa.Column("active_after", sa.Boolean(), nullable=True),
        sa.Column("swemwbs_before", sa.Integer(), nullable=True),
        sa.Column("swemwbs_after", sa.Integer(), nullable=True),
        sa.Column("lonely_before", sa.Boolean(), nullable=True),
        sa.Column("lonely_after", sa.Boolean(), nullable=True),
        sa.Column("still_m3", sa.Boolean(), nullable=True),
        sa.Column("still_m6", sa.Boolean(), nullable=True),
        sa.Column("still_m12", sa.Boolean(), nullable=True),
    ]


_FACTS = _facts()
# A copy of referrals/followup_facts.py as it is today (a migration must not change when the code does).
_STAGE = {"accepted": 1, "contacted": 2, "in_progress": 3}
_REASON_BITS = {
    code: 1 << i
    for i, code in enumerate(
        (
            "could_not_reach",
            "did_not_come",
            "not_suitable",
            "no_capacity",
            "no_longer_needed",
            "not_interested",
            "practical_barrier",
            "duplicate",
            "other",
            "illness",
            "lost_interest",
            "moved_away",
        )
    )
}
_RANK = {"m3": 1, "m6": 2, "m12": 3}
_INCLUDE = [
    "id",
    "status",
    "kind",
    "source",
    "referrer_unit_id",
    "provider_organisation_id",
    "age_band",
    "answered_at",
    "sessions_attended",
    "followup_stage",
    "capacity_shortfall",
    "declined_reasons",
    "discontinued_reasons",
    "active_before",
    "active_after",
    "swemwbs_before",
    "swemwbs_after",
    "lonely_before",
    "lonely_after",
    "still_m3",
    "still_m6",
    "still_m12",
]

referral = sa.table(
    "referral",
    sa.column("id", sa.Uuid()),
    sa.column("sessions_attended", sa.Integer()),
    *(sa.column(c.name, c.type) for c in _FACTS),
)
event = sa.table(
    "referral_event",
    sa.column("referral_id", sa.Uuid()),
    sa.column("to_status", sa.String()),
    sa.column("reason", sa.String()),
)
attendance = sa.table(
    "referral_attendance", sa.column("referral_id", sa.Uuid()), sa.column("attended", sa.Boolean())
)
response = sa.table(
    "outcome_response",
    sa.column("referral_id", sa.Uuid()),
    sa.column("timepoint", sa.String()),
    sa.column("swemwbs", sa.Integer()),
    sa.column("meets_activity", sa.Boolean()),
    sa.column("lonely", sa.Boolean()),
    sa.column("still_attending", sa.Boolean()),
)


def _as_int(value):  # type: ignore[no-untyped-def]
    return sa.case((value.is_(True), 1), (value.is_(False), 0), else_=None)


def _as_bool(value):  # type: ignore[no-untyped-def]
    return sa.case((value == 1, sa.true()), (value == 0, sa.false()), else_=None)


def upgrade() -> None:
    with op.batch_alter_table("referral") as batch:
        for column in _facts():
            batch.add_column(column)
    status, reason = event.c.to_status, event.c.reason
    bit = sa.case(*((reason == code, b) for code, b in _REASON_BITS.items()), else_=_REASON_BITS["other"])
    events = (
        sa.select(
            event.c.referral_id,
            sa.func.max(sa.case(*((status == s, rank) for s, rank in _STAGE.items()), else_=0)).label(
                "stage"
            ),
            sa.func.max(
                sa.case(
                    (
                        sa.or_(
                            status == "waitlisted", sa.and_(status == "declined", reason == "no_capacity")
                        ),
                        1,
                    ),
                    else_=0,
                )
            ).label("short"),
            # Each reason is its own power of two: the sum of the distinct bits is their union.
            sa.func.sum(sa.distinct(sa.case((status == "declined", bit), else_=None))).label("declined"),
            sa.func.sum(sa.distinct(sa.case((status == "discontinued", bit), else_=None))).label(
                "discontinued"
            ),
        )
        .group_by(event.c.referral_id)
        .subquery()
    )
    op.execute(
        referral.update()
        .where(referral.c.id == events.c.referral_id)
        .values(
            followup_stage=events.c.stage,
            capacity_shortfall=events.c.short == 1,
            declined_reasons=sa.func.coalesce(events.c.declined, 0),
            discontinued_reasons=sa.func.coalesce(events.c.discontinued, 0),
        )
    )
    # The count of sessions attended is what "started" reads now: make it what it always meant (rows
    # loaded in bulk, as the benchmarks do, left it at 0).
    attended = (
        sa.select(attendance.c.referral_id, sa.func.count().label("n"))
        .where(attendance.c.attended.is_(True))
        .group_by(attendance.c.referral_id)
        .subquery()
    )
    op.execute(
        referral.update()
        .where(referral.c.id == attended.c.referral_id)
        .values(sessions_attended=attended.c.n)
    )
    point = response.c.timepoint

    def at(timepoint: str, value):  # type: ignore[no-untyped-def]
        return sa.func.max(sa.case((point == timepoint, value), else_=None))

    scores = {
        "active": _as_int(response.c.meets_activity),
        "swemwbs": response.c.swemwbs,
        "lonely": _as_int(response.c.lonely),
    }
    columns = [
        response.c.referral_id,
        sa.func.max(sa.case(*((point == p, rank) for p, rank in _RANK.items()), else_=None)).label("latest"),
    ]
    for name, value in scores.items():
        columns += [at(p, value).label(f"{name}_{p}") for p in ("baseline", *_RANK)]
    columns += [at(p, _as_int(response.c.still_attending)).label(f"still_{p}") for p in _RANK]
    answers = sa.select(*columns).group_by(response.c.referral_id).subquery()
    a = answers.c

    def latest(name: str):  # type: ignore[no-untyped-def]
        return sa.case(*((a.latest == rank, a[f"{name}_{p}"]) for p, rank in _RANK.items()), else_=None)

    op.execute(
        referral.update()
        .where(referral.c.id == a.referral_id)
        .values(
            latest_follow_up=a.latest,
            active_before=_as_bool(a.active_baseline),
            active_after=_as_bool(latest("active")),
            swemwbs_before=a.swemwbs_baseline,
            swemwbs_after=latest("swemwbs"),
            lonely_before=_as_bool(a.lonely_baseline),
            lonely_after=_as_bool(latest("lonely")),
            **{f"still_{p}": _as_bool(a[f"still_{p}"]) for p in _RANK},
        )
    )

    # The report reads the scope's rows from the index alone (a vacuumed table), not from the wide rows.
    op.drop_index("ix_referral_followup", table_name="referral")
    op.create_index(
        "ix_referral_followup",
        "referral",
        ["municipality_code", "sent_at"],
        unique=False,
        postgresql_include=_INCLUDE,
    )


def downgrade() -> None:
    op.drop_index("ix_referral_followup", table_name="referral")
    op.create_index(
        "ix_referral_followup", "referral", ["municipality_code", "sent_at", "status", "kind"], unique=False
    )
    with op.batch_alter_table("referral") as batch:
        for column in reversed(_FACTS):
            batch.drop_column(column.name)
