"""The whole lifecycle through the REST API, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io

from register_helpers import NO_MATCHES, Api, application, to_assessed, version

from openatt.register import licensing, users


def _approve(api: Api, app_id: int, outcome: str = "approved", **extra: object) -> dict:
    body = {
        "version": version(api, app_id),
        "outcome": outcome,
        "reasons": "End user and route verified; risk acceptable.",
        **extra,
    }
    decided = api.post(f"/applications/{app_id}/decide", "officer", body)
    assert decided.status_code == 200, decided.text
    decision = decided.json()
    if decision["status"] == "pending":
        signed = api.post(
            f"/applications/{app_id}/countersign",
            "officer2",
            {"version": version(api, app_id), "agree": True},
        )
        assert signed.status_code == 200, signed.text
        decision = signed.json()
    assert decision["status"] == "effective"
    return decision


def test_draft_to_delivery_verified_and_revoked(api: Api) -> None:
    created = api.post("/applications", "applicant", application())
    assert created.status_code == 201, created.text
    case = created.json()
    app_id = case["id"]
    assert case["status"] == "draft"
    assert case["company"] == "Meridian Ordnance Ltd"
    assert case["application"]["id"] == case["reference"]

    # Update while draft, with the version read; a stale version is refused.
    changed = application(end_use="Infantry rifle replacement programme, phase 2")
    updated = api.put(
        f"/applications/{app_id}", "applicant", {"application": changed, "version": case["version"]}
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["application"]["end_use"].endswith("phase 2")
    stale = api.put(
        f"/applications/{app_id}", "applicant", {"application": changed, "version": case["version"]}
    )
    assert stale.status_code == 409

    # The applicant is told the public status (register/audience.py), not the internal state.
    assert api.post(f"/applications/{app_id}/submit", "applicant", {}).json()["status"] == (
        "submitted"
    )
    # No update once submitted.
    assert (
        api.put(f"/applications/{app_id}", "applicant", {"application": changed}).status_code == 409
    )
    # Applicants cannot screen or assess.
    assert api.post(f"/applications/{app_id}/screen", "applicant", {}).status_code == 403
    # Assessing before screening is out of order.
    assert api.post(f"/applications/{app_id}/assess", "officer", {}).status_code == 409
    screened = api.post(f"/applications/{app_id}/screen", "officer", NO_MATCHES)
    assert screened.json()["state"] == "screened"

    assessed = api.post(f"/applications/{app_id}/assess", "officer", {"regimes": ["att", "uk"]})
    assert assessed.status_code == 200, assessed.text
    stored = assessed.json()
    assert [a["regime"] for a in stored["assessments"]] == ["att", "uk"]
    assert stored["law_version"].startswith("law:")
    assert stored["engine_version"]
    assert all(a["findings"] for a in stored["assessments"])

    decision = _approve(api, app_id)
    against = stored["recommendation"] != "approve"
    assert decision["against_recommendation"] is against
    assert decision["four_eyes_required"] is against  # categories VIII/ammunition only

    too_early = api.post(
        f"/applications/{app_id}/shipments",
        "officer",
        {"item": 0, "quantity": 1, "shipped_on": dt.date.today().isoformat()},
    )
    assert too_early.status_code == 409  # no licence yet

    issued = api.post(
        f"/applications/{app_id}/issue",
        "officer",
        {"valid_until": (dt.date.today() + dt.timedelta(days=365)).isoformat()},
    )
    assert issued.status_code == 201, issued.text
    assert issued.json()["licensed"] == [100, 5000]

    def ship(item: int, quantity: int) -> object:
        return api.post(
            f"/applications/{app_id}/shipments",
            "officer",
            {"item": item, "quantity": quantity, "shipped_on": dt.date.today().isoformat()},
        )

    first = ship(0, 60)
    assert first.status_code == 201, first.text
    over = ship(0, 41)
    assert over.status_code == 409
    assert "40 remain" in over.json()["detail"]
    second = ship(0, 40)
    third = ship(1, 5000)
    assert second.status_code == third.status_code == 201
    assert ship(1, 1).status_code == 409
    licence = api.get(f"/applications/{app_id}/licence", "auditor").json()
    assert licence["shipped"] == [100, 5000] and licence["remaining"] == [0, 0]

    for shipment in (first.json(), second.json()):
        verified = api.post(
            f"/applications/{app_id}/verify-delivery",
            "officer",
            {
                "shipment_id": shipment["id"],
                "verified_on": dt.date.today().isoformat(),
                "verification": "Delivery verification certificate DVC-77",
            },
        )
        assert verified.status_code == 200, verified.text
    assert api.get(f"/applications/{app_id}", "officer").json()["state"] == "licensed"
    api.post(
        f"/applications/{app_id}/verify-delivery",
        "officer",
        {
            "shipment_id": third.json()["id"],
            "verified_on": dt.date.today().isoformat(),
            "verification": "DVC-78",
        },
    )
    assert api.get(f"/applications/{app_id}", "officer").json()["state"] == "delivery_verified"

    # Only a senior reviewer revokes.
    body = {"reason": "End user re-exported without consent"}
    assert api.post(f"/applications/{app_id}/revoke", "officer", body).status_code == 403
    revoked = api.post(f"/applications/{app_id}/revoke", "senior", body)
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    assert api.get(f"/applications/{app_id}/licence", "officer").json()["state"] == "revoked"

    # The case's audit trail tells the story, and the whole log verifies.
    actions = [e["action"] for e in api.get(f"/applications/{app_id}/events", "auditor").json()]
    for expected in (
        "application.create",
        "application.update",
        "application.submit",
        "assessment.create",
        "decision.create",
        "licence.issue",
        "shipment.record",
        "shipment.verify",
        "licence.revoked",
    ):
        assert expected in actions
    # The log keeps every version of the application, not only the latest.
    trail = api.get(f"/applications/{app_id}/events", "auditor").json()
    versions = [
        e["payload"]["application"]["end_use"]
        for e in trail
        if e["action"] in ("application.create", "application.update")
    ]
    assert versions == [
        "Infantry rifle replacement",
        "Infantry rifle replacement programme, phase 2",
    ]
    verdict = api.get("/audit/verify", "auditor").json()
    assert verdict["intact"] is True and verdict["events"] > 20


def test_reassessment_links_the_earlier_assessment_and_suspends_the_licence(api: Api) -> None:
    app_id = to_assessed(api)
    _approve(api, app_id)
    api.post(
        f"/applications/{app_id}/issue",
        "officer",
        {"valid_until": (dt.date.today() + dt.timedelta(days=365)).isoformat()},
    )
    first = api.get(f"/applications/{app_id}/assessments", "officer").json()[0]
    new_info = {
        "reason": "Embassy report: units of the end user implicated in abuses",
        "evidence": [
            {
                "criterion": "human_rights",
                "likelihood": "likely",
                "severity": "grave",
                "source": "Embassy report 2026/41",
                "date": dt.date.today().isoformat(),
                "author": "officer2",
            }
        ],
    }
    again = api.post(f"/applications/{app_id}/reassess", "officer2", new_info)
    assert again.status_code == 200, again.text
    assert again.json()["supersedes_id"] == first["id"]
    assert again.json()["reason"].startswith("Embassy report")
    case = api.get(f"/applications/{app_id}", "officer").json()
    assert case["state"] == "assessed"
    assert case["application"]["evidence"][0]["source"] == "Embassy report 2026/41"
    assert api.get(f"/applications/{app_id}/licence", "officer").json()["state"] == "suspended"
    # No shipment while the licence is suspended.
    blocked = api.post(
        f"/applications/{app_id}/shipments",
        "officer",
        {"item": 0, "quantity": 1, "shipped_on": dt.date.today().isoformat()},
    )
    assert blocked.status_code == 409
    # A new decision to deny ends the case; the denial is notified.
    denied = api.post(
        f"/applications/{app_id}/decide",
        "senior",
        {
            "version": case["version"],
            "outcome": "denied",
            "reasons": "Clear risk of use in internal repression.",
        },
    )
    assert denied.status_code == 200, denied.text
    if denied.json()["status"] == "pending":
        api.post(
            f"/applications/{app_id}/countersign",
            "officer",
            {"version": version(api, app_id), "agree": True},
        )
    assert api.get(f"/applications/{app_id}", "officer").json()["state"] == "denied"
    notices = api.get("/denials", "officer").json()
    assert any(n["application_id"] == app_id for n in notices)


def test_suspend_and_expire(api: Api) -> None:
    app_id = to_assessed(api)
    _approve(
        api,
        app_id,
        outcome="approved_with_conditions",
        conditions=["No re-export without prior written consent"],
    )
    issued_on = dt.date.today() - dt.timedelta(days=400)
    backdated = api.post(
        f"/applications/{app_id}/issue",
        "officer",
        {
            "issued_on": issued_on.isoformat(),
            "valid_until": (issued_on + dt.timedelta(days=365)).isoformat(),
        },
    )  # the issue date is the server's (issue 13)
    assert backdated.status_code == 422 and "issued_on" in backdated.text
    with api.db.write() as session:  # a licence of 400 days ago, entered as the register's past
        officer = next(u for u in users.list_users(session) if u.username == "officer")
        licensing.issue(
            session,
            users.actor_of(officer),
            app_id,
            issued_on=issued_on,
            valid_until=issued_on + dt.timedelta(days=365),
        )
    licence = api.get(f"/applications/{app_id}/licence", "officer")
    assert licence.json()["conditions"] == ["No re-export without prior written consent"]
    assert licence.json()["state"] == "expired"  # past its last day: expired on read
    expired = api.post(f"/applications/{app_id}/expire", "officer", {})
    assert expired.status_code == 200 and expired.json()["state"] == "expired"

    other = to_assessed(api)
    _approve(api, other)
    api.post(
        f"/applications/{other}/issue",
        "officer",
        {"valid_until": (dt.date.today() + dt.timedelta(days=30)).isoformat()},
    )
    assert api.post(f"/applications/{other}/expire", "officer", {}).status_code == 409
    suspended = api.post(
        f"/applications/{other}/suspend",
        "officer",
        {"reason": "Investigation of a diversion report"},
    )
    assert suspended.json()["state"] == "suspended"


def test_list_filters_paging_and_company_scope(api: Api) -> None:
    for index in range(5):
        api.post("/applications", "applicant", application(end_use=f"batch {index}"))
    api.post(
        "/applications",
        "other_applicant",
        application(
            importing_state="CHL",
            exporter={"name": "Rival Arms SA", "country": "FRA"},
            exporting_state="FRA",
            consignee={"name": "Armada", "country": "CHL"},
            end_user={"name": "Chilean Navy", "country": "CHL", "kind": "armed_forces"},
        ),
    )
    page = api.get("/applications", "officer", params={"limit": 2, "offset": 0}).json()
    assert page["total"] == 6 and len(page["items"]) == 2
    last = api.get("/applications", "officer", params={"limit": 2, "offset": 4}).json()
    assert len(last["items"]) == 2
    ids = {i["id"] for i in page["items"]} | {i["id"] for i in last["items"]}
    assert len(ids) == 4
    chile = api.get("/applications", "auditor", params={"importing_state": "CHL"}).json()
    assert [i["end_user"] for i in chile["items"]] == ["Chilean Navy"]
    assert api.get("/applications", "officer", params={"q": "chilean"}).json()["total"] == 1
    assert (
        api.get("/applications", "officer", params={"state": "draft", "category": "VIII"}).json()[
            "total"
        ]
        == 6
    )
    mine = api.get("/applications", "applicant").json()
    assert mine["total"] == 5
    assert {i["company"] for i in mine["items"]} == {"Meridian Ordnance Ltd"}
    theirs = api.get("/applications", "other_applicant").json()["items"][0]["id"]
    assert api.get(f"/applications/{theirs}", "applicant").status_code == 404
    assert (
        api.put(f"/applications/{theirs}", "applicant", {"application": application()}).status_code
        == 404
    )


def test_validation_errors_name_the_field(api: Api) -> None:
    bad = application(items=[{"description": "rifles", "category": "IX", "quantity": 0}])
    response = api.post("/applications", "applicant", bad)
    assert response.status_code == 422
    locations = [tuple(e["loc"]) for e in response.json()["detail"]]
    assert ("body", "items", 0, "category") in locations
    assert ("body", "items", 0, "quantity") in locations
    state = api.post("/applications", "applicant", application(importing_state="Atlantis"))
    assert state.status_code == 422
    assert state.json()["detail"][0]["loc"] == ["body", "importing_state"]
    app_id = to_assessed(api)
    no_conditions = api.post(
        f"/applications/{app_id}/decide",
        "officer",
        {"version": version(api, app_id), "outcome": "approved_with_conditions", "reasons": "ok"},
    )
    assert no_conditions.status_code == 422
    assert no_conditions.json()["detail"][0]["loc"] == ["body", "conditions"]


def test_export_csv_and_json(api: Api) -> None:
    app_id = to_assessed(api)
    _approve(api, app_id)
    api.post(
        f"/applications/{app_id}/issue",
        "officer",
        {"valid_until": (dt.date.today() + dt.timedelta(days=90)).isoformat()},
    )
    api.post("/applications", "applicant", application())
    as_json = api.get("/register/export", "auditor", params={"format": "json"}).json()
    assert len(as_json) == 2
    licensed = next(r for r in as_json if r["state"] == "licensed")
    assert licensed["licence"].startswith("LIC-") and licensed["quantity"] == 5100
    as_csv = api.get("/register/export", "auditor", params={"format": "csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [r["reference"] for r in rows] == [r["reference"] for r in as_json]
    assert api.get("/register/export", "applicant").status_code == 403


def test_tokens_expire_and_bad_logins_fail(api: Api) -> None:
    from sqlalchemy import update

    from openatt.register.models import Session as LoginSession

    wrong = api.client.post("/auth/token", json={"username": "officer", "password": "nope"})
    assert wrong.status_code == 401
    assert api.client.get("/applications").status_code == 401
    assert api.get("/auth/me", "officer").json()["role"] == "officer"
    with api.db.write() as session:
        session.execute(
            update(LoginSession).values(
                expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
            )
        )
    assert api.get("/auth/me", "officer").status_code == 401
