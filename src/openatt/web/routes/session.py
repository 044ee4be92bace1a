"""Log in, log out, and the landing page."""

from __future__ import annotations

import datetime as dt
import hmac

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from openatt.register import logins, users
from openatt.register.errors import Unauthenticated
from openatt.web.rendering import form_dict, posted, render
from openatt.web.security import (
    COOKIE_PATH,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    AnyUser,
    database,
    new_login_csrf,
    set_cookie,
)

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only ever redirect within the UI (no open redirect)."""
    if target and target.startswith("/ui/") and not target.startswith("//"):
        return target
    return "/ui/"


def _login_page(
    request: Request, *, next_url: str, username: str = "", error: str = "", status: int = 200
) -> Response:
    token = new_login_csrf()
    response = render(
        request,
        "login.html",
        None,
        status,
        login_csrf=token,
        next_url=next_url,
        username=username,
        error=error,
    )
    set_cookie(request, response, LOGIN_CSRF_COOKIE, token, max_age=3600)
    return response


@router.get("/login", response_model=None)
def login_form(request: Request, next: str | None = None) -> Response:
    return _login_page(request, next_url=_safe_next(next))


@router.post("/login", response_model=None)
async def login(request: Request) -> Response:
    fields = form_dict(await request.form())
    next_url = _safe_next(fields.get("next"))
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, fields.get("csrf", "")):
        return _login_page(
            request,
            next_url=next_url,
            username=fields.get("username", ""),
            error="The login form expired. Please try again.",
            status=403,
        )
    username = fields.get("username", "").strip()
    address = request.client.host if request.client else "unknown"
    otp = fields.get("otp", "").strip() or None
    try:
        token, expires = logins.login(
            database(request), username, fields.get("password", ""), address, otp
        )
    except logins.Throttled as error:
        return _login_page(
            request,
            next_url=next_url,
            username=username,
            error=f"Too many failed logins. Try again in {error.retry_after} seconds.",
            status=429,
        )
    except Unauthenticated:
        return _login_page(
            request,
            next_url=next_url,
            username=username,
            error="Wrong username or password.",
            status=401,
        )
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:  # a login in this browser ends the session its cookie held (found in review)
        with database(request).write() as session:
            users.logout(session, previous)
    response = RedirectResponse(next_url, status_code=303)
    lifetime = expires - dt.datetime.now(dt.UTC)  # the cookie ends with the login token
    set_cookie(request, response, SESSION_COOKIE, token, max_age=int(lifetime.total_seconds()))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=COOKIE_PATH)
    return response


@router.post("/logout", response_model=None)
async def logout(request: Request, viewer: AnyUser) -> Response:
    await posted(request)
    token = request.cookies.get(SESSION_COOKIE, "")
    with database(request).write() as session:
        users.logout(session, token)
    response = RedirectResponse("/ui/login?bye=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH)
    del viewer
    return response


@router.get("/", response_model=None)
def home(viewer: AnyUser) -> Response:
    """The work queue; the monitor role, which sees no cases, starts on the monitoring page."""
    if not viewer.may("application.read") and viewer.may("monitoring.read"):
        return RedirectResponse("/ui/monitoring", status_code=303)
    if not viewer.may("application.read") and viewer.may("advice.read"):
        return RedirectResponse("/ui/advice", status_code=303)  # advisers: their requests
    return RedirectResponse("/ui/applications", status_code=303)
