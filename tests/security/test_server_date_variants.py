"""Issue 13, attack 7, the next tries: the law applied is the decision date's, and a
decision date before the case needs a second person. The reporter's next attempt goes round
the application's ``date``: the assessment's own ``as_of`` (through assess or reassess),
which chooses the law the recommendation rests on. One officer assessed a Libyan case under
the law of 2000 (the EU embargo of 1986-2004), got "deny" where today's law says "refer",
and refused the case alone, as recommended."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from register_helpers import NO_MATCHES, Api, application, version

BACKDATED = "2000-06-01"


def _libya(api: Api) -> int:
    body = application(importing_state="LBY")
    body["consignee"] = {"name": "Tripoli Logistics Co", "country": "LBY"}
    body["end_user"] = {"name": "Ministry of Defence", "country": "LBY", "kind": "armed_forces"}
    created = api.post("/applications", "applicant", body)
    assert created.status_code == 201, created.text
    app_id = int(created.json()["id"])
    assert api.post(f"/applications/{app_id}/submit", "applicant", {}).status_code == 200
    assert api.post(f"/applications/{app_id}/screen", "officer", NO_MATCHES).status_code == 200
    return app_id


def _four_eyes(api: Api, app_id: int) -> list[str]:
    events = api.get(f"/applications/{app_id}/events", "officer").json()
    created = next(e for e in events if e["action"] == "decision.create")
    return list(created["payload"]["four_eyes"])


@pytest.mark.parametrize("route", ["assess", "reassess"])
def test_an_assessment_backdated_by_as_of_needs_a_second_person(api: Api, route: str) -> None:
    app_id = _libya(api)
    body: dict[str, Any] = {"regimes": ["eu"], "as_of": BACKDATED}
    if route == "reassess":  # assessed under today's law first
        today = api.post(f"/applications/{app_id}/assess", "officer", {"regimes": ["eu"]})
        assert today.status_code == 200 and today.json()["recommendation"] == "refer", today.text
        body["reason"] = "new information"
    body["version"] = version(api, app_id)
    backdated = api.post(f"/applications/{app_id}/{route}", "officer", body)
    assert backdated.status_code == 200, backdated.text
    assert backdated.json()["as_of"] == BACKDATED
    assert backdated.json()["recommendation"] == "deny"  # under the embargo of 1986-2004
    decision = {"version": version(api, app_id), "outcome": "denied", "reasons": "embargo"}
    decided = api.post(f"/applications/{app_id}/decide", "officer", decision)
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "pending", decided.json()
    assert any(f"assessed under the law of {BACKDATED}" in r for r in _four_eyes(api, app_id))
    alone = api.post(
        f"/applications/{app_id}/countersign",
        "officer",
        {"version": version(api, app_id), "agree": True},
    )
    assert alone.status_code == 403, alone.text


def test_an_officer_cannot_send_overdue_notices_early_by_passing_today(api: Api) -> None:
    """Like ``today`` on expiry: a scheduler calling HTTP runs on the server's date. A later
    day would tell the exporter a question is overdue before it is, and use up the notice."""
    app_id = _libya(api)
    due = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    asked = api.post(
        f"/applications/{app_id}/queries", "officer", {"question": "Which unit?", "respond_by": due}
    )
    assert asked.status_code == 201, asked.text
    late = (dt.date.today() + dt.timedelta(days=31)).isoformat()
    refused = api.post("/notifications/deadlines", "officer", {"today": late})
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"][-1] == "today"
    today = api.post("/notifications/deadlines", "officer", {"today": dt.date.today().isoformat()})
    assert today.status_code == 200 and today.json()["overdue"] == 0, today.text
