"""Fixtures for the register tests (imported by each test module: a conftest.py here would
shadow the suite's root ``conftest`` module that other tests import from).

Every test that takes ``database_url`` runs twice: on a fresh SQLite file, and on a fresh
PostgreSQL database created for it on the server named by ``OPENATT_TEST_DATABASE_URL``
(``bash .ci/postgres.sh`` starts one and prints the URL). Without that variable the
PostgreSQL run is skipped, except under CI=true, where it fails: CI must test both.

The assessor is the real core engine (the root conftest's session-wide ``engine``). Users are created through
the service and log in through the API, so argon2 and token expiry are exercised for real.
"""

from __future__ import annotations

import atexit
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from register_helpers import (
    PG_ENV,
    Api,
    Templates,
    _pg_base,
    _postgres_database,
    _serve,
)
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from openatt.core.engine import Engine
from openatt.register.db import normalise_url


@pytest.fixture(name="database_url", params=["sqlite", "postgresql"])
def database_url_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: SQLite always, PostgreSQL when configured."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'register.sqlite'}"
    else:
        yield from _postgres_database()


_TEMPLATES: list[Templates] = []


def _drop_templates() -> None:
    base = os.environ.get(PG_ENV)
    names = [name for found in _TEMPLATES for name in found.cleanup]
    if base and names:
        admin = create_engine(
            make_url(normalise_url(base)).set(database="postgres"), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(name="templates", scope="session")
def templates_fixture(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Templates:
    """One set of templates for the whole session. Each test module imports this fixture,
    which makes a fixture per module, so the instance is kept here, at module level."""
    if not _TEMPLATES:
        _TEMPLATES.append(Templates(engine, tmp_path_factory.mktemp("templates")))
        atexit.register(_drop_templates)
    return _TEMPLATES[0]


@pytest.fixture(name="api", params=["sqlite", "postgresql"])
def api_fixture(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    engine: Engine,
    templates: Templates,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Api]:
    """A register seeded with one logged-in user per role, on SQLite and PostgreSQL.
    OPENATT_HOME is a temporary folder: the monitoring endpoints never see the user's store."""
    monkeypatch.setenv("OPENATT_HOME", str(tmp_path / "home"))
    if request.param == "sqlite":
        url, tokens = templates.sqlite_copy(tmp_path / "register.sqlite")
        yield from _serve(url, tokens, engine)
        return
    base = _pg_base()
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"openatt_t_{secrets.token_hex(6)}"
    try:
        tokens = templates.postgres_copy(admin, base, name)
        yield from _serve(
            base.set(database=name).render_as_string(hide_password=False), tokens, engine
        )
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
