"""referral: a self-referral has no referring organisation (the column becomes nullable; stored ones are
cleared: they carried the receiving provider's organisation, which made the provider look like the referrer)

Revision ID: 20261207_refbugs_1
Revises: 20261207_inbox_1
Create Date: 2026-12-07 21:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_refbugs_1"
down_revision: str | None = "20261207_inbox_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("referral") as batch:
        batch.alter_column("referrer_organisation_id", existing_type=sa.Uuid(), nullable=True)
    op.execute("UPDATE referral SET referrer_organisation_id = NULL WHERE source = 'self'")


def downgrade() -> None:
    # The old schema requires a referrer organisation: give self-referrals their provider's back.
    op.execute(
        "UPDATE referral SET referrer_organisation_id = provider_organisation_id "
        "WHERE referrer_organisation_id IS NULL"
    )
    with op.batch_alter_table("referral") as batch:
        batch.alter_column("referrer_organisation_id", existing_type=sa.Uuid(), nullable=False)
