"""search text index: the database fallback finds a word in services' texts through an index

The fallback (search/fallback.py) finds a service when each word is a substring (case folded) of its
names, summaries, descriptions or term labels. Done with LIKE over every column it read every service
for every word. Trigrams answer the same substring question from an index:

- PostgreSQL: pg_trgm GIN indexes on one lower-cased text of a service's names, summaries and
  descriptions, and on one of a term's labels. The fallback compares the very same expressions, so the
  planner uses them. Where the extension cannot be created (no rights, not installed) the migration
  still succeeds without these indexes and the fallback scans as before.
- SQLite: FTS5 tables with the trigram tokenizer (SQLite 3.34+), one document of a service's own texts
  and one of its term labels, kept in step by triggers on service and service_term. Their rowid comes
  from service_text_key, not from service's rowid, which VACUUM and a batch (copying) migration may
  renumber. A batch migration that copies service or service_term drops these triggers: it must create
  them again (SQLITE_TRIGGERS below; tests/search/test_fallback_index.py fails without them).

Revision ID: 20261207_fallback_1
Revises: 20261207_dashfast_2
Create Date: 2026-12-07 21:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_fallback_1"
down_revision: str | None = "20261207_dashfast_2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same expressions as search/fallback.py builds (service_text_sql, label_text_sql): the planner uses
# an expression index only for an identical expression. The space between fields never occurs in a
# searched word (\w+), so no word matches across two fields.
_SERVICE_FIELDS = [
    f"{name}_{lang}" for name in ("name", "summary", "description") for lang in ("fi", "sv", "en")
]
_LABEL_FIELDS = ["label_fi", "label_sv", "label_en"]


def _joined(fields: list[str], prefix: str = "") -> str:
    return " || ' ' || ".join(f"coalesce({prefix}{field}, '')" for field in fields)


SERVICE_TEXT_PG = f"lower({_joined(_SERVICE_FIELDS)})"
LABEL_TEXT_PG = f"lower({_joined(_LABEL_FIELDS)})"


def _labels_of(service_id: str) -> str:
    return (
        f"coalesce((SELECT group_concat({_joined(_LABEL_FIELDS)}, ' ') FROM service_term "
        f"WHERE service_term.service_id = {service_id}), '')"
    )


def _key_of(service_id: str) -> str:
    return f"(SELECT id FROM service_text_key WHERE service_id = {service_id})"


SQLITE_TRIGGERS = {
    "service_text_insert": f"""
        CREATE TRIGGER service_text_insert AFTER INSERT ON service BEGIN
            INSERT OR IGNORE INTO service_text_key (service_id) VALUES (new.id);
            DELETE FROM service_text WHERE rowid = {_key_of("new.id")};
            DELETE FROM service_label_text WHERE rowid = {_key_of("new.id")};
            INSERT INTO service_text (rowid, body) VALUES ({_key_of("new.id")}, {_joined(_SERVICE_FIELDS, "new.")});
            INSERT INTO service_label_text (rowid, body) VALUES ({_key_of("new.id")}, {_labels_of("new.id")});
        END""",
    "service_text_update": f"""
        CREATE TRIGGER service_text_update AFTER UPDATE OF {", ".join(_SERVICE_FIELDS)} ON service BEGIN
            UPDATE service_text SET body = {_joined(_SERVICE_FIELDS, "new.")} WHERE rowid = {_key_of("new.id")};
        END""",
    "service_text_delete": f"""
        CREATE TRIGGER service_text_delete AFTER DELETE ON service BEGIN
            DELETE FROM service_text WHERE rowid = {_key_of("old.id")};
            DELETE FROM service_label_text WHERE rowid = {_key_of("old.id")};
            DELETE FROM service_text_key WHERE service_id = old.id;
        END""",
    "service_label_text_insert": f"""
        CREATE TRIGGER service_label_text_insert AFTER INSERT ON service_term BEGIN
            UPDATE service_label_text SET body = {_labels_of("new.service_id")} WHERE rowid = {_key_of("new.service_id")};
        END""",
    "service_label_text_update": f"""
        CREATE TRIGGER service_label_text_update AFTER UPDATE ON service_term BEGIN
            UPDATE service_label_text SET body = {_labels_of("old.service_id")} WHERE rowid = {_key_of("old.service_id")};
            UPDATE service_label_text SET body = {_labels_of("new.service_id")} WHERE rowid = {_key_of("new.service_id")};
        END""",
    "service_label_text_delete": f"""
        CREATE TRIGGER service_label_text_delete AFTER DELETE ON service_term BEGIN
            UPDATE service_label_text SET body = {_labels_of("old.service_id")} WHERE rowid = {_key_of("old.service_id")};
        END""",
}


def _upgrade_postgresql() -> None:
    bind = op.get_bind()
    try:
        # A savepoint: a refused CREATE EXTENSION would otherwise abort the whole migration's transaction.
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:
        pass
    schema = bind.execute(
        sa.text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'pg_trgm'"
        )
    ).scalar()
    if schema is None:
        return  # the fallback works without the indexes, scanning
    # The operator class named with its schema: the extension may live outside the search_path.
    ops = f'"{schema}".gin_trgm_ops'
    op.execute(f"CREATE INDEX ix_service_search_text ON service USING gin (({SERVICE_TEXT_PG}) {ops})")
    op.execute(
        f"CREATE INDEX ix_service_term_search_text ON service_term USING gin (({LABEL_TEXT_PG}) {ops})"
    )


def _upgrade_sqlite() -> None:
    op.execute("CREATE TABLE service_text_key (id INTEGER PRIMARY KEY, service_id CHAR(32) NOT NULL UNIQUE)")
    op.execute("CREATE VIRTUAL TABLE service_text USING fts5(body, tokenize = 'trigram')")
    op.execute("CREATE VIRTUAL TABLE service_label_text USING fts5(body, tokenize = 'trigram')")
    op.execute("INSERT INTO service_text_key (service_id) SELECT id FROM service")
    op.execute(
        f"INSERT INTO service_text (rowid, body) SELECT k.id, {_joined(_SERVICE_FIELDS, 's.')} "
        "FROM service_text_key k JOIN service s ON s.id = k.service_id"
    )
    op.execute(
        f"INSERT INTO service_label_text (rowid, body) SELECT k.id, {_labels_of('k.service_id')} "
        "FROM service_text_key k"
    )
    for sql in SQLITE_TRIGGERS.values():
        op.execute(sql)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        _upgrade_postgresql()
    elif dialect == "sqlite":
        _upgrade_sqlite()


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_service_term_search_text")
        op.execute("DROP INDEX IF EXISTS ix_service_search_text")
        # pg_trgm stays: other things may use it, and dropping it needs rights creating it did not.
    elif dialect == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS service_label_text")
        op.execute("DROP TABLE IF EXISTS service_text")
        op.execute("DROP TABLE IF EXISTS service_text_key")
