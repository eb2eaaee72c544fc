"""address_point: building addresses loaded from DVV's open address file, for the embedded geocoder

Revision ID: 20261207_nearme_2
Revises: 20261207_staff_1
Create Date: 2026-12-07 15:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "20261207_nearme_2"
down_revision: str | None = "20261207_staff_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "address_point",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("street_fi", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("street_sv", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("street_fi_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("street_sv_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("house_number", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("postal_code", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_address_point")),
    )
    op.create_index(
        op.f("ix_address_point_municipality_code"), "address_point", ["municipality_code"], unique=False
    )
    op.create_index(
        "ix_address_point_street_fi_key", "address_point", ["street_fi_key", "municipality_code"], unique=False
    )
    op.create_index(
        "ix_address_point_street_sv_key", "address_point", ["street_sv_key", "municipality_code"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_address_point_street_sv_key", table_name="address_point")
    op.drop_index("ix_address_point_street_fi_key", table_name="address_point")
    op.drop_index(op.f("ix_address_point_municipality_code"), table_name="address_point")
    op.drop_table("address_point")
