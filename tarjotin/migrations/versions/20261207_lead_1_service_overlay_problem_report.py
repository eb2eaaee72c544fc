"""provider self-service: the overlay of a provider's own facts on a listing, and problem reports

Revision ID: 20261207_lead_1
Revises: 0002
Create Date: 2026-12-07 15:20:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_lead_1"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "service_overlay",
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("accepts_referrals", sa.Boolean(), nullable=True),
        sa.Column("referral_methods", sa.JSON(), nullable=False),
        sa.Column("capacity", sa.String(length=16), nullable=True),
        sa.Column("places_free", sa.Integer(), nullable=True),
        sa.Column("contact_name", sa.String(length=200), nullable=True),
        sa.Column("contact_phone", sa.String(length=64), nullable=True),
        sa.Column("contact_email", sa.String(length=320), nullable=True),
        sa.Column("note_to_professionals", sa.Text(), nullable=True),
        sa.Column("kaikukortti", sa.Boolean(), nullable=True),
        sa.Column("accessibility_features", sa.JSON(), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_by", sa.String(length=120), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"], ["service.id"], name=op.f("fk_service_overlay_service_id_service"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("service_id", name=op.f("pk_service_overlay")),
    )
    with op.batch_alter_table("service_overlay", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_overlay_capacity"), ["capacity"], unique=False)
        batch_op.create_index(batch_op.f("ix_service_overlay_verified_at"), ["verified_at"], unique=False)

    op.create_table(
        "problem_report",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_id"], ["service.id"], name=op.f("fk_problem_report_service_id_service"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_problem_report")),
    )
    with op.batch_alter_table("problem_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_problem_report_service_id"), ["service_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_problem_report_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_problem_report_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_table("problem_report")
    op.drop_table("service_overlay")
