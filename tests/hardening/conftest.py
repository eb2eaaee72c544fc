"""Catalogues for the fault tests, made once per database engine and copied for each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hardening.catalogue import Catalogue, recorded_api, recorded_directory
from tests.hardening.databases import Databases, databases, engine_kinds
from tests.hardening.server import tarjotin


@pytest.fixture(scope="session", params=engine_kinds())
def fault_databases(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Databases]:
    with databases(request.param, tmp_path_factory.mktemp(f"faults-{request.param}")) as made:
        yield made


@pytest.fixture(scope="session")
def migrated(fault_databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Catalogue:
    """An empty catalogue at the head revision (copy it: `migrated.copy(...)`)."""
    return Catalogue(fault_databases.migrated(), tmp_path_factory.mktemp("migrated"))


@pytest.fixture(scope="session")
def loaded(
    migrated: Catalogue, fault_databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> Catalogue:
    """The Lahti demo catalogue loaded by `tarjotin demo load`, with its search index (copy it too)."""
    catalogue = migrated.copy(fault_databases, tmp_path_factory.mktemp("loaded") / "data")
    directory = recorded_directory(tmp_path_factory.mktemp("recorded") / "pages", recorded_api())
    result = tarjotin("demo", "load", "--from-dir", str(directory), env=catalogue.env())
    assert result.returncode == 0, result.stderr[-3000:]
    return catalogue


@pytest.fixture
def fresh(migrated: Catalogue, fault_databases: Databases, tmp_path: Path) -> Catalogue:
    return migrated.copy(fault_databases, tmp_path / "data")
