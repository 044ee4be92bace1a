"""The dialogue with the exporter in the web UI (TestClient on the demo register): asking
and answering, notes, withdrawal, amendment and appeal forms; each refusal shown next to
its field with nothing written; what the exporter sees and does not see."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from openatt.register import applications
from openatt.register.dialogue_models import CaseNoteRow, QueryRow
from openatt.register.models import ApplicationRow, Event, User
from openatt.register.users import actor_of
from openatt.web import forms

Browser = Any
Register = Any


def _count(register: Register, table: Any) -> int:
    db = register.database()
    try:
        with db.read() as session:
            return int(session.execute(select(func.count()).select_from(table)).scalar_one())
    finally:
        db.dispose()


def _version(register: Register, app_id: int) -> str:
    db = register.database()
    try:
        with db.read() as session:
            row = session.get(ApplicationRow, app_id)
            assert row is not None
            return str(row.version)
    finally:
        db.dispose()


def _state(register: Register, app_id: int) -> str:
    db = register.database()
    try:
        with db.read() as session:
            officer = session.execute(select(User).where(User.username == "officer")).scalar_one()
            return str(applications.get(session, actor_of(officer), app_id).state)
    finally:
        db.dispose()


def _as(new_browser: Any, client: TestClient, username: str) -> Browser:
    browser = new_browser(TestClient(client.app))
    assert browser.login(username).status_code == 303
    return browser


def test_question_answered_from_the_applicant_view(
    register: Register, app_client: TestClient, new_browser: Any
) -> None:
    app_id = register.case_id("screened")  # Meridian's pistols for the Kenyan police
    officer = _as(new_browser, app_client, "officer")
    before = (_count(register, QueryRow), _count(register, Event))
    empty = officer.post(f"/ui/applications/{app_id}/queries", {"question": " "})
    assert empty.status_code == 422 and "write the question" in empty.text
    assert 'id="question-error"' in empty.text
    bad_date = officer.post(
        f"/ui/applications/{app_id}/queries", {"question": "Which unit?", "respond_by": "soon"}
    )
    assert bad_date.status_code == 422 and 'id="respond_by-error"' in bad_date.text
    assert (_count(register, QueryRow), _count(register, Event)) == before
    asked = officer.post(
        f"/ui/applications/{app_id}/queries",
        {"question": "Which police unit will carry the pistols?"},
    )
    assert asked.status_code == 303
    meridian = _as(new_browser, app_client, "meridian")
    page = meridian.get(f"/ui/applications/{app_id}").text
    assert "What is asked of you" in page and "Which police unit" in page
    # one heading of that name on the page: the questions have their own
    assert page.count("What is asked of you") == 1
    assert "Questions from the licensing authority" in page
    assert "by officer" not in page and "Case notes" not in page
    query_id = max(q for q in _ids(register, QueryRow))
    blank = meridian.post(f"/ui/applications/{app_id}/queries/{query_id}/answer", {})
    assert blank.status_code == 422 and f'id="answer-{query_id}-error"' in blank.text
    sent = meridian.post(
        f"/ui/applications/{app_id}/queries/{query_id}/answer",
        {f"answer-{query_id}": "The Rapid Deployment Unit", f"documents-{query_id}": "LTR-7"},
    )
    assert sent.status_code == 303
    staff_page = officer.get(f"/ui/applications/{app_id}").text
    assert "The Rapid Deployment Unit" in staff_page and "LTR-7" in staff_page
    # Nordarms (another company) may not answer it.
    nord = _as(new_browser, app_client, "nordarms")
    other = nord.post(
        f"/ui/applications/{app_id}/queries/{query_id}/answer", {f"answer-{query_id}": "x"}
    )
    assert other.status_code == 404


def _ids(register: Register, table: Any) -> list[int]:
    db = register.database()
    try:
        with db.read() as session:
            return [int(i) for i in session.execute(select(table.id)).scalars()]
    finally:
        db.dispose()


def test_awaiting_exporter_lists_open_questions_per_audience(
    app_client: TestClient, new_browser: Any
) -> None:
    officer = _as(new_browser, app_client, "officer").get("/ui/queries").text
    assert "Awaiting exporter" in officer and "radios be installed" in officer
    nord = _as(new_browser, app_client, "nordarms").get("/ui/queries").text
    assert "What is asked of you" in nord and "radios be installed" in nord
    meridian = _as(new_browser, app_client, "meridian").get("/ui/queries").text
    assert "radios be installed" not in meridian
    assert _as(new_browser, app_client, "auditor").get("/ui/queries").status_code == 403
    # The work queue marks the case with an open question.
    queue = _as(new_browser, app_client, "officer").get("/ui/applications?state=screened").text
    rows = [r for r in queue.split("<tr") if "awaiting exporter" in r]
    assert len(rows) == 1 and "Estonian Defence Forces" in rows[0]


def test_internal_notes_with_mentions(
    register: Register, app_client: TestClient, new_browser: Any
) -> None:
    app_id = register.case_id("assessed")
    officer = _as(new_browser, app_client, "officer")
    before = _count(register, CaseNoteRow)
    unknown = officer.post(f"/ui/applications/{app_id}/notes", {"note_text": "@nobody see"})
    assert unknown.status_code == 422 and 'id="note_text-error"' in unknown.text
    assert _count(register, CaseNoteRow) == before
    added = officer.post(
        f"/ui/applications/{app_id}/notes", {"note_text": "Ask MoD. @senior please advise"}
    )
    assert added.status_code == 303
    assert "Ask MoD." in officer.get(f"/ui/applications/{app_id}").text
    owner = _as(new_browser, app_client, "nordarms").get(f"/ui/applications/{app_id}").text
    assert "Ask MoD." not in owner
    assert (
        _as(new_browser, app_client, "nordarms")
        .post(f"/ui/applications/{app_id}/notes", {"note_text": "x"})
        .status_code
        == 403
    )


def test_withdrawal_and_amendment_from_the_applicant_view(
    register: Register, app_client: TestClient, new_browser: Any
) -> None:
    nord = _as(new_browser, app_client, "nordarms")
    submitted = register.case_id("submitted")  # Nordic's carriers for Brazil
    page = nord.get(f"/ui/applications/{submitted}").text
    assert "Amend the application" in page and "Withdraw the application" in page
    form = nord.get(f"/ui/applications/{submitted}/amend")
    assert form.status_code == 200 and "Submit the new version" in form.text
    db = register.database()
    try:
        with db.read() as session:
            owner = session.execute(select(User).where(User.username == "nordarms")).scalar_one()
            row = applications.get(session, actor_of(owner), submitted)
            filled = forms.from_application(applications.payload_of(row)).values
            version = row.version
    finally:
        db.dispose()
    fields = {**filled, "item-0-quantity": "10", "version": str(version), "action": "save"}
    no_reason = nord.post(f"/ui/applications/{submitted}/amend", fields)
    assert no_reason.status_code == 422 and 'id="amend_reason-error"' in no_reason.text
    assert _state(register, submitted) == "submitted"
    done = nord.post(
        f"/ui/applications/{submitted}/amend", {**fields, "amend_reason": "Ten carriers only"}
    )
    assert done.status_code == 303, done.text
    new_page = nord.get(done.headers["location"]).text
    assert "items.0.quantity" in new_page and "Ten carriers only" in new_page
    assert _state(register, submitted) == "superseded"
    assert "Superseded by" in nord.get(f"/ui/applications/{submitted}").text
    assert nord.get(f"/ui/applications/{submitted}/amend").status_code == 409
    # Withdraw the new version; a reason is required.
    new_id = int(done.headers["location"].split("/")[-1].split("?")[0])
    empty = nord.post(f"/ui/applications/{new_id}/withdraw", {"withdraw_reason": ""})
    assert empty.status_code == 422 and 'id="withdraw_reason-error"' in empty.text
    assert (
        nord.post(
            f"/ui/applications/{new_id}/withdraw", {"withdraw_reason": "Tender lost"}
        ).status_code
        == 303
    )
    assert _state(register, new_id) == "withdrawn"


def test_appeal_lodged_by_the_exporter_and_decided_by_another_officer(
    register: Register, app_client: TestClient, new_browser: Any
) -> None:
    denied = register.case_id("denied")  # Meridian's rifles for a militia
    meridian = _as(new_browser, app_client, "meridian")
    page = meridian.get(f"/ui/applications/{denied}").text
    assert "may be appealed until" in page
    empty = meridian.post(f"/ui/applications/{denied}/appeal", {"grounds": ""})
    assert empty.status_code == 422 and 'id="grounds-error"' in empty.text
    assert (
        meridian.post(
            f"/ui/applications/{denied}/appeal", {"grounds": "A UN-supervised programme"}
        ).status_code
        == 303
    )
    assert _state(register, denied) == "appealed"
    decision = {"outcome": "upheld", "appeal_reasons": "Exemption notified"}
    refused_by = _as(new_browser, app_client, "officer")
    assert "Decide the appeal" in refused_by.get(f"/ui/applications/{denied}").text
    assert (
        refused_by.post(f"/ui/applications/{denied}/appeal/decide", decision).status_code == 403
    )  # the officer who refused
    other = _as(new_browser, app_client, "officer2")
    blank = other.post(f"/ui/applications/{denied}/appeal/decide", {"outcome": "upheld"})
    assert blank.status_code == 422 and 'id="appeal_reasons-error"' in blank.text
    decided = other.post(
        f"/ui/applications/{denied}/appeal/decide",
        {**decision, "appeal_conditions": "No re-export\nDelivery verification"},
    )
    assert decided.status_code == 303
    # against the recommendation: a second person signs the approval off (issue 13)
    assert _state(register, denied) == "awaiting_countersign"
    waiting = meridian.get(f"/ui/applications/{denied}").text
    waiting_appeal = waiting.split('id="appeal"')[1].split("</section>")[0]
    # not yet in effect: the exporter is not told it was upheld, nor the reasons
    assert ": pending." in waiting_appeal and "upheld" not in waiting_appeal
    assert "Exemption notified" not in waiting_appeal
    staff_view = other.get(f"/ui/applications/{denied}").text
    assert "upheld, awaiting a countersignature," in staff_view.split('id="appeal"')[1]
    senior = _as(new_browser, app_client, "senior")
    signed = senior.post(
        f"/ui/applications/{denied}/countersign",
        {"agree": "yes", "step": "confirm", "version": _version(register, denied)},
    )
    assert signed.status_code == 303, signed.text
    assert _state(register, denied) == "approved_with_conditions"
    shown = meridian.get(f"/ui/applications/{denied}").text
    appeal = shown.split('id="appeal"')[1].split("</section>")[0]
    assert "upheld on" in appeal and "officer2" not in appeal  # no officer named in it
