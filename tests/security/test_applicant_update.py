"""Issue 13, attack 2, by the other door: the authority's facts were refused when an
applicant created a draft (``test_applicant_input``), but a draft is also replaced with
``PUT /applications/{id}``. The same fields are refused there, and the stored draft keeps
what it had."""

from __future__ import annotations

from typing import Any

import pytest
from register_helpers import Api, application

EUC = {"kind": "end_user_certificate", "reference": "EUC-9"}
MITIGATION = {"description": "Stockpile audit", "addresses": ["diversion"]}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"documents": [{**EUC, "verified": True}]}, "verified"),
        ({"mitigations": [{**MITIGATION, "credibility": "high"}]}, "credibility"),
        ({"date": "2013-06-01"}, "date"),
    ],
    ids=["verified document", "mitigation credibility", "decision date"],
)
def test_an_applicant_cannot_set_the_authoritys_facts_by_replacing_its_draft(
    api: Api, change: dict[str, Any], field: str
) -> None:
    created = api.post("/applications", "applicant", application(documents=[EUC]))
    assert created.status_code == 201, created.text
    case = created.json()
    body = {
        "application": application(**{"documents": [EUC], **change}),
        "version": case["version"],
    }
    response = api.client.put(
        f"/applications/{case['id']}", json=body, headers=api.headers("applicant")
    )
    assert response.status_code == 422, response.text
    assert field in response.text
    stored = api.get(f"/applications/{case['id']}", "officer").json()["application"]
    assert stored["documents"][0].get("verified") in (None, False)
    assert stored["mitigations"] == []


REPORT = {
    "criterion": "diversion",
    "likelihood": "remote",
    "severity": "minor",
    "source": "SIPRI fact sheet",
    "date": "2026-01-15",
    "kind": "report",
}
OFFICER_EVIDENCE = {**REPORT, "kind": "officer", "source": "Embassy report", "likelihood": "likely"}


def _replace(api: Api, user: str, app_id: int, body: dict[str, Any]) -> Any:
    version = api.get(f"/applications/{app_id}", "officer").json()["version"]
    return api.put(f"/applications/{app_id}", user, {"application": body, "version": version})


def _authors(api: Api, app_id: int) -> list[tuple[str, str]]:
    stored = api.get(f"/applications/{app_id}", "officer").json()["application"]
    return [(e["source"], e["author"]) for e in stored["evidence"]]


def test_evidence_sent_back_unchanged_keeps_who_supplied_it(api: Api) -> None:
    """An officer correcting an exporter's draft did not make the exporter's report the
    authority's: every piece of evidence took the author of whoever saved the draft last."""
    created = api.post("/applications", "applicant", application(evidence=[REPORT]))
    assert created.status_code == 201, created.text
    app_id = created.json()["id"]
    corrected = application(evidence=[REPORT, OFFICER_EVIDENCE], end_use="Police patrols")
    assert _replace(api, "officer", app_id, corrected).status_code == 200
    assert _authors(api, app_id) == [
        ("SIPRI fact sheet", "applicant (applicant)"),
        ("Embassy report", "officer (officer)"),
    ]
    # the exporter may keep the authority's evidence it could not supply itself...
    kept = application(evidence=[REPORT, OFFICER_EVIDENCE], end_use="Police patrols only")
    assert _replace(api, "applicant", app_id, kept).status_code == 200
    assert _authors(api, app_id)[1] == ("Embassy report", "officer (officer)")
    # ...but not change it: changed, it is the exporter's input and refused as such
    softened = {**OFFICER_EVIDENCE, "likelihood": "remote"}
    refused = _replace(api, "applicant", app_id, application(evidence=[REPORT, softened]))
    assert refused.status_code == 422 and "evidence" in refused.text
    assert _authors(api, app_id)[1] == ("Embassy report", "officer (officer)")
