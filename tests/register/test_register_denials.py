"""Denial notifications, imported and our own, and consultation before approving an
essentially identical transaction."""

from __future__ import annotations

from typing import Any

from register_helpers import Api, application, to_assessed, version

from openatt.register.denials import normalise_name

NOTICE: dict[str, Any] = {
    "notifying_state": "DEU",
    "reference": "DE-2026-0415",
    "denied_on": "2026-04-15",
    "destination": "NZL",
    "end_user": "NEW ZEALAND DEFENCE FORCE",
    "categories": ["VIII"],
    "control_entries": ["ML1"],
    "description": "Assault rifles",
    "criteria": ["eu.7"],
}


def test_import_skips_duplicates_and_validates(api: Api) -> None:
    other = {**NOTICE, "reference": "FR-2025-9", "notifying_state": "France", "destination": "CHL"}
    imported = api.post("/denials/import", "officer", [NOTICE, other, NOTICE])
    assert imported.status_code == 200, imported.text
    assert imported.json() == {"received": 3, "added": 2}
    listed = api.get("/denials", "auditor").json()
    assert {(d["notifying_state"], d["reference"]) for d in listed} == {
        ("DEU", "DE-2026-0415"),
        ("FRA", "FR-2025-9"),
    }
    assert (
        api.get("/denials", "auditor", params={"destination": "CHL"}).json()[0]["reference"]
        == "FR-2025-9"
    )
    bad = api.post("/denials", "officer", {**NOTICE, "categories": ["tanks"]})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"][:2] == ["body", "categories"]
    assert api.post("/denials", "applicant", NOTICE).status_code == 403
    assert api.post("/denials", "officer", NOTICE).status_code == 409


def test_an_essentially_identical_case_needs_consultation_before_approval(api: Api) -> None:
    assert api.post("/denials", "officer", NOTICE).status_code == 201
    unrelated = to_assessed(
        api,
        application(
            importing_state="AUS",
            end_user={"name": "Australian Army", "country": "AUS", "kind": "armed_forces"},
            consignee={"name": "CASG", "country": "AUS"},
        ),
    )
    assert api.get(f"/applications/{unrelated}", "officer").json()["consultation"] == []
    app_id = to_assessed(api)
    case = api.get(f"/applications/{app_id}", "officer").json()
    assert len(case["consultation"]) == 1 and case["consulted"] is False
    flagged = api.get(f"/applications/{app_id}/denials", "officer").json()
    assert flagged[0]["reference"] == "DE-2026-0415"
    blocked = api.post(
        f"/applications/{app_id}/decide",
        "officer",
        {"version": case["version"], "outcome": "approved", "reasons": "ok"},
    )
    assert blocked.status_code == 409
    assert "consultation" in blocked.json()["detail"]
    consulted = api.post(
        f"/applications/{app_id}/consultations",
        "officer",
        {
            "denial_id": flagged[0]["id"],
            "note": "Berlin consulted on 3 Nov; denial rested on a different "
            "end-use; no objection.",
        },
    )
    assert consulted.status_code == 201, consulted.text
    assert api.get(f"/applications/{app_id}", "officer").json()["consulted"] is True
    decided = api.post(
        f"/applications/{app_id}/decide",
        "officer",
        {
            "version": version(api, app_id),
            "outcome": "approved",
            "reasons": "Consulted; risk acceptable.",
        },
    )
    assert decided.status_code == 200, decided.text


def test_our_denial_becomes_a_notification(api: Api) -> None:
    app_id = to_assessed(api)
    decided = api.post(
        f"/applications/{app_id}/decide",
        "officer",
        {
            "version": version(api, app_id),
            "outcome": "denied",
            "reasons": "Clear risk of diversion.",
            "criteria": ["eu.7", "att.11"],
        },
    )
    if decided.json()["status"] == "pending":
        api.post(
            f"/applications/{app_id}/countersign",
            "senior",
            {"version": version(api, app_id), "agree": True},
        )
    ours = [d for d in api.get("/denials", "officer").json() if d["application_id"] == app_id]
    assert len(ours) == 1
    assert ours[0]["notifying_state"] == "GBR" and ours[0]["destination"] == "NZL"
    assert ours[0]["criteria"] == ["att.11", "eu.7"]
    # A later application for the same end user and items is flagged against it.
    again = to_assessed(api)
    assert api.get(f"/applications/{again}", "officer").json()["consultation"] == [ours[0]["id"]]


def test_end_user_names_compare_without_case_punctuation_or_legal_form() -> None:
    assert normalise_name("Acme Trading Co., Ltd.") == normalise_name("ACME TRADING")
    assert normalise_name("Acme Trading") != normalise_name("Acme Logistics")


def test_denials_page_by_the_last_id_as_by_offset(api: Api) -> None:
    notices = [{**NOTICE, "reference": f"DE-2026-{n:04d}"} for n in range(7)]
    assert api.post("/denials/import", "officer", notices).json()["added"] == 7
    whole = [d["id"] for d in api.get("/denials?limit=500", "auditor").json()]
    assert whole == sorted(whole) and len(whole) >= 7
    seen: list[int] = []
    while True:
        after = f"&after={seen[-1]}" if seen else ""
        page = [d["id"] for d in api.get(f"/denials?limit=3{after}", "auditor").json()]
        if not page:
            break
        seen += page
    assert seen == whole
    # the walk goes on where the page ended; one recorded meanwhile comes at its end
    first = [d["id"] for d in api.get("/denials?limit=3", "auditor").json()]
    assert api.get("/denials?limit=3&after=-1", "auditor").status_code == 422
    assert api.post("/denials", "officer", {**NOTICE, "reference": "DE-2027-1"}).status_code == 201
    rest = [d["id"] for d in api.get(f"/denials?limit=500&after={first[-1]}", "auditor").json()]
    assert rest[0] == whole[3] and rest[-1] > whole[-1]
