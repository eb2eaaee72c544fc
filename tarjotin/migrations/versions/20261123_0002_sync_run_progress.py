"""sync run progress: records and pages seen, the incremental cursor, the page of an error

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 23:20:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('sync_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seen', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('pages', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('since', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('sync_error', schema=None) as batch_op:
        batch_op.add_column(sa.Column('page', sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sync_error', schema=None) as batch_op:
        batch_op.drop_column('page')
    with op.batch_alter_table('sync_run', schema=None) as batch_op:
        batch_op.drop_column('since')
        batch_op.drop_column('pages')
        batch_op.drop_column('seen')
