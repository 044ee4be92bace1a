"""Fixtures for the report tests: the demo register (``openatt demo``'s services, the real
engine), built once per session and copied for each test: on a temporary SQLite file, and on
PostgreSQL when ``OPENATT_TEST_DATABASE_URL`` names a server (as in the register's tests:
skipped without it, failing under CI=true)."""

from __future__ import annotations

import datetime as dt
import secrets
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL

from openatt.register import demo
from openatt.register.assessor import default_assessor
from openatt.register.db import Database
from openatt.register.models import Role
from openatt.register.users import SYSTEM, Actor

OFFICER = replace(SYSTEM, username="test-officer", role=Role.officer)
AUDITOR = replace(SYSTEM, username="test-auditor", role=Role.auditor)
APPLICANT = replace(SYSTEM, username="test-applicant", role=Role.applicant, company="X")


@dataclass
class Register:
    db: Database
    path: Path
    url: str
    year: int
    """The demo's year: its cases are dated today."""


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    db = Database(f"sqlite:///{path}")
    demo.fill(db, default_assessor())
    db.dispose()
    return path


@dataclass
class PgTemplate:
    base: URL
    admin: Engine
    name: str


@pytest.fixture(scope="session")
def pg_demo_template() -> Iterator[PgTemplate]:
    from tests.register.conftest import _pg_base

    base = _pg_base()
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"openatt_rtpl_{secrets.token_hex(6)}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        db = Database(base.set(database=name).render_as_string(hide_password=False))
        demo.fill(db, default_assessor())
        db.dispose()
        yield PgTemplate(base, admin, name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def register(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Register]:
    if request.param == "postgresql":
        yield from _postgres_copy(request.getfixturevalue("pg_demo_template"), tmp_path)
        return
    demo_template: Path = request.getfixturevalue("demo_template")
    target = tmp_path / "register.sqlite"
    source = sqlite3.connect(demo_template)
    copy = sqlite3.connect(target)
    source.backup(copy)
    source.close()
    copy.close()
    url = f"sqlite:///{target}"
    db = Database(url)
    yield Register(db=db, path=target, url=url, year=dt.date.today().year)
    db.dispose()


def _postgres_copy(template: PgTemplate, tmp_path: Path) -> Iterator[Register]:
    name = f"openatt_r_{secrets.token_hex(6)}"
    with template.admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template.name}"'))
    url = template.base.set(database=name).render_as_string(hide_password=False)
    db = Database(url)
    try:
        yield Register(db=db, path=tmp_path, url=url, year=dt.date.today().year)
    finally:
        db.dispose()
        with template.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def actor(role: Role) -> Actor:
    return replace(SYSTEM, username=f"test-{role.value}", role=role)


def demo_user(register: Register, username: str) -> Actor:
    """A user the demo created (services that write user ids need a real one)."""
    from openatt.register import users

    with register.db.read() as session:
        found = next(u for u in users.list_users(session) if u.username == username)
        return users.actor_of(found)
