"""follow-up dates of exercise referrals can be marked done (who, when): the lists show what is still due

Revision ID: 20261207_admin16_1
Revises: 20261207_hsds_1
Create Date: 2026-12-07 18:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_admin16_1"
down_revision: str | None = "20261207_hsds_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("referral_follow_up", sa.Column("done_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("referral_follow_up", sa.Column("done_by", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("referral_follow_up") as batch:
        batch.drop_column("done_by")
        batch.drop_column("done_at")
