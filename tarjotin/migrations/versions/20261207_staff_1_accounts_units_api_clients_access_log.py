"""staff side: units, memberships per unit and by source, API clients, the access log, demo accounts

Revision ID: 20261207_staff_1
Revises: 20261207_lead_3
Create Date: 2026-12-07 14:45:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '20261207_staff_1'
down_revision: str | None = '20261207_lead_3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('unit',
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_unit_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit')),
    sa.UniqueConstraint('organisation_id', 'name', name=op.f('uq_unit_organisation_id_name'))
    )
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('api_client',
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('unit_id', sa.Uuid(), nullable=True),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_user_id', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['user_account.id'], name=op.f('fk_api_client_created_by_user_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_api_client_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_api_client_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_client'))
    )
    with op.batch_alter_table('api_client', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_client_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('access_log_entry',
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_kind', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.String(length=64), nullable=False),
    sa.Column('actor_label', sa.String(length=120), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=True),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('entity_type', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=False),
    sa.Column('subject_ref', sa.String(length=80), nullable=False),
    sa.Column('purpose', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_log_entry'))
    )
    with op.batch_alter_table('access_log_entry', schema=None) as batch_op:
        batch_op.create_index('ix_access_log_entry_subject', ['subject_ref', 'occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_log_entry_occurred_at'), ['occurred_at'], unique=False)

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_demo', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('source', sa.String(length=16), nullable=False, server_default='admin'))
        batch_op.drop_constraint('uq_membership_user_id_organisation_id_role', type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_membership_user_id_organisation_id_role_unit_id'),
            ['user_id', 'organisation_id', 'role', 'unit_id'],
        )
        batch_op.create_index(batch_op.f('ix_membership_unit_id'), ['unit_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_membership_unit_id_unit'), 'unit', ['unit_id'], ['id'], ondelete='CASCADE'
        )


def downgrade() -> None:
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_membership_unit_id_unit'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_membership_unit_id'))
        batch_op.drop_constraint(batch_op.f('uq_membership_user_id_organisation_id_role_unit_id'), type_='unique')
        batch_op.create_unique_constraint(
            'uq_membership_user_id_organisation_id_role', ['user_id', 'organisation_id', 'role']
        )
        batch_op.drop_column('source')
        batch_op.drop_column('unit_id')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('is_demo')
    with op.batch_alter_table('access_log_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_log_entry_occurred_at'))
        batch_op.drop_index('ix_access_log_entry_subject')
    op.drop_table('access_log_entry')
    with op.batch_alter_table('api_client', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_client_organisation_id'))
    op.drop_table('api_client')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_organisation_id'))
    op.drop_table('unit')
