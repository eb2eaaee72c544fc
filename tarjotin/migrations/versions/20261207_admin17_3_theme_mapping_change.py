"""theme_mapping_change: the history of the theme mapping table (who, when, old -> new, why)

Revision ID: 20261207_admin17_3
Revises: 20261207_admin16_2
Create Date: 2026-12-07 18:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "20261207_admin17_3"
down_revision: str | None = "20261207_admin16_2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "theme_mapping_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_user_id", sa.Uuid(), nullable=True),
        sa.Column("actor_label", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("taxonomy", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("old_themes", sa.JSON(), nullable=False),
        sa.Column("new_themes", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("affected_services", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme_mapping_change")),
    )
    op.create_index(
        "ix_theme_mapping_change_code", "theme_mapping_change", ["taxonomy", "code", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_theme_mapping_change_code", table_name="theme_mapping_change")
    op.drop_table("theme_mapping_change")
