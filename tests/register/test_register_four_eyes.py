"""Four-eyes: against the recommendation, or on ATT categories I-VII, a second officer who
neither assessed nor decided must countersign."""

from __future__ import annotations

from typing import Any

from register_helpers import Api, application, to_assessed, version

MILITIA = {"name": "Sudd Frontier Militia", "country": "SSD", "kind": "non_state"}


def _to_militia(item: dict[str, Any]) -> dict[str, Any]:
    return application(
        importing_state="SSD",
        end_user=MILITIA,
        consignee={"name": "Juba Traders", "country": "SSD"},
        items=[item],
    )


RIFLES = {
    "description": "Assault rifles",
    "category": "VIII",
    "control_entry": "ML1",
    "quantity": 50,
}
TANKS = {"description": "Main battle tanks", "category": "I", "control_entry": "ML6", "quantity": 4}


def _recommendation(api: Api, app_id: int) -> str:
    return str(
        api.get(f"/applications/{app_id}/assessments", "officer").json()[-1]["recommendation"]
    )


def _decide(api: Api, app_id: int, outcome: str, user: str = "officer") -> Any:
    return api.post(
        f"/applications/{app_id}/decide",
        user,
        {
            "version": version(api, app_id),
            "outcome": outcome,
            "reasons": "Reasons recorded in the file.",
        },
    )


def test_following_the_recommendation_on_category_viii_needs_no_second_officer(api: Api) -> None:
    app_id = to_assessed(api, _to_militia(RIFLES))
    assert _recommendation(api, app_id) == "deny"
    decision = _decide(api, app_id, "denied").json()
    assert decision["four_eyes_required"] is False and decision["status"] == "effective"
    assert api.get(f"/applications/{app_id}", "officer").json()["state"] == "denied"
    # The denial is notified with the criteria the assessment found against it.
    findings = [
        f
        for a in api.get(f"/applications/{app_id}/assessments", "officer").json()[-1]["assessments"]
        for f in a["findings"]
        if f["outcome"] in ("prohibited", "risk")
    ]
    assert decision["criteria"] == sorted({f["criterion"] for f in findings}) != []
    notice = next(d for d in api.get("/denials", "officer").json() if d["application_id"] == app_id)
    assert notice["criteria"] == decision["criteria"]


def test_category_i_needs_a_second_officer_even_when_following_the_recommendation(
    api: Api,
) -> None:
    app_id = to_assessed(api, _to_militia(TANKS))
    assert _recommendation(api, app_id) == "deny"
    decision = _decide(api, app_id, "denied").json()
    assert decision["four_eyes_required"] is True and decision["status"] == "pending"
    assert decision["against_recommendation"] is False
    assert api.get(f"/applications/{app_id}", "officer").json()["state"] == ("awaiting_countersign")
    # The officer who assessed and decided cannot countersign.
    assert (
        api.post(
            f"/applications/{app_id}/countersign",
            "officer",
            {"version": version(api, app_id), "agree": True},
        ).status_code
        == 403
    )
    signed = api.post(
        f"/applications/{app_id}/countersign",
        "senior",
        {"version": version(api, app_id), "agree": True},
    )
    assert signed.status_code == 200 and signed.json()["countersigned_by"] is not None
    assert api.get(f"/applications/{app_id}", "officer").json()["state"] == "denied"


def test_against_the_recommendation_needs_a_second_officer_who_did_not_assess(api: Api) -> None:
    app_id = to_assessed(api, _to_militia(RIFLES))  # assessed by "officer"
    pending = _decide(api, app_id, "approved", user="officer2").json()
    assert pending["against_recommendation"] is True and pending["status"] == "pending"
    # No licence before the countersignature.
    assert (
        api.post(
            f"/applications/{app_id}/issue", "officer2", {"valid_until": "2099-01-01"}
        ).status_code
        == 409
    )
    # The decider cannot countersign, nor can the assessor.
    for user in ("officer2", "officer"):
        refused = api.post(
            f"/applications/{app_id}/countersign",
            user,
            {"version": version(api, app_id), "agree": True},
        )
        assert refused.status_code == 403, user
        assert "four-eyes" in refused.json()["detail"]
    # The senior reviewer disagrees: the case goes back to assessed, nothing approved.
    returned = api.post(
        f"/applications/{app_id}/countersign",
        "senior",
        {
            "version": version(api, app_id),
            "agree": False,
            "note": "The diversion risk is not addressed.",
        },
    )
    assert returned.json()["status"] == "returned"
    assert api.get(f"/applications/{app_id}", "officer").json()["state"] == "assessed"
    decisions = api.get(f"/applications/{app_id}/decisions", "auditor").json()
    assert [d["status"] for d in decisions] == ["returned"]


def test_applicants_and_auditors_cannot_decide_or_countersign(api: Api) -> None:
    app_id = to_assessed(api)
    for user in ("applicant", "auditor", "admin"):
        assert _decide(api, app_id, "approved", user=user).status_code == 403
        assert (
            api.post(
                f"/applications/{app_id}/countersign",
                user,
                {"version": version(api, app_id), "agree": True},
            ).status_code
            == 403
        )


def test_a_countersignature_names_the_version_it_signs(api: Api) -> None:
    """Optimistic concurrency, as for a decision: the version is required, and a stale
    one is refused with 409 while the decision stays pending."""
    app_id = to_assessed(api, _to_militia(TANKS))
    assert _decide(api, app_id, "denied").json()["status"] == "pending"
    sign = f"/applications/{app_id}/countersign"
    unnamed = api.post(sign, "senior", {"agree": True})
    assert unnamed.status_code == 422
    assert "version" in unnamed.text
    stale = api.post(sign, "senior", {"version": version(api, app_id) - 1, "agree": True})
    assert stale.status_code == 409
    assert "reload it" in stale.json()["detail"]
    assert api.get(f"/applications/{app_id}", "officer").json()["state"] == "awaiting_countersign"
    signed = api.post(sign, "senior", {"version": version(api, app_id), "agree": True})
    assert signed.status_code == 200, signed.text
