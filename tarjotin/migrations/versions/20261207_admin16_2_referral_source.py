"""where a referral comes from: a professional (or their record system), or the resident's own contact request

Revision ID: 20261207_admin16_2
Revises: 20261207_admin17_2
Create Date: 2026-12-07 18:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_admin16_2"
down_revision: str | None = "20261207_admin17_2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "referral",
        sa.Column("source", sa.String(length=16), nullable=False, server_default="professional"),
    )


def downgrade() -> None:
    with op.batch_alter_table("referral") as batch:
        batch.drop_column("source")
