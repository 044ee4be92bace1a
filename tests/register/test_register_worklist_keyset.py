"""The worklist pages by a cursor (issue 16: keyset pagination for the queue, as for the
register's list): every sort walks the queue in the order of one whole page, ties on the
sort's column broken by the id, without a case twice when cases arrive between two pages
(where an offset shows one again), at the same statements a page; a cursor that is not one
the list gave is refused. On SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest
from register_helpers import Api
from sqlalchemy import delete, update
from test_register_statements import add_submitted_cases, counted

from openatt.register.models import ApplicationRow
from openatt.register.queue_tables import CaseWorkRow

SORTS = ("newest", "oldest", "updated", "target")


def _ids(page: dict[str, Any]) -> list[int]:
    return [int(item["application_id"]) for item in page["items"]]


def walk(api: Api, query: str, limit: int) -> list[int]:
    """Every id of the worklist ``query``, page by page with ``after``."""
    seen: list[int] = []
    after = None
    for _ in range(100):
        path = f"/worklist?{query}&limit={limit}" + (f"&after={after}" if after else "")
        response = api.get(path, "officer")
        assert response.status_code == 200, response.text
        page = response.json()
        seen += _ids(page)
        after = page["next_after"]
        if after is None:
            return seen
    raise AssertionError("the walk did not end")


def _with_ties(api: Api) -> list[int]:
    """Eight submitted cases: three pairs share their creation time, update time and target
    date (so only the id orders them), and two have no target date."""
    first = add_submitted_cases(api, 8)
    ids = list(range(first - 7, first + 1))
    base = dt.datetime(2026, 11, 2, 9, 30, 15, 123456, tzinfo=dt.UTC)
    with api.db.write() as session:
        for n, case in enumerate(ids):
            when = base + dt.timedelta(minutes=n // 2)  # pairs: (0, 1), (2, 3)...
            session.execute(
                update(ApplicationRow)
                .where(ApplicationRow.id == case)
                .values(created_at=when, updated_at=when)
            )
            if n in (3, 6):  # as a case submitted before target dates were kept
                session.execute(delete(CaseWorkRow).where(CaseWorkRow.application_id == case))
                continue
            session.execute(
                update(CaseWorkRow)
                .where(CaseWorkRow.application_id == case)
                .values(target_on=dt.date(2026, 12, 10) + dt.timedelta(days=n // 3))
            )
    return ids


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_every_sort_walks_the_queue_in_the_order_of_one_page(api: Api, limit: int) -> None:
    ours = _with_ties(api)
    for sort in SORTS:
        whole = api.get(f"/worklist?sort={sort}&limit=200", "officer").json()
        assert whole["next_after"] is None
        expected = _ids(whole)
        assert set(ours) <= set(expected), sort
        assert walk(api, f"sort={sort}", limit) == expected, sort
    # ties on the column are broken by the id, in the sort's direction
    newest = [i for i in _ids(api.get("/worklist?sort=newest&limit=200", "officer").json())]
    assert [i for i in newest if i in ours] == sorted(ours, reverse=True)
    target = [i for i in _ids(api.get("/worklist?sort=target&limit=200", "officer").json())]
    mine = [i for i in target if i in ours]
    # without a target date: last, by id
    assert mine[-2:] == [ours[3], ours[6]]


def test_a_case_is_not_shown_twice_when_cases_arrive_between_pages(api: Api) -> None:
    add_submitted_cases(api, 4)
    first = api.get("/worklist?sort=newest&limit=2", "officer").json()
    shown = _ids(first)
    add_submitted_cases(api, 2)  # newer: at the head of the list
    by_offset = _ids(api.get("/worklist?sort=newest&limit=2&offset=2", "officer").json())
    assert by_offset == shown, "an offset page shows the first page again"
    after = first["next_after"]
    rest = _ids(api.get(f"/worklist?sort=newest&limit=200&after={after}", "officer").json())
    assert not set(rest) & set(shown)
    assert rest == sorted(rest, reverse=True) and rest[0] < min(shown)


def test_the_last_page_gives_no_cursor_even_when_it_is_full(api: Api) -> None:
    add_submitted_cases(api, 3)
    total = api.get("/worklist?limit=1", "officer").json()["total"]
    whole = api.get(f"/worklist?limit={total}", "officer").json()
    assert len(whole["items"]) == total and whole["next_after"] is None
    short = api.get(f"/worklist?limit={total - 1}", "officer").json()
    last = api.get(f"/worklist?limit=200&after={short['next_after']}", "officer").json()
    assert len(last["items"]) == 1 and last["next_after"] is None


def test_a_case_whose_target_moves_later_during_a_walk_is_shown_again(api: Api) -> None:
    """What the docs say a cursor cannot prevent: a case is where its new value puts it."""
    last = add_submitted_cases(api, 4)
    ids = list(range(last - 3, last + 1))
    today = dt.date.today()
    for days, case in zip((40, 30, 20, 10), ids, strict=True):
        received = {"received_on": (today - dt.timedelta(days=days)).isoformat(), "reason": "post"}
        assert api.post(f"/applications/{case}/received", "officer", received).status_code == 200
        assigned = api.post(f"/applications/{case}/assign", "officer", {"assignee": "officer2"})
        assert assigned.status_code == 200, assigned.text
    query = "/worklist?sort=target&assignee=officer2"
    first = api.get(f"{query}&limit=2", "officer").json()
    assert _ids(first) == ids[:2]
    moved = {"received_on": today.isoformat(), "reason": "Corrected: received by email today"}
    assert api.post(f"/applications/{ids[0]}/received", "officer", moved).status_code == 200
    rest = _ids(api.get(f"{query}&limit=200&after={first['next_after']}", "officer").json())
    assert rest == [ids[2], ids[3], ids[0]]


def test_a_page_after_a_cursor_costs_the_statements_of_the_first(api: Api) -> None:
    add_submitted_cases(api, 5)
    assert api.get("/auth/me", "officer").status_code == 200  # the login's write, made now
    with counted(api) as head:
        first = api.get("/worklist?sort=target&limit=2", "officer").json()
    with counted(api) as later:
        page = api.get(f"/worklist?sort=target&limit=2&after={first['next_after']}", "officer")
    assert page.status_code == 200 and len(page.json()["items"]) == 2
    assert len(later) == len(head), (head, later)


def _token(values: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("sort", "after", "says"),
    [
        ("newest", "not-a-cursor!", "not one this list gave"),
        ("newest", _token({"sort": "newest"}), "not one this list gave"),
        ("newest", _token(["newest", "2026-11-02T09:30:15", True]), "not one this list gave"),
        ("newest", _token(["oldest", "2026-11-02T09:30:15", 5]), "made for the sort 'oldest'"),
        ("newest", _token(["newest", "yesterday", 5]), "is not valid"),
        ("newest", _token(["newest", "2026-11-02T09:30:15", 2**40]), "out of range"),
        # no value: only a case without a target date has none
        ("newest", _token(["newest", None, 5]), "has no value"),
        ("updated", _token(["updated", None, 5]), "has no value"),
        # spellings Python reads and a page never writes
        ("newest", _token(["newest", "2026-11-02", 5]), "is not valid"),
        ("target", _token(["target", "20261102", 5]), "is not valid"),
        # times Python reads but cannot move to UTC (found 2026-12-06: a 500)
        ("newest", _token(["newest", "0001-01-01T00:00:00+05:00", 5]), "is not valid"),
        ("updated", _token(["updated", "9999-12-31T23:59:59-05:00", 5]), "is not valid"),
    ],
)
def test_a_cursor_this_list_did_not_give_is_refused(
    api: Api, sort: str, after: str, says: str
) -> None:
    response = api.get(f"/worklist?sort={sort}&after={after}", "officer")
    assert response.status_code == 422, response.text
    detail = response.json()["detail"][0]
    assert detail["loc"][-1] == "after" and says in detail["msg"], detail


def test_a_cursor_longer_than_any_the_list_gives_is_refused(api: Api) -> None:
    response = api.get(f"/worklist?after={'A' * 201}", "officer")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "after"


def test_a_cursor_with_another_offset_is_the_same_instant_on_both_databases(api: Api) -> None:
    ours = _with_ties(api)
    first = api.get("/worklist?sort=newest&limit=3", "officer").json()
    sort, value, last = json.loads(base64.urlsafe_b64decode(first["next_after"] + "==="))
    instant = dt.datetime.fromisoformat(value)
    instant = instant if instant.tzinfo else instant.replace(tzinfo=dt.UTC)
    elsewhere = instant.astimezone(dt.timezone(dt.timedelta(hours=1))).isoformat()
    pages = [
        _ids(api.get(f"/worklist?sort=newest&limit=200&after={after}", "officer").json())
        for after in (first["next_after"], _token([sort, elsewhere, last]))
    ]
    assert pages[0] == pages[1] and set(ours) & set(pages[0])
