"""The API's read cache (``api/read_cache.py``, issue 16), on SQLite and PostgreSQL.

A repeated read of the page, the case or the queue is answered from memory while the
register is unchanged: it costs one SQL statement, the token check. These tests hold the
three promises that make that safe:

* every kind of write that changes a case moves the register's generation, and the very next
  read is recomputed from the database and equals an uncached read (a query parameter the
  endpoints ignore gives a key never seen before, so a cache-free answer to compare with);
* an answer is never served across audiences: an applicant gets its own view, another
  company 404, another officer its own ``assignee=me``;
* authentication is never cached: a logout, a disabled user, an expired session or a user
  disabled behind the API's back (no event, the generation unchanged) is refused at once.
"""

from __future__ import annotations

import datetime as dt
import itertools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from register_helpers import NO_MATCHES, PASSWORD, Api, application, version
from sqlalchemy import event, select, update

from openatt.register.models import ChainHead, User
from openatt.register.models import Session as LoginSession

READS = ("/applications?limit=50", "/applications/{id}", "/worklist?limit=50")
_fresh = itertools.count(1)


@contextmanager
def counted(api: Api) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        if not str(args[2]).startswith("BEGIN"):  # SQLite's explicit BEGIN (register/db.py)
            statements.append(str(args[2]))

    # On PostgreSQL the token check is awaited on the event loop, outside the engine's pool
    # (register/token_check_async.py): its statements are counted by the checker.
    checker: Any = api.client.app.state.async_token_check  # type: ignore[attr-defined]
    awaited = checker.statements if checker is not None else 0
    event.listen(api.db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(api.db.engine, "before_cursor_execute", count)
        if checker is not None:
            statements.extend(["the token check, awaited"] * (checker.statements - awaited))


def read(api: Api, path: str, user: str = "officer") -> tuple[Any, int]:
    """The answer to one read, and how many SQL statements it cost."""
    with counted(api) as statements:
        response = api.get(path, user)
    assert response.status_code == 200, (path, user, response.text)
    return response.json(), len(statements)


def uncached(api: Api, path: str, user: str = "officer") -> Any:
    """The same read with a query parameter the endpoints ignore: a key never used before."""
    glue = "&" if "?" in path else "?"
    fresh, _ = read(api, f"{path}{glue}uncached={next(_fresh)}", user)
    return fresh


def head(api: Api) -> tuple[int, str]:
    with api.db.read() as session:
        found = session.execute(select(ChainHead.seq, ChainHead.hash)).one()
    return int(found[0]), str(found[1])


def warm(api: Api, case: int) -> dict[str, Any]:
    """Each read twice: the second is a hit (the token check, nothing else)."""
    # A login's last activity is written at most once a minute: make that write now.
    assert api.get("/auth/me", "officer").status_code == 200
    answers = {}
    for path in READS:
        first, _ = read(api, path.format(id=case))
        again, statements = read(api, path.format(id=case))
        assert again == first and statements == 1, (path, statements)
        answers[path] = first
    return answers


def after_write(api: Api, case: int, write: Callable[[], Any], what: str) -> dict[str, Any]:
    """Warm the cache, write, and check that the next reads are recomputed and current."""
    warm(api, case)
    before = head(api)
    write()
    assert head(api)[0] > before[0], f"{what} did not move the register's generation"
    answers = {}
    for path in READS:
        answer, statements = read(api, path.format(id=case))
        assert statements > 1, f"{path} after {what} was served from the cache"
        assert answer == uncached(api, path.format(id=case)), f"{path} after {what}"
        answers[path] = answer
    return answers


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def work_item(answers: dict[str, Any], case: int) -> dict[str, Any]:
    items = answers["/worklist?limit=50"]["items"]
    return next(item for item in items if item["application_id"] == case)


def test_every_kind_of_write_is_seen_by_the_next_read(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = ok(api.post("/applications", "applicant", application()), 201)["id"]
    ok(api.post(f"/applications/{case}/submit", "applicant", {}))
    flag = ok(
        api.post(
            "/flags",
            "admin",
            {
                "name": "Destination under review",
                "level": "destination",
                "colour": "red",
                "blocking": False,
                "cleared_by_role": "officer",
            },
        ),
        201,
    )

    def screen() -> None:
        ok(api.post(f"/applications/{case}/screen", "officer", NO_MATCHES))

    seen = after_write(api, case, screen, "screening")
    assert seen["/applications/{id}"]["state"] == "screened"

    def assess() -> None:
        ok(api.post(f"/applications/{case}/assess", "officer", {}))

    seen = after_write(api, case, assess, "assessment")
    assert seen["/applications/{id}"]["state"] == "assessed"

    def add_flag() -> None:
        body = {"flag_id": flag["id"], "target": "destination:NZL", "note": "Embassy cable"}
        ok(api.post(f"/applications/{case}/flags", "officer", body), 201)

    seen = after_write(api, case, add_flag, "a flag")
    assert work_item(seen, case)["flags"] == ["Destination under review"]

    def assign() -> None:
        ok(api.post(f"/applications/{case}/assign", "officer", {"assignee": "officer2"}))

    seen = after_write(api, case, assign, "an assignment")
    assert work_item(seen, case)["assignee"] == "officer2"

    asked: dict[str, Any] = {}

    def query() -> None:
        body = {"question": "Who signs the end-user certificate?"}
        asked.update(ok(api.post(f"/applications/{case}/queries", "officer", body), 201))

    after_write(api, case, query, "a query")

    def answer() -> None:
        path = f"/applications/{case}/queries/{asked['id']}/answer"
        ok(api.post(path, "applicant", {"answer": "The Ministry of Defence."}))

    after_write(api, case, answer, "an answer")
    earlier = version(api, case)

    def reassess() -> None:
        body = {"reason": "the end user's answer"}
        ok(api.post(f"/applications/{case}/reassess", "officer", body))

    seen = after_write(api, case, reassess, "a reassessment")
    assert seen["/applications/{id}"]["version"] > earlier

    def decide() -> None:
        body = {
            "version": version(api, case),
            "outcome": "denied",
            "reasons": "Risk of diversion to an unauthorised end user.",
            "criteria": ["eu.2", "att.7.1.b.ii"],
        }
        decided = ok(api.post(f"/applications/{case}/decide", "officer", body))
        if decided["status"] == "pending":
            ok(
                api.post(
                    f"/applications/{case}/countersign",
                    "officer2",
                    {"version": version(api, case), "agree": True},
                )
            )

    # Without WeasyPrint the decision's letter waits, to be made by a write of its own.
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    seen = after_write(api, case, decide, "a decision")
    monkeypatch.delitem(sys.modules, "weasyprint")
    assert seen["/applications/{id}"]["state"] == "denied"

    def letter() -> None:
        ok(api.post(f"/applications/{case}/letters", "officer", {}), 201)

    after_write(api, case, letter, "a letter")
    assert ok(api.get("/audit/verify", "auditor"))["intact"]


def test_an_answer_is_never_served_across_audiences(api: Api) -> None:
    case = ok(api.post("/applications", "applicant", application()), 201)["id"]
    ok(api.post(f"/applications/{case}/submit", "applicant", {}))
    ok(api.post(f"/applications/{case}/assign", "officer", {"assignee": "officer"}))
    officers = warm(api, case)
    assert officers["/applications/{id}"]["state"] == "submitted"  # the register's own state
    # The applicant asks the very same paths: its own view, computed for it.
    mine, _ = read(api, f"/applications/{case}", "applicant")
    assert mine["audience"] == "applicant" and "state" not in mine
    page, _ = read(api, "/applications?limit=50", "applicant")
    assert [item["audience"] for item in page["items"]] == ["applicant"]
    assert all("state" not in item for item in page["items"])
    assert api.get(f"/applications/{case}", "other_applicant").status_code == 404
    theirs, _ = read(api, "/applications?limit=50", "other_applicant")
    assert theirs["total"] == 0 and theirs["items"] == []
    # The queue is the applicant's to see neither from the cache nor otherwise.
    assert api.get("/worklist?limit=50", "applicant").status_code == 403
    # "Mine" is the caller's: officer2 never gets officer's cached queue.
    mine_path = "/worklist?assignee=me"
    first, _ = read(api, mine_path, "officer")
    again, statements = read(api, mine_path, "officer")
    assert again == first and statements == 1
    assert [item["application_id"] for item in first["items"]] == [case]
    others, _ = read(api, mine_path, "officer2")
    assert others["items"] == [] and others["total"] == 0


def test_authentication_is_checked_on_every_read(api: Api) -> None:
    api.tokens = dict(api.tokens)  # logs users in again below: not the template's tokens
    case = ok(api.post("/applications", "applicant", application()), 201)["id"]
    warm(api, case)
    path = f"/applications/{case}"
    generation = head(api)
    # Disabled behind the API's back: no event, the cached answers still current.
    with api.db.write() as session:
        session.execute(update(User).where(User.username == "officer").values(active=False))
    refused = api.get(path, "officer")
    assert refused.status_code == 401 and "disabled" in refused.text
    assert head(api) == generation
    with api.db.write() as session:
        session.execute(update(User).where(User.username == "officer").values(active=True))
    assert read(api, path)[1] == 1  # back, and still the cached answer
    # A session past its expiry.
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    with api.db.write() as session:
        these = select(User.id).where(User.username.in_(("officer", "auditor")))
        session.execute(
            update(LoginSession).values(expires_at=past).where(LoginSession.user_id.in_(these))
        )
    for user in ("officer", "auditor"):
        assert api.get(path, user).status_code == 401
    for user in ("officer", "auditor"):
        api.tokens[user] = ok(
            api.client.post("/auth/token", json={"username": user, "password": PASSWORD})
        )["access_token"]
    assert read(api, path)[0]["id"] == case
    # An ended session (a logout writes no event: the cached answers stay current).
    generation = head(api)
    assert api.post("/auth/logout", "officer").status_code == 204
    assert head(api) == generation
    for read_path in READS:
        assert api.get(read_path.format(id=case), "officer").status_code == 401
    # Disabled through the API (which ends the user's sessions too).
    read(api, path, "auditor")
    assert read(api, path, "auditor")[1] == 1
    assert api.post("/users/auditor/disable", "admin").status_code == 200
    assert api.get(path, "auditor").status_code == 401
