"""the services a referral was addressed to, on its row, for the follow-up report's themes

Revision ID: 20261207_dashfast_2
Revises: 20261207_dashfast_1
Create Date: 2026-12-07 21:40:00+00:00
"""

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_dashfast_2"
down_revision: str | None = "20261207_dashfast_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

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
referral = sa.table("referral", sa.column("id", sa.Uuid()), sa.column("targets_key", sa.Text()))
target = sa.table("referral_target", sa.column("referral_id", sa.Uuid()), sa.column("service_id", sa.Uuid()))


def upgrade() -> None:
    with op.batch_alter_table("referral") as batch:
        batch.add_column(sa.Column("targets_key", sa.Text(), nullable=True))
    # Sorted ids joined by spaces (referrals/followup_facts.targets_key as it is today), worked out here
    # rather than with each database's own string aggregate.
    connection = op.get_bind()
    services: dict[object, set[str]] = defaultdict(set)
    for referral_id, service_id in connection.execute(sa.select(target.c.referral_id, target.c.service_id)):
        services[referral_id].add(str(service_id))
    rows = [{"rid": rid, "key": " ".join(sorted(ids))} for rid, ids in services.items()]
    statement = (
        referral.update().where(referral.c.id == sa.bindparam("rid")).values(targets_key=sa.bindparam("key"))
    )
    for start in range(0, len(rows), 5000):
        connection.execute(statement, rows[start : start + 5000])
    op.drop_index("ix_referral_followup", table_name="referral")
    op.create_index(
        "ix_referral_followup",
        "referral",
        ["municipality_code", "sent_at"],
        unique=False,
        postgresql_include=[*_INCLUDE, "targets_key"],
    )


def downgrade() -> None:
    op.drop_index("ix_referral_followup", table_name="referral")
    op.create_index(
        "ix_referral_followup",
        "referral",
        ["municipality_code", "sent_at"],
        unique=False,
        postgresql_include=_INCLUDE,
    )
    with op.batch_alter_table("referral") as batch:
        batch.drop_column("targets_key")
