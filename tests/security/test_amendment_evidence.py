"""Issue 13, attack 2 from the other side: the input schema per audience must not turn the
authority's own facts into the applicant's. An amendment takes the earlier version's
evidence over; it was checked as if the applicant had sent it, so once an officer had
added evidence the exporter could no longer amend (a 422 naming ``evidence.0.kind``, a field
it never sent), and evidence that did pass was relabelled as the applicant's. Now the
evidence goes over as it was, with its authors, and the applicant's own input is still
checked."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from register_helpers import Api, application, to_assessed, version

EVIDENCE = {
    "criterion": "att.7.1.b.ii",
    "likelihood": "possible",
    "severity": "serious",
    "source": "Embassy report of 1 November",
    "date": "2026-11-01",
    "note": "diversion route reported",
    "kind": "officer",
}


def _evidence(api: Api, app_id: int) -> list[dict[str, Any]]:
    return list(api.get(f"/applications/{app_id}", "officer").json()["application"]["evidence"])


def test_an_applicant_can_amend_after_officer_evidence_and_keeps_its_author(api: Api) -> None:
    app_id = to_assessed(api)
    body = {"reason": "new information", "evidence": [EVIDENCE], "version": version(api, app_id)}
    assert api.post(f"/applications/{app_id}/reassess", "officer", body).status_code == 200
    (before,) = _evidence(api, app_id)
    assert before["author"].startswith("officer") and before["kind"] == "officer"
    amended = application(end_use="Infantry rifle replacement, phase 2")
    change = {"application": amended, "reason": "phase 2", "version": version(api, app_id)}
    response = api.post(f"/applications/{app_id}/amend", "applicant", change)
    assert response.status_code == 201, response.text
    assert _evidence(api, response.json()["application_id"]) == [before]


def test_an_amendment_still_refuses_the_applicants_own_authority_facts(api: Api) -> None:
    app_id = to_assessed(api)
    amended = application(date="2013-06-01")
    change = {"application": amended, "reason": "older law", "version": version(api, app_id)}
    response = api.post(f"/applications/{app_id}/amend", "applicant", change)
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "date"
    assert api.get(f"/applications/{app_id}", "officer").json()["state"] == "assessed"


def test_the_differences_the_applicant_reads_hold_no_authority_work(api: Api) -> None:
    """Found in review (2026-12-05): after an officer verified a document and recorded a
    mitigation, the applicant's amendment listed both among its differences (the
    verification flag, the mitigation's text, who agreed it and its credibility)."""
    case = to_assessed(api)
    verified = api.post(
        f"/applications/{case}/documents/0/verify",
        "officer",
        {"version": version(api, case), "how": "called the issuing ministry"},
    )
    assert verified.status_code == 200, verified.text
    judged = api.post(
        f"/applications/{case}/judgements",
        "officer",
        {
            "version": version(api, case),
            "mitigations": [
                {
                    "description": "INTERNAL end-use monitoring agreed with the ministry",
                    "addresses": ["diversion"],
                    "credibility": "high",
                    "agreed_by": "ministry liaison",
                }
            ],
        },
    )
    assert judged.status_code == 200, judged.text
    own = api.get(f"/applications/{case}", "applicant").json()["application"]
    own["items"][0]["quantity"] = 50
    amended = api.post(
        f"/applications/{case}/amend",
        "applicant",
        {"application": own, "reason": "fewer rifles", "version": version(api, case)},
    )
    assert amended.status_code in (200, 201), amended.text
    for user in ("applicant", "officer"):
        [amendment] = api.get(f"/applications/{case}/amendments", user).json()
        fields = [d["field"] for d in amendment["differences"]]
        assert fields == ["items.0.quantity"], (user, fields)
    page = api.get(f"/applications/{case}/amendments", "applicant").text
    assert "INTERNAL" not in page and "liaison" not in page
