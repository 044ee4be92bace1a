"""The administrator's Users page (issue 13): disable, enable and reset a password from the
web UI, each ending the user's sessions; other roles cannot open it; a throttled web login
is told when to try again."""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from register_helpers import PASSWORD, Api

from openatt.register import logins
from openatt.web.security import SESSION_COOKIE, csrf_for


def _as(api: Api, user: str) -> str:
    token = api.tokens[user]
    api.client.cookies.set(SESSION_COOKIE, token, path="/ui")
    return csrf_for(token)


def test_only_the_administrator_opens_the_users_page(api: Api) -> None:
    _as(api, "officer")
    assert api.client.get("/ui/admin/users").status_code == 403
    _as(api, "admin")
    page = api.client.get("/ui/admin/users")
    assert page.status_code == 200 and "Disable officer" in page.text


def test_disable_and_reset_from_the_page_end_sessions(api: Api) -> None:
    csrf = _as(api, "admin")
    done = api.client.post(
        "/ui/admin/users/officer",
        data={"csrf": csrf, "action": "disable"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert api.get("/auth/me", "officer").status_code == 401
    weak = api.client.post(
        "/ui/admin/users/auditor", data={"csrf": csrf, "action": "password", "password": "password"}
    )
    assert weak.status_code == 422 and "common passwords" in weak.text
    reset = api.client.post(
        "/ui/admin/users/auditor",
        data={"csrf": csrf, "action": "password", "password": "a fresh long secret 9"},
        follow_redirects=False,
    )
    assert reset.status_code == 303 and api.get("/auth/me", "auditor").status_code == 401


def _token(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_a_throttled_web_login_says_when_to_try_again(api: Api, monkeypatch: Any) -> None:
    # a delay longer than the low-priority password checks can take on a loaded machine,
    # so that the right password still meets it (at 2 s it could run out in between)
    monkeypatch.setattr(logins, "FIRST_DELAY", dt.timedelta(minutes=2))
    api.client.cookies.clear()
    page = api.client.get("/ui/login").text
    statuses = []
    for attempt in range(logins.FREE_PER_ACCOUNT + 1):
        fields = {"csrf": _token(page), "username": "senior", "password": f"wrong {attempt}"}
        response = api.client.post("/ui/login", data=fields)  # each answer is a new form
        statuses.append(response.status_code)
        page = response.text
    assert statuses[:-1] == [401] * logins.FREE_PER_ACCOUNT and statuses[-1] == 429
    assert "Try again in" in page
    fields = {"csrf": _token(page), "username": "senior", "password": PASSWORD}
    assert api.client.post("/ui/login", data=fields).status_code == 429
