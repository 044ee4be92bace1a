"""The bearer-token check on PostgreSQL from the event loop, without the thread pool (issue 16).

:func:`openatt.register.token_check.check` is a blocking call: the API runs it in anyio's
thread pool, and under 50 clients each server process keeps about 25 threads that wait on
PostgreSQL, wake, and then wait again for the interpreter's lock while other threads run
the engine. This module makes the same check (the same statement, compiled from
:data:`token_check._LOOKUP`, judged by the same :func:`token_check._judge`) with psycopg's
asynchronous connection, awaited on the event loop: while PostgreSQL answers, the loop
serves other requests, and no thread is woken for it. One check at a time in one process it
cost 0.15 ms of CPU against the blocking check's 0.27 (3,000 checks, 2026-12-04).

Nothing is cached: every call is one round trip to PostgreSQL in autocommit (one statement,
one snapshot), so a logout, a disabled user or an ended session is refused at once, as
with the blocking check. The connections are the process's own, at most
:data:`CONNECTIONS` per event loop, each held only for the statement; one that fails is
closed and not reused. Only PostgreSQL: SQLite's check reads a local file through a driver
that has no asynchronous form, and SQLite's target is met.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import psycopg

from openatt.register.db import Database
from openatt.register.token_check import _LOOKUP, Checked, _judge
from openatt.register.users import _token_hash

# Checks at once per process and event loop, each on a connection of its own held for one round
# trip; the others wait their turn. The bound is about a process's share of the 50 clients of
# issue 16 (the blocking check had up to 40 threads): a check waits on PostgreSQL's backend,
# which shares the cores with the server, and a small bound times a few milliseconds of that
# wait under load caps the rate (four checks at once cost the reads 17-29% of their rate in
# the fourth round; docs/register.md).
CONNECTIONS = 16
# How its connections show in ``pg_stat_activity`` (unless the database URL names another).
APPLICATION_NAME = "openatt token check"


class AsyncTokenCheck:
    """The token check of one database, awaited on the event loop (PostgreSQL only).

    One event loop at a time, as in a server process: when a check runs on another loop (a
    test client starts one per client) the idle connections of the previous one are closed
    and new ones opened."""

    def __init__(self, db: Database) -> None:
        engine = db.engine
        if engine.dialect.name != "postgresql":
            raise ValueError("the asynchronous token check is for PostgreSQL only")
        _args, params = engine.dialect.create_connect_args(engine.url)
        # The connection's own arguments, without SQLAlchemy's type adapters (the statement
        # reads integers, text, booleans and timestamps: psycopg's own types).
        self._params: dict[str, Any] = {k: v for k, v in params.items() if k != "context"}
        self._params.setdefault("application_name", APPLICATION_NAME)
        compiled = _LOOKUP.compile(dialect=engine.dialect)
        self._sql = str(compiled)
        self._binds: dict[str, Any] = dict(compiled.params)  # the chain head's key
        self._loop: asyncio.AbstractEventLoop | None = None
        self._idle: list[psycopg.AsyncConnection[Any]] = []
        self._slots_of_loop: asyncio.Semaphore | None = None
        self.statements = 0  # sent to PostgreSQL (the tests count them)

    async def check(self, token: str) -> Checked:
        """The token's actor and the register's generation (raises
        :class:`~openatt.register.errors.Unauthenticated` as the blocking check does, and
        psycopg's errors when PostgreSQL cannot be reached)."""
        now = dt.datetime.now(dt.UTC)
        async with self._slots():
            connection = self._idle.pop() if self._idle else await self._connect()
            self.statements += 1
            try:
                cursor = await connection.execute(
                    self._sql, {**self._binds, "digest": _token_hash(token)}
                )
                found = await cursor.fetchone()
            except BaseException:
                connection.pgconn.finish()  # not reused: its state is unknown
                raise
            self._idle.append(connection)
        return _judge(found, now)

    def _slots(self) -> asyncio.Semaphore:
        """At most :data:`CONNECTIONS` checks at once on this event loop, in turn."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop or self._slots_of_loop is None:
            self._forget_idle()  # a new event loop (a test client's): the old ones were its
            self._loop = loop
            self._slots_of_loop = asyncio.Semaphore(CONNECTIONS)
        return self._slots_of_loop

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        return await psycopg.AsyncConnection.connect(autocommit=True, **self._params)

    def _forget_idle(self) -> None:
        """Closes the idle connections' sockets (those of an event loop no longer running
        cannot be awaited from another)."""
        for connection in self._idle:
            connection.pgconn.finish()
        self._idle.clear()

    def close(self) -> None:
        """Closes the idle connections (at the application's shutdown)."""
        self._forget_idle()
        self._loop = None
        self._slots_of_loop = None
