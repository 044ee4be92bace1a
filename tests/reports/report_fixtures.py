"""Fixtures for the report tests: the demo register (``openatt demo``'s services, the real
engine), built once per session and copied for each test: on a temporary SQLite file, and on
PostgreSQL when ``OPENATT_TEST_DATABASE_URL`` names a server (skipped without it, failing
under CI=true, as the register's tests do).

Test modules import what they use from here (a conftest.py in this folder would shadow the
suite's root ``conftest`` module). A fixture imported into several modules is one fixture per
module, so the demo templates are kept at module level and built once.
"""

from __future__ import annotations

import atexit
import datetime as dt
import os
import secrets
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url

from openatt.register import demo
from openatt.register.assessor import default_assessor
from openatt.register.db import Database, normalise_url
from openatt.register.models import Role
from openatt.register.users import SYSTEM, Actor

PG_ENV = "OPENATT_TEST_DATABASE_URL"
OFFICER = replace(SYSTEM, username="test-officer", role=Role.officer)


@dataclass
class Register:
    db: Database
    url: str
    year: int
    """The demo's year: its cases are dated today."""


def actor(role: Role) -> Actor:
    return replace(SYSTEM, username=f"test-{role.value}", role=role)


def demo_user(register: Register, username: str) -> Actor:
    """A user the demo created (services that write user ids need a real one)."""
    from openatt.register import users

    with register.db.read() as session:
        found = next(u for u in users.list_users(session) if u.username == username)
        return users.actor_of(found)


def _pg_base() -> URL:
    base = os.environ.get(PG_ENV)
    if not base:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(
                f"{PG_ENV} is not set: CI must run the report tests on PostgreSQL "
                "(bash .ci/postgres.sh prints the URL)"
            )
        pytest.skip(f"{PG_ENV} not set (bash .ci/postgres.sh starts a PostgreSQL)")
    return make_url(normalise_url(base))


@dataclass
class _Templates:
    folder: Path
    sqlite: Path | None = None
    postgres: str | None = None
    admin: Engine | None = None

    def sqlite_template(self) -> Path:
        if self.sqlite is None:
            path = self.folder / "demo.sqlite"
            db = Database(f"sqlite:///{path}")
            demo.fill(db, default_assessor())
            db.dispose()
            self.sqlite = path
        return self.sqlite

    def postgres_template(self, base: URL) -> tuple[Engine, str]:
        if self.admin is None or self.postgres is None:
            admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
            name = f"openatt_rtpl_{secrets.token_hex(6)}"
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            self.admin, self.postgres = admin, name
            db = Database(base.set(database=name).render_as_string(hide_password=False))
            demo.fill(db, default_assessor())
            db.dispose()
        return self.admin, self.postgres

    def drop(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        if self.admin is not None and self.postgres is not None:
            with self.admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{self.postgres}" WITH (FORCE)'))
            self.admin.dispose()


_TEMPLATES = _Templates(Path(tempfile.mkdtemp(prefix="openatt-report-tests-")))
atexit.register(_TEMPLATES.drop)


def _sqlite_copy(tmp_path: Path) -> Iterator[Register]:
    target = tmp_path / "register.sqlite"
    source = sqlite3.connect(_TEMPLATES.sqlite_template())
    copy = sqlite3.connect(target)
    source.backup(copy)
    source.close()
    copy.close()
    url = f"sqlite:///{target}"
    db = Database(url)
    yield Register(db=db, url=url, year=dt.date.today().year)
    db.dispose()


def _postgres_copy() -> Iterator[Register]:
    base = _pg_base()
    admin, template = _TEMPLATES.postgres_template(base)
    name = f"openatt_r_{secrets.token_hex(6)}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    db = Database(url)
    try:
        yield Register(db=db, url=url, year=dt.date.today().year)
    finally:
        db.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(name="register", params=["sqlite", "postgresql"])
def register_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Register]:
    """A copy of the demo register, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield from _sqlite_copy(tmp_path)
    else:
        yield from _postgres_copy()
