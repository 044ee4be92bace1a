"""Account administration (issue 13): disable and enable a user, change a password, enrol a
TOTP second factor, the password policy, and the check for demo logins left in a register.

Disabling a user or changing a password ends every session of that user. Each change is an
event in the hash-chained log, by the administrator (or the user) who made it.
"""

from __future__ import annotations

import datetime as dt
import functools
from importlib import resources

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from openatt.register import audit
from openatt.register.errors import Conflict, Forbidden, Invalid, NotFound
from openatt.register.models import Role, User, UserFactorRow
from openatt.register.models import Session as LoginSession
from openatt.register.permissions import Permission, require
from openatt.register.users import _HASHER, MIN_PASSWORD, Actor
from openatt.settings import get_settings


@functools.cache
def common_passwords() -> frozenset[str]:
    """The bundled list (its source is in the file) plus ``OPENATT_EXTRA_PASSWORD_LIST``."""
    text = resources.files("openatt.register").joinpath("data/common_passwords.txt").read_text()
    extra = get_settings().extra_password_list
    if extra:
        text += "\n" + open(extra, encoding="utf-8").read()  # noqa: SIM115 (read at once)
    return frozenset(
        line.strip().casefold() for line in text.splitlines() if line and not line.startswith("#")
    )


def check_password(password: str, username: str = "") -> None:
    """Refuse a short password, a common one, or one that is the username."""
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"password must have at least {MIN_PASSWORD} characters", field=("password",))
    folded = password.casefold()
    if folded in common_passwords():
        raise Invalid("this password is on a list of common passwords", field=("password",))
    if username and username.casefold() == folded:
        raise Invalid("the password cannot be the username", field=("password",))


def _user(session: Session, username: str) -> User:
    user = session.execute(select(User).where(User.username == username)).scalar()
    if user is None:
        raise NotFound(f"no user {username!r}", field=("username",))
    return user


def end_sessions(session: Session, user_id: int) -> int:
    result = session.execute(delete(LoginSession).where(LoginSession.user_id == user_id))
    return int(getattr(result, "rowcount", 0) or 0)


def set_active(session: Session, by: Actor, username: str, active: bool) -> User:
    """Disable (ending every session) or enable a user."""
    require(by, Permission.users_manage)
    user = _user(session, username)
    if not active and user.id == by.id:
        raise Conflict("you cannot disable yourself", field=("username",))
    user.active = active
    ended = 0 if active else end_sessions(session, user.id)
    audit.record(
        session,
        actor=by.label,
        action="user.enable" if active else "user.disable",
        row=user,
        payload={"username": username, "sessions_ended": ended},
    )
    return user


def change_password(session: Session, by: Actor, username: str, password: str) -> User:
    """Set a new password (an administrator for anyone, a user for themself); every session
    of the user ends."""
    if by.username != username:
        require(by, Permission.users_manage)
    check_password(password, username)
    user = _user(session, username)
    user.password_hash = _HASHER.hash(password)
    ended = end_sessions(session, user.id)
    audit.record(
        session,
        actor=by.label,
        action="user.password",
        row=user,
        payload={"username": username, "sessions_ended": ended},
    )
    return user


def enrol_totp(session: Session, by: Actor, username: str) -> str:
    """Give a staff user a new TOTP secret (returned once, to put in an authenticator app)."""
    import pyotp

    require(by, Permission.users_manage)
    user = _user(session, username)
    if user.role == Role.applicant.value:
        raise Forbidden("the second factor is for the authority's staff", field=("username",))
    secret = pyotp.random_base32()
    factor = session.execute(select(UserFactorRow).where(UserFactorRow.user_id == user.id)).scalar()
    if factor is None:
        factor = UserFactorRow(user_id=user.id, secret=secret, created_at=dt.datetime.now(dt.UTC))
        session.add(factor)
    else:
        factor.secret = secret
    session.flush()
    audit.record(
        session, actor=by.label, action="user.totp", row=factor, payload={"username": username}
    )
    end_sessions(session, user.id)
    return secret


def demo_logins(session: Session) -> list[str]:
    """Users that still log in with the demo's published password."""
    from argon2.exceptions import InvalidHashError, VerificationError

    from openatt.register.demo import DEMO_USERS

    found = []
    for username, password, _role, _company in DEMO_USERS:
        user = session.execute(select(User).where(User.username == username)).scalar()
        if user is None or not user.active:
            continue
        try:
            _HASHER.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            continue
        found.append(username)
    return found
