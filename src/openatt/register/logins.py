"""Logins as an attacker meets them (issue 13): throttled per account and per address with
a growing delay, every attempt in the hash-chained log, the password checked outside the
write transaction (a flood of wrong passwords must not queue the register's writers behind
argon2), an idle timeout beside the absolute one, and an optional TOTP second factor.

The policy figures below are security settings, not law: OWASP ASVS 4.0.3 V2.2.1 asks for
anti-automation without naming numbers; these follow NIST SP 800-63B section 5.2.2 (at most
100 consecutive failures per account) with a much lower start for the delay.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from openatt.errors import ErrorKind
from openatt.register import audit
from openatt.register.db import Database
from openatt.register.errors import RegisterError, Unauthenticated
from openatt.register.models import LoginAttemptRow, Role, User, UserFactorRow
from openatt.register.models import Session as LoginSession
from openatt.register.users import _HASHER, Actor, _token_hash, actor_of, token_lifetime
from openatt.settings import get_settings

FREE_PER_ACCOUNT = 5  # failures since the last success before the delay starts
FREE_PER_ADDRESS = 20  # failures from one address in ADDRESS_WINDOW (offices share one)
ADDRESS_WINDOW = dt.timedelta(minutes=15)
BURST_PER_ADDRESS = 5  # ...of which at most this many in BURST_WINDOW before spacing starts
BURST_WINDOW = dt.timedelta(minutes=1)
BURST_MAX_DELAY = dt.timedelta(seconds=8)  # the spacing doubles from FIRST_DELAY up to this
ACCOUNT_WINDOW = dt.timedelta(hours=24)
FIRST_DELAY = dt.timedelta(seconds=2)  # doubled for every further failure...
MAX_DELAY = dt.timedelta(minutes=15)  # ...up to this
SEEN_EVERY = dt.timedelta(seconds=60)  # how often a session's last activity is written
IN_FLIGHT_PER_KEY = 2  # password checks at once for one account or one address
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


def _lower_priority() -> None:
    """Run this thread, and the threads argon2 starts from it, at ``OPENATT_LOGIN_CHECK_NICE``.

    argon2 is slow on purpose and spreads each check over four threads (its parallelism), so a
    burst of wrong passwords would take both cores of a small server from the requests being
    served. On Linux the nice value is a property of each thread and is inherited by the
    threads it starts: at nice 19 a password check runs on whatever CPU the requests leave
    idle, and a login under full load waits a little longer instead of the writers."""
    nice = get_settings().login_check_nice
    if nice and hasattr(os, "setpriority"):
        # where not allowed, the checks run at the server's own priority
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)


class _Gate:
    """In-process guards in front of argon2 (slow and memory-hard on purpose): at most
    ``OPENATT_LOGIN_CHECKS`` (default 1) password checks at a time in the process, on
    threads of low CPU priority (:func:`_lower_priority`), at most ``IN_FLIGHT_PER_KEY`` for
    one account or address, and lockouts remembered in memory so that a flood of refused
    attempts costs neither a hash nor a query."""

    def __init__(self) -> None:
        self._checker: ThreadPoolExecutor | None = None
        self.lock = threading.Lock()
        self.in_flight: dict[str, int] = {}
        self.locked_until: dict[str, dt.datetime] = {}

    def refused_for(self, keys: tuple[str, ...], now: dt.datetime) -> int:
        with self.lock:
            until = max((self.locked_until.get(k, now) for k in keys), default=now)
        return int((until - now).total_seconds()) + 1 if until > now else 0

    def remember(self, keys: tuple[str, ...], until: dt.datetime) -> None:
        with self.lock:
            if len(self.locked_until) > 100_000:  # a flood of distinct names: start afresh
                self.locked_until.clear()
            for key in keys:
                self.locked_until[key] = max(until, self.locked_until.get(key, until))

    def check(
        self, candidate: _Candidate, password: str, otp: str | None, factor: bool = True
    ) -> str:
        """:func:`_check` on the low-priority checker threads (started on first use, so
        each server process has its own)."""
        with self.lock:
            if self._checker is None:
                self._checker = ThreadPoolExecutor(
                    max_workers=get_settings().login_checks,
                    thread_name_prefix="openatt-password",
                    initializer=_lower_priority,
                )
            checker = self._checker
        return checker.submit(_check, candidate, password, otp, factor).result()

    def enter(self, keys: tuple[str, ...]) -> bool:
        with self.lock:
            if any(self.in_flight.get(k, 0) >= IN_FLIGHT_PER_KEY for k in keys):
                return False
            for key in keys:
                self.in_flight[key] = self.in_flight.get(key, 0) + 1
            return True

    def leave(self, keys: tuple[str, ...]) -> None:
        with self.lock:
            for key in keys:
                self.in_flight[key] -= 1
                if not self.in_flight[key]:
                    del self.in_flight[key]


_GATE = _Gate()


class Throttled(RegisterError):
    """Too many failed logins: try again after ``retry_after`` seconds (HTTP 429)."""

    kind = ErrorKind.throttled

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def idle_timeout() -> dt.timedelta:
    """A login unused this long ends: ``OPENATT_IDLE_MINUTES`` (default 30)."""
    return dt.timedelta(minutes=get_settings().idle_minutes)


def totp_required() -> bool:
    """Whether staff must have a second factor (``OPENATT_TOTP=required``)."""
    return get_settings().totp.strip().lower() == "required"


def delay_after(failures: int, free: int) -> dt.timedelta:
    if failures < free:
        return dt.timedelta(0)
    doublings = min(failures - free, 20)
    return min(FIRST_DELAY * int(2**doublings), MAX_DELAY)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _wait(session: Session, username: str, address: str, now: dt.datetime) -> tuple[int, int]:
    """Seconds this attempt must wait for its account and for its address (0: none).

    An address has two allowances: ``FREE_PER_ADDRESS`` failures in a quarter of an hour
    (an office behind one address), then a doubling delay; and within that, only
    ``BURST_PER_ADDRESS`` in a minute, then a spacing of 2, 4, then at most 8 seconds.
    Each failure that gets through costs a real argon2 check (memory-hard: it slows what
    else runs beside it even at the lowest priority), so a flood that spent the allowance
    at once would slow the register's writers for its first seconds; spaced, the same
    checks are spread over minutes. A colleague behind the same address waits at most the
    spacing, never the account's growing delay."""
    last_ok = session.execute(
        select(func.max(LoginAttemptRow.at)).where(
            LoginAttemptRow.username == username, LoginAttemptRow.succeeded.is_(True)
        )
    ).scalar()
    since = max(_aware(last_ok), now - ACCOUNT_WINDOW) if last_ok else now - ACCOUNT_WINDOW
    waits: list[int] = []
    for column, value, start, free, longest in (
        (LoginAttemptRow.username, username, since, FREE_PER_ACCOUNT, MAX_DELAY),
        (LoginAttemptRow.address, address, now - ADDRESS_WINDOW, FREE_PER_ADDRESS, MAX_DELAY),
        (LoginAttemptRow.address, address, now - BURST_WINDOW, BURST_PER_ADDRESS, BURST_MAX_DELAY),
    ):
        count, last = session.execute(
            select(func.count(), func.max(LoginAttemptRow.at)).where(
                column == value, LoginAttemptRow.succeeded.is_(False), LoginAttemptRow.at > start
            )
        ).one()
        left = 0.0
        if last is not None:
            delay = min(delay_after(int(count), free), longest)
            left = (_aware(last) + delay - now).total_seconds()
        waits.append(int(left) + 1 if left > 0 else 0)
    return waits[0], max(waits[1:])


@dataclass(frozen=True)
class _Candidate:
    user_id: int | None
    password_hash: str
    active: bool
    staff: bool
    totp_secret: str | None


def _candidate(session: Session, username: str) -> _Candidate:
    found = session.execute(
        select(User, UserFactorRow.secret)
        .outerjoin(UserFactorRow, UserFactorRow.user_id == User.id)
        .where(User.username == username)
    ).first()
    if found is None:
        return _Candidate(None, _DUMMY_HASH, False, False, None)
    user, secret = found
    return _Candidate(user.id, user.password_hash, user.active, user.role != Role.applicant, secret)


def _check(candidate: _Candidate, password: str, otp: str | None, factor: bool = True) -> str:
    """Why the login fails ("" when it succeeds). Runs outside any transaction.
    ``factor``: the second factor is asked too (not when a logged-in user proves they still
    know their password)."""
    try:
        _HASHER.verify(candidate.password_hash, password)
    except (VerificationError, InvalidHashError):
        return "wrong password" if candidate.user_id is not None else "unknown user"
    if candidate.user_id is None:
        return "unknown user"
    if not candidate.active:
        return "user disabled"
    if not factor:
        return ""
    if candidate.totp_secret is not None:
        import pyotp

        if not otp or not pyotp.TOTP(candidate.totp_secret).verify(otp, valid_window=1):
            return "second factor missing or wrong"
    elif candidate.staff and totp_required():
        return "second factor not enrolled"
    return ""


def _keys(db: Database, username: str, address: str) -> tuple[str, str]:
    where = db.engine.url.render_as_string(hide_password=True)  # one register's lockouts
    return (f"{where} user:{username[:80]}", f"{where} address:{(address or 'unknown')[:64]}")


def address_refused_for(db: Database, address: str) -> int:
    """Seconds an address must still wait, as remembered in this process (0: not locked):
    lets the API refuse a flood before it parses a body or takes a thread."""
    return _GATE.refused_for(_keys(db, "", address)[1:], dt.datetime.now(dt.UTC))


def check_password(db: Database, username: str, password: str, address: str) -> None:
    """A logged-in user's current password, before they change it: throttled, checked on the
    password threads and logged exactly as a login is (found in review, 2026-12-05: the
    check ran argon2 on the request's thread with no limit and no record, so a stolen
    session could guess the password without end, and any user could load every core).
    :class:`Throttled` or :class:`Invalid` when it is not the password."""
    from openatt.register.errors import Invalid

    now = dt.datetime.now(dt.UTC)
    address = (address or "unknown")[:64]
    problem = _gated(
        db, username[:80], address, now, lambda c: _GATE.check(c, password, None, False)
    )
    with db.write() as session:
        _record(session, username[:80], address, now, problem, "password.check")
    if problem:
        raise Invalid("the current password is wrong", field=("current_password",))


def _gated(
    db: Database,
    username: str,
    address: str,
    now: dt.datetime,
    check: Callable[[_Candidate], str],
) -> str:
    """``check`` of the account's candidate behind the gate and the waits of failed
    attempts (:class:`Throttled` while they last); the problem found ("" for none)."""
    keys = _keys(db, username, address)
    remembered = _GATE.refused_for(keys, now)
    if remembered:
        raise Throttled(f"too many failed logins; try again in {remembered} s", remembered)
    if not _GATE.enter(keys):
        raise Throttled("a login for this account or address is being checked; retry", 1)
    try:
        with db.read() as session:
            waits = _wait(session, username, address, now)
            if any(waits):
                for key, wait in zip(keys, waits, strict=True):
                    if wait:
                        _GATE.remember((key,), now + dt.timedelta(seconds=wait))
                wait = max(waits)
                raise Throttled(f"too many failed logins; try again in {wait} s", wait)
            candidate = _candidate(session, username)
        return check(candidate)  # argon2: no lock, no transaction
    finally:
        _GATE.leave(keys)


def _record(
    session: Session, username: str, address: str, now: dt.datetime, problem: str, action: str
) -> None:
    """The attempt, for the waits of later ones and in the hash-chained log."""
    attempt = LoginAttemptRow(
        username=username, address=address, succeeded=not problem, reason=problem, at=now
    )
    session.add(attempt)
    session.flush()
    audit.record(
        session,
        actor=username,
        action=f"{action}.failure" if problem else f"{action}.success",
        row=attempt,
        payload={"username": username, "address": address, "reason": problem},
    )


def login(
    db: Database,
    username: str,
    password: str,
    address: str,
    otp: str | None = None,
    lifetime: dt.timedelta | None = None,
) -> tuple[str, dt.datetime]:
    """Check a login and open a session; returns the bearer token and its expiry."""
    now = dt.datetime.now(dt.UTC)
    address = (address or "unknown")[:64]
    username = username[:80]
    found: list[_Candidate] = []

    def check(candidate: _Candidate) -> str:
        found.append(candidate)
        return _GATE.check(candidate, password, otp)

    problem = _gated(db, username, address, now, check)
    with db.write() as session:
        _record(session, username, address, now, problem, "login")
        if not problem:
            token = secrets.token_urlsafe(32)
            expires = now + (lifetime or token_lifetime())
            session.add(
                LoginSession(
                    token_hash=_token_hash(token),
                    user_id=found[0].user_id,
                    created_at=now,
                    expires_at=expires,
                    last_seen_at=now,
                )
            )
            session.execute(delete(LoginSession).where(LoginSession.expires_at < now))
    if problem:
        # one answer whatever failed: naming the second factor told a guesser that the
        # password was right (found in review, 2026-12-05); the reason is in the log
        raise Unauthenticated("wrong username, password or second factor")
    return token, expires


def authenticate(db: Database, token: str) -> Actor:
    """The actor behind a token: unexpired, used within the idle timeout, user active."""
    now = dt.datetime.now(dt.UTC)
    digest = _token_hash(token)
    with db.read() as session:
        found = session.execute(
            select(User, LoginSession)
            .join(LoginSession, LoginSession.user_id == User.id)
            .where(LoginSession.token_hash == digest)
        ).first()
    if found is None:
        raise Unauthenticated("login expired or unknown; log in again")
    user, login_session = found
    seen = _aware(login_session.last_seen_at or login_session.created_at)
    if _aware(login_session.expires_at) <= now:
        raise Unauthenticated("login expired or unknown; log in again")
    if now - seen > idle_timeout():
        raise Unauthenticated("login ended after a period without use; log in again")
    if not user.active:
        raise Unauthenticated("user disabled")
    if now - seen > SEEN_EVERY:
        with db.write() as session:
            row = session.get(LoginSession, digest)
            if row is not None:
                row.last_seen_at = now
    return actor_of(user)
