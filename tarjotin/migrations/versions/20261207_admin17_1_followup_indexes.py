"""Indexes for the follow-up report: referrals by municipality and send time, timeline events by status

Revision ID: 20261207_admin17_1
Revises: 20261207_admin16_1
Create Date: 2026-12-07 18:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "20261207_admin17_1"
down_revision: str | None = "20261207_admin16_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The report's scope (municipality codes and a period of send times); status and kind ride along so a
    # vacuumed table answers the scope from the index alone.
    op.create_index(
        "ix_referral_followup",
        "referral",
        ["municipality_code", "sent_at", "status", "kind"],
        unique=False,
    )
    # The funnel, declines and discontinuations read only the events of a few statuses.
    op.create_index(
        "ix_referral_event_status", "referral_event", ["to_status", "referral_id", "reason"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_referral_event_status", table_name="referral_event")
    op.drop_index("ix_referral_followup", table_name="referral")
