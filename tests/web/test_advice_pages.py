"""The advice pages (issue 12) on the demo register: the adviser's lists and request page,
scoping (another team's adviser and the applicant are refused), the officer's panel with
conflicting advice, countersigning, and bad input refused with its field, nothing written."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from openatt.register.models import AdviceRequestRow, AdviceTeamRow, ApplicationRow, Event

Register = Any


def _case(register: Register, end_user: str) -> int:
    db = register.database()
    try:
        with db.read() as s:
            found = s.execute(
                select(ApplicationRow.id).where(
                    ApplicationRow.end_user == end_user,
                    ApplicationRow.id.in_(select(AdviceRequestRow.application_id)),
                )
            ).scalar_one()
            return int(found)
    finally:
        db.dispose()


def _request(register: Register, end_user: str, team: str) -> int:
    db = register.database()
    try:
        with db.read() as s:
            found = s.execute(
                select(AdviceRequestRow.id)
                .join(ApplicationRow, ApplicationRow.id == AdviceRequestRow.application_id)
                .join(AdviceTeamRow, AdviceTeamRow.id == AdviceRequestRow.team_id)
                .where(ApplicationRow.end_user == end_user, AdviceTeamRow.code == team)
            ).scalar_one()
            return int(found)
    finally:
        db.dispose()


def _events(register: Register) -> int:
    db = register.database()
    try:
        with db.read() as s:
            return int(s.execute(select(func.count()).select_from(Event)).scalar_one())
    finally:
        db.dispose()


def test_the_advisers_day(register: Register, web: Any) -> None:
    request_id = _request(register, "Chilean Army", "defence")
    assert web.login("adviser").headers["location"] == "/ui/"
    assert web.get("/ui/").headers["location"] == "/ui/advice"
    lists = web.get("/ui/advice")
    assert lists.status_code == 200 and f"/ui/advice/requests/{request_id}" in lists.text
    assert "Awaiting my sign-off" not in lists.text
    page = web.get(f"/ui/advice/requests/{request_id}")
    assert page.status_code == 200
    assert "Sniper rifles" in page.text and "Chilean Army" in page.text
    # Advisers are not staff: no work queue, no case page.
    assert web.get("/ui/applications").status_code == 403
    case_id = _case(register, "Chilean Army")
    assert web.get(f"/ui/applications/{case_id}").status_code == 403
    # Bad advice: refused with the field named, nothing written.
    before = _events(register)
    bad = web.post(
        f"/ui/advice/requests/{request_id}/advice",
        {"subject": "item:0", "type": "refuse", "reasons": "Diversion risk.", "criteria": ""},
    )
    assert bad.status_code == 422
    assert 'id="criteria-error"' in bad.text and "criteria it relies on" in bad.text
    assert "Diversion risk." in bad.text  # what was typed is kept
    bad = web.post(
        f"/ui/advice/requests/{request_id}/advice",
        {"subject": "item:0", "type": "refuse", "reasons": "x", "criteria": "eu.42"},
    )
    assert bad.status_code == 422 and "not a rule of the loaded law" in bad.text
    assert _events(register) == before
    saved = web.post(
        f"/ui/advice/requests/{request_id}/advice",
        {"subject": "item:0", "type": "proviso", "reasons": "Fine.", "proviso": "No re-export"},
    )
    assert saved.status_code == 303, saved.text
    given = web.post(f"/ui/advice/requests/{request_id}/submit")
    assert given.status_code == 303
    page = web.get(given.headers["location"])
    assert "The advice is given" in page.text and "answered" in page.text


def test_advisers_are_scoped_to_their_teams_requests(
    register: Register, web: Any, new_browser: Any
) -> None:
    other_team = _request(register, "Chilean Army", "foreign-affairs")
    assert web.login("adviser").status_code == 303
    assert web.get(f"/ui/advice/requests/{other_team}").status_code == 404
    applicant = new_browser(web.client.__class__(web.client.app))
    assert applicant.login("nordarms").status_code == 303
    assert applicant.get(f"/ui/advice/requests/{other_team}").status_code == 403
    assert applicant.get("/ui/advice").status_code == 403
    # The applicant's own case page shows nothing of the advice.
    page = applicant.get(f"/ui/applications/{_case(register, 'Chilean Army')}")
    assert page.status_code == 200 and "Advice and countersigning" not in page.text


def test_the_officer_sees_conflicts_and_asks_with_a_deadline(register: Register, web: Any) -> None:
    assert web.login("officer").status_code == 303
    conflicting = web.get(f"/ui/applications/{_case(register, 'Royal Thai Army')}")
    assert "Advice and countersigning" in conflicting.text
    assert "conflicting advice" in conflicting.text and "eu.2" in conflicting.text
    awaiting = web.get(f"/ui/applications/{_case(register, 'Chilean Army')}")
    assert "(5 working days)" in awaiting.text and "overdue" not in awaiting.text
    fresh = register.case_id("assessed")
    before = _events(register)
    bad = web.post(
        f"/ui/applications/{fresh}/advice/requests", {"working_days": "5", "question": "Q?"}
    )
    assert bad.status_code == 422 and "choose at least one team" in bad.text
    bad = web.post(
        f"/ui/applications/{fresh}/advice/requests",
        {"teams": "technical", "working_days": "five", "question": "Q?"},
    )
    assert bad.status_code == 422 and 'id="working_days-error"' in bad.text
    assert _events(register) == before
    asked = web.post(
        f"/ui/applications/{fresh}/advice/requests",
        {"teams": "technical", "working_days": "3", "question": "Is the control entry right?"},
    )
    assert asked.status_code == 303
    page = web.get(asked.headers["location"])
    assert "Technical experts" in page.text and "3 working days" in page.text
    lists = web.get("/ui/advice")
    assert "Open requests for advice" in lists.text and "Technical experts" in lists.text


def test_countersigning_the_final_advice(register: Register, web: Any, new_browser: Any) -> None:
    case_id = _case(register, "Australian Army")
    assert web.login("officer").status_code == 303
    page = web.get(f"/ui/applications/{case_id}")
    assert "you cannot give it: no one countersigns final advice they wrote" in page.text
    bad = web.post(
        f"/ui/applications/{case_id}/advice/final",
        {"subject": "item:7", "type": "approve", "reasons": "x"},
    )
    assert bad.status_code == 422 and 'id="subject-error"' in bad.text
    signer = new_browser(web.client.__class__(web.client.app))
    assert signer.login("officer2").status_code == 303
    assert f"/ui/applications/{case_id}#advice" in signer.get("/ui/advice").text
    before = _events(register)
    bad = signer.post(
        f"/ui/applications/{case_id}/advice/countersign", {"level": "1", "sign_reasons": "ok"}
    )
    assert bad.status_code == 422 and "Say whether you agree" in bad.text
    bad = signer.post(
        f"/ui/applications/{case_id}/advice/countersign", {"level": "1", "agree": "yes"}
    )
    assert bad.status_code == 422 and 'id="sign_reasons-error"' in bad.text
    assert _events(register) == before
    signed = signer.post(
        f"/ui/applications/{case_id}/advice/countersign",
        {"level": "1", "agree": "yes", "sign_reasons": "Consistent with the findings."},
    )
    assert signed.status_code == 303
    page = signer.get(signed.headers["location"])
    assert 'id="advice-signoff">Countersigned<' in page.text


def test_the_decision_waits_for_countersigned_final_advice(register: Register, web: Any) -> None:
    case_id = _case(register, "Chilean Army")  # sent for advice, no final advice yet
    assert web.login("officer").status_code == 303
    before = _events(register)
    page = web.get(f"/ui/applications/{case_id}/decide")
    version = re.search(r'name="version" value="(\d+)"', page.text)
    assert version
    refused = web.post(
        f"/ui/applications/{case_id}/decide",
        {
            "outcome": "approved",
            "reasons": "Looks fine.",
            "conditions": "",
            "version": version.group(1),
            "step": "confirm",
        },
    )
    assert refused.status_code == 409
    assert "final advice must be written and countersigned" in refused.text
    assert _events(register) == before
