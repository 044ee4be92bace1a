"""Queues, assignment, target dates, flags, routing rules, bulk actions and search, through
the API on SQLite and PostgreSQL (each test runs on both)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from register_helpers import Api, application, to_assessed
from sqlalchemy import func, select

from openatt.register import casework_config, workdays
from openatt.register.models import Event

RULE = {
    "name": "Tanks to technical",
    "tier": 20,
    "when": {"categories": ["I"], "min_value": {"amount": 1_000_000, "currency": "EUR"}},
    "then": {"queues": ["Technical"], "flags": ["Major platform"]},
}
BLOCKING = {
    "name": "Destination under review",
    "level": "destination",
    "colour": "red",
    "blocking": True,
    "cleared_by_role": "senior_reviewer",
}
TANKS = {
    "description": "Main battle tanks",
    "category": "I",
    "control_entry": "ML6.a",
    "quantity": 4,
    "value": {"amount": 16_000_000, "currency": "EUR"},
}


def _events(api: Api) -> int:
    with api.db.read() as s:
        return int(s.execute(select(func.count()).select_from(Event)).scalar_one())


def _setup(api: Api) -> dict[str, Any]:
    technical = api.post("/queues", "senior", {"name": "Technical", "team": "Technical experts"})
    assert technical.status_code == 201, technical.text
    platform = api.post(
        "/flags",
        "senior",
        {
            "name": "Major platform",
            "level": "goods",
            "colour": "purple",
            "blocking": False,
            "cleared_by_role": "officer",
        },
    )
    assert platform.status_code == 201, platform.text
    review = api.post("/flags", "admin", BLOCKING)
    assert review.status_code == 201, review.text
    saved = api.client.put(
        "/routing/rules/Tanks to technical", json=RULE, headers=api.headers("senior")
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["outcome"] == "created" and saved.json()["rule"]["version"] == 1
    return {"queue": technical.json()["id"], "review": review.json()["id"]}


def _submitted(api: Api, body: dict[str, Any] | None = None) -> int:
    created = api.post("/applications", "applicant", body or application())
    assert created.status_code == 201, created.text
    app_id = int(created.json()["id"])
    assert api.post(f"/applications/{app_id}/submit", "applicant", {}).status_code == 200
    return app_id


def test_submission_routes_by_rule_and_sets_the_target_date(api: Api) -> None:
    _setup(api)
    tanks = _submitted(api, application(items=[TANKS]))
    rifles = _submitted(api)
    work = api.get(f"/applications/{tanks}/casework", "officer").json()
    assert work["queues"] == ["Technical"]
    assert [f["flag"] for f in work["flags"]] == ["Major platform"]
    assert work["flags"][0]["target"] == "item:0" and work["flags"][0]["rule"] == (
        "Tanks to technical@v1"
    )
    config = casework_config.load()
    received = dt.date.fromisoformat(work["received_on"])
    assert (
        work["target_on"]
        == workdays.add_working_days(
            received, config.target_working_days["export"], config.holiday_dates
        ).isoformat()
    )
    assert api.get(f"/applications/{rifles}/casework", "officer").json()["queues"] == []
    with api.db.read() as s:
        applied = s.execute(select(Event).where(Event.action == "routing.apply")).scalars().all()
    assert len(applied) == 1
    assert '"rule":"Tanks to technical"' in applied[0].payload
    assert '"version":1' in applied[0].payload and "category I" in applied[0].payload

    # A new version of the rule: the next case names version 2; the first keeps version 1.
    changed = {**RULE, "when": {"control_entries": ["ML6"]}}
    saved = api.client.put(
        "/routing/rules/Tanks to technical", json=changed, headers=api.headers("admin")
    ).json()
    assert saved["outcome"] == "updated" and saved["rule"]["version"] == 2
    again = api.client.put(
        "/routing/rules/Tanks to technical", json=changed, headers=api.headers("admin")
    ).json()
    assert again["outcome"] == "unchanged" and again["rule"]["version"] == 2
    third = _submitted(api, application(items=[{**TANKS, "value": None}]))
    flags = api.get(f"/applications/{third}/casework", "officer").json()["flags"]
    assert flags[0]["rule"] == "Tanks to technical@v2"
    assert api.get("/audit/verify", "auditor").json()["intact"]


def test_blocking_flag_holds_the_decision_until_the_named_role_clears_it(api: Api) -> None:
    ids = _setup(api)
    app_id = to_assessed(api)
    flagged = api.post(
        f"/applications/{app_id}/flags",
        "officer",
        {"flag_id": ids["review"], "target": "destination:NZL", "note": "Embassy cable"},
    )
    assert flagged.status_code == 201, flagged.text
    flag = next(f for f in flagged.json()["flags"] if f["blocking"])
    version = api.get(f"/applications/{app_id}", "officer").json()["version"]
    body = {"version": version, "outcome": "approved", "reasons": "Meets the criteria."}
    refused = api.post(f"/applications/{app_id}/decide", "officer2", body)
    assert refused.status_code == 409
    assert "Destination under review" in refused.json()["detail"]
    assert refused.json()["field"] == ["flags"]
    # The role in words a person reads (the web UI shows this message as it is).
    assert "(cleared by a senior reviewer)" in refused.json()["detail"]
    clear = f"/applications/{app_id}/flags/{flag['id']}/clear"
    # An officer is not the role named; reasons are required; the senior reviewer clears it.
    wrong_role = api.post(clear, "officer2", {"reasons": "ok"})
    assert wrong_role.status_code == 403
    assert "is cleared by a senior reviewer" in wrong_role.json()["detail"]
    empty = api.post(clear, "senior", {"reasons": "  "})
    assert empty.status_code == 422 and empty.json()["detail"][0]["loc"][-1] == "reasons"
    cleared = api.post(clear, "senior", {"reasons": "Cable reviewed: not about this end user."})
    assert cleared.status_code == 200, cleared.text
    assert api.post(clear, "senior", {"reasons": "again"}).status_code == 409
    decided = api.post(f"/applications/{app_id}/decide", "officer2", body)
    assert decided.status_code == 200, decided.text


def test_the_setter_of_a_blocking_flag_cannot_clear_it_alone(api: Api) -> None:
    ids = _setup(api)
    app_id = _submitted(api)
    flagged = api.post(
        f"/applications/{app_id}/flags",
        "senior",
        {"flag_id": ids["review"], "target": "destination:NZL", "note": "Under review"},
    ).json()
    flag = next(f for f in flagged["flags"] if f["blocking"])
    refused = api.post(
        f"/applications/{app_id}/flags/{flag['id']}/clear", "senior", {"reasons": "Mine"}
    )
    assert refused.status_code == 403 and "four-eyes" in refused.json()["detail"]


def test_screening_hits_flag_the_case_in_the_queue(api: Api) -> None:
    created = api.post("/applications", "applicant", application()).json()["id"]
    api.post(f"/applications/{created}/submit", "applicant", {})
    hit = {
        "party_role": "end_user",
        "party_name": "New Zealand Defence Force",
        "list_id": "example-list",
        "authority": "UN",
        "entity_id": "X1",
        "matched_name": "NZ Defence Force",
        "score": 0.93,
    }
    assert (
        api.post(f"/applications/{created}/screen", "officer", {"hits": [hit]}).status_code == 200
    )
    work = api.get(f"/applications/{created}/casework", "officer").json()
    spec = casework_config.load().screening_flag
    assert [(f["flag"], f["target"]) for f in work["flags"]] == [(spec.name, "party:end_user")]
    page = api.get(f"/worklist?flag_id={_flag_id(api, spec.name)}", "officer").json()
    assert [i["application_id"] for i in page["items"]] == [created]
    assert page["items"][0]["flags"] == [spec.name]
    # Screening again with the same hit does not set the flag twice.
    api.post(f"/applications/{created}/screen", "officer", {"hits": [hit]})
    assert len(api.get(f"/applications/{created}/casework", "officer").json()["flags"]) == 1


def _flag_id(api: Api, name: str) -> int:
    return next(f["id"] for f in api.get("/flags", "officer").json() if f["name"] == name)


def test_assign_reassign_my_cases_and_past_target(api: Api) -> None:
    _setup(api)
    first, second = _submitted(api), _submitted(api)
    assert (
        api.post(f"/applications/{first}/assign", "officer", {"assignee": "officer"}).status_code
        == 200
    )
    again = api.post(f"/applications/{first}/assign", "officer", {"assignee": "officer"})
    assert again.status_code == 409
    moved = api.post(f"/applications/{first}/assign", "senior", {"assignee": "officer2"})
    assert moved.json()["assignee"] == "officer2"
    bad = api.post(f"/applications/{second}/assign", "officer", {"assignee": "applicant"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "assignee"
    mine = api.get("/worklist?assignee=me", "officer2").json()
    assert [i["application_id"] for i in mine["items"]] == [first]
    assert api.get("/worklist?assignee=me", "officer").json()["items"] == []
    # Received long ago (a paper application): past its target date, first when sorted by it.
    late = dt.date.today() - dt.timedelta(days=60)
    reason = {"received_on": late.isoformat(), "reason": "Paper application received by post"}
    work = api.post(f"/applications/{second}/received", "officer", reason).json()
    assert work["working_days_past_target"] > 0
    future = {"received_on": (dt.date.today() + dt.timedelta(days=3)).isoformat(), "reason": "x"}
    refused = api.post(f"/applications/{second}/received", "officer", future)
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"][-1] == "received_on"
    overdue = api.get("/worklist?overdue=true", "officer").json()
    assert [i["application_id"] for i in overdue["items"]] == [second]
    assert overdue["items"][0]["overdue"] is True
    ordered = api.get("/worklist?sort=target", "officer").json()["items"]
    assert ordered[0]["application_id"] == second


def test_bulk_actions_report_each_case(api: Api) -> None:
    ids = _setup(api)
    one, two = _submitted(api), _submitted(api)
    draft = api.post("/applications", "applicant", application()).json()["id"]
    before = _events(api)
    results = api.post(
        "/queues/bulk",
        "officer",
        {"application_ids": [one, draft, two, 999999], "action": "move", "queue_id": ids["queue"]},
    )
    assert results.status_code == 200, results.text
    outcome = {r["application_id"]: (r["ok"], r["message"]) for r in results.json()}
    assert outcome[one] == (True, "done") and outcome[two] == (True, "done")
    assert outcome[draft][0] is False and "draft" in outcome[draft][1]
    assert outcome[999999][0] is False and "not found" in outcome[999999][1]
    assert _events(api) == before + 2  # one event per case moved, none for the refused
    queue = api.get(f"/worklist?queue_id={ids['queue']}", "officer").json()
    assert sorted(i["application_id"] for i in queue["items"]) == sorted([one, two])
    assigned = api.post(
        "/queues/bulk",
        "officer",
        {"application_ids": [one, two], "action": "assign", "assignee": "officer2"},
    ).json()
    assert all(r["ok"] for r in assigned)
    nobody = api.post(
        "/queues/bulk",
        "officer",
        {"application_ids": [one], "action": "assign", "assignee": "ghost"},
    )
    assert nobody.status_code == 422 and nobody.json()["detail"][0]["loc"][-1] == "assignee"


def test_bulk_actions_take_their_cases_in_ascending_order(api: Api) -> None:
    """Whatever order an officer chose the cases in, a bulk action takes them (and locks
    their rows) in ascending id order, once each: two overlapping bulk actions then lock in
    one order, so on PostgreSQL the second waits for the first instead of deadlocking."""
    cases = [_submitted(api) for _ in range(4)]
    chosen = [cases[2], cases[0], cases[3], cases[2], cases[1]]
    results = api.post(
        "/queues/bulk",
        "officer",
        {"application_ids": chosen, "action": "assign", "assignee": "officer"},
    )
    assert results.status_code == 200, results.text
    assert [r["application_id"] for r in results.json()] == sorted(cases)
    assert all(r["ok"] for r in results.json())


def test_search_by_party_goods_control_entry_and_document(api: Api) -> None:
    body = application(
        consignee={"name": "Kiwi Logistics Depot", "country": "NZL"},
        documents=[{"kind": "end_user_certificate", "reference": "EUC-NZ-0042"}],
    )
    wanted = api.post("/applications", "applicant", body).json()["id"]
    api.post("/applications", "applicant", application(items=[TANKS]))
    for query in (
        "party=kiwi%20logistics",
        "goods=ammunition",
        "control_entry=ml3",
        "document=euc-nz-0042",
        "q=EUC-NZ",
    ):
        found = api.get(f"/applications?{query}", "officer").json()
        assert [i["id"] for i in found["items"]] == [wanted], query
    assert api.get("/applications?control_entry=ML6", "officer").json()["total"] == 1
    # Applicants search only their own company's cases.
    assert api.get("/applications?document=euc-nz-0042", "other_applicant").json()["total"] == 0


def test_the_category_filter_matches_whole_categories(api: Api) -> None:
    """Categories are kept comma-joined ("VIII,ammunition"): "VII", "I", "V" or "II" are
    parts of that text but none of its categories (found in review, 2026-12-05)."""
    rifles = api.post("/applications", "applicant", application()).json()["id"]
    tanks = api.post("/applications", "applicant", application(items=[TANKS])).json()["id"]
    for category, expected in (
        ("VIII", [rifles]),
        ("ammunition", [rifles]),
        ("I", [tanks]),
        ("VII", []),
        ("V", []),
        ("II", []),
    ):
        for role in ("officer", "applicant"):
            found = api.get(f"/applications?category={category}", role).json()
            assert [i["id"] for i in found["items"]] == expected, (category, role)
            assert found["total"] == len(expected)
    for unknown in ("ammo", "%25"):  # not a category at all
        assert api.get(f"/applications?category={unknown}", "officer").status_code == 422


def test_an_uploaded_documents_reference_is_found(api: Api) -> None:
    """A document uploaded with a reference joins the search index (before, only a create or
    an update wrote the index, so the search never found it)."""
    from document_samples import pdf

    case = api.post("/applications", "applicant", application()).json()["id"]
    assert api.post(f"/applications/{case}/submit", "applicant", {}).status_code == 200
    uploaded = api.client.post(
        f"/applications/{case}/documents",
        headers=api.headers("applicant"),
        files={"file": ("euc.pdf", pdf("EUC-UPLOADED-777"), "application/pdf")},
        data={"kind": "end_user_certificate", "reference": "EUC-UPLOADED-777"},
    )
    assert uploaded.status_code == 201, uploaded.text
    for query in ("document=euc-uploaded-777", "q=EUC-UPLOADED"):
        found = api.get(f"/applications?{query}", "officer").json()
        assert [i["id"] for i in found["items"]] == [case], query


def test_search_text_is_matched_literally(api: Api) -> None:
    """ "%" and "_" in a search are characters, not wildcards: "%" alone found every case."""
    body = application(documents=[{"kind": "end_user_certificate", "reference": "EUC_50%"}])
    wanted = api.post("/applications", "applicant", body).json()["id"]
    api.post("/applications", "applicant", application())
    for query in ("q=%25", "q=_", "document=%25", "party=_"):
        found = api.get(f"/applications?{query}", "officer").json()
        expected = [wanted] if query in ("q=%25", "q=_", "document=%25") else []
        assert [i["id"] for i in found["items"]] == expected, query
    assert api.get("/applications?document=euc_50%25", "officer").json()["total"] == 1
    assert api.get("/applications?document=eucx50", "officer").json()["total"] == 0


def test_bad_configuration_is_refused_with_the_field_and_nothing_written(api: Api) -> None:
    _setup(api)
    before = _events(api)
    duplicate = api.post("/queues", "senior", {"name": "Technical", "team": "Other"})
    assert duplicate.status_code == 422 and duplicate.json()["detail"][0]["loc"][-1] == "name"
    blank = api.post("/queues", "senior", {"name": " ", "team": "T"})
    assert blank.status_code == 422 and blank.json()["detail"][0]["loc"][-1] == "name"
    level = api.post("/flags", "senior", {**BLOCKING, "name": "X", "level": "planet"})
    assert level.status_code == 422 and level.json()["detail"][0]["loc"][-1] == "level"
    cases = [
        ({**RULE, "then": {"queues": ["Nowhere"]}}, "then"),
        ({**RULE, "then": {"flags": ["No such flag"]}}, "flags"),
        ({**RULE, "when": {}}, "when"),
        ({**RULE, "when": {"destinations": ["nz"]}}, "when"),
        ({**RULE, "unknown": 1}, "unknown"),
    ]
    for body, field in cases:
        response = api.client.put(
            "/routing/rules/Tanks to technical", json=body, headers=api.headers("senior")
        )
        assert response.status_code == 422, body
        assert field in [str(p) for p in response.json()["detail"][0]["loc"]], response.json()
    app_id = _submitted(api)
    wrong = api.post(
        f"/applications/{app_id}/flags",
        "officer",
        {"flag_id": _flag_id(api, "Major platform"), "target": "destination:NZL", "note": "n"},
    )
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"][-1] == "target"
    after_submit = _events(api)
    assert after_submit > before  # the submission itself
    nothing = api.post(
        f"/applications/{app_id}/queues", "officer", {"queue_id": 99999, "action": "add"}
    )
    assert nothing.status_code == 422 and nothing.json()["detail"][0]["loc"][-1] == "queue"
    assert _events(api) == after_submit


def test_applicants_and_monitors_see_no_casework(api: Api) -> None:
    ids = _setup(api)
    app_id = _submitted(api, application(items=[TANKS]))
    for user in ("applicant", "monitor"):
        assert api.get(f"/applications/{app_id}/casework", user).status_code == 403
        assert api.get("/worklist", user).status_code == 403
        assert api.get("/queues", user).status_code == 403
        assert api.get("/routing/rules", user).status_code == 403
    assert (
        api.post(
            f"/applications/{app_id}/queues",
            "applicant",
            {"queue_id": ids["queue"], "action": "add"},
        ).status_code
        == 403
    )
    assert api.post("/queues", "officer", {"name": "Mine", "team": "Me"}).status_code == 403
