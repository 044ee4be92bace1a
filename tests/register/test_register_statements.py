"""No N+1 queries on the reads an authority makes all day (issue 16): the SQL statements
that a page of the register, a whole case and the queue cost are counted with SQLAlchemy's
event hooks, and must not grow with the number of cases on the page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from register_helpers import Api, application
from sqlalchemy import event

READS = ("/applications?limit=50", "/worklist?limit=50", "/applications/{id}")


@contextmanager
def counted(api: Api) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(api.db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(api.db.engine, "before_cursor_execute", count)


def add_submitted_cases(api: Api, count: int) -> int:
    last = 0
    for _ in range(count):
        created = api.post("/applications", "applicant", application())
        assert created.status_code == 201, created.text
        last = created.json()["id"]
        version = created.json()["version"]
        submitted = api.post(f"/applications/{last}/submit", "applicant", {"version": version})
        assert submitted.status_code == 200, submitted.text
    return last


def statements_per_read(api: Api, case: int) -> dict[str, int]:
    # A login's last activity is written at most once a minute (logins.SEEN_EVERY): make that
    # write now, so that it is not counted against whichever read comes first.
    assert api.get("/auth/me", "officer").status_code == 200
    counts = {}
    for path in READS:
        with counted(api) as statements:
            response = api.get(path.format(id=case), "officer")
        assert response.status_code == 200, response.text
        counts[path] = len(statements)
    return counts


def test_reads_cost_the_same_statements_whatever_the_number_of_cases(api: Api) -> None:
    case = add_submitted_cases(api, 2)
    few = statements_per_read(api, case)
    page = api.get("/applications?limit=50", "officer").json()
    case = add_submitted_cases(api, 6)
    many = statements_per_read(api, case)
    assert api.get("/applications?limit=50", "officer").json()["total"] == page["total"] + 6
    assert many == few, f"statements grew with the cases: {few} -> {many}"
    # 5, 8 and 4 statements when this test was written (authentication included)
    assert all(n <= 12 for n in many.values()), many


def test_keyset_pages_walk_the_register_like_offset_pages(api: Api) -> None:
    add_submitted_cases(api, 5)
    everything = api.get("/applications?limit=200", "officer").json()
    expected = [item["id"] for item in everything["items"]]
    assert everything["next_after"] is None and len(expected) >= 5
    seen: list[int] = []
    after = None
    while True:
        path = "/applications?limit=2" + (f"&after={after}" if after else "")
        page = api.get(path, "officer").json()
        assert page["total"] == everything["total"]
        seen += [item["id"] for item in page["items"]]
        after = page["next_after"]
        if after is None:
            break
    assert seen == expected  # newest first, each case once
    # the last page gives no cursor, also when it is full
    full = api.get(f"/applications?limit={len(expected)}", "officer").json()
    assert len(full["items"]) == len(expected) and full["next_after"] is None
    mine = api.get("/applications?limit=200", "applicant").json()  # the applicant's view
    n = len(mine["items"])
    assert n >= 5 and mine["next_after"] is None
    exact = api.get(f"/applications?limit={n}", "applicant").json()
    assert exact["items"] == mine["items"] and exact["next_after"] is None
    short = api.get(f"/applications?limit={n - 1}", "applicant").json()
    assert short["next_after"] == mine["items"][n - 2]["id"]
    second = api.get("/applications?limit=2&offset=2", "officer").json()  # offset still works
    assert [item["id"] for item in second["items"]] == expected[2:4]
    applicant = api.get(f"/applications?limit=1&after={expected[0]}", "applicant").json()
    assert all(item["id"] < expected[0] for item in applicant["items"])
    refused = api.get("/applications?after=0", "officer")
    assert refused.status_code == 422 and "after" in refused.text


def test_a_decision_asks_its_checks_in_one_statement(api: Api) -> None:
    """Issue 16, sixth round: a decision on a case with no blocking flag, no request for
    advice and no notified denial for its destination reads none of those tables on their
    own: the latest assessment's statement asks whether there are any."""
    from register_helpers import to_assessed, version

    app_id = to_assessed(api)
    body = {"version": version(api, app_id), "outcome": "approved", "reasons": "In the file."}
    with counted(api) as statements:
        decided = api.post(f"/applications/{app_id}/decide", "officer", body)
    assert decided.status_code == 200, decided.text
    alone = [
        s
        for s in statements
        if "FROM assessments" not in s
        and any(f"FROM {t}" in s for t in ("case_flags", "advice_requests", "denials"))
    ]
    assert alone == []
    asked = [s for s in statements if "FROM assessments" in s]
    assert len(asked) == 1
    assert all(f"FROM {t}" in asked[0] for t in ("case_flags", "advice_requests", "denials"))


def test_a_reassessment_asks_for_denials_in_its_one_question(api: Api) -> None:
    """Issue 16, seventh round: a reassessment of a case that no notified denial names, and
    none was flagged on, does not run the denial matching's own query: its first statement
    asks whether any denial in force names the destination. Once one does, the matching runs
    again and flags the case."""
    from register_helpers import to_assessed
    from test_register_denials import NOTICE

    app_id = to_assessed(api)  # to New Zealand, the destination of NOTICE
    reason = {"reason": "New information received"}
    with counted(api) as statements:
        again = api.post(f"/applications/{app_id}/reassess", "officer", reason)
    assert again.status_code == 200, again.text
    alone = [s for s in statements if "FROM denials" in s and "FROM assessments" not in s]
    assert alone == []
    asked = [s for s in statements if "FROM denials" in s]
    assert len(asked) == 1
    assert api.get(f"/applications/{app_id}", "officer").json()["consultation"] == []

    assert api.post("/denials", "officer", NOTICE).status_code == 201
    with counted(api) as statements:
        again = api.post(f"/applications/{app_id}/reassess", "officer", reason)
    assert again.status_code == 200, again.text
    assert len([s for s in statements if "FROM denials" in s]) == 2  # the question, the match
    case = api.get(f"/applications/{app_id}", "officer").json()
    assert len(case["consultation"]) == 1 and case["consulted"] is False


def test_a_reassessment_with_new_evidence_writes_the_case_once(api: Api) -> None:
    """Issue 16, twelfth round: the new evidence and the case's stamp go in one UPDATE of
    the case (its version goes up by one), and the engine reads the evidence just written."""
    import datetime as dt

    from register_helpers import to_assessed, version

    app_id = to_assessed(api)
    before = version(api, app_id)
    report = {
        "criterion": "human_rights",
        "likelihood": "likely",
        "severity": "serious",
        "source": "a report received today",
        "date": dt.date.today().isoformat(),
    }
    body = {"reason": "A new report", "evidence": [report], "version": before}
    with counted(api) as statements:
        again = api.post(f"/applications/{app_id}/reassess", "officer", body)
    assert again.status_code == 200, again.text
    updates = [s for s in statements if s.startswith("UPDATE applications")]
    assert len(updates) == 1, updates
    assert "payload" in updates[0] and "updated_at" in updates[0]
    case = api.get(f"/applications/{app_id}", "officer").json()
    assert case["version"] == before + 1
    assert case["application"]["evidence"][-1]["source"] == "a report received today"
    cited = json.dumps(again.json()["assessments"])
    assert "a report received today" in cited


def test_more_evidence_than_a_case_holds_is_refused_and_nothing_is_written(api: Api) -> None:
    """Found in review, twelfth round: a reassessment that took the case past the 500
    pieces of evidence an application holds failed with a server error when the write read
    the case back. It is refused with a clear answer, and the case is as it was."""
    import datetime as dt

    from register_helpers import to_assessed, version

    app_id = to_assessed(api)
    before = api.get(f"/applications/{app_id}", "officer").json()
    held = len(before["application"]["evidence"])
    today = dt.date.today().isoformat()

    def reports(count: int, tag: str) -> list[dict[str, str]]:
        return [
            {
                "criterion": "human_rights",
                "likelihood": "possible",
                "severity": "serious",
                "source": f"report {tag}{i}",
                "date": today,
            }
            for i in range(count)
        ]

    too_many = {"reason": "Reports", "evidence": reports(501 - held, "a")}
    refused = api.post(f"/applications/{app_id}/reassess", "officer", too_many)
    assert refused.status_code == 422, refused.text
    assert "at most 500 pieces of evidence" in refused.text
    after = api.get(f"/applications/{app_id}", "officer").json()
    assert after["version"] == version(api, app_id) == before["version"]
    assert len(after["application"]["evidence"]) == held

    just_enough = {"reason": "Reports", "evidence": reports(500 - held, "b")}
    taken = api.post(f"/applications/{app_id}/reassess", "officer", just_enough)
    assert taken.status_code == 200, taken.text
    full = api.get(f"/applications/{app_id}", "officer").json()
    assert len(full["application"]["evidence"]) == 500
