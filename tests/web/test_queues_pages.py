"""The queue page's team queues, "my cases", target dates, flags and bulk actions, the case
page's casework forms, and the queues page, on the demo register (real SQLite, real forms)."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from openatt.register import applications, demo, users
from openatt.register.models import ApplicationRow, Event

Browser = Any
Register = Any


def _events(register: Register) -> int:
    db = register.database()
    try:
        with db.read() as s:
            return int(s.execute(select(func.count()).select_from(Event)).scalar_one())
    finally:
        db.dispose()


def _rows(page: str) -> list[str]:
    return re.findall(r'<a class="ref" href="/ui/applications/(\d+)"', page)


def _case_with(register: Register, description: str) -> int:
    """The id of the demo case with an item of this description."""
    from sqlalchemy import select

    from openatt.register.models import ApplicationRow

    db = register.database()
    try:
        with db.read() as s:
            rows = s.execute(select(ApplicationRow.id, ApplicationRow.payload)).all()
    finally:
        db.dispose()
    return next(i for i, payload in rows if description in payload)


def test_team_queues_my_cases_and_past_target(register: Register, web: Browser) -> None:
    web.login("officer")
    page = web.get("/ui/applications").text
    for tab in ("My cases", "Past target date", "Licensing", "Technical assessment"):
        assert tab in page
    screened, assessed = register.case_id("screened"), register.case_id("assessed")
    mine = web.get("/ui/applications?assignee=me").text
    assert sorted(_rows(mine)) == sorted([str(screened), str(assessed)])
    late = web.get("/ui/applications?overdue=1&sort=target").text
    assert _rows(late) == [str(register.case_id("submitted"))]
    assert "past target" in late and 'class="overdue"' in late
    # The case still under a blocking flag shows it in the queue; the cleared one does not.
    row = web.get("/ui/applications?state=screened").text
    assert "Destination under review · blocking" in row
    assert (
        "Destination under review · blocking" not in web.get("/ui/applications?state=assessed").text
    )
    technical = re.search(r'href="([^"]*queue=(\d+))"[^>]*title="Technical experts"', page)
    assert technical
    in_queue = web.get(f"/ui/applications?queue={technical.group(2)}").text
    # the demo's classification case (MQ-9B, mortars: aircraft and artillery) is routed there too
    classified = _case_with(register, "MQ-9B remotely piloted aircraft")
    assert sorted(_rows(in_queue)) == sorted(
        [
            str(register.case_id("submitted")),
            str(register.case_id("awaiting_countersign")),
            str(classified),
        ]
    )
    bad = web.get("/ui/applications?queue=abc&flag=-1")
    assert 'id="queue-error"' in bad.text and 'id="flag-error"' in bad.text


def test_applicants_see_no_queues_flags_or_officers(
    register: Register, app_client: TestClient, new_browser: Any
) -> None:
    applicant = new_browser(TestClient(app_client.app))
    applicant.login("meridian")
    page = applicant.get("/ui/applications").text
    for hidden in ("My cases", "Destination under review", "Licensing", "past target", "bulk"):
        assert hidden not in page, hidden
    case = applicant.get(f"/ui/applications/{register.case_id('screened')}").text
    assert "Queues, assignment and flags" not in case and "Destination under review" not in case
    assert applicant.get("/ui/queues").status_code == 403


def test_case_page_forms_refuse_bad_input_and_write_nothing(
    register: Register, web: Browser, app_client: TestClient, new_browser: Any
) -> None:
    case = register.case_id("screened")  # Kenya, under a blocking destination flag
    web.login("officer")
    page = web.get(f"/ui/applications/{case}").text
    assert "A decision is blocked" in page and "Destination under review" in page
    flag_id = re.search(r'name="flag">.*?<option value="(\d+)">Major platform', page, re.S)
    assert flag_id
    before = _events(register)
    wrong = web.post(
        f"/ui/applications/{case}/flags",
        {"flag": flag_id.group(1), "target": "destination:KEN", "flag_note": "Pistols"},
    )
    assert wrong.status_code == 422 and 'id="target-error"' in wrong.text
    no_note = web.post(
        f"/ui/applications/{case}/flags", {"flag": flag_id.group(1), "target": "item:0"}
    )
    assert no_note.status_code == 422 and 'id="flag_note-error"' in no_note.text
    no_officer = web.post(f"/ui/applications/{case}/assign", {"assignee": "meridian"})
    assert no_officer.status_code == 422 and 'id="assignee-error"' in no_officer.text
    assert _events(register) == before
    blocking = re.search(r"/flags/(\d+)/clear", page)
    assert blocking
    officer_clear = web.post(
        f"/ui/applications/{case}/flags/{blocking.group(1)}/clear", {"reasons": "Fine"}
    )
    assert officer_clear.status_code == 403 and "senior" in officer_clear.text
    assert _events(register) == before
    senior = new_browser(TestClient(app_client.app))
    senior.login("senior")
    empty = senior.post(
        f"/ui/applications/{case}/flags/{blocking.group(1)}/clear",
        {"reasons": "", "flag_row": blocking.group(1)},
    )
    assert empty.status_code == 422 and 'id="reasons-error"' in empty.text
    done = senior.post(
        f"/ui/applications/{case}/flags/{blocking.group(1)}/clear",
        {"reasons": "Desk officer confirms the police unit is vetted."},
    )
    assert done.status_code == 303
    after = senior.get(f"/ui/applications/{case}").text
    assert "A decision is blocked" not in after and "Cleared flags (1)" in after
    moved = web.post(f"/ui/applications/{case}/assign", {"assignee": "officer2"})
    assert moved.status_code == 303
    assert "The assignment is recorded." in web.get(moved.headers["location"]).text
    assert "Assigned to</dt><dd>officer2" in web.get(f"/ui/applications/{case}").text


def test_bulk_move_reports_each_case(register: Register, web: Browser) -> None:
    web.login("officer")
    page = web.get("/ui/applications").text
    sanctions = re.search(r'<option value="(\d+)">Sanctions and denials', page)
    assert sanctions
    submitted, draft = register.case_id("submitted"), register.case_id("draft")
    response = web.client.post(
        "/ui/queues/bulk",
        data={
            "csrf": web.csrf(),
            "case": [str(submitted), str(draft)],
            "action": "move",
            "bulk_queue": sanctions.group(1),
        },
        follow_redirects=False,
    )
    assert response.status_code == 200
    assert response.text.count('class="ok"') == 1 and response.text.count('class="refused"') == 1
    assert "is a draft" in response.text
    moved = web.get(f"/ui/applications?queue={sanctions.group(1)}").text
    assert str(submitted) in _rows(moved)
    nothing = web.client.post(
        "/ui/queues/bulk", data={"csrf": web.csrf(), "action": "assign"}, follow_redirects=False
    )
    assert nothing.status_code == 422 and "choose at least one case" in nothing.text


def test_queue_page_queries_do_not_grow_with_the_page(
    register: Register, web: Browser, app_client: TestClient, militia: Any
) -> None:
    """No N+1: the same number of SQL statements for 3 cases as for 25, queues and flags shown."""
    engine = app_client.app.state.db.engine  # type: ignore[attr-defined]
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    web.login("officer")
    event.listen(engine, "before_cursor_execute", count)
    try:
        small = web.get("/ui/applications?state=screened")
        few = len(statements)
        statements.clear()
        db = register.database()
        with db.read() as s:
            by_name = {u.username: users.actor_of(u) for u in users.list_users(s)}
        for _ in range(25):
            with db.write() as s:
                app_id = applications.create(s, by_name["meridian"], militia).id
                applications.submit(s, by_name["meridian"], app_id, None)
                applications.screen(
                    s, by_name["officer"], app_id, [], None, lists_used="UN SC list, by hand"
                )
        db.dispose()
        statements.clear()
        large = web.get("/ui/applications?state=screened")
        many = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    before = len(_rows(small.text))  # the demo's screened cases (other features add some)
    assert before >= 1 and len(_rows(large.text)) == min(before + 25, 25)
    assert many == few, f"{few} statements for {before} case(s), {many} for a full page"
    assert many <= 16, statements


def test_queues_page_lists_and_adds_with_errors_named(
    web: Browser, app_client: TestClient, new_browser: Any
) -> None:
    web.login("officer")
    page = web.get("/ui/queues").text
    assert "Every case to Licensing" in page and "Destination under review" in page
    assert 'action="/ui/queues"' not in page  # officers do not configure
    assert web.post("/ui/queues", {"name": "X", "team": "Y"}).status_code == 403
    senior = new_browser(TestClient(app_client.app))
    senior.login("senior")
    blank = senior.post("/ui/queues", {"name": " ", "team": "Licensing"})
    assert blank.status_code == 422 and 'id="name-error"' in blank.text
    taken = senior.post("/ui/queues", {"name": "Licensing", "team": "Licensing"})
    assert taken.status_code == 422 and "already exists" in taken.text
    level = senior.post(
        "/ui/flags",
        {
            "flag_name": "End-use check",
            "level": "planet",
            "colour": "red",
            "cleared_by_role": "officer",
        },
    )
    assert level.status_code == 422 and 'id="level-error"' in level.text
    added = senior.post("/ui/queues", {"name": "Appeals", "team": "Legal"})
    assert added.status_code == 303
    assert "Appeals" in senior.get("/ui/queues").text


def test_received_date_correction_moves_the_target(register: Register, web: Browser) -> None:
    case = register.case_id("screened")
    web.login("officer")
    before = _events(register)
    future = web.post(
        f"/ui/applications/{case}/received",
        {"received_on": "2999-01-01", "received_reason": "typo"},
    )
    assert future.status_code == 422 and 'id="received_on-error"' in future.text
    garbled = web.post(f"/ui/applications/{case}/received", {"received_on": "last week"})
    assert garbled.status_code == 422 and 'id="received_on-error"' in garbled.text
    no_reason = web.post(f"/ui/applications/{case}/received", {"received_on": "2026-01-05"})
    assert no_reason.status_code == 422 and 'id="received_reason-error"' in no_reason.text
    assert _events(register) == before
    done = web.post(
        f"/ui/applications/{case}/received",
        {"received_on": "2026-01-05", "received_reason": "Paper application received by post"},
    )
    assert done.status_code == 303
    page = web.get(f"/ui/applications/{case}").text
    # 20 working days after Mon 5 Jan 2026 (no holiday between): Mon 2 Feb 2026.
    assert "2026-02-02 (20 working days" in page
    assert "working days past target" in page


def _tab(page: str, label: str) -> int | None:
    found = re.search(rf'>{label} <span class="count">(\d+)</span>', page)
    return int(found.group(1)) if found else None


def test_an_applicants_tabs_count_every_case_and_group_those_under_review(
    register: Register, app_client: TestClient, new_browser: Any
) -> None:
    """The cases an applicant sees as "under review" (screened, assessed, awaiting
    countersignature) were in no tab, so "All" counted fewer cases than the list showed.
    They now have one tab, which lists exactly them and names none of their states."""
    db = register.database()
    try:
        with db.read() as s:
            own = dict(
                s.execute(
                    select(ApplicationRow.id, ApplicationRow.state).where(
                        ApplicationRow.company == demo.MERI
                    )
                ).all()
            )
    finally:
        db.dispose()
    reviewed = {
        i for i, state in own.items() if state in ("screened", "assessed", "awaiting_countersign")
    }
    assert reviewed and len(reviewed) < len(own)
    applicant = new_browser(TestClient(app_client.app))
    applicant.login("meridian")
    page = applicant.get("/ui/applications").text
    total = int(re.search(r"of (\d+) application", page).group(1))  # type: ignore[union-attr]
    assert total == len(own) and _tab(page, "All") == total
    assert _tab(page, "Under review") == len(reviewed)
    under = applicant.get("/ui/applications?state=under-review").text
    assert 'id="state-error"' not in under
    listed = {int(i) for i in _rows(under)}
    assert listed == reviewed
    for internal in ("Screened", "Assessed", "Awaiting countersign"):
        assert f">{internal}<" not in under, internal
    assert '<option value="under-review" selected>Under review</option>' in under
    # the applicant still may not name an internal state, and staff have no such group
    assert 'id="state-error"' in applicant.get("/ui/applications?state=assessed").text
    officer = new_browser(TestClient(app_client.app))
    officer.login("officer")
    assert 'id="state-error"' in officer.get("/ui/applications?state=under-review").text
