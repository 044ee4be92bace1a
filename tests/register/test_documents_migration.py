"""Migration 0009 (documents and letters) upgrades an existing demo register without loss, on
SQLite and PostgreSQL: the demo is built at revision 0003 by the services as they were
before documents existed (no letters, no uploads), then upgraded; every case and event is
kept, the chain verifies, and the letters the licensed and refused cases are due can then be
made. Going back to 0003 removes only the new tables."""

from __future__ import annotations

import pytest
from register_helpers import as_before_casework
from sqlalchemy import func, inspect, select

from openatt.core.engine import Engine
from openatt.register import audit, demo, letters
from openatt.register.db import Database, current_revision, downgrade, head_revision, upgrade
from openatt.register.models import ApplicationRow, Event, LetterRow, State
from openatt.register.users import actor_of, list_users

NEW = {"document_blobs", "case_documents", "letters"}


def test_upgrade_an_existing_demo_register(
    database_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(database_url, migrate=False)
    try:
        upgrade(db.engine, "0003")
        # The register as the code before 0009 left it: no letters, no uploads.
        as_before_casework(monkeypatch)
        demo.fill(db, engine)
        monkeypatch.undo()
        assert not NEW & set(inspect(db.engine).get_table_names())
        with db.read() as session:
            cases = session.execute(select(func.count()).select_from(ApplicationRow)).scalar_one()
            events = session.execute(select(func.count()).select_from(Event)).scalar_one()

        upgrade(db.engine)
        assert current_revision(db.engine) == head_revision()
        assert set(inspect(db.engine).get_table_names()) >= NEW
        with db.read() as session:
            assert session.execute(
                select(func.count()).select_from(ApplicationRow)
            ).scalar_one() == (cases)
            assert session.execute(select(func.count()).select_from(Event)).scalar_one() == events
            assert audit.verify(session).intact
            rows = session.execute(select(ApplicationRow)).scalars().all()
            due = {row.state: letters.due(session, row) for row in rows}
        assert due[State.licensed.value] == "licence"
        assert due[State.denied.value] == "refusal"
        assert due[State.draft.value] is None

        with db.write() as session:
            officer = next(actor_of(u) for u in list_users(session) if u.username == "officer")
            denied = next(r for r in rows if r.state == State.denied.value)
            letter = letters.generate(session, officer, denied.id)
        with db.read() as session:
            assert session.get(LetterRow, letter.id) is not None
            assert audit.verify(session).intact

        downgrade(db.engine, "0003")
        assert current_revision(db.engine) == "0003"
        assert not NEW & set(inspect(db.engine).get_table_names())
        with db.read() as session:
            assert session.execute(
                select(func.count()).select_from(ApplicationRow)
            ).scalar_one() == (cases)
    finally:
        db.dispose()
