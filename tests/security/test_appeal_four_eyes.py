"""Issue 13, attack 1 by another door: an approval on appeal. One officer upheld the appeal
against a refusal under a UN arms embargo (ATT 6.1 prohibited, against the engine's "deny")
and the licence was issued, with no second person: an upheld appeal was an effective
approval at once. Now an approval on appeal needs a second person for the same reasons as
any approval; one who disagrees sends the appeal back to be decided again."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from register_helpers import Api, application, to_assessed, version


def militia() -> dict[str, Any]:
    """Dated when posted: a run that crosses midnight must not post yesterday's date."""
    return application(
        importing_state="SSD",
        consignee={"name": "Ministry of Interior", "country": "SSD"},
        end_user={"name": "Unity State Militia", "country": "SSD", "kind": "non_state"},
    )


def until() -> dict[str, str]:
    """A licence valid for a year from the day it is issued."""
    return {"valid_until": (dt.date.today() + dt.timedelta(days=365)).isoformat()}


def _appealed(api: Api) -> int:
    app_id = to_assessed(api, militia())
    refusal = {"version": version(api, app_id), "outcome": "denied", "reasons": "UN embargo."}
    decided = api.post(f"/applications/{app_id}/decide", "officer", refusal)
    assert decided.status_code == 200 and decided.json()["status"] == "effective", decided.text
    lodged = api.post(f"/applications/{app_id}/appeal", "applicant", {"grounds": "Exempted."})
    assert lodged.status_code == 201, lodged.text
    return app_id


def _uphold(api: Api, app_id: int, user: str) -> int:
    body = {"outcome": "upheld", "reasons": "The exemption was notified."}
    upheld = api.post(f"/applications/{app_id}/appeal/decide", user, body)
    assert upheld.status_code == 200, upheld.text
    return int(api.get(f"/applications/{app_id}", "officer").json()["version"])


def _state(api: Api, app_id: int) -> str:
    return str(api.get(f"/applications/{app_id}", "officer").json()["state"])


def test_one_officer_cannot_license_an_embargoed_case_by_upholding_its_appeal(api: Api) -> None:
    app_id = _appealed(api)
    _uphold(api, app_id, "officer2")
    assert _state(api, app_id) == "awaiting_countersign"
    decision = api.get(f"/applications/{app_id}/decisions", "officer").json()[-1]
    assert decision["status"] == "pending" and decision["four_eyes_required"] is True
    assert api.post(f"/applications/{app_id}/issue", "officer2", until()).status_code == 409
    alone = api.post(
        f"/applications/{app_id}/countersign",
        "officer2",
        {"version": version(api, app_id), "agree": True},
    )
    assert alone.status_code == 403, alone.text
    signed = api.post(
        f"/applications/{app_id}/countersign",
        "senior",
        {"version": version(api, app_id), "agree": True},
    )
    assert signed.status_code == 200, signed.text
    assert _state(api, app_id) == "approved"
    assert api.post(f"/applications/{app_id}/issue", "officer2", until()).status_code == 201


def test_a_second_person_who_disagrees_sends_the_appeal_back(api: Api) -> None:
    app_id = _appealed(api)
    _uphold(api, app_id, "officer2")
    returned = api.post(
        f"/applications/{app_id}/countersign",
        "senior",
        {"version": version(api, app_id), "agree": False},
    )
    assert returned.status_code == 200, returned.text
    assert _state(api, app_id) == "appealed"
    (appeal,) = api.get(f"/applications/{app_id}/appeals", "officer").json()
    assert appeal["outcome"] is None and appeal["result_decision_id"] is None
    body = {"outcome": "dismissed", "reasons": "No exemption was notified."}
    dismissed = api.post(f"/applications/{app_id}/appeal/decide", "senior", body)
    assert dismissed.status_code == 200, dismissed.text
    assert _state(api, app_id) == "appeal_dismissed"
    assert api.get("/audit/verify", "auditor").json()["intact"] is True


def test_the_exporter_sees_an_upheld_appeal_as_pending_until_it_is_countersigned(
    api: Api,
) -> None:
    app_id = _appealed(api)
    _uphold(api, app_id, "officer2")
    (staff,) = api.get(f"/applications/{app_id}/appeals", "officer").json()
    assert staff["outcome"] == "upheld" and staff["awaiting_countersign"] is True
    (exporter,) = api.get(f"/applications/{app_id}/appeals", "applicant").json()
    assert exporter["outcome"] is None and exporter["reasons"] is None
    assert exporter["decided_at"] is None and exporter["result_decision_id"] is None
    assert exporter["awaiting_countersign"] is False and exporter["decided_by"] is None
    signed = api.post(
        f"/applications/{app_id}/countersign",
        "senior",
        {"version": version(api, app_id), "agree": True},
    )
    assert signed.status_code == 200, signed.text
    (after,) = api.get(f"/applications/{app_id}/appeals", "applicant").json()
    assert after["outcome"] == "upheld" and after["reasons"] == "The exemption was notified."
    assert after["awaiting_countersign"] is False


def test_new_information_while_an_upheld_appeal_awaits_sign_off_reopens_the_appeal(
    api: Api,
) -> None:
    """Found in review (2026-12-05): a reassessment returned the appeal's pending approval but
    left the appeal "upheld": the exporter read an outcome that never took effect, with the
    officer's reasons, and the appeal could not be decided again."""
    case = to_assessed(api, militia())
    refused = api.post(
        f"/applications/{case}/decide",
        "officer",
        {"version": version(api, case), "outcome": "denied", "reasons": "UN embargo."},
    )
    assert refused.json()["status"] == "effective"
    lodged = api.post(f"/applications/{case}/appeal", "applicant", {"grounds": "Exempted."})
    assert lodged.status_code == 201
    upheld = api.post(
        f"/applications/{case}/appeal/decide",
        "officer2",
        {"outcome": "upheld", "reasons": "INTERNAL reasons: an exemption was notified"},
    )
    assert upheld.status_code in (200, 201), upheld.text
    again = api.post(
        f"/applications/{case}/reassess",
        "officer2",
        {"version": version(api, case), "reason": "new information"},
    )
    assert again.status_code == 200, again.text
    assert api.get(f"/applications/{case}", "officer").json()["state"] == "appealed"
    [appeal] = api.get(f"/applications/{case}/appeals", "applicant").json()
    assert appeal.get("outcome") is None and "INTERNAL" not in str(appeal)
    decided = api.post(
        f"/applications/{case}/appeal/decide",
        "officer2",
        {"outcome": "dismissed", "reasons": "the exemption does not cover these items"},
    )
    assert decided.status_code in (200, 201), decided.text
    assert api.get("/audit/verify", "auditor").json()["intact"]
