"""open data: updated_at indexes, stable service-at-location ids

The HSDS API reads the newest updated_at of services, organisations and places on every request (its
ETag) and filters on it (modified_after): both want an index. Service-at-location ids become
uuid5(service id, location id) (app/catalogue/ids.py), so a link keeps its id when a sync rewrites
it; existing links are given their derived id here.

Revision ID: 20261207_hsds_1
Revises: 20261207_nearme_2
Create Date: 2026-12-07 15:00:00+00:00
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '20261207_hsds_1'
down_revision: str | None = '20261207_nearme_2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A copy of app.catalogue.ids (migrations do not import the app): never change either.
SERVICE_AT_LOCATION_NAMESPACE = uuid.UUID("8d3c6f0e-5a1b-4c2e-9f47-2b6e1d0c3a95")


def _rekey_service_at_locations() -> None:
    bind = op.get_bind()
    referencing = [
        (table, fk["constrained_columns"][0])
        for table in sa.inspect(bind).get_table_names()
        for fk in sa.inspect(bind).get_foreign_keys(table)
        if fk["referred_table"] == "service_at_location"
    ]
    sal = sa.table(
        "service_at_location", sa.column("id", sa.Uuid()), sa.column("service_id", sa.Uuid()), sa.column("location_id", sa.Uuid())
    )
    changes = {
        row.id: uuid.uuid5(SERVICE_AT_LOCATION_NAMESPACE, f"{row.service_id}/{row.location_id}")
        for row in bind.execute(sa.select(sal.c.id, sal.c.service_id, sal.c.location_id))
    }
    changes = {old: new for old, new in changes.items() if old != new}
    if not changes:
        return
    # Rows that point at a link are set aside (their pointer cleared), the links re-keyed, then the
    # pointers restored with the new ids: no engine lets a referenced key change under its references.
    stashed: list[tuple[sa.TableClause, list[tuple[object, uuid.UUID]]]] = []
    for table_name, column in referencing:
        pk = sa.inspect(bind).get_pk_constraint(table_name)["constrained_columns"][0]
        table = sa.table(table_name, sa.column(pk), sa.column(column, sa.Uuid()))
        rows = [(r[0], r[1]) for r in bind.execute(sa.select(table.c[pk], table.c[column]).where(table.c[column].is_not(None)))]
        bind.execute(table.update().where(table.c[column].is_not(None)).values({column: None}))
        stashed.append((table, rows))
    for old, new in changes.items():
        bind.execute(sal.update().where(sal.c.id == old).values(id=new))
    for table, rows in stashed:
        pk_column, ref_column = list(table.c)
        for key, old in rows:
            bind.execute(table.update().where(pk_column == key).values({ref_column.name: changes.get(old, old)}))


def upgrade() -> None:
    op.create_index('ix_service_updated_at', 'service', ['updated_at'], unique=False)
    op.create_index('ix_organisation_updated_at', 'organisation', ['updated_at'], unique=False)
    op.create_index('ix_location_updated_at', 'location', ['updated_at'], unique=False)
    _rekey_service_at_locations()


def downgrade() -> None:
    # The derived ids are valid ids: they stay.
    op.drop_index('ix_location_updated_at', table_name='location')
    op.drop_index('ix_organisation_updated_at', table_name='organisation')
    op.drop_index('ix_service_updated_at', table_name='service')
