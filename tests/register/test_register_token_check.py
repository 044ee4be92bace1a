"""The API's token check in SQLAlchemy Core (``register/token_check.py``, issue 16) answers
exactly as the ORM check it replaced on the API (``logins.authenticate``, which the web UI
keeps): the same actor for a good token, the same refusal for an unknown, expired, idle or
disabled one, against the database on every call (no cache lets a disabled user through),
and the session's last activity written as before."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from register_helpers import Api
from sqlalchemy import update

from openatt.register import logins, token_check
from openatt.register.db import Database
from openatt.register.errors import Unauthenticated
from openatt.register.models import Session as LoginSession
from openatt.register.models import User
from openatt.register.users import Actor, _token_hash

Check = Callable[[Database, str], Actor]
BOTH: tuple[Check, Check] = (logins.authenticate, token_check.authenticate)


def _outcome(check: Check, db: Database, token: str) -> Actor | str:
    try:
        return check(db, token)
    except Unauthenticated as refused:
        return f"refused: {refused}"


def _same(api: Api, token: str) -> Actor | str:
    old, new = (_outcome(check, api.db, token) for check in BOTH)
    assert new == old
    return new


def _session(api: Api, user: str, **values: object) -> None:
    with api.db.write() as session:
        digest = _token_hash(api.tokens[user])
        session.execute(
            update(LoginSession).where(LoginSession.token_hash == digest).values(**values)
        )


def test_a_good_token_names_the_same_actor(api: Api) -> None:
    for user in ("officer", "applicant", "admin"):
        actor = _same(api, api.tokens[user])
        assert isinstance(actor, Actor) and actor.username == user
    assert _same(api, "not a token") == "refused: login expired or unknown; log in again"


def test_expired_idle_and_disabled_are_refused_at_once(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = dt.datetime.now(dt.UTC)
    _session(api, "officer", expires_at=now - dt.timedelta(seconds=1))
    assert str(_same(api, api.tokens["officer"])).startswith("refused: login expired")
    _session(api, "auditor", last_seen_at=now - logins.idle_timeout() - dt.timedelta(seconds=5))
    assert "without use" in str(_same(api, api.tokens["auditor"]))
    assert isinstance(_same(api, api.tokens["senior"]), Actor)
    with api.db.write() as session:
        session.execute(update(User).where(User.username == "senior").values(active=False))
    assert _same(api, api.tokens["senior"]) == "refused: user disabled"  # the very next call
    assert api.get("/auth/me", "senior").status_code == 401


def test_last_activity_is_written_at_most_once_a_minute(api: Api) -> None:
    stale = dt.datetime.now(dt.UTC) - logins.SEEN_EVERY - dt.timedelta(seconds=5)
    _session(api, "officer", last_seen_at=stale)
    assert isinstance(token_check.authenticate(api.db, api.tokens["officer"]), Actor)
    with api.db.read() as session:
        row = session.get(LoginSession, _token_hash(api.tokens["officer"]))
        assert row is not None and row.last_seen_at is not None
        seen = (
            row.last_seen_at.replace(tzinfo=dt.UTC)
            if not row.last_seen_at.tzinfo
            else row.last_seen_at
        )
        assert seen > stale + dt.timedelta(seconds=4)
