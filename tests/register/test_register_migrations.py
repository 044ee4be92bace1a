"""Migrations up and down on both databases, and models that match them exactly."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from register_helpers import as_before_casework
from sqlalchemy import inspect

from openatt.register.db import (
    Database,
    current_revision,
    downgrade,
    head_revision,
    make_engine,
    upgrade,
)
from openatt.register.models import Base

TABLES = {
    "screening_runs",
    "false_positives",
    "users",
    "sessions",
    "applications",
    "assessments",
    "decisions",
    "licences",
    "shipments",
    "denials",
    "consultations",
    "events",
    "chain_head",
}


def test_up_down_up(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        assert set(inspect(engine).get_table_names()) >= TABLES
        upgrade(engine)  # idempotent
        downgrade(engine, "base")
        assert current_revision(engine) is None
        assert not TABLES & set(inspect(engine).get_table_names())
        upgrade(engine)
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()


def test_models_match_the_migrations(database_url: str) -> None:
    db = Database(database_url)
    try:
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection)
            differences = compare_metadata(context, Base.metadata)
        assert differences == []
    finally:
        db.dispose()


def test_screening_migration_up_and_down(database_url: str) -> None:
    """0003 adds the screening runs and false positives; going back to 0002 removes only them."""
    engine = make_engine(database_url)
    screening = {"screening_runs", "false_positives"}
    try:
        upgrade(engine, "0002")
        assert not screening & set(inspect(engine).get_table_names())
        upgrade(engine, "0003")
        assert screening <= set(inspect(engine).get_table_names())
        downgrade(engine, "0002")
        assert current_revision(engine) == "0002"
        names = set(inspect(engine).get_table_names())
        assert not screening & names and (TABLES - screening) <= names
        upgrade(engine)
        assert screening <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_advice_migration_upgrades_a_register_in_use(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """0005 adds the advice tables to a register that already holds cases and events; the
    rows and the hash chain are kept, and going back removes only the advice tables."""
    from openatt.core.engine import Engine
    from openatt.register import audit, demo
    from openatt.register.models import ApplicationRow

    advice_tables = {
        "advice_teams",
        "advice_team_members",
        "advice_requests",
        "advice",
        "advice_countersignatures",
    }
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0003")
        assert not advice_tables & set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    # Fill the 0003 register as the demo did before advice existed: cases in every state.
    db = Database(database_url, migrate=False)
    try:
        # The code before 0004: no casework (advice, dialogue, documents...).
        as_before_casework(monkeypatch)
        demo.fill(db, Engine.default())
        with db.read() as session:
            cases = session.query(ApplicationRow).count()
    finally:
        db.dispose()
    db = Database(database_url)  # migrates to head
    try:
        assert advice_tables <= set(inspect(db.engine).get_table_names())
        with db.read() as session:
            assert session.query(ApplicationRow).count() == cases > 0
            assert audit.verify(session).intact
        downgrade(db.engine, "0003")
        names = set(inspect(db.engine).get_table_names())
        assert not advice_tables & names and names >= TABLES
    finally:
        db.dispose()
