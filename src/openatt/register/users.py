"""Users, roles, argon2 password hashes and expiring login tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from openatt.register import audit
from openatt.register.errors import Conflict, Invalid, Unauthenticated
from openatt.register.models import Role, User
from openatt.register.models import Session as LoginSession
from openatt.settings import get_settings

_HASHER = PasswordHasher()
MIN_PASSWORD = 8


def token_lifetime() -> dt.timedelta:
    """How long a login lasts: ``OPENATT_SESSION_HOURS`` (default 8, one working day), so an
    unattended session ends by the next day."""
    return dt.timedelta(hours=get_settings().session_hours)


@dataclass(frozen=True)
class Actor:
    """Who is acting: what services check permissions and write into the log against."""

    id: int
    username: str
    role: Role
    company: str | None

    @property
    def label(self) -> str:
        return f"{self.username} ({self.role.value})"


SYSTEM = Actor(id=0, username="system", role=Role.admin, company=None)


def actor_of(user: User) -> Actor:
    return Actor(id=user.id, username=user.username, role=Role(user.role), company=user.company)


# What a username may be (the API's UserIn says the same): one account cannot pass for
# another in the audit log or a four-eyes record, by case, spaces or look-alike letters.
USERNAME = re.compile(r"[A-Za-z0-9_.@-]{1,80}")


def add_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    company: str | None = None,
    by: Actor = SYSTEM,
) -> User:
    """Create a user. Applicants belong to a company; no one else does."""
    from openatt.register.accounts import check_password

    check_password(password, username)  # length, common passwords (issue 13)
    if role == Role.applicant and not company:
        raise Invalid("an applicant must belong to a company", field=("company",))
    if role != Role.applicant:
        company = None
    if not USERNAME.fullmatch(username):
        raise Invalid(
            "a username is 1-80 of the letters A-Z, digits and . _ @ - (no spaces, no "
            "look-alike letters from other scripts)",
            field=("username",),
        )
    same = select(User.username).where(func.lower(User.username) == username.lower())
    existing = session.execute(same).scalar()
    if existing is not None:  # "Officer" beside "officer": one name to the reader of the log
        raise Conflict(f"user {existing!r} exists", field=("username",))
    user = User(
        username=username,
        password_hash=_HASHER.hash(password),
        role=role.value,
        company=company,
        active=True,
        created_at=dt.datetime.now(dt.UTC),
    )
    session.add(user)
    audit.record(
        session,
        actor=by.username,
        action="user.add",
        row=user,
        payload={"username": username, "role": role.value, "company": company},
    )
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def login(
    session: Session, username: str, password: str, lifetime: dt.timedelta | None = None
) -> tuple[str, dt.datetime]:
    """Check a password and open a session; returns the bearer token and its expiry."""
    lifetime = lifetime or token_lifetime()
    user = session.execute(select(User).where(User.username == username)).scalar()
    if user is None or not user.active:
        _HASHER.hash(password)  # same time whether or not the user exists
        raise Unauthenticated("wrong username or password")
    try:
        _HASHER.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError) as error:
        raise Unauthenticated("wrong username or password") from error
    token = secrets.token_urlsafe(32)
    now = dt.datetime.now(dt.UTC)
    expires = now + lifetime
    session.add(
        LoginSession(
            token_hash=_token_hash(token), user_id=user.id, created_at=now, expires_at=expires
        )
    )
    session.execute(delete(LoginSession).where(LoginSession.expires_at < now))
    return token, expires


def logout(session: Session, token: str) -> None:
    session.execute(delete(LoginSession).where(LoginSession.token_hash == _token_hash(token)))


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def authenticate(session: Session, token: str) -> Actor:
    """The actor behind a bearer token, if it exists and has not expired (one query)."""
    found = session.execute(
        select(User, LoginSession.expires_at)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.token_hash == _token_hash(token))
    ).first()
    if found is None or _aware(found[1]) <= dt.datetime.now(dt.UTC):
        raise Unauthenticated("login expired or unknown; log in again")
    user = found[0]
    if not user.active:
        raise Unauthenticated("user disabled")
    return actor_of(user)


def list_users(session: Session) -> list[User]:
    return list(session.execute(select(User).order_by(User.id)).scalars())
