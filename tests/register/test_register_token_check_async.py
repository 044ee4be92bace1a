"""The token check awaited on the event loop (``register/token_check_async.py``, issue 16),
which ``POST /assess`` uses on PostgreSQL.

It must answer exactly as the blocking check (``register/token_check.py``): the same actor
and generation for a good token, the same refusal for an unknown, expired, idle, logged-out
or disabled one, on the very next call (nothing is cached). It holds at most
``CONNECTIONS`` connections, replaces one that PostgreSQL dropped, and the pre-check falls
back to the application when the check fails for any other reason than the token.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from typing import Any

import psycopg
import pytest
from register_helpers import Api, application
from sqlalchemy import create_engine, text, update

from openatt.api.assess_fast import AssessFast
from openatt.register import logins, token_check
from openatt.register.errors import Unauthenticated
from openatt.register.models import Session as LoginSession
from openatt.register.models import User
from openatt.register.token_check_async import APPLICATION_NAME, CONNECTIONS, AsyncTokenCheck
from openatt.register.users import _token_hash


def _postgres_only(api: Api) -> None:
    if api.db.is_sqlite:
        pytest.skip("the asynchronous check is PostgreSQL's (SQLite: test_on_sqlite_...)")


def _outcome(found: Any) -> Any:
    return found if not isinstance(found, Exception) else f"refused: {found}"


def _both(api: Api, checker: AsyncTokenCheck, token: str) -> Any:
    """The awaited check's outcome, which must equal the blocking check's."""

    async def awaited() -> Any:
        try:
            return await checker.check(token)
        except Unauthenticated as refused:
            return refused

    try:
        blocking: Any = token_check.check(api.db, token)
    except Unauthenticated as refused:
        blocking = refused
    found = asyncio.run(awaited())
    assert _outcome(found) == _outcome(blocking)
    return _outcome(found)


def _session(api: Api, user: str, **values: object) -> None:
    with api.db.write() as session:
        digest = _token_hash(api.tokens[user])
        session.execute(
            update(LoginSession).where(LoginSession.token_hash == digest).values(**values)
        )


def _backends(api: Api) -> int:
    """The PostgreSQL connections the awaited check holds open on the test's database."""
    with api.db.engine.connect() as connection:
        found = connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND application_name = :name"
            ),
            {"name": APPLICATION_NAME},
        ).scalar()
    return int(found or 0)


def _terminate(api: Api) -> int:
    """Ends the awaited check's connections from PostgreSQL's side (a restart, a proxy)."""
    admin = create_engine(api.db.engine.url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            ended = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND application_name = :name"
                ),
                {"name": APPLICATION_NAME},
            ).scalar()
    finally:
        admin.dispose()
    return int(ended or 0)


def test_a_good_token_is_the_same_actor_and_generation(api: Api) -> None:
    _postgres_only(api)
    checker = AsyncTokenCheck(api.db)
    try:
        for user in ("officer", "applicant", "admin"):
            found = _both(api, checker, api.tokens[user])
            assert isinstance(found, token_check.Checked) and found.actor.username == user
            assert found.generation[0] is not None and found.generation[1]
        unknown = "refused: login expired or unknown; log in again"
        assert _both(api, checker, "not a token") == unknown
        assert checker.statements == 4  # one statement a check, nothing cached
    finally:
        checker.close()


def test_expired_idle_disabled_and_logged_out_are_refused_at_once(api: Api) -> None:
    _postgres_only(api)
    checker = AsyncTokenCheck(api.db)
    try:
        assert isinstance(_both(api, checker, api.tokens["officer"]), token_check.Checked)
        now = dt.datetime.now(dt.UTC)
        _session(api, "officer", expires_at=now - dt.timedelta(seconds=1))
        assert str(_both(api, checker, api.tokens["officer"])).startswith("refused: login expired")
        idle = now - logins.idle_timeout() - dt.timedelta(seconds=5)
        _session(api, "auditor", last_seen_at=idle)
        assert "without use" in str(_both(api, checker, api.tokens["auditor"]))
        assert isinstance(_both(api, checker, api.tokens["senior"]), token_check.Checked)
        with api.db.write() as session:  # behind the API's back: no event
            session.execute(update(User).where(User.username == "senior").values(active=False))
        assert _both(api, checker, api.tokens["senior"]) == "refused: user disabled"
        assert isinstance(_both(api, checker, api.tokens["admin"]), token_check.Checked)
        assert api.post("/auth/logout", "admin").status_code in (200, 204)
        assert str(_both(api, checker, api.tokens["admin"])).startswith("refused: login expired")
    finally:
        checker.close()


def test_at_most_a_few_connections_each_reused(api: Api) -> None:
    _postgres_only(api)
    checker = AsyncTokenCheck(api.db)
    token = api.tokens["officer"]
    before = _backends(api)

    async def many() -> list[str]:
        found = await asyncio.gather(*(checker.check(token) for _ in range(5 * CONNECTIONS)))
        return [checked.actor.username for checked in found]

    try:
        assert asyncio.run(many()) == ["officer"] * (5 * CONNECTIONS)
        assert 1 <= _backends(api) - before <= CONNECTIONS
        assert checker.statements == 5 * CONNECTIONS
        # A second event loop: the first one's connections are closed, new ones opened.
        assert asyncio.run(many()) == ["officer"] * (5 * CONNECTIONS)
        assert 1 <= _backends(api) - before <= CONNECTIONS
    finally:
        checker.close()
    assert _settled(api, before) == before  # closed: their backends end


def _settled(api: Api, expected: int) -> int:
    """The count once PostgreSQL has ended the backends of closed connections (a backend
    exits a moment after its client has gone)."""
    for _ in range(100):
        found = _backends(api)
        if found == expected:
            break
        time.sleep(0.05)
    return found


def test_a_connection_postgresql_dropped_is_replaced(api: Api) -> None:
    _postgres_only(api)
    checker = AsyncTokenCheck(api.db)
    token = api.tokens["officer"]

    async def around_the_drop() -> tuple[str, int, bool, str]:
        before = (await checker.check(token)).actor.username
        ended = _terminate(api)  # the connection is idle in the checker meanwhile
        try:
            await checker.check(token)
            failed = False
        except psycopg.OperationalError:
            failed = True  # the dropped connection, closed and not kept
        return before, ended, failed, (await checker.check(token)).actor.username

    try:
        assert asyncio.run(around_the_drop()) == ("officer", 1, True, "officer")
    finally:
        checker.close()


def _fast(api: Api) -> AssessFast:
    layer: Any = api.client.app
    layer = layer.middleware_stack
    while not isinstance(layer, AssessFast):
        layer = layer.app
    return layer


def test_the_pre_check_falls_back_to_the_application_when_the_check_fails(api: Api) -> None:
    _postgres_only(api)
    body = json.dumps(application()).encode()
    headers = {**api.headers("officer"), "content-type": "application/json"}
    assert api.get("/auth/me", "officer").status_code == 200  # its last activity written
    first = api.client.post("/assess", content=body, headers=headers)
    fast = _fast(api)
    answered = fast.answered
    assert first.status_code == 200 and answered >= 1
    assert _terminate(api) >= 1
    again = api.client.post("/assess", content=body, headers=headers)
    assert again.status_code == 200 and again.content == first.content
    assert fast.answered == answered  # the application answered (the blocking check)
    third = api.client.post("/assess", content=body, headers=headers)
    assert third.status_code == 200 and third.content == first.content
    assert fast.answered == answered + 1  # a new connection, the fast path again


def test_on_sqlite_the_pre_check_keeps_the_blocking_check(api: Api) -> None:
    if not api.db.is_sqlite:
        pytest.skip("SQLite's")
    assert api.client.app.state.async_token_check is None  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="PostgreSQL only"):
        AsyncTokenCheck(api.db)
