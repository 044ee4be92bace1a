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
