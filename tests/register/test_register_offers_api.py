"""Indicator evidence offered on a case, from the real indicators imported into the
monitoring store: accepted (the evidence joins the case, by the officer, and the engine
re-runs) or rejected with reasons (kept, and queryable for the next mapping). SQLite and
PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from register_helpers import Api, application, to_assessed, version

from openatt.monitoring.service import import_indicators


@pytest.fixture
def brazil(api: Api, shared_data: Path) -> int:
    import_indicators(shared_data / "indicators")  # into $OPENATT_HOME, which the app reads
    return to_assessed(
        api,
        application(
            importing_state="BRA",
            consignee={"name": "Brazilian Army Logistics", "country": "BRA"},
            end_user={"name": "Brazilian Army", "country": "BRA", "kind": "armed_forces"},
        ),
    )


def test_offers_accepted_and_rejected(api: Api, brazil: int) -> None:
    url = f"/applications/{brazil}/offers"
    offered = api.get(url, "officer").json()
    assert len(offered) >= 2, offered
    assert {o["status"] for o in offered} == {"offered"}
    first, second = offered[0], offered[1]
    assert first["mapping"].startswith("indicator-mapping") and first["evidence"]
    assert api.get(url, "applicant").status_code == 403
    runs = len(api.get(f"/applications/{brazil}/assessments", "officer").json())

    accepted = api.post(
        f"{url}/accept", "officer", {"key": first["key"], "version": version(api, brazil)}
    )
    assert accepted.status_code == 200, accepted.text
    assert first["key"] in accepted.json()["reason"]
    evidence = api.get(f"/applications/{brazil}", "officer").json()["application"]["evidence"]
    assert len(evidence) == len(first["evidence"])
    assert all(e["author"] == "officer (officer)" for e in evidence)  # the login's label
    assert all(e["note"].startswith(f"Accepted offer {first['key']}") for e in evidence)
    assert api.post(f"{url}/accept", "officer", {"key": first["key"]}).status_code == 409

    assert api.post(f"{url}/reject", "officer", {"key": second["key"]}).status_code == 422
    unknown = api.post(f"{url}/reject", "officer", {"key": "no-such-offer", "reasons": "x"})
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["body", "key"]
    rejected = api.post(
        f"{url}/reject",
        "officer",
        {"key": second["key"], "reasons": "The army has no role in policing protests"},
    )
    assert rejected.status_code == 201, rejected.text
    assert rejected.json()["accepted"] is False and rejected.json()["destination"] == "BRA"
    # Accepting re-ran the engine once; rejecting changed nothing in the assessment.
    assert len(api.get(f"/applications/{brazil}/assessments", "officer").json()) == runs + 1
    statuses = {o["key"]: o["status"] for o in api.get(url, "officer").json()}
    assert statuses[first["key"]] == "accepted" and statuses[second["key"]] == "rejected"

    kept = api.get("/indicator-rejections", "auditor", params={"mapping": second["mapping"]})
    assert kept.status_code == 200
    assert [r["offer_key"] for r in kept.json()] == [second["key"]]
    assert kept.json()[0]["reasons"] == "The army has no role in policing protests"
    assert api.get("/indicator-rejections", "applicant").status_code == 403
    assert api.get("/indicator-rejections", "monitor").status_code == 403
    actions = [e["action"] for e in api.get(f"/applications/{brazil}/events", "officer").json()]
    assert "offer.accept" in actions and "offer.reject" in actions
    assert api.get("/audit/verify", "auditor").json()["intact"] is True
