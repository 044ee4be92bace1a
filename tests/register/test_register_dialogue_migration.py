"""Migration 0007 (the dialogue's tables) upgrades a register in use without loss: its rows
and its audit log stay as they were and verify, and the dialogue then works on it."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.script import ScriptDirectory
from register_helpers import application, before_classification
from sqlalchemy import inspect, select

from openatt.core.engine import Engine
from openatt.core.model import Application
from openatt.register import applications, assessing, audit, queries, users
from openatt.register.db import MIGRATIONS, Database, downgrade, make_engine, upgrade
from openatt.register.models import ApplicationRow, Event, Role
from openatt.register.users import actor_of

NEW = {"queries", "case_notes", "amendments", "appeals", "notifications", "mail_addresses"}


def test_0007_upgrades_a_register_in_use(
    database_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    before_classification(monkeypatch)  # the services as they were before 0010 and 0013
    before_0007 = ScriptDirectory(MIGRATIONS).get_revision("0007").down_revision
    assert isinstance(before_0007, str)
    schema = make_engine(database_url)
    try:
        upgrade(schema, before_0007)
        assert not NEW & set(inspect(schema).get_table_names())
    finally:
        schema.dispose()
    old = Database(database_url, migrate=False)
    try:
        with old.write() as s:
            users.add_user(s, username="officer", password="pw-officer-1", role=Role.officer)
            users.add_user(
                s,
                username="exporter",
                password="pw-exporter-1",
                role=Role.applicant,
                company="Meridian Ordnance Ltd",
            )
        with old.read() as s:
            people = {u.username: actor_of(u) for u in users.list_users(s)}
        with old.write() as s:
            app_id = applications.create(
                s, people["exporter"], Application.model_validate(application())
            ).id
        with old.write() as s:
            applications.submit(s, people["exporter"], app_id, None)
        with old.write() as s:
            applications.screen(s, people["officer"], app_id, [], None, "UN SC list, by hand")
        with old.write() as s:
            assessing.assess(s, people["officer"], app_id, engine)
        with old.read() as s:
            events = [(e.seq, e.hash) for e in s.execute(select(Event)).scalars()]
            state = s.get(ApplicationRow, app_id).state  # type: ignore[union-attr]
    finally:
        old.dispose()
    monkeypatch.undo()  # the code as it is now, on the upgraded register
    db = Database(database_url)  # upgrades to the head
    try:
        with db.read() as s:
            assert [(e.seq, e.hash) for e in s.execute(select(Event)).scalars()] == events
            assert s.get(ApplicationRow, app_id).state == state == "assessed"  # type: ignore[union-attr]
            assert audit.verify(s).intact
        assert set(inspect(db.engine).get_table_names()) >= NEW
        with db.write() as s:
            queries.ask(
                s,
                people["officer"],
                app_id,
                question="Which unit?",
                respond_by=dt.date.today() + dt.timedelta(days=7),
            )
        with db.read() as s:
            assert audit.verify(s).intact
        downgrade(db.engine, before_0007)
        names = set(inspect(db.engine).get_table_names())
        assert not NEW & names and {"applications", "events"} <= names
        with db.read() as s:
            assert s.get(ApplicationRow, app_id) is not None
    finally:
        db.dispose()
