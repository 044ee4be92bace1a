"""Migration 0004 (released reasons, offer decisions) upgrades a register written before it
without loss, its chain still intact, and going back removes only its own tables."""

from __future__ import annotations

import pytest
from register_helpers import application, as_before_casework
from sqlalchemy import func, inspect, select

from openatt.core.engine import Engine
from openatt.core.model import Application
from openatt.register import applications, assessing, audit, users
from openatt.register.db import Database, current_revision, downgrade, make_engine, upgrade
from openatt.register.models import ApplicationRow, DecisionRow, Event, Outcome, Role

NEW = {"decision_releases", "offer_decisions"}


def test_0004_upgrades_a_register_written_at_0003(
    database_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_before_casework(monkeypatch)  # the services as they were at 0003
    bare = make_engine(database_url)
    try:
        # a fresh register, or one the fixture built at the head: take it to 0003 either way
        if current_revision(bare) is None:
            upgrade(bare, "0003")
        else:
            downgrade(bare, "0003")
        assert not NEW & set(inspect(bare).get_table_names())
    finally:
        bare.dispose()
    old = Database(database_url, migrate=False)
    try:
        with old.write() as s:
            officer = users.actor_of(
                users.add_user(s, username="o1", password="password-1", role=Role.officer)
            )
            applicant = users.actor_of(
                users.add_user(
                    s, username="a1", password="password-1", role=Role.applicant, company="M Ltd"
                )
            )
        with old.write() as s:
            case = applications.create(s, applicant, Application.model_validate(application())).id
        with old.write() as s:
            applications.submit(s, applicant, case, None)
        with old.write() as s:
            applications.screen(
                s, officer, case, [], None, lists_used="UN SC list, checked by hand"
            )
            assessing.assess(s, officer, case, engine)
        with old.write() as s:
            assessing.decide(s, officer, case, outcome=Outcome.denied, reasons="old decision")
        with old.read() as s:
            before = (
                s.execute(select(func.count()).select_from(Event)).scalar_one(),
                s.execute(select(func.count()).select_from(DecisionRow)).scalar_one(),
            )
    finally:
        old.dispose()
    db = Database(database_url)  # migrates to the head
    try:
        assert (current_revision(db.engine) or "") >= "0004"
        assert set(inspect(db.engine).get_table_names()) >= NEW
        with db.read() as s:
            after = (
                s.execute(select(func.count()).select_from(Event)).scalar_one(),
                s.execute(select(func.count()).select_from(DecisionRow)).scalar_one(),
            )
            assert after == before
            assert audit.verify(s).intact
            assert s.get(ApplicationRow, case) is not None
    finally:
        db.dispose()
    back = make_engine(database_url)
    try:
        downgrade(back, "0003")  # 0004 and what came after it
        names = set(inspect(back).get_table_names())
        assert not NEW & names and {"decisions", "events", "applications"} <= names
        assert current_revision(back) == "0003"
        upgrade(back)
    finally:
        back.dispose()
