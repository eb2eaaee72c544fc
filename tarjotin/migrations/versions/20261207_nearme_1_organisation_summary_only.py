"""organisation.summary_only: an organisation known only from the summary its services carry

Revision ID: 20261207_nearme_1
Revises: 20261207_lead_2
Create Date: 2026-12-07 14:50:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_nearme_1"
down_revision: str | None = "20261207_lead_2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("summary_only", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("summary_only")
