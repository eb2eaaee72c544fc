"""outcome follow-up: consent to questionnaires, the requests due, the answers with their scores

Revision ID: 20261207_lead_3
Revises: 20261207_referrals_1
Create Date: 2026-12-07 15:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_lead_3"
down_revision: str | None = "20261207_referrals_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outcome_consent",
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referral.id"], name=op.f("fk_outcome_consent_referral_id_referral"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("referral_id", name=op.f("pk_outcome_consent")),
    )
    op.create_table(
        "outcome_request",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("timepoint", sa.String(length=8), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referral.id"], name=op.f("fk_outcome_request_referral_id_referral"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_request")),
        sa.UniqueConstraint("referral_id", "timepoint", name=op.f("uq_outcome_request_referral_id_timepoint")),
    )
    with op.batch_alter_table("outcome_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outcome_request_referral_id"), ["referral_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outcome_request_due_on"), ["due_on"], unique=False)
    op.create_table(
        "outcome_response",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("timepoint", sa.String(length=8), nullable=False),
        sa.Column("definitions_version", sa.String(length=20), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entered_by_staff", sa.Boolean(), nullable=False),
        sa.Column("entered_by", sa.String(length=120), nullable=False),
        sa.Column("swemwbs", sa.Integer(), nullable=True),
        sa.Column("meets_activity", sa.Boolean(), nullable=True),
        sa.Column("lonely", sa.Boolean(), nullable=True),
        sa.Column("good_health", sa.Boolean(), nullable=True),
        sa.Column("still_attending", sa.Boolean(), nullable=True),
        sa.Column("found_activity", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referral.id"], name=op.f("fk_outcome_response_referral_id_referral"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_response")),
        sa.UniqueConstraint("referral_id", "timepoint", name=op.f("uq_outcome_response_referral_id_timepoint")),
    )
    with op.batch_alter_table("outcome_response", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outcome_response_referral_id"), ["referral_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outcome_response_answered_at"), ["answered_at"], unique=False)


def downgrade() -> None:
    op.drop_table("outcome_response")
    op.drop_table("outcome_request")
    op.drop_table("outcome_consent")
