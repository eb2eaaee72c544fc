"""sync_request (syncs an administrator asked for) and retention_setting (retention values an admin changed)

Revision ID: 20261207_admin17_2
Revises: 20261207_admin17_1
Create Date: 2026-12-07 18:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "20261207_admin17_2"
down_revision: str | None = "20261207_admin17_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sync_request",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("from_dir", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("message", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["sync_run.id"], name=op.f("fk_sync_request_run_id_sync_run"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_request")),
    )
    op.create_index("ix_sync_request_status", "sync_request", ["status", "requested_at"], unique=False)
    op.create_table(
        "retention_setting",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_retention_setting")),
    )


def downgrade() -> None:
    op.drop_table("retention_setting")
    op.drop_index("ix_sync_request_status", table_name="sync_request")
    op.drop_table("sync_request")
