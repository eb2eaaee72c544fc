"""referral: (provider_organisation_id, created_at, id) so the provider inbox is read newest first from the index

Revision ID: 20261207_inbox_1
Revises: 20261207_admin17_3
Create Date: 2026-12-07 19:30:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "20261207_inbox_1"
down_revision: str | None = "20261207_admin17_3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_referral_provider_recent",
        "referral",
        ["provider_organisation_id", "created_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_referral_provider_recent", table_name="referral")
