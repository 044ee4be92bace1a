"""The bearer-token check every API request makes, in SQLAlchemy Core (issue 16).

The same rules as :func:`openatt.register.logins.authenticate` (unexpired, used within the
idle timeout, user active; checked against the database on every request, so a disabled user
or an ended session is refused at once), but one SELECT of a few columns on a pooled
connection instead of an ORM session loading two mapped objects: the ORM's identity map, unit
of work and instance construction cost more than the query on a read that answers in 2 ms.

The same SELECT also reads the register's generation, the audit chain's head (its sequence
number and hash). Every change to a case is an event in that chain, written in the same
transaction as the change, so the head moves with every change a read could show; the API's
read cache (:mod:`openatt.api.read_cache`) keys its answers by it. Reading it in the token's
own statement costs no further round trip, and the data a request reads afterwards is at
least as new as the generation it was filed under.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, update

from openatt.register.db import Database
from openatt.register.errors import Unauthenticated
from openatt.register.logins import SEEN_EVERY, idle_timeout
from openatt.register.models import ChainHead, Role, User
from openatt.register.models import Session as LoginSession
from openatt.register.users import Actor, _token_hash
from openatt.settings import env_name

_HEAD = ChainHead.id == 1
_LOOKUP = (
    select(
        User.id,
        User.username,
        User.role,
        User.company,
        User.active,
        LoginSession.created_at,
        LoginSession.expires_at,
        LoginSession.last_seen_at,
        select(ChainHead.seq).where(_HEAD).scalar_subquery(),
        select(ChainHead.hash).where(_HEAD).scalar_subquery(),
    )
    .join(LoginSession, LoginSession.user_id == User.id)
    .where(LoginSession.token_hash == bindparam("digest"))
)

Generation = tuple[int | None, str | None]

# The idle timeout by the value of its one variable. ``logins.idle_timeout`` reads the whole
# settings, which looks up each of their thirty-odd variables in the environment (60-90 µs,
# a tenth of a cached read's CPU); the timeout depends on OPENATT_IDLE_MINUTES alone, so a
# change of it is seen on the next request, and a new value is read and checked as before.
_IDLE_VARIABLE = env_name("idle_minutes")
_IDLE_BY_VALUE: dict[str | None, dt.timedelta] = {}


def _idle_timeout() -> dt.timedelta:
    given = os.environ.get(_IDLE_VARIABLE)
    found = _IDLE_BY_VALUE.get(given)
    if found is None:
        if len(_IDLE_BY_VALUE) > 16:  # a test suite's many values: keep it bounded
            _IDLE_BY_VALUE.clear()
        found = _IDLE_BY_VALUE[given] = idle_timeout()
    return found


@dataclass(frozen=True)
class Checked:
    """A token that passed every check: its actor, the register's generation read in the
    same statement, and whether the session's last activity is due to be written."""

    actor: Actor
    generation: Generation
    seen_due: bool


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _judge(found: Any, now: dt.datetime) -> Checked:
    """The checks on a looked-up row; raises :class:`Unauthenticated` on the first that fails."""
    if found is None:
        raise Unauthenticated("login expired or unknown; log in again")
    user_id, username, role, company, active, created_at, expires_at, last_seen_at = found[:8]
    seen = _aware(last_seen_at or created_at)
    if _aware(expires_at) <= now:
        raise Unauthenticated("login expired or unknown; log in again")
    if now - seen > _idle_timeout():
        raise Unauthenticated("login ended after a period without use; log in again")
    if not active:
        raise Unauthenticated("user disabled")
    actor = Actor(id=user_id, username=username, role=Role(role), company=company)
    return Checked(actor, (found[8], found[9]), now - seen > SEEN_EVERY)


def check(db: Database, token: str) -> Checked:
    """The token's actor and the register's generation, one statement, nothing written."""
    now = dt.datetime.now(dt.UTC)
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # One statement needs no transaction of its own: in autocommit it is one round
            # trip to PostgreSQL instead of three (BEGIN, the SELECT, ROLLBACK), and it still
            # reads the token and the chain head from one snapshot. (Not on SQLite: resetting
            # the level there would undo register/db.py's own transaction handling.)
            connection.execution_options(isolation_level="AUTOCOMMIT")
        found = connection.execute(_LOOKUP, {"digest": _token_hash(token)}).first()
        connection.rollback()
    return _judge(found, now)


def authenticate(db: Database, token: str) -> Actor:
    """The actor behind a token: unexpired, used within the idle timeout, user active; the
    session's last activity is written at most once every :data:`SEEN_EVERY`."""
    checked = check(db, token)
    if checked.seen_due:
        with db.write() as session:
            session.execute(
                update(LoginSession)
                .where(LoginSession.token_hash == _token_hash(token))
                .values(last_seen_at=dt.datetime.now(dt.UTC))
            )
    return checked.actor
