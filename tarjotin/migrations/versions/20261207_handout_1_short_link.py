"""short_link: the short address (/s/K7Q2M) of a service, kept for good

Revision ID: 20261207_handout_1
Revises: 20261207_lead_1
Create Date: 2026-12-07 14:50:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '20261207_handout_1'
down_revision: str | None = '20261207_lead_1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('short_link',
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('service_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_short_link_service_id_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_short_link')),
    sa.UniqueConstraint('service_id', name=op.f('uq_short_link_service_id'))
    )


def downgrade() -> None:
    op.drop_table('short_link')
