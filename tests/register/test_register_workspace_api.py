"""The workspace through the API: judgements re-run the engine, the author is the login,
bad input is refused with its path and nothing is written (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

from register_helpers import Api, to_assessed, version


def _runs(api: Api, app_id: int) -> int:
    return len(api.get(f"/applications/{app_id}/assessments", "officer").json())


def test_judgements_rerun_the_engine_and_the_author_is_the_login(api: Api) -> None:
    app_id = to_assessed(api)
    first = api.get(f"/applications/{app_id}/assessments", "officer").json()[-1]
    assert first["recommendation"] == "refer"  # criteria nobody has judged yet
    today = dt.date.today().isoformat()
    judged = api.post(
        f"/applications/{app_id}/judgements",
        "officer",
        {
            "version": version(api, app_id),
            "judgements": [
                {"criterion": t, "not_relevant": "a defence force with no internal role"}
                for t in (
                    "peace_security",
                    "regional_stability",
                    "internal_conflict",
                    "ihl",
                    "atrocity_crimes",
                    "internal_repression",
                    "gender_based_violence",
                    "terrorism",
                    "organised_crime",
                    "national_security",
                    "international_behaviour",
                    "diversion",
                    "corruption",
                    "development",
                )
            ]
            + [
                {
                    "criterion": "human_rights",
                    "likelihood": "remote",
                    "severity": "serious",
                    "source": "Embassy report",
                    "reasons": "No record of abuses by this force",
                    "date": today,
                }
            ],
            "mitigations": [
                {
                    "description": "Post-shipment verification visit",
                    "addresses": ["diversion"],
                    "credibility": "high",
                }
            ],
        },
    )
    assert judged.status_code == 200, judged.text
    body = judged.json()
    assert body["supersedes_id"] == first["id"]
    assert body["recommendation"] in ("approve", "approve_with_conditions")
    case = api.get(f"/applications/{app_id}", "officer").json()
    evidence = case["application"]["evidence"]
    assert {e["author"] for e in evidence} == {"officer (officer)"}  # the login's label
    assert {e["kind"] for e in evidence} == {"officer"}
    assert case["application"]["mitigations"][0]["credibility"] == "high"
    # The decision now follows the recommendation: no second officer for category VIII.
    decided = api.post(
        f"/applications/{app_id}/decide",
        "officer",
        {
            "version": version(api, app_id),
            "outcome": "approved"
            if body["recommendation"] == "approve"
            else "approved_with_conditions",
            "reasons": "Judged on every criterion",
            "conditions": ["Delivery verification"],
        },
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["four_eyes_required"] is False


def test_bad_judgements_are_refused_with_their_path_and_nothing_is_written(api: Api) -> None:
    app_id = to_assessed(api)
    before = _runs(api, app_id)
    url = f"/applications/{app_id}/judgements"
    cases = [
        ({"criterion": "human_rights", "likelihood": "sure", "severity": "grave"}, "likelihood"),
        ({"criterion": "human_rights", "likelihood": "likely", "severity": "grave"}, "source"),
        ({"criterion": "eu.99", "not_relevant": "x"}, "criterion"),
        (
            {
                "criterion": "ihl",
                "not_relevant": "x",
                "date": (dt.date.today() + dt.timedelta(days=2)).isoformat(),
            },
            "date",
        ),
    ]
    for judgement, field in cases:
        good = {"criterion": "diversion", "not_relevant": "verified end user"}
        response = api.post(url, "officer", {"judgements": [good, judgement]})
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["loc"] == ["body", "judgements", 1, field]
    # The author comes from the login, never from the body.
    forged = api.post(
        url, "officer", {"judgements": [{"criterion": "ihl", "not_relevant": "x", "author": "x"}]}
    )
    assert forged.status_code == 422
    assert api.post(url, "officer", {"judgements": []}).status_code == 422
    assert api.post(url, "applicant", {"judgements": []}).status_code == 403
    assert _runs(api, app_id) == before
