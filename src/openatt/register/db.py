"""Connecting to the register and migrating it (Alembic, run from inside the package)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from openatt import settings
from openatt.register.fair_slots import FairSlots
from openatt.register.write_turns import turns_for

MIGRATIONS = str(Path(__file__).parent / "migrations")
WRITE_OPTION = "openatt_write"
# Write transactions one process runs at once on PostgreSQL (issue 16, fourth round). The
# chain head is locked only at the commit, so writers no longer wait for each other from
# their first statement; forty threads of the server all running Python then fought over the
# interpreter's lock and doubled the CPU each write took. A few in flight keep both the
# database and the process busy; the others wait here, holding no connection and no lock.
# Measured against 2, 3 and 6 in the tenth round (docs/performance.md): 6 was behind, 2 and
# 3 could not be told apart from 4 on a 2-core machine.
PG_WRITERS_PER_PROCESS = 4
# How long a SQLite writer waits for the write lock (SQLite's busy timeout), and for its turn
# (``write_turns``) before it asks SQLite all the same.
SQLITE_BUSY_SECONDS = 30.0


def normalise_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs (the driver this package installs)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (else the settings' URL); SQLite gets foreign keys and a
    busy timeout, and its parent folder is created."""
    resolved = normalise_url(settings.database_url(url))
    parsed = make_url(resolved)
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_SECONDS, "check_same_thread": False}
    # As many pooled connections as the server has threads (anyio's 40): with SQLAlchemy's
    # default of 5 + 10 overflow, 50 clients made the pool open and close a SQLite
    # connection (its pragmas and file modes) for every request beyond the fifteenth.
    kwargs["pool_size"] = 20
    kwargs["max_overflow"] = 40
    engine = create_engine(resolved, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        database_file = parsed.database

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()
            if database_file and database_file != ":memory:":
                from openatt.register.files import make_private

                for suffix in ("", "-wal", "-shm"):  # password hashes inside (issue 13)
                    make_private(Path(f"{database_file}{suffix}").expanduser())

        @event.listens_for(engine, "begin")
        def _begin(connection: Any) -> None:
            # Writers take SQLite's write lock at BEGIN, so two processes (the server and a
            # CLI command) queue on the busy timeout instead of failing when one of them
            # upgrades a read snapshot that the other has made stale.
            immediate = connection.get_execution_options().get(WRITE_OPTION)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (idempotent)."""
    with engine.begin() as connection:
        config = _config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    with engine.begin() as connection:
        config = _config(engine)
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory(MIGRATIONS).get_current_head()


class Database:
    """An engine, its session factory and, for SQLite, the turns that order its writers
    across threads and processes (SQLite allows one writer; on PostgreSQL writers lock the
    case they change, and the chain head's row at the commit)."""

    def __init__(self, url: str | None = None, *, migrate: bool = True) -> None:
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        # the file beside a SQLite register that orders its writers; none for PostgreSQL
        database = self.engine.url.database if self.is_sqlite else None
        self._turns = turns_for(database, SQLITE_BUSY_SECONDS)
        self._writers = FairSlots(PG_WRITERS_PER_PROCESS)  # in arrival order (issue 16)
        if migrate:
            upgrade(self.engine)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error."""
        if self.is_sqlite:
            with self._turns, self.sessions() as session, session.begin():
                session.connection(execution_options={WRITE_OPTION: True})
                yield session
        else:
            # The chain head is locked last, just before the commit, when the transaction's
            # events are linked (audit.link_pending): writers queue on it only for its last
            # statements. A write on a case locks the case's row first (for_change), so two
            # writes on one case still run one after the other (issue 16, fourth round).
            with self._writers, self.sessions() as session, session.begin():
                yield session

    def dispose(self) -> None:
        self.engine.dispose()
        self._turns.close()
