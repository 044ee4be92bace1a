"""The dialogue with the exporter through the API, on SQLite and PostgreSQL: questions and
answers, case notes with mentions, withdrawal, amendment, appeals; bad input refused with
the field named and nothing written; every step an event that the lifecycle table allows."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from register_helpers import Api, application, to_assessed, version
from sqlalchemy import func, select

from openatt.register import appeals, audit, lifecycle, notify
from openatt.register.dialogue_models import QueryRow
from openatt.register.errors import Conflict
from openatt.register.models import Event, State, User
from openatt.register.users import actor_of


def militia() -> dict[str, Any]:
    """Dated when posted: a run that crosses midnight must not post yesterday's date."""
    return application(
        importing_state="SSD",
        end_user={"name": "Sudd Frontier Militia", "country": "SSD", "kind": "non_state"},
        consignee={"name": "Juba Traders", "country": "SSD"},
        items=[
            {"description": "Rifles", "category": "VIII", "control_entry": "ML1", "quantity": 50}
        ],
    )


def _events(api: Api) -> int:
    with api.db.read() as session:
        return int(session.execute(select(func.count()).select_from(Event)).scalar_one())


def _state(api: Api, app_id: int) -> str:
    return str(api.get(f"/applications/{app_id}", "officer").json()["state"])


def _submitted(api: Api) -> int:
    app_id = int(api.post("/applications", "applicant", application()).json()["id"])
    assert api.post(f"/applications/{app_id}/submit", "applicant", {}).status_code == 200
    return app_id


def _kinds(api: Api, user: str) -> list[str]:
    return [n["kind"] for n in api.get("/notifications", user).json()]


def assert_lifecycle_respected(api: Api) -> None:
    """Every application event in the log moved its case as the lifecycle table says."""
    with api.db.read() as session:
        events = session.execute(
            select(Event).where(Event.entity == "application").order_by(Event.seq)
        ).scalars()
        states: dict[int, State] = {}
        for event in events:
            after = State(json.loads(event.payload)["state"])
            if event.action == "application.create":
                assert after == State.draft
            else:
                before = states[event.entity_id]
                assert lifecycle.allows(event.action, before, after), (
                    f"{event.action}: {before.value} -> {after.value} is not in the table"
                )
            states[event.entity_id] = after
        assert audit.verify(session).intact


def test_questions_to_the_exporter_and_answers(api: Api) -> None:
    app_id = _submitted(api)
    due = (dt.date.today() + dt.timedelta(days=14)).isoformat()
    # Bad input: refused with the field named, nothing written.
    before = _events(api)
    empty = api.post(f"/applications/{app_id}/queries", "officer", {"question": "  "})
    assert empty.status_code == 422 and empty.json()["detail"][0]["loc"][-1] == "question"
    past = api.post(
        f"/applications/{app_id}/queries",
        "officer",
        {"question": "Who signs the certificate?", "respond_by": "2020-01-01"},
    )
    assert past.status_code == 422 and past.json()["detail"][0]["loc"][-1] == "respond_by"
    assert _events(api) == before
    # Applicants do not ask; staff do.
    assert (
        api.post(f"/applications/{app_id}/queries", "applicant", {"question": "?"}).status_code
        == 403
    )
    asked = api.post(
        f"/applications/{app_id}/queries",
        "officer",
        {"question": "Who signs the end-user certificate?", "respond_by": due},
    )
    assert asked.status_code == 201, asked.text
    query = asked.json()
    assert query["status"] == "open" and query["respond_by"] == due and query["asked_by"]
    # What is asked of the applicant: no officer named; another company sees nothing.
    mine = api.get("/queries", "applicant").json()
    assert [q["id"] for q in mine] == [query["id"]] and mine[0]["asked_by"] is None
    assert api.get("/queries", "other_applicant").json() == []
    assert api.get(f"/applications/{app_id}/queries", "other_applicant").status_code == 404
    assert [q["id"] for q in api.get("/queries", "officer").json()] == [query["id"]]
    assert "query.asked" in _kinds(api, "applicant")
    # The answer: only the applicant, only once, not blank.
    path = f"/applications/{app_id}/queries/{query['id']}/answer"
    assert api.post(path, "officer", {"answer": "x"}).status_code == 403
    assert api.post(path, "other_applicant", {"answer": "x"}).status_code == 404
    blank = api.post(path, "applicant", {"answer": " "})
    assert blank.status_code == 422 and blank.json()["detail"][0]["loc"][-1] == "answer"
    answered = api.post(
        path, "applicant", {"answer": "The Ministry of Defence.", "documents": ["EUC-1-S"]}
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["status"] == "answered"
    assert answered.json()["documents"] == ["EUC-1-S"]
    assert api.post(path, "applicant", {"answer": "again"}).status_code == 409
    assert api.get("/queries", "officer").json() == []
    assert "query.answered" in _kinds(api, "officer")
    # A draft cannot be asked about.
    draft = api.post("/applications", "applicant", application()).json()["id"]
    assert (
        api.post(f"/applications/{draft}/queries", "officer", {"question": "?"}).status_code == 409
    )
    assert_lifecycle_respected(api)


def test_case_notes_are_internal_and_mentions_notify(api: Api) -> None:
    app_id = _submitted(api)
    before = _events(api)
    unknown = api.post(f"/applications/{app_id}/notes", "officer", {"text": "@nobody look"})
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"][-1] == "text"
    outsider = api.post(f"/applications/{app_id}/notes", "officer", {"text": "@applicant hi"})
    assert outsider.status_code == 422
    assert _events(api) == before
    written = api.post(
        f"/applications/{app_id}/notes",
        "officer",
        {"text": "Embassy view pending. @officer2 and @senior please look."},
    )
    assert written.status_code == 201, written.text
    assert written.json()["mentions"] == ["officer2", "senior"]
    assert "note.mention" in _kinds(api, "officer2") and "note.mention" in _kinds(api, "senior")
    assert "note.mention" not in _kinds(api, "officer")
    assert [n["id"] for n in api.get(f"/applications/{app_id}/notes", "senior").json()] == [
        written.json()["id"]
    ]
    assert api.get(f"/applications/{app_id}/notes", "applicant").status_code == 403
    assert api.post(f"/applications/{app_id}/notes", "applicant", {"text": "x"}).status_code == 403


def test_withdrawal_before_a_decision(api: Api) -> None:
    app_id = _submitted(api)
    api.post(f"/applications/{app_id}/queries", "officer", {"question": "Which unit?"})
    blank = api.post(f"/applications/{app_id}/withdraw", "applicant", {"reason": ""})
    assert blank.status_code == 422 and blank.json()["detail"][0]["loc"][-1] == "reason"
    other = api.post(f"/applications/{app_id}/withdraw", "other_applicant", {"reason": "x"})
    assert other.status_code == 404
    done = api.post(
        f"/applications/{app_id}/withdraw", "applicant", {"reason": "Tender cancelled."}
    )
    assert done.status_code == 200 and done.json()["state"] == "withdrawn"
    # Its open question is closed; a withdrawn case cannot be withdrawn or asked about again.
    assert api.get("/queries", "applicant").json() == []
    assert (
        api.post(f"/applications/{app_id}/withdraw", "applicant", {"reason": "x"}).status_code
        == 409
    )
    # After a decision it is too late.
    decided = to_assessed(api, militia())
    api.post(
        f"/applications/{decided}/decide",
        "officer",
        {"version": version(api, decided), "outcome": "denied", "reasons": "Embargo."},
    )
    assert _state(api, decided) == "denied"
    late = api.post(f"/applications/{decided}/withdraw", "applicant", {"reason": "x"})
    assert late.status_code == 409
    assert_lifecycle_respected(api)


def test_amendment_supersedes_and_shows_the_differences(api: Api) -> None:
    app_id = to_assessed(api)
    body = application()
    body["items"][0]["quantity"] = 60
    body["end_use"] = "Rifle replacement for two battalions"
    before = _events(api)
    same = api.post(
        f"/applications/{app_id}/amend",
        "applicant",
        {"application": application(), "reason": "No change"},
    )
    assert same.status_code == 422 and same.json()["detail"][0]["loc"][-1] == "application"
    noreason = api.post(
        f"/applications/{app_id}/amend", "applicant", {"application": body, "reason": ""}
    )
    assert noreason.status_code == 422 and noreason.json()["detail"][0]["loc"][-1] == "reason"
    assert _events(api) == before
    amended = api.post(
        f"/applications/{app_id}/amend",
        "applicant",
        {"application": body, "reason": "Fewer rifles", "version": version(api, app_id)},
    )
    assert amended.status_code == 201, amended.text
    record = amended.json()
    changed = {d["field"]: (d["before"], d["after"]) for d in record["differences"]}
    assert changed == {
        "items.0.quantity": (100, 60),
        "end_use": ("Infantry rifle replacement", "Rifle replacement for two battalions"),
    }
    assert record["recommendation_before"] is None  # the engine's advice is internal
    new_id = record["application_id"]
    assert _state(api, app_id) == "superseded" and record["supersedes_id"] == app_id
    new = api.get(f"/applications/{new_id}", "applicant").json()
    assert new["status"] == "submitted" and new["company"] == "Meridian Ordnance Ltd"
    assert new["application"]["items"][0]["quantity"] == 60
    # The old version is kept as it was; staff see the engine's view of both versions.
    old = api.get(f"/applications/{app_id}", "officer").json()["application"]
    assert old["items"][0]["quantity"] == 100
    staff = api.get(f"/applications/{new_id}/amendments", "officer").json()
    assert staff[0]["recommendation_before"] and staff[0]["recommendation_after"]
    assert api.get(f"/applications/{app_id}/amendments", "other_applicant").status_code == 404
    again = api.post(
        f"/applications/{app_id}/amend", "applicant", {"application": body, "reason": "x"}
    )
    assert again.status_code == 409
    assert_lifecycle_respected(api)


def _denied(api: Api) -> int:
    app_id = to_assessed(api, militia())
    decided = api.post(
        f"/applications/{app_id}/decide",
        "officer",
        {"version": version(api, app_id), "outcome": "denied", "reasons": "UN arms embargo."},
    )
    assert decided.status_code == 200 and _state(api, app_id) == "denied"
    return app_id


def test_appeal_upheld_by_another_officer_leads_to_a_licence(api: Api) -> None:
    app_id = _denied(api)
    blank = api.post(f"/applications/{app_id}/appeal", "applicant", {"grounds": " "})
    assert blank.status_code == 422 and blank.json()["detail"][0]["loc"][-1] == "grounds"
    lodged = api.post(
        f"/applications/{app_id}/appeal", "applicant", {"grounds": "UN-supervised programme."}
    )
    assert lodged.status_code == 201, lodged.text
    appeal = lodged.json()
    assert appeal["deadline"] == (dt.date.today() + dt.timedelta(days=28)).isoformat()
    assert _state(api, app_id) == "appealed"
    assert "appeal.lodged" in _kinds(api, "officer")
    assert "decision" in _kinds(api, "applicant")  # the refusal, read from the log
    # Not by the officer who refused.
    same = api.post(
        f"/applications/{app_id}/appeal/decide",
        "officer",
        {"outcome": "upheld", "reasons": "Exemption confirmed."},
    )
    assert same.status_code == 403
    bad = api.post(
        f"/applications/{app_id}/appeal/decide",
        "officer2",
        {"outcome": "dismissed", "reasons": "No.", "conditions": ["x"]},
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "conditions"
    upheld = api.post(
        f"/applications/{app_id}/appeal/decide",
        "officer2",
        {
            "outcome": "upheld",
            "reasons": "The UN committee's exemption was notified.",
            "conditions": ["Delivery verification within 30 days"],
        },
    )
    assert upheld.status_code == 200, upheld.text
    assert upheld.json()["outcome"] == "upheld" and upheld.json()["result_decision_id"]
    # against the recommendation: a second person signs the approval off (issue 13)
    assert _state(api, app_id) == "awaiting_countersign"
    signed = api.post(
        f"/applications/{app_id}/countersign",
        "senior",
        {"version": version(api, app_id), "agree": True},
    )
    assert signed.status_code == 200, signed.text
    assert _state(api, app_id) == "approved_with_conditions"
    on_appeal = api.get(f"/applications/{app_id}/decisions", "officer").json()[-1]
    assert on_appeal["id"] == upheld.json()["result_decision_id"]
    assert on_appeal["status"] == "effective" and on_appeal["against_recommendation"] is True
    shown = api.get(f"/applications/{app_id}/appeals", "applicant").json()
    assert shown[0]["decided_by"] is None and shown[0]["reasons"]
    issued = api.post(
        f"/applications/{app_id}/issue",
        "officer",
        {"valid_until": (dt.date.today() + dt.timedelta(days=365)).isoformat()},
    )
    assert issued.status_code == 201, issued.text
    assert issued.json()["conditions"] == ["Delivery verification within 30 days"]
    assert_lifecycle_respected(api)


def test_appeal_dismissed_and_the_appeal_period(api: Api) -> None:
    app_id = _denied(api)
    with api.db.read() as session:
        found = appeals.refusal_of(session, app_id)
        user = session.execute(select(User).where(User.username == "applicant")).scalar_one()
        applicant = actor_of(user)
    assert found is not None
    late = found[1] + dt.timedelta(days=1)
    try:
        with api.db.write() as session:
            appeals.lodge(session, applicant, app_id, grounds="Too late", today=late)
        raise AssertionError("an appeal after the period was accepted")
    except Conflict as error:
        assert "appeal period ended" in error.message
    assert _state(api, app_id) == "denied"
    api.post(f"/applications/{app_id}/appeal", "applicant", {"grounds": "In time."})
    assert (
        api.post(f"/applications/{app_id}/appeal", "applicant", {"grounds": "x"}).status_code == 409
    )
    dismissed = api.post(
        f"/applications/{app_id}/appeal/decide",
        "senior",
        {"outcome": "dismissed", "reasons": "The embargo applies."},
    )
    assert dismissed.status_code == 200 and _state(api, app_id) == "appeal_dismissed"
    with api.db.read() as session:
        assert session.execute(select(func.count()).select_from(QueryRow)).scalar_one() == 0
    assert_lifecycle_respected(api)


def test_lifecycle_endpoint_serves_the_table(api: Api) -> None:
    rows: list[dict[str, Any]] = api.get("/lifecycle", "monitor").json()
    assert [r["event"] for r in rows] == [t.event for t in lifecycle.TRANSITIONS]
    appeal = next(r for r in rows if r["event"] == "application.appeal")
    assert appeal == {
        "event": "application.appeal",
        "sources": ["denied"],
        "targets": ["appealed"],
        "permission": "appeal.lodge",
        "label": "appeal",
    }


def test_deadlines_endpoint_for_a_scheduler(api: Api) -> None:
    app_id = _submitted(api)
    due = dt.date.today() + dt.timedelta(days=2)
    api.post(
        f"/applications/{app_id}/queries",
        "officer",
        {"question": "Which unit?", "respond_by": due.isoformat()},
    )
    bad = api.post("/notifications/deadlines", "officer", {"days_before": -1})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "days_before"
    assert api.post("/notifications/deadlines", "applicant", {}).status_code == 403
    soon = api.post("/notifications/deadlines", "senior", {"days_before": 3}).json()
    assert soon["reminders"] == 1 and soon["overdue"] == 0
    late = due + dt.timedelta(days=1)  # the server's clock moves on (issue 13: not a client's)
    refused = api.post("/notifications/deadlines", "admin", {"today": late.isoformat()})
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"][-1] == "today"
    with api.db.write() as session:
        after = notify.announce_deadlines(session, late, 3)
    assert len(after.overdue) == 2 and after.reminders == []  # the exporter and the officer
    with api.db.write() as session:
        assert notify.announce_deadlines(session, late, 3).overdue == []  # said once
    assert "query.overdue" in _kinds(api, "applicant")
    assert "query.overdue" in _kinds(api, "officer")
