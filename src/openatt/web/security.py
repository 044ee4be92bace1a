"""Login sessions in a cookie, CSRF tokens, and the role check every page makes.

The cookie holds the register's own login token (:func:`openatt.register.users.login`), so
a web session expires, and is ended, exactly like an API token. It is HttpOnly, SameSite=Lax,
and Secure whenever the page was served over https. Every form carries a CSRF token: after
login it is an HMAC of the session token (a page of another site can neither read nor
guess it); on the login form it is a random value that must match a short-lived cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from openatt.register import logins
from openatt.register.db import Database
from openatt.register.errors import Unauthenticated
from openatt.register.permissions import Permission, require
from openatt.register.users import Actor

SESSION_COOKIE = "openatt_session"
LOGIN_CSRF_COOKIE = "openatt_login_csrf"
COOKIE_PATH = "/ui"


class LoginRequired(Exception):
    """No valid session: the page redirects to the login form (and back afterwards)."""


class CsrfFailure(Exception):
    """A form arrived without the token of this session."""


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def csrf_for(token: str) -> str:
    return hmac.new(token.encode(), b"openatt-csrf", hashlib.sha256).hexdigest()


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def set_cookie(request: Request, response: object, name: str, value: str, max_age: int) -> None:
    from starlette.responses import Response

    assert isinstance(response, Response)
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=is_https(request),
    )


@dataclass(frozen=True)
class Viewer:
    """The logged-in user of a page, with the CSRF token its forms must carry."""

    actor: Actor
    csrf: str

    def may(self, permission: Permission | str) -> bool:
        from openatt.register.permissions import allowed

        return allowed(self.actor.role, Permission(permission))


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def current_viewer(request: Request) -> Viewer:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired()
    try:
        actor = logins.authenticate(database(request), token)
    except Unauthenticated as error:
        raise LoginRequired() from error
    return Viewer(actor=actor, csrf=csrf_for(token))


def check_csrf(request: Request, submitted: str | None) -> None:
    """Raise :class:`CsrfFailure` unless ``submitted`` is this session's token."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token or not submitted or not hmac.compare_digest(csrf_for(token), submitted):
        raise CsrfFailure()


class PageGuard:
    """A page's dependency: a logged-in user whose role holds ``permission`` (None: any)."""

    def __init__(self, permission: Permission | None) -> None:
        self.permission = permission

    def __call__(self, request: Request) -> Viewer:
        viewer = current_viewer(request)
        if self.permission is not None:
            require(viewer.actor, self.permission)
        return viewer


def Page(permission: Permission | None) -> object:
    return Depends(PageGuard(permission))


AnyUser = Annotated[Viewer, Page(None)]
