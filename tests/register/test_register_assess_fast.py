"""``POST /assess`` on its own ASGI path (``api/assess_fast.py``, issue 16), on SQLite and
PostgreSQL.

The path answers an ordinary pre-check without FastAPI and leaves everything else to the
application. These tests send each request twice, once with the path in place and once with
it out of the way (the framework's path, as before), and require the same status, the same
content headers and the same bytes; they also check which of the two answered, so that a
test of the fast path cannot pass on the framework alone. Authentication is never cached: a
logout or a disabled user is refused on the very next pre-check.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from register_helpers import Api, application
from sqlalchemy import event, update

from openatt.api import assess_fast, schemas
from openatt.api.assess_fast import AssessFast
from openatt.api.limits import max_body_bytes
from openatt.register.models import Session as LoginSession
from openatt.register.models import User
from openatt.register.token_check_async import AsyncTokenCheck

Answer = tuple[int, dict[str, str], bytes]


def middleware(api: Api) -> AssessFast:
    """The app's instance of the fast path (the middleware stack is built on first use)."""
    layer: Any = api.client.app
    layer = layer.middleware_stack
    while layer is not None:
        if isinstance(layer, AssessFast):
            return layer
        layer = getattr(layer, "app", None)
    raise AssertionError("AssessFast is not in the app's middleware")


@contextmanager
def framework_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The fast path out of the way: it then leaves every request to the application."""
    with monkeypatch.context() as patch:
        patch.setattr(assess_fast, "PATH", "/not-the-assess-path")
        yield


def send(
    api: Api, user: str | None, body: bytes, query: str = "", content_type: str | None = None
) -> Answer:
    headers = api.headers(user) if user else {}
    headers["content-type"] = content_type or "application/json"
    response = api.client.post(f"/assess{query}", content=body, headers=headers)
    kept = {k: v for k, v in response.headers.items() if k in ("content-type", "www-authenticate")}
    return response.status_code, kept, response.content


def both(
    api: Api, monkeypatch: pytest.MonkeyPatch, user: str | None, body: bytes, **kwargs: Any
) -> tuple[Answer, Answer, bool]:
    """The answer with the fast path, the framework's answer, and whether the fast path
    answered the first itself."""
    fast = middleware(api)
    before = fast.answered
    first = send(api, user, body, **kwargs)
    answered_fast = fast.answered == before + 1
    with framework_only(monkeypatch):
        second = send(api, user, body, **kwargs)
    assert fast.answered == before + answered_fast  # the second went to the framework
    return first, second, answered_fast


def encoded(value: Any) -> bytes:
    return json.dumps(value).encode("utf-8")


@pytest.mark.parametrize("query", ["", "?regimes=att", "?regimes=att&regimes=eu&other=1"])
@pytest.mark.parametrize("user", ["officer", "applicant"])
def test_an_ordinary_pre_check_is_the_frameworks_answer_byte_for_byte(
    api: Api, monkeypatch: pytest.MonkeyPatch, query: str, user: str
) -> None:
    assert api.get("/auth/me", user).status_code == 200  # its last activity written now
    body = encoded(application(importing_state="SAU", date="2023-05-04"))
    fast, framework, answered_fast = both(api, monkeypatch, user, body, query=query)
    assert answered_fast
    assert fast == framework and fast[0] == 200
    regimes = [a["regime"] for a in json.loads(fast[2])]
    every = schemas.all_regimes()
    assert regimes == (["att", "eu"] if "eu" in query else ["att"] if "att" in query else every)


def bad_bodies() -> dict[str, bytes]:
    """Bodies the API refuses, dated when the test runs."""
    return {
        "not JSON": b'{"kind": "export",',
        "empty": b"",
        "a list": b"[]",
        "a field missing": encoded({k: v for k, v in application().items() if k != "exporter"}),
        "an unknown field": encoded(application(colour="red")),
        "a wrong type": encoded(application(items=[{"description": "x", "category": "IX"}])),
        "an unknown state": encoded(application(importing_state="Atlantis")),
        "too long": encoded(application(end_use="x" * 4001)),
    }


@pytest.mark.parametrize("case", sorted(bad_bodies()))
def test_a_refused_body_is_the_frameworks_422_byte_for_byte(
    api: Api, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    assert api.get("/auth/me", "officer").status_code == 200
    fast, framework, answered_fast = both(api, monkeypatch, "officer", bad_bodies()[case])
    assert not answered_fast
    assert fast == framework and fast[0] == 422, (case, fast)


@pytest.mark.parametrize(
    ("user", "query", "content_type", "status"),
    [
        (None, "", None, 401),  # no token
        ("monitor", "", None, 403),  # a role without the permission
        ("admin", "", None, 403),
        ("officer", "?regimes=nope", None, 422),  # an unknown regime
        ("officer", "?regimes=", None, 422),
        ("officer", "", "text/plain", 422),  # not JSON: the framework's own rule
    ],
)
def test_other_refusals_are_the_frameworks_byte_for_byte(
    api: Api,
    monkeypatch: pytest.MonkeyPatch,
    user: str | None,
    query: str,
    content_type: str | None,
    status: int,
) -> None:
    body = encoded(application())
    fast, framework, answered_fast = both(
        api, monkeypatch, user, body, query=query, content_type=content_type
    )
    assert not answered_fast
    assert fast == framework and fast[0] == status, fast


def test_an_unknown_token_is_the_frameworks_401(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    api.tokens["stranger"] = "not-a-token-anyone-was-given"
    fast, framework, answered_fast = both(api, monkeypatch, "stranger", encoded(application()))
    assert not answered_fast and fast == framework and fast[0] == 401


def test_authentication_is_never_cached(api: Api) -> None:
    body = encoded(application())
    assert send(api, "officer", body)[0] == 200
    assert send(api, "officer", body)[0] == 200
    assert middleware(api).answered >= 1
    assert api.post("/auth/logout", "officer").status_code in (200, 204)
    assert send(api, "officer", body)[0] == 401  # the very next request
    assert send(api, "senior", body)[0] == 200
    with api.db.write() as session:  # disabled behind the API's back: no event, no cache
        session.execute(update(User).where(User.username == "senior").values(active=False))
    status, _, refused = send(api, "senior", body)
    assert status == 401 and b"disabled" in refused


def test_a_session_due_its_last_activity_goes_to_the_application_which_writes_it(
    api: Api,
) -> None:
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    with api.db.write() as session:
        session.execute(update(LoginSession).values(last_seen_at=long_ago))
    fast = middleware(api)
    before = fast.answered
    assert send(api, "officer", encoded(application()))[0] == 200
    assert fast.answered == before  # the application answered, and wrote the activity
    with api.db.read() as session:
        seen = [s.last_seen_at for s in session.query(LoginSession).all()]
    aware = [s if s.tzinfo else s.replace(tzinfo=dt.UTC) for s in seen if s is not None]
    assert any(s > long_ago for s in aware)
    assert send(api, "officer", encoded(application()))[0] == 200
    assert fast.answered == before + 1  # written: the next one is the fast path's


def test_the_body_limit_still_comes_first(api: Api) -> None:
    too_big = b"[" + b"1," * (max_body_bytes() // 2) + b"1]"
    status, _, body = send(api, "officer", too_big)
    assert status == 413 and b"larger than" in body


def test_a_pre_check_costs_one_statement_the_token_check(api: Api) -> None:
    assert api.get("/auth/me", "officer").status_code == 200
    statements: list[str] = []

    def count(*args: Any) -> None:
        if not str(args[2]).startswith("BEGIN"):  # SQLite's explicit BEGIN (register/db.py)
            statements.append(str(args[2]))

    checker: AsyncTokenCheck | None = api.client.app.state.async_token_check  # type: ignore[attr-defined]
    awaited = checker.statements if checker else 0
    event.listen(api.db.engine, "before_cursor_execute", count)
    try:
        assert send(api, "officer", encoded(application()))[0] == 200
    finally:
        event.remove(api.db.engine, "before_cursor_execute", count)
    if checker is None:  # SQLite: the token check, on the engine's pool
        assert len(statements) == 1 and "sessions" in statements[0].lower(), statements
    else:  # PostgreSQL: the token check awaited on the event loop, nothing on the pool
        assert statements == [] and checker.statements == awaited + 1
