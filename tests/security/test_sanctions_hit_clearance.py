"""Issue 13, attack 1: one officer erased a UN sanctions hit (an empty screening) and
licensed the case alone. Now a hit is cleared only as a false positive, with reasons, and the
case then needs a second person who did not clear it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from register_helpers import NO_MATCHES, Api, application, version

from openatt.screening import ListStore

LISTED = "Emraan ALI"  # QDi.430 on the UN consolidated list


@pytest.fixture
def listed_case(api: Api, shared_data: Path, tmp_path: Path) -> dict[str, Any]:
    """A case whose end user hit the UN list at submission."""
    store = ListStore(tmp_path / "lists")
    store.import_file(shared_data / "lists" / "un-sc-consolidated" / "consolidated.xml")
    api.client.app.state.lists = store  # type: ignore[attr-defined]
    body = application(end_user={"name": LISTED, "country": "TTO", "kind": "private"})
    created = api.post("/applications", "applicant", body).json()
    api.post(f"/applications/{created['id']}/submit", "applicant", {})
    case = api.get(f"/applications/{created['id']}", "officer").json()  # the staff view
    assert case["state"] == "screened"
    return dict(case)


def _hits(api: Api, app_id: int) -> list[dict[str, Any]]:
    return list(api.get(f"/applications/{app_id}/screening", "officer").json()["hits"])


def _att_6_1(api: Api, app_id: int) -> str:
    assessed = api.post(f"/applications/{app_id}/assess", "officer", {"regimes": ["att"]})
    assert assessed.status_code == 200, assessed.text
    findings = [f for a in assessed.json()["assessments"] for f in a["findings"]]
    return str(next(f["outcome"] for f in findings if f["criterion"] == "att.6.1"))


def test_an_empty_screening_cannot_erase_a_un_hit(api: Api, listed_case: dict[str, Any]) -> None:
    app_id = listed_case["id"]
    url = f"/applications/{app_id}/screen"
    assert api.post(url, "officer", {"hits": []}).status_code == 409
    assert api.post(url, "officer", NO_MATCHES).status_code == 409
    hit = next(h for h in _hits(api, app_id) if h["entity_id"] == "QDi.430")
    forged = api.post(url, "officer", {"hits": [{**hit, "false_positive": True}]})
    assert forged.status_code == 422 and "false positive" in forged.text
    assert any(h["entity_id"] == "QDi.430" and not h["false_positive"] for h in _hits(api, app_id))
    assert _att_6_1(api, app_id) == "prohibited"


def test_the_web_no_matches_button_cannot_erase_a_hit(
    api: Api, listed_case: dict[str, Any]
) -> None:
    from openatt.web.security import SESSION_COOKIE, csrf_for

    token = api.tokens["officer"]
    api.client.cookies.set(SESSION_COOKIE, token, path="/ui")
    app_id = listed_case["id"]
    response = api.client.post(
        f"/ui/applications/{app_id}/screen",
        data={"csrf": csrf_for(token), "lists_used": NO_MATCHES["lists_used"]},
        follow_redirects=False,
    )
    assert response.status_code == 409
    assert "text/html" in response.headers["content-type"]
    assert any(h["entity_id"] == "QDi.430" and not h["false_positive"] for h in _hits(api, app_id))


def test_a_cleared_hit_needs_a_second_person_who_did_not_clear_it(
    api: Api, listed_case: dict[str, Any]
) -> None:
    app_id = listed_case["id"]
    fp_url = f"/applications/{app_id}/screening/false-positives"
    for index, hit in enumerate(_hits(api, app_id)):
        cleared = api.post(fp_url, "officer2", {"hit": index, "reasons": f"not {hit['entity_id']}"})
        assert cleared.status_code == 201, cleared.text
    assert _att_6_1(api, app_id) != "prohibited"
    case = api.get(f"/applications/{app_id}", "officer").json()
    decided = api.post(
        f"/applications/{app_id}/decide",
        "officer",
        {"version": case["version"], "outcome": "approved", "reasons": "hit cleared"},
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "pending" and decided.json()["four_eyes_required"]
    issued = api.post(f"/applications/{app_id}/issue", "officer", {"valid_until": "2099-01-01"})
    assert issued.status_code == 409
    state = api.get(f"/applications/{app_id}", "officer").json()["state"]
    assert state == "awaiting_countersign"  # no licence without the second person
    sign = f"/applications/{app_id}/countersign"
    agree = {"version": version(api, app_id), "agree": True}
    assert api.post(sign, "officer", agree).status_code == 403  # decided it
    assert api.post(sign, "officer2", agree).status_code == 403  # cleared the hit
    assert api.post(sign, "senior", agree).status_code == 200


def test_no_matches_by_hand_only_when_screening_was_impossible_and_with_lists_named(
    api: Api, tmp_path: Path
) -> None:
    api.client.app.state.lists = ListStore(tmp_path / "empty")  # type: ignore[attr-defined]
    created = api.post("/applications", "applicant", application()).json()
    api.post(f"/applications/{created['id']}/submit", "applicant", {})
    url = f"/applications/{created['id']}/screen"
    bare = api.post(url, "officer", {"hits": []})
    assert bare.status_code == 422 and "lists_used" in bare.text
    recorded = api.post(url, "officer", NO_MATCHES)
    assert recorded.status_code == 200 and recorded.json()["state"] == "screened"
    events = api.get(f"/applications/{created['id']}/events", "officer").json()
    screen = next(e for e in events if e["action"] == "application.screen")
    assert screen["payload"]["lists_used"] == NO_MATCHES["lists_used"]


def test_the_officer_whose_clearance_is_remembered_cannot_be_the_second_person(
    api: Api, listed_case: dict[str, Any]
) -> None:
    """The same party hits again on a second case: the screening remembers officer2's
    judgement and marks the hit cleared; officer2 may not then sign off that case either."""
    first = listed_case["id"]
    fp_url = f"/applications/{first}/screening/false-positives"
    for index, hit in enumerate(_hits(api, first)):
        body = {"hit": index, "reasons": f"not {hit['entity_id']}: another birth date"}
        assert api.post(fp_url, "officer2", body).status_code == 201
    body = application(end_user={"name": LISTED, "country": "TTO", "kind": "private"})
    second = api.post("/applications", "applicant", body).json()["id"]
    api.post(f"/applications/{second}/submit", "applicant", {})
    hits = _hits(api, second)
    assert hits and all(h["false_positive"] for h in hits)  # remembered, not judged again
    assert api.post(f"/applications/{second}/assess", "officer", {}).status_code == 200
    case = api.get(f"/applications/{second}", "officer").json()
    decision = {"version": case["version"], "outcome": "approved", "reasons": "cleared"}
    decided = api.post(f"/applications/{second}/decide", "senior", decision)
    assert decided.status_code == 200 and decided.json()["status"] == "pending", decided.text
    sign = f"/applications/{second}/countersign"
    refused = api.post(sign, "officer2", {"version": version(api, second), "agree": True})
    assert refused.status_code == 403 and "cleared a hit" in refused.text
    assert api.get(f"/applications/{second}", "officer").json()["state"] == "awaiting_countersign"
