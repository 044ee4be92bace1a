"""The hot reads serialise plain values once (issue 16, ``api/fast_json.py``) instead of
returning models that FastAPI validates again: each such body must still be exactly what its
response model describes, and the same as the mapped-row path (``api/views.py``,
``register/worklist.queue``) that the web UI and the applicants' views keep using."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import TypeAdapter
from register_helpers import NO_MATCHES, Api, application, to_assessed

from openatt.api import schemas, views
from openatt.api.routers.queues import WorkPage
from openatt.core.findings import Assessment
from openatt.register import applications, users, worklist
from openatt.register.applications import Filters
from openatt.register.models import AssessmentRow, User


def _officer(api: Api) -> users.Actor:
    with api.db.read() as session:
        row = session.query(User).filter(User.username == "officer").one()
        return users.actor_of(row)


def _as_model(model: Any, body: Any) -> Any:
    """The body as its response model would serialise it after validating it."""
    adapter = TypeAdapter(model)
    return adapter.dump_python(adapter.validate_python(body), mode="json")


def _cases(api: Api) -> list[int]:
    first = to_assessed(api)
    second = to_assessed(api)
    draft = api.post("/applications", "applicant", application()).json()["id"]
    assigned = api.post(f"/applications/{first}/assign", "officer", {"assignee": "officer"})
    assert assigned.status_code == 200, assigned.text
    return [first, second, int(draft)]


def test_the_page_of_the_register_is_its_model_and_the_mapped_rows(api: Api) -> None:
    _cases(api)
    response = api.get("/applications?limit=2", "officer")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    body = response.json()
    assert body == _as_model(schemas.ApplicationPage, body)
    assert len(body["items"]) == 2 and body["next_after"] == body["items"][-1]["id"]
    with api.db.read() as session:
        rows, total = applications.search(session, _officer(api), Filters(), limit=2)
        expected = [views.summary(r).model_dump(mode="json") for r in rows]
    assert body["items"] == expected and body["total"] == total
    filtered = api.get("/applications?state=assessed&limit=50", "officer").json()
    assert {item["state"] for item in filtered["items"]} == {"assessed"}
    assert filtered["next_after"] is None


def test_the_case_is_its_model_and_the_mapped_row(api: Api) -> None:
    first = _cases(api)[0]
    body = api.get(f"/applications/{first}", "officer").json()
    assert body == _as_model(schemas.ApplicationOut, body)
    with api.db.read() as session:
        row = applications.get(session, _officer(api), first)
        assert body == views.application(row).model_dump(mode="json")
    assert api.get("/applications/999999", "officer").status_code == 404
    assert api.get("/applications/2147483648", "officer").status_code == 422


def test_the_queue_is_its_model_and_the_mapped_rows(api: Api) -> None:
    first = _cases(api)[0]
    today = dt.date.today()
    for path in ("/worklist?limit=50", "/worklist?assignee=me", "/worklist?sort=newest&limit=1"):
        body = api.get(path, "officer").json()
        assert body == _as_model(WorkPage, body), path
    mine = api.get("/worklist?assignee=me", "officer").json()
    assert [i["application_id"] for i in mine["items"]] == [first]
    assert mine["items"][0]["assignee"] == "officer"
    with api.db.read() as session:
        entries, total = worklist.queue(
            session, _officer(api), Filters(), sort=worklist.Sort.target, limit=50, today=today
        )
        expected = [
            {
                "application_id": e.row.id,
                "reference": e.row.reference,
                "state": e.row.state,
                "company": e.row.company,
                "importing_state": e.row.importing_state,
                "target_on": e.target_on.isoformat() if e.target_on else None,
                "overdue": e.overdue(today),
                "assignee": e.assignee,
                "queues": e.queues,
                "flags": [c.name for c in e.flags],
                "blocked": e.blocked,
            }
            for e in entries
        ]
    assert len(expected) < 50  # one page: no cursor for a next one
    whole = {"items": expected, "total": total, "next_after": None}
    assert api.get("/worklist?limit=50", "officer").json() == whole


def test_the_assess_preview_is_its_model(api: Api) -> None:
    response = api.post("/assess?regimes=att&regimes=eu", "officer", application())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == _as_model(list[Assessment], body)
    assert [a["regime"] for a in body] == ["att", "eu"]
    refused = api.post("/assess", "officer", {**application(), "kind": "smuggling"})
    assert refused.status_code == 422 and "kind" in refused.text


def test_the_assessment_answers_its_stored_output_as_its_model(api: Api) -> None:
    first = _cases(api)[0]
    reason = {"reason": "New information: a report on the end user", "regimes": ["att", "eu"]}
    response = api.post(f"/applications/{first}/reassess", "officer", reason)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == _as_model(schemas.AssessmentOut, body)
    assert body["regimes"] == ["att", "eu"] and body["supersedes_id"] is not None
    with api.db.read() as session:
        row = session.get(AssessmentRow, body["id"])
        assert row is not None
        stored = views.assessment(row).model_dump(mode="json")
    # SQLite hands the time back without its zone (the write answered with the aware one)
    at = dt.datetime.fromisoformat(body.pop("assessed_at")).replace(tzinfo=None)
    assert at == dt.datetime.fromisoformat(stored.pop("assessed_at")).replace(tzinfo=None)
    assert body == stored


def test_the_first_assessment_answers_as_before(api: Api) -> None:
    created = api.post("/applications", "applicant", application()).json()["id"]
    assert api.post(f"/applications/{created}/submit", "applicant", {}).status_code == 200
    screened = api.post(f"/applications/{created}/screen", "officer", NO_MATCHES)
    assert screened.status_code == 200, screened.text
    response = api.post(f"/applications/{created}/assess", "officer", {})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == _as_model(schemas.AssessmentOut, body) and body["supersedes_id"] is None
    with api.db.read() as session:
        row = session.get(AssessmentRow, body["id"])
        assert row is not None
        stored = views.assessment(row).model_dump(mode="json")
    assert body.pop("assessed_at")[:19] == stored.pop("assessed_at")[:19]
    assert body == stored
