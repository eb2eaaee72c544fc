"""local listings: every proposed version of a provider's own listing, with the moderator's decision

Revision ID: 20261207_lead_2
Revises: 20261207_handout_1
Create Date: 2026-12-07 15:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_lead_2"
down_revision: str | None = "20261207_handout_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "listing_revision",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("listing_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("submitted_by", sa.String(length=120), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_listing_revision_organisation_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing_revision")),
        sa.UniqueConstraint("listing_id", "number", name=op.f("uq_listing_revision_listing_id_number")),
    )
    with op.batch_alter_table("listing_revision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_listing_revision_listing_id"), ["listing_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_listing_revision_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_listing_revision_status"), ["status"], unique=False)


def downgrade() -> None:
    op.drop_table("listing_revision")
