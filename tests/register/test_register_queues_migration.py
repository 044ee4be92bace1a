"""Migration 0006 upgrades a register that already holds cases: nothing is lost, the log stays
intact, and the existing cases are found by the new search.

The register is the demo's, filled the way the code before this feature filled it: with the
queue, flag, routing and search-index writes switched off (monkeypatched to do nothing), so that
going down to 0003 leaves exactly the register an earlier release would have had."""

from __future__ import annotations

from typing import Any

import pytest
from register_helpers import as_before_casework
from sqlalchemy import func, inspect, select

from openatt.core.engine import Engine
from openatt.register import audit, demo
from openatt.register.applications import Filters, search
from openatt.register.db import (
    Database,
    current_revision,
    downgrade,
    head_revision,
    make_engine,
    upgrade,
)
from openatt.register.models import ApplicationRow, Event
from openatt.register.users import SYSTEM

NEW_TABLES = {
    "queues",
    "case_queues",
    "case_work",
    "flag_definitions",
    "case_flags",
    "routing_rules",
    "search_index",
}


def _without_casework(monkeypatch: pytest.MonkeyPatch) -> None:
    as_before_casework(monkeypatch)


def test_upgrade_an_existing_demo_register(
    database_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patched:
        _without_casework(patched)
        db = Database(database_url)
        try:
            demo.fill(db, engine)
        finally:
            db.dispose()
    bare = make_engine(database_url)
    try:
        downgrade(bare, "0003")
        assert not NEW_TABLES & set(inspect(bare).get_table_names())
        upgrade(bare)
        assert current_revision(bare) == head_revision()
        assert set(inspect(bare).get_table_names()) >= NEW_TABLES
    finally:
        bare.dispose()
    db = Database(database_url)
    try:
        with db.read() as s:
            assert s.execute(select(func.count()).select_from(ApplicationRow)).scalar_one() == 13
            events = s.execute(select(func.count()).select_from(Event)).scalar_one()
            assert audit.verify(s).intact
            # The index was filled from the payloads of the cases already there.
            rows, total = search(s, SYSTEM, Filters(goods="main battle tanks"))
            assert total == 1 and rows[0].importing_state == "POL"
            assert search(s, SYSTEM, Filters(control_entry="ml13"))[1] == 1
            assert search(s, SYSTEM, Filters(party="brazilian army"))[1] == 1
        # The upgraded register works on: a flag and a queue on an old case are logged.
        senior = next(a for a in _actors(db) if a.username == "senior")
        with db.write() as s:
            from openatt.register import queues

            old = s.execute(
                select(ApplicationRow.id).where(ApplicationRow.state == "submitted")
            ).scalar_one()
            queue = queues.add_queue(s, senior, name="Backlog", team="Licensing")
            queues.put_in_queue(s, senior, old, queue.id)
        with db.read() as s:
            assert s.execute(select(func.count()).select_from(Event)).scalar_one() == events + 2
            assert audit.verify(s).intact
    finally:
        db.dispose()


def _actors(db: Database) -> list[Any]:
    from openatt.register import users

    with db.read() as s:
        return [users.actor_of(u) for u in users.list_users(s)]
