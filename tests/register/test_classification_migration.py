"""Migration 0010 (classifications) upgrades an existing demo register without loss, on
SQLite and PostgreSQL: the demo is built at revision 0009 (the head before it) by the
services as they were (no classification), then upgraded; every case and event is kept, the
chain verifies, and an officer can then classify an item of an existing case. Going back to
0009 removes only the new table."""

from __future__ import annotations

from typing import Any

import pytest
from register_helpers import before_denial_withdrawals
from sqlalchemy import false, func, inspect, select

from openatt.core.engine import Engine
from openatt.register import audit, classification, demo, demo_classification
from openatt.register.classification import Action
from openatt.register.db import Database, current_revision, downgrade, head_revision, upgrade
from openatt.register.models import ApplicationRow, Event, State
from openatt.register.users import actor_of, list_users


def test_upgrade_an_existing_demo_register(
    database_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(database_url, migrate=False)
    try:
        upgrade(db.engine, "0009")

        def nothing(*_args: Any, **_kwargs: Any) -> dict[int, Any]:
            return {}

        # the register as the code before 0010 left it: no classification read or written
        monkeypatch.setattr(classification, "current", nothing)
        monkeypatch.setattr(classification, "classified_column", false)  # no table to ask
        monkeypatch.setattr(demo_classification, "fill", nothing)
        before_denial_withdrawals(monkeypatch)  # 0013 comes later still
        demo.fill(db, engine)
        monkeypatch.undo()
        assert "item_classifications" not in inspect(db.engine).get_table_names()
        with db.read() as session:
            cases = session.execute(select(func.count()).select_from(ApplicationRow)).scalar_one()
            events = session.execute(select(func.count()).select_from(Event)).scalar_one()

        upgrade(db.engine)
        assert current_revision(db.engine) == head_revision()
        with db.read() as session:
            assert (
                session.execute(select(func.count()).select_from(ApplicationRow)).scalar_one()
                == cases
            )
            assert session.execute(select(func.count()).select_from(Event)).scalar_one() == events
            assert audit.verify(session).intact
            screened = (
                session.execute(
                    select(ApplicationRow.id)
                    .where(ApplicationRow.state == State.screened.value)
                    .order_by(ApplicationRow.id)
                )
                .scalars()
                .first()
            )
            assert screened is not None
        with db.write() as session:
            officer = next(actor_of(u) for u in list_users(session) if u.username == "officer")
            classification.record(
                session, officer, screened, 0, action=Action.confirm, entry="ML1.a:pistol"
            )
        with db.read() as session:
            assert audit.verify(session).intact
            where = classification.confirmed_placement(session, screened, 0)
            assert where is not None and where.att_subcategory == "VIII.SA.1"

        downgrade(db.engine, "0009")
        assert "item_classifications" not in inspect(db.engine).get_table_names()
        assert "applications" in inspect(db.engine).get_table_names()
    finally:
        db.dispose()
