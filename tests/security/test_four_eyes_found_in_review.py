"""Two ways one officer could make an approval take effect alone, found in review
(2026-12-05), each through the API on SQLite and PostgreSQL:

* assessing under a subset of the regimes (ATT alone), leaving out the one that prohibits
  the transfer (the UK's embargo on Russia), then deciding in line with that assessment;
* the I-VII rule read the category the applicant declared: 81 mm mortars declared VIII,
  confirmed by the authority as ML2.a mortars of 75 mm and more (category III).
"""

from __future__ import annotations

from typing import Any

from register_helpers import NO_MATCHES, Api, application, version

from openatt.register.casefile import case_file
from openatt.register.users import SYSTEM


def russia() -> dict[str, Any]:
    """Dated when posted: a run that crosses midnight must not post yesterday's date."""
    return application(
        importing_state="RUS",
        consignee={"name": "Rosoboronexport", "country": "RUS"},
        end_user={"name": "Russian Ground Forces", "country": "RUS", "kind": "armed_forces"},
    )


def mortars() -> dict[str, Any]:
    """Dated when posted: a run that crosses midnight must not post yesterday's date."""
    return application(
        items=[
            {
                "description": "81 mm mortars",
                "category": "VIII",
                "control_entry": "ML2",
                "quantity": 10,
            }
        ]
    )


IN_LINE = {
    "approve": "approved",
    "approve_with_conditions": "approved_with_conditions",
    "deny": "denied",
}


def _submitted(api: Api, body: dict[str, Any]) -> int:
    case = int(api.post("/applications", "applicant", body).json()["id"])
    assert api.post(f"/applications/{case}/submit", "applicant", {}).status_code == 200
    assert api.post(f"/applications/{case}/screen", "officer", NO_MATCHES).status_code == 200
    return case


def _judged_clear(api: Api, case: int) -> str:
    """Every finding short of clear judged not relevant: the recommendation then approves."""
    latest = api.get(f"/applications/{case}/assessments", "officer").json()[-1]
    criteria = sorted(
        {
            f["criterion"]
            for regime in latest["assessments"]
            for f in regime["findings"]
            if f["outcome"] not in ("clear", "not_applicable")
        }
    )
    judged = api.post(
        f"/applications/{case}/judgements",
        "officer",
        {
            "version": version(api, case),
            "judgements": [
                {"criterion": c, "not_relevant": "the officer's view"} for c in criteria
            ],
        },
    )
    assert judged.status_code == 200, judged.text
    return str(judged.json()["recommendation"])


def _decide_in_line(api: Api, case: int, recommendation: str) -> dict[str, Any]:
    outcome = IN_LINE[recommendation]
    decided = api.post(
        f"/applications/{case}/decide",
        "officer",
        {
            "version": version(api, case),
            "outcome": outcome,
            "conditions": ["no re-export without consent"] if "conditions" in outcome else [],
            "reasons": "in line with the recommendation",
        },
    )
    assert decided.status_code == 200, decided.text
    return dict(decided.json())


def test_an_assessment_under_fewer_regimes_needs_a_second_person(api: Api) -> None:
    whole = _submitted(api, russia())
    assert (
        api.post(f"/applications/{whole}/assess", "officer", {}).json()["recommendation"] == "deny"
    )

    case = _submitted(api, russia())
    partial = api.post(f"/applications/{case}/assess", "officer", {"regimes": ["att"]})
    assert partial.status_code == 200, partial.text
    recommendation = _judged_clear(api, case)
    assert recommendation != "deny"  # ATT alone does not see the UK's embargo
    with api.db.read() as session:  # the decision form says so before deciding
        said = case_file(session, SYSTEM, case).four_eyes(IN_LINE[recommendation])
    assert any("left out regimes this authority applies" in reason for reason in said)
    decided = _decide_in_line(api, case, recommendation)
    assert decided["status"] == "pending" and decided["four_eyes_required"]
    assert api.get(f"/applications/{case}", "officer").json()["state"] == "awaiting_countersign"


def test_the_confirmed_category_decides_the_i_to_vii_rule(api: Api) -> None:
    case = _submitted(api, mortars())
    classified = api.post(
        f"/applications/{case}/items/0/classification",
        "officer",
        {"action": "confirm", "entry": "ML2.a:mortar-75mm-plus", "reasons": "81 mm calibre"},
    )
    assert classified.status_code in (200, 201), classified.text
    assert api.post(f"/applications/{case}/assess", "officer", {}).status_code == 200
    decided = _decide_in_line(api, case, _judged_clear(api, case))
    assert decided["status"] == "pending" and decided["four_eyes_required"]
    assert api.get(f"/applications/{case}", "officer").json()["categories"] == ["VIII"]
