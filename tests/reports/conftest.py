"""Fixtures for the report tests: the demo register (``openatt demo``'s services, the real
engine) on a temporary SQLite file, built once per session and copied for each test."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

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


@pytest.fixture
def register(demo_template: Path, tmp_path: Path) -> Iterator[Register]:
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


def actor(role: Role) -> Actor:
    return replace(SYSTEM, username=f"test-{role.value}", role=role)


def demo_user(register: Register, username: str) -> Actor:
    """A user the demo created (services that write user ids need a real one)."""
    from openatt.register import users

    with register.db.read() as session:
        found = next(u for u in users.list_users(session) if u.username == username)
        return users.actor_of(found)
