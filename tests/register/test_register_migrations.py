"""Migrations up and down on both databases, and models that match them exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from register_fixtures import api_fixture, database_url_fixture, templates_fixture  # noqa: F401
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
