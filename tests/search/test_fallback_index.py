"""The database fallback's text index (migration 20261207_fallback_1): it answers as the LIKE scan it
replaced did, the fallback's statements use it, and it follows every write to a service or its terms."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, col, select

from app.catalogue.codes import load_code_tables
from app.catalogue.enums import Taxonomy
from app.catalogue.models import Service, ServiceTerm
from app.db import make_engine, normalise_url
from search import fallback
from search.fallback import search_database
from search.types import SearchQuery
from tests.conftest import DEFAULT_PG_ADMIN_URL, run_migrations
from tests.factories import make_service
from tests.servers import require


def _found(session: Session, q: str) -> set[str]:
    session.flush()
    result = search_database(session, SearchQuery(q=q, per_page=50))
    assert not result.relaxed, q
    return {hit.name.get("fi") or hit.name.get("sv") or "" for hit in result.items}


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def test_a_service_is_found_as_written_changed_and_removed(session: Session) -> None:
    service = make_service(
        session,
        name_fi="Tuolijumppa",
        summary_fi="Jumppaa istuen",
        description_sv="Stolgymnastik för alla",
        themes=(),
        service_classes=(),
    )
    assert _found(session, "tuolijumppa") == {"Tuolijumppa"}
    assert _found(session, "stolgymnastik") == {"Tuolijumppa"}
    assert _found(session, "istumajumppa") == set()

    service.name_fi = "Istumajumppa"  # an update through the ORM
    session.add(service)
    assert _found(session, "tuolijumppa") == set()
    assert _found(session, "istumajumppa") == {"Istumajumppa"}

    session.execute(update(Service).where(col(Service.id) == service.id).values(description_sv="Sittgympa"))
    assert _found(session, "stolgymnastik") == set()
    assert _found(session, "sittgympa") == {"Istumajumppa"}

    # Term labels: added, relabelled, removed (an ORM insert, a Core update, a Core delete).
    session.add(
        ServiceTerm(
            service_id=service.id, taxonomy=Taxonomy.THEME, code="x-vertaistuki", label_sv="Kamratstöd"
        )
    )
    assert _found(session, "kamratstöd") == {"Istumajumppa"}
    session.execute(
        update(ServiceTerm)
        .where(col(ServiceTerm.service_id) == service.id, col(ServiceTerm.code) == "x-vertaistuki")
        .values(label_sv="Stödgrupp")
    )
    assert _found(session, "kamratstöd") == set()
    assert _found(session, "stödgrupp") == {"Istumajumppa"}
    session.execute(delete(ServiceTerm).where(col(ServiceTerm.service_id) == service.id))
    assert _found(session, "stödgrupp") == set()
    assert _found(session, "istumajumppa") == {"Istumajumppa"}

    session.delete(service)
    assert _found(session, "istumajumppa") == set()
    assert _found(session, "sittgympa") == set()


def test_words_match_as_substrings_of_one_field_in_any_case(session: Session) -> None:
    """What LIKE '%word%' on lower(field) found, field by field, the index finds."""
    make_service(session, name_fi="KUNTOSALIRYHMÄ", themes=(), service_classes=())
    make_service(session, name_fi="Äitien kahvila", themes=(), service_classes=())
    make_service(session, name_fi="Kunto", summary_fi="salilla ohjaaja", themes=(), service_classes=())
    make_service(
        session, name_fi="Piiri", description_fi="Yhdistys ry järjestää", themes=(), service_classes=()
    )
    make_service(session, name_fi="Alaviiva", summary_fi="kunto_sali", themes=(), service_classes=())
    make_service(session, name_fi="Vesijumppa", themes=("liikunta",), service_classes=())

    assert _found(session, "ryhmä") == {"KUNTOSALIRYHMÄ"}  # inside a compound
    assert _found(session, "kuntosaliryhmä") == {"KUNTOSALIRYHMÄ"}
    assert _found(session, "äitien") == {"Äitien kahvila"}  # case folded beyond ASCII
    # Not across two fields: "Kunto" and "salilla" are a name and a summary.
    assert _found(session, "kuntosalilla") == set()
    assert _found(session, "ry") == {"Piiri", "KUNTOSALIRYHMÄ"}  # shorter than a trigram
    assert _found(session, "kunto_sali") == {"Alaviiva"}  # '_' is a letter here, not LIKE's wildcard
    assert _found(session, "kuntoxsali") == set()
    assert _found(session, "liikunta") == {"Vesijumppa"}  # a term's label
    assert _found(session, "jumppa liikunta") == {"Vesijumppa"}


def test_the_fallback_reads_the_index(session: Session) -> None:
    make_service(session, name_fi="Kuntosali")
    session.flush()
    statement = select(Service.id).where(fallback._with_any_word(_dialect(session), ["kuntosali", "jumppa"]))
    if _dialect(session) == "sqlite":
        plan = " | ".join(
            row[3] for row in session.execute(text(f"EXPLAIN QUERY PLAN {_literal(session, statement)}"))
        )
        # FTS5 reports a full-text query as index 0:M... and a scan as 0:{} (a plan without MATCH).
        assert plan.count("SCAN service_text VIRTUAL TABLE INDEX 0:M") == 2, plan
        assert plan.count("SCAN service_label_text VIRTUAL TABLE INDEX 0:M") == 2, plan
    else:
        # The planner prefers a scan of a table this small; forbidding it shows whether the index
        # matches the fallback's expression (an expression index serves the identical expression only).
        session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = " | ".join(row[0] for row in session.execute(text(f"EXPLAIN {_literal(session, statement)}")))
        assert plan.count("ix_service_search_text") == 2, plan
        assert plan.count("ix_service_term_search_text") == 2, plan


def _literal(session: Session, statement: object) -> str:
    return str(statement.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}))  # type: ignore[attr-defined]


def test_the_sqlite_index_holds_what_the_tables_hold(session: Session) -> None:
    """After writes of every kind, each service has exactly one document of its texts and one of its
    labels, and they say what a rebuild from the tables would."""
    if _dialect(session) != "sqlite":
        pytest.skip("the index is kept by triggers on SQLite only; PostgreSQL's expression index is its own")
    kept = make_service(session, name_fi="Pysyy", themes=("liikunta", "kulttuuri"))
    changed = make_service(session, name_fi="Muuttuu", themes=("vertaistuki",))
    removed = make_service(session, name_fi="Poistuu")
    session.flush()
    changed.summary_en = "Changed"
    session.add(changed)
    session.execute(
        delete(ServiceTerm).where(
            col(ServiceTerm.service_id) == kept.id, col(ServiceTerm.code) == "kulttuuri"
        )
    )
    session.delete(removed)
    session.flush()
    rows = session.execute(
        text(
            "SELECT k.service_id, t.body, l.body FROM service_text_key k "
            "LEFT JOIN service_text t ON t.rowid = k.id LEFT JOIN service_label_text l ON l.rowid = k.id"
        )
    ).all()
    by_service = {uuid.UUID(row[0]): (row[1], row[2]) for row in rows}
    services = session.execute(select(Service)).scalars().all()
    assert set(by_service) == {s.id for s in services}
    assert session.execute(text("SELECT count(*) FROM service_text")).scalar() == len(services)
    assert session.execute(text("SELECT count(*) FROM service_label_text")).scalar() == len(services)
    for service in services:
        texts, labels = by_service[service.id]
        assert texts == " ".join(getattr(service, name) or "" for name in fallback._TEXT_FIELDS)
        terms = session.execute(
            select(ServiceTerm).where(col(ServiceTerm.service_id) == service.id)
        ).scalars()
        # One "fi sv en" per term, in no particular order.
        words = " ".join(f"{t.label_fi or ''} {t.label_sv or ''} {t.label_en or ''}" for t in terms)
        assert sorted(labels.split(" ")) == sorted(words.split(" "))


@pytest.fixture
def postgres_without_trgm_rights() -> Iterator[Engine]:
    """A database whose migrating role may create tables but not extensions (no CREATE on the database)."""
    admin_url = normalise_url(os.environ.get("TEST_POSTGRES_URL", DEFAULT_PG_ADMIN_URL))
    try:
        admin = make_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=None)
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        require(False, "PostgreSQL", f"cannot connect ({type(exc).__name__}); set TEST_POSTGRES_URL")
        raise
    suffix = uuid.uuid4().hex[:8]
    name, role = f"tarjotin_test_notrgm_{suffix}", f"tarjotin_notrgm_{suffix}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        connection.execute(text(f'CREATE ROLE "{role}" LOGIN'))
    database_admin = make_engine(
        make_url(admin_url).set(database=name).render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
        poolclass=None,
    )
    with database_admin.connect() as connection:
        connection.execute(text(f'GRANT ALL ON SCHEMA public TO "{role}"'))
    database_admin.dispose()
    engine = make_engine(
        make_url(admin_url).set(database=name, username=role).render_as_string(hide_password=False)
    )
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


def test_without_pg_trgm_the_migration_succeeds_and_the_fallback_scans(
    postgres_without_trgm_rights: Engine,
) -> None:
    engine = postgres_without_trgm_rights
    with engine.connect() as connection:
        assert (
            connection.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first() is None
        )
        # The role really cannot create it: the migration's attempt is refused, not skipped.
        with pytest.raises(Exception, match="permission denied"):
            connection.execute(text("CREATE EXTENSION pg_trgm"))
        connection.rollback()
    run_migrations(engine)
    with engine.connect() as connection:
        assert (
            connection.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first() is None
        )
        indexes = connection.execute(
            text("SELECT indexname FROM pg_indexes WHERE tablename = 'service'")
        ).scalars()
        assert "ix_service_search_text" not in set(indexes)
    with Session(engine) as session:
        load_code_tables(session)
        make_service(session, name_fi="Kuntosaliryhmä", themes=("liikunta",))
        assert _found(session, "saliryhm") == {"Kuntosaliryhmä"}
        assert _found(session, "liikunta") == {"Kuntosaliryhmä"}
        session.rollback()
