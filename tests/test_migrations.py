"""Migrations run on every engine, match the models, and go down and up again."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

import app.models  # noqa: F401
from app.catalogue.codes import load_code_tables
from app.catalogue.models import Municipality
from search.fallback import outside_the_models
from tarjotin.cli import alembic_config


def test_no_drift_between_models_and_migrations(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                # The fallback's text indexes (search/fallback.py), kept by a migration outside the models.
                "include_name": lambda name, type_, _parents: not outside_the_models(name, type_),
            },
        )
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_downgrade_to_base_and_upgrade_again(engine: Engine) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
        assert "service" not in inspect(connection).get_table_names()
        command.upgrade(config, "head")
    with Session(engine) as session:
        load_code_tables(session)
        session.commit()
    assert "service" in inspect(engine).get_table_names()


def test_constraint_names_follow_the_convention(engine: Engine) -> None:
    inspector = inspect(engine)
    uniques = {u["name"] for u in inspector.get_unique_constraints("service")}
    assert "uq_service_source" in uniques or "uq_service_source_external_id" in uniques
    fks = {fk["name"] for fk in inspector.get_foreign_keys("service")}
    assert "fk_service_organisation_id_organisation" in fks


def test_code_tables_load_idempotently(session: Session) -> None:
    reports = load_code_tables(session)
    assert all(r.inserted == r.updated == r.deleted == 0 for r in reports.values())
    lahti = session.exec(select(Municipality).where(Municipality.code == "398")).one()
    assert (lahti.name_sv, lahti.wellbeing_county_code, lahti.region_code) == ("Lahtis", "09", "07")
