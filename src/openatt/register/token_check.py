"""The bearer-token check every API request makes, in SQLAlchemy Core (issue 16).

The same rules as :func:`openatt.register.logins.authenticate` (unexpired, used within the
idle timeout, user active; checked against the database on every request, so a disabled user
or an ended session is refused at once), but one SELECT of six columns on a pooled connection
instead of an ORM session loading two mapped objects: the ORM's identity map, unit of work and
instance construction cost more than the query on a read that answers in 2 ms.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, select, update

from openatt.register.db import Database
from openatt.register.errors import Unauthenticated
from openatt.register.logins import SEEN_EVERY, idle_timeout
from openatt.register.models import Role, User
from openatt.register.models import Session as LoginSession
from openatt.register.users import Actor, _token_hash

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
    )
    .join(LoginSession, LoginSession.user_id == User.id)
    .where(LoginSession.token_hash == bindparam("digest"))
)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def authenticate(db: Database, token: str) -> Actor:
    """The actor behind a token: unexpired, used within the idle timeout, user active."""
    now = dt.datetime.now(dt.UTC)
    digest = _token_hash(token)
    with db.engine.connect() as connection:
        found = connection.execute(_LOOKUP, {"digest": digest}).first()
        connection.rollback()
    if found is None:
        raise Unauthenticated("login expired or unknown; log in again")
    user_id, username, role, company, active, created_at, expires_at, last_seen_at = found
    seen = _aware(last_seen_at or created_at)
    if _aware(expires_at) <= now:
        raise Unauthenticated("login expired or unknown; log in again")
    if now - seen > idle_timeout():
        raise Unauthenticated("login ended after a period without use; log in again")
    if not active:
        raise Unauthenticated("user disabled")
    if now - seen > SEEN_EVERY:
        with db.write() as session:
            session.execute(
                update(LoginSession)
                .where(LoginSession.token_hash == digest)
                .values(last_seen_at=now)
            )
    return Actor(id=user_id, username=username, role=Role(role), company=company)
