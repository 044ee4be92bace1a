"""Issue 13, attack 2: an applicant set what only the authority may set (a verified
end-user certificate, officer evidence, high-credibility mitigations, a 2013 decision date),
and each changed the outcome. Now each is refused with the field named, and evidence
records its supplier from the login."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from register_helpers import Api, application


def evidence() -> dict[str, str]:
    """A piece of evidence dated the day the test runs."""
    return {
        "criterion": "diversion",
        "likelihood": "remote",
        "severity": "minor",
        "source": "Our own assurance",
        "date": dt.date.today().isoformat(),
        "author": "Head of the national authority",
    }


def _refused(api: Api, body: dict[str, Any], *loc: object) -> None:
    response = api.post("/applications", "applicant", body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", *loc]


def test_an_applicant_cannot_mark_its_end_user_certificate_verified(api: Api) -> None:
    documents = [{"kind": "end_user_certificate", "reference": "EUC-9", "verified": True}]
    _refused(api, application(documents=documents), "documents", 0, "verified")


def test_an_applicant_cannot_supply_officer_or_intelligence_evidence(api: Api) -> None:
    _refused(api, application(evidence=[evidence()]), "evidence", 0, "kind")
    _refused(
        api, application(evidence=[{**evidence(), "kind": "intelligence"}]), "evidence", 0, "kind"
    )


def test_an_applicant_cannot_rate_its_own_mitigation(api: Api) -> None:
    mitigation = {"description": "Stockpile audit", "addresses": ["diversion"]}
    _refused(
        api,
        application(mitigations=[{**mitigation, "credibility": "high"}]),
        "mitigations",
        0,
        "credibility",
    )
    created = api.post("/applications", "applicant", application(mitigations=[mitigation]))
    assert created.status_code == 201, created.text
    stored = api.get(f"/applications/{created.json()['id']}", "officer").json()  # staff view
    assert stored["application"]["mitigations"][0]["credibility"] == "low"


def test_an_applicant_cannot_choose_the_law_of_2013(api: Api) -> None:
    _refused(
        api,
        application(date="2013-06-01", exporting_state="DEU", importing_state="RUS"),
        "date",
    )


def test_evidence_records_its_supplier_from_the_login_not_the_payload(api: Api) -> None:
    report = {**evidence(), "kind": "report", "source": "SIPRI fact sheet"}
    created = api.post("/applications", "applicant", application(evidence=[report]))
    assert created.status_code == 201, created.text
    case = api.get(f"/applications/{created.json()['id']}", "officer").json()  # staff view
    [stored] = case["application"]["evidence"]
    assert stored["author"] == "applicant (applicant)"


def test_only_the_authority_verifies_a_document(api: Api) -> None:
    created = api.post("/applications", "applicant", application()).json()
    url = f"/applications/{created['id']}/documents/0/verify"
    assert api.post(url, "applicant", {"how": "trust me"}).status_code == 403
    verified = api.post(url, "officer", {"how": "Confirmed with the NZ MoD by phone"})
    assert verified.status_code == 200, verified.text
    assert verified.json()["application"]["documents"][0]["verified"] is True
