"""Migration 0008 (issue 13) upgrades an existing register, the demo one, without loss: its
chain still verifies, its users log in (attempts now logged), and on PostgreSQL the chain
refuses TRUNCATE. Going back removes only what 0008 added."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import DBAPIError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from register_helpers import as_before_casework

from openatt.core.engine import Engine
from openatt.register import audit, demo, logins
from openatt.register.db import MIGRATIONS, Database, current_revision, downgrade, upgrade
from openatt.register.models import ApplicationRow, Event

ADDED = {"login_attempts", "user_factors"}


def _before() -> str:
    revision = ScriptDirectory(MIGRATIONS).get_revision("0008")
    assert revision is not None and isinstance(revision.down_revision, str)
    return revision.down_revision


def test_0008_upgrades_the_demo_register_without_loss(
    database_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(database_url, migrate=False)
    upgrade(db.engine, _before())
    with monkeypatch.context() as before:  # the demo as the services wrote it before 0008
        as_before_casework(before)
        demo.fill(db, engine)
    with db.read() as session:
        events = session.execute(select(func.count()).select_from(Event)).scalar_one()
        cases = session.execute(select(func.count()).select_from(ApplicationRow)).scalar_one()
    upgrade(db.engine)
    assert set(inspect(db.engine).get_table_names()) >= ADDED
    with db.read() as session:
        assert audit.verify(session).intact
        assert session.execute(select(func.count()).select_from(Event)).scalar_one() == events
        assert (
            session.execute(select(func.count()).select_from(ApplicationRow)).scalar_one() == cases
        )
    username, password = demo.DEMO_USERS[1][:2]
    token, _ = logins.login(db, username, password, "127.0.0.1")
    assert logins.authenticate(db, token).username == username
    with db.read() as session:
        assert audit.verify(session).intact and audit.verify(session).events == events + 1
    if db.engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
            connection.execute(text("TRUNCATE events CASCADE"))
    db.dispose()


def test_0008_down_removes_only_its_tables(database_url: str) -> None:
    db = Database(database_url)
    downgrade(db.engine, _before())
    assert current_revision(db.engine) == _before()
    names = set(inspect(db.engine).get_table_names())
    assert not ADDED & names and {"events", "sessions", "users"} <= names
    assert "last_seen_at" not in {c["name"] for c in inspect(db.engine).get_columns("sessions")}
    upgrade(db.engine)
    assert set(inspect(db.engine).get_table_names()) >= ADDED
    db.dispose()
