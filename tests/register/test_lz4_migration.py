"""Migration 0014: the large JSON texts compressed with lz4 on PostgreSQL, texts stored
before it still read (and the chain over them still verifies), nothing on SQLite."""

from __future__ import annotations

import pytest
from register_helpers import user_row
from sqlalchemy import text

from openatt.register import audit
from openatt.register.db import Database, downgrade, make_engine, upgrade

COLUMNS = {
    ("applications", "payload"),
    ("assessments", "result"),
    ("events", "payload"),
    ("screening_runs", "hits"),
}
BIG = {"note": "an output as large as the engine's " * 3000}  # about 100 kB of JSON


def _methods(db: Database) -> dict[tuple[str, str], str]:
    with db.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT c.relname, a.attname, a.attcompression FROM pg_attribute a "
                "JOIN pg_class c ON c.oid = a.attrelid WHERE c.relname = ANY(:tables) "
                "AND a.attnum > 0 AND NOT a.attisdropped"
            ),
            {"tables": sorted({table for table, _ in COLUMNS})},
        )
        return {(table, column): method for table, column, method in rows}


def _note(db: Database, name: str) -> None:
    with db.write() as session:
        user_row(session, name, payload=BIG)


def _stored_with(db: Database, name: str) -> str:
    with db.engine.connect() as connection:
        return str(
            connection.execute(
                text(
                    "SELECT pg_column_compression(e.payload) FROM events e JOIN users u "
                    "ON u.id = e.entity_id WHERE e.entity = 'user' AND u.username = :name"
                ),
                {"name": name},
            ).scalar()
        )


def test_new_large_texts_are_lz4_and_older_ones_still_read(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "0013")
    engine.dispose()
    db = Database(database_url, migrate=False)
    if db.is_sqlite:
        upgrade(db.engine)  # nothing to change on SQLite, and nothing refused
        _note(db, "on-sqlite")
        with db.read() as session:
            assert audit.verify(session).intact
        db.dispose()
        return
    with db.engine.connect() as connection:
        lz4 = "lz4" in str(
            connection.execute(
                text("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
            ).scalar()
        )
    if not lz4:
        db.dispose()
        pytest.skip("this PostgreSQL was built without lz4 (the migration leaves it as it is)")
    _note(db, "before-0014")
    assert _stored_with(db, "before-0014") == "pglz"
    upgrade(db.engine)
    methods = _methods(db)
    assert {column: methods[column] for column in COLUMNS} == dict.fromkeys(COLUMNS, "l")
    _note(db, "after-0014")
    assert _stored_with(db, "after-0014") == "lz4"
    assert _stored_with(db, "before-0014") == "pglz"  # no row rewritten
    with db.read() as session:
        assert audit.verify(session).intact  # both read back as they were hashed
    downgrade(db.engine, "0013")
    methods = _methods(db)
    assert {column: methods[column] for column in COLUMNS} == dict.fromkeys(COLUMNS, "")
    db.dispose()
