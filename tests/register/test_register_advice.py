"""Advice and consultation (issue 12): teams asked with a deadline, advisers scoped to the
requests of their team, advice per subject with conflicts, refusals as evidence the engine
re-runs with, final advice and its countersigning, and the decision waiting for it. Every
test runs on SQLite and PostgreSQL (the ``api`` fixture)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from register_helpers import Api, to_assessed, version
from sqlalchemy import func, select

from openatt.register import audit
from openatt.register.advice_policy import POLICY_ENV, add_working_days
from openatt.register.models import Event

FOREIGN = ["human_rights", "internal_repression", "peace_security", "regional_stability"]


def _teams(api: Api) -> None:
    for code, name, topics in (
        ("defence", "Ministry of Defence", []),
        ("foreign-affairs", "Foreign Affairs", FOREIGN),
    ):
        made = api.post("/advice/teams", "admin", {"code": code, "name": name, "topics": topics})
        assert made.status_code == 201, made.text
    for code, user in (("defence", "adviser"), ("foreign-affairs", "adviser2")):
        added = api.post(f"/advice/teams/{code}/members", "admin", {"username": user})
        assert added.status_code == 201, added.text


def _ask(api: Api, app_id: int, teams: list[str], days: int = 5) -> list[dict[str, Any]]:
    asked = api.post(
        f"/applications/{app_id}/advice/requests",
        "officer",
        {"teams": teams, "working_days": days, "question": "Advise on the rifles and end user."},
    )
    assert asked.status_code == 201, asked.text
    return list(asked.json())


def _events(api: Api) -> int:
    with api.db.read() as session:
        return int(session.execute(select(func.count()).select_from(Event)).scalar_one())


def _refusal(**extra: Any) -> dict[str, Any]:
    body = {
        "subject": "item:0",
        "type": "refuse",
        "reasons": "Reports of abuses by units that would receive the rifles.",
        "criteria": ["eu.2"],
    }
    body.update(extra)
    return body


APPROVAL = {"subject": "item:0", "type": "approve", "reasons": "Interoperable with ours."}


def _consulted_case(api: Api) -> tuple[int, dict[str, int]]:
    _teams(api)
    app_id = to_assessed(api)
    asked = {r["team"]: r["id"] for r in _ask(api, app_id, ["defence", "foreign-affairs"])}
    return app_id, asked


def test_teams_are_data_and_only_admins_and_seniors_keep_them(api: Api) -> None:
    _teams(api)
    listed = api.get("/advice/teams", "adviser").json()
    assert [t["code"] for t in listed] == ["defence", "foreign-affairs"]
    assert listed[1]["topics"] == sorted(FOREIGN)
    assert api.post("/advice/teams", "officer", {"code": "x1", "name": "X"}).status_code == 403
    bad = api.post("/advice/teams", "admin", {"code": "Bad Code", "name": "X"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "code"]
    bad = api.post("/advice/teams", "admin", {"code": "tech", "name": "T", "topics": ["nope"]})
    assert bad.json()["detail"][0]["loc"] == ["body", "topics"]
    # An applicant cannot sit on a team.
    bad = api.post("/advice/teams/defence/members", "admin", {"username": "applicant"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "username"]
    again = api.post("/advice/teams", "admin", {"code": "defence", "name": "Again"})
    assert again.status_code == 409


def test_asking_sets_a_deadline_in_working_days_and_bad_input_writes_nothing(api: Api) -> None:
    _teams(api)
    app_id = to_assessed(api)
    before = _events(api)
    for body, field in (
        ({"teams": [], "working_days": 5, "question": "Q"}, "teams"),
        ({"teams": ["nobody"], "working_days": 5, "question": "Q"}, "teams"),
        ({"teams": ["defence"], "working_days": 0, "question": "Q"}, "working_days"),
        ({"teams": ["defence"], "working_days": 5, "question": "  "}, "question"),
    ):
        refused = api.post(f"/applications/{app_id}/advice/requests", "officer", body)
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"][0]["loc"] == ["body", field]
    assert _events(api) == before
    made = _ask(api, app_id, ["defence"], days=5)
    assert made[0]["due_on"] == add_working_days(dt.date.today(), 5).isoformat()
    assert made[0]["overdue"] is False
    # Asked twice while the first request is open: refused.
    again = api.post(
        f"/applications/{app_id}/advice/requests",
        "officer",
        {"teams": ["defence"], "working_days": 3, "question": "Again"},
    )
    assert again.status_code == 409


def test_working_days_skip_weekends_and_listed_holidays() -> None:
    friday = dt.date(2026, 12, 4)
    assert add_working_days(friday, 1) == dt.date(2026, 12, 7)
    assert add_working_days(friday, 5) == dt.date(2026, 12, 11)
    assert add_working_days(friday, 1, (dt.date(2026, 12, 7),)) == dt.date(2026, 12, 8)


def test_advisers_see_only_their_teams_requests(api: Api) -> None:
    app_id, asked = _consulted_case(api)
    mine = api.get("/advice/requests", "adviser").json()
    assert [r["id"] for r in mine] == [asked["defence"]]
    assert mine[0]["reference"].startswith("OA-")
    # The other team's request, and the case itself, are not found for this adviser.
    assert api.get(f"/advice/requests/{asked['foreign-affairs']}", "adviser").status_code == 404
    assert api.get(f"/applications/{app_id}", "adviser").status_code == 403
    assert api.get(f"/applications/{app_id}/advice", "adviser").status_code == 403
    assert api.get("/applications", "adviser").status_code == 403
    # Applicants see nothing of advice.
    assert api.get(f"/advice/requests/{asked['defence']}", "applicant").status_code == 403
    assert api.get(f"/applications/{app_id}/advice", "applicant").status_code == 403
    # What the adviser sees: the transfer, and the findings on the team's topics.
    seen = api.get(f"/advice/requests/{asked['foreign-affairs']}", "adviser2").json()
    assert seen["end_use"] and seen["items"][0]["description"] == "5.56 mm rifles"
    assert "item:0" in seen["subjects"] and "party:end_user" in seen["subjects"]
    every = api.get(f"/advice/requests/{asked['defence']}", "adviser").json()["findings"]
    assert 0 < len(seen["findings"]) < len(every)


def test_bad_advice_is_refused_with_its_field_and_nothing_written(api: Api) -> None:
    _app_id, asked = _consulted_case(api)
    url = f"/advice/requests/{asked['defence']}/advice"
    before = _events(api)
    for body, field in (
        (_refusal(criteria=[]), "criteria"),
        (_refusal(criteria=["eu.99"]), "criteria"),
        (_refusal(subject="item:9"), "subject"),
        (_refusal(reasons=" "), "reasons"),
        (_refusal(likelihood="sometimes"), "likelihood"),
        ({**APPROVAL, "criteria": ["eu.2"]}, "criteria"),
        ({**APPROVAL, "type": "proviso"}, "proviso"),
        ({**APPROVAL, "type": "maybe"}, "type"),
    ):
        refused = api.post(url, "adviser", body)
        assert refused.status_code == 422, (body, refused.text)
        assert refused.json()["detail"][0]["loc"] == ["body", field], refused.text
    assert _events(api) == before
    # Giving advice with no draft is refused too.
    assert api.post(f"/advice/requests/{asked['defence']}/submit", "adviser").status_code == 409


def test_advice_conflicts_become_evidence_and_the_engine_reruns(api: Api) -> None:
    app_id, asked = _consulted_case(api)
    assessments = len(api.get(f"/applications/{app_id}/assessments", "officer").json())
    assert (
        api.post(f"/advice/requests/{asked['defence']}/advice", "adviser", APPROVAL).status_code
        == 201
    )
    drafted = api.post(
        f"/advice/requests/{asked['foreign-affairs']}/advice",
        "adviser2",
        _refusal(likelihood="very_likely", severity="grave"),
    )
    assert drafted.status_code == 201, drafted.text
    # Drafts are the team's own: the officer's panel and the other team do not see them.
    panel = api.get(f"/applications/{app_id}/advice", "officer").json()
    assert panel["advice"] == [] and panel["conflicts"] == []
    for user, team in (("adviser", "defence"), ("adviser2", "foreign-affairs")):
        given = api.post(f"/advice/requests/{asked[team]}/submit", user)
        assert given.status_code == 200, given.text
    panel = api.get(f"/applications/{app_id}/advice", "officer").json()
    assert {r["status"] for r in panel["requests"]} == {"answered"}
    assert panel["conflicts"] == [
        {"subject": "item:0", "positions": {"approve": ["defence"], "refuse": ["foreign-affairs"]}}
    ]
    # The refusal is evidence on eu.2, from the team, citing the advice; the engine re-ran.
    refusal = next(a for a in panel["advice"] if a["type"] == "refuse")
    case = api.get(f"/applications/{app_id}", "officer").json()
    evidence = case["application"]["evidence"]
    assert evidence == [
        {
            "criterion": "eu.2",
            "likelihood": "very_likely",
            "severity": "grave",
            "source": f"advice {refusal['id']}",
            "date": dt.date.today().isoformat(),
            "author": "Foreign Affairs",
            "kind": "report",
            "note": "refusal advised on item:0",
            "value": None,
        }
    ]
    runs = api.get(f"/applications/{app_id}/assessments", "officer").json()
    assert len(runs) == assessments + 1
    assert "Foreign Affairs" in runs[-1]["reason"]
    eu = next(a for a in runs[-1]["assessments"] if a["regime"] == "eu")
    eu2 = next(f for f in eu["findings"] if f["criterion"] == "eu.2")
    assert eu2["outcome"] == "risk"
    with api.db.read() as session:
        assert audit.verify(session).intact


def _final(api: Api, app_id: int, user: str = "officer", **extra: Any) -> Any:
    body = {**APPROVAL, "reasons": "Defence's view prevails; the concerns are met.", **extra}
    return api.post(f"/applications/{app_id}/advice/final", user, body)


def _decide(api: Api, app_id: int) -> Any:
    return api.post(
        f"/applications/{app_id}/decide",
        "officer",
        {"version": version(api, app_id), "outcome": "approved", "reasons": "As advised."},
    )


def _sign(api: Api, app_id: int, user: str, level: int = 1, agree: bool = True) -> Any:
    return api.post(
        f"/applications/{app_id}/advice/countersign",
        user,
        {"level": level, "agree": agree, "reasons": "Reviewed the advice and the findings."},
    )


def test_final_advice_is_countersigned_before_the_decision(api: Api) -> None:
    app_id, _asked = _consulted_case(api)
    refused = _decide(api, app_id)
    assert refused.status_code == 409 and "final advice" in refused.json()["detail"]
    assert _final(api, app_id).status_code == 201
    assert api.get("/advice/signoff", "officer").json() == []  # the author cannot sign
    assert _sign(api, app_id, "officer").status_code == 403
    bad = api.post(
        f"/applications/{app_id}/advice/countersign",
        "officer2",
        {"level": 1, "agree": True, "reasons": " "},
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "reasons"]
    assert [x["application_id"] for x in api.get("/advice/signoff", "officer2").json()] == [app_id]
    assert _decide(api, app_id).status_code == 409
    assert _sign(api, app_id, "officer2").status_code == 201
    panel = api.get(f"/applications/{app_id}/advice", "officer").json()
    assert panel["sign_off"] == "countersigned"
    decided = _decide(api, app_id)
    assert decided.status_code == 200, decided.text
    with api.db.read() as session:
        assert audit.verify(session).intact


def test_two_levels_disagreement_and_changes_void_signatures(
    api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "countersign:\n  levels: 2\n  roles: {1: [officer, senior_reviewer], 2: [senior_reviewer]}\n"
        "  before_decision: true\nrefusal_evidence: {likelihood: likely, severity: serious}\n",
        "utf-8",
    )
    monkeypatch.setenv(POLICY_ENV, str(policy))
    app_id, _asked = _consulted_case(api)
    assert _final(api, app_id).status_code == 201
    assert _sign(api, app_id, "officer2", level=2).status_code == 409  # level 1 first
    assert _sign(api, app_id, "officer2", agree=False).status_code == 201
    assert api.get(f"/applications/{app_id}/advice", "officer").json()["sign_off"] == "returned"
    # The officer revises: the disagreement is voided and level 1 is awaited again.
    assert _final(api, app_id, subject="party:end_user").status_code == 201
    panel = api.get(f"/applications/{app_id}/advice", "officer").json()
    assert panel["sign_off"] == "awaiting_level_1" and panel["signatures"] == []
    assert _sign(api, app_id, "officer2").status_code == 201
    assert _sign(api, app_id, "officer2", level=2).status_code == 403  # role, and same signer
    assert _decide(api, app_id).status_code == 409
    assert _sign(api, app_id, "senior", level=2).status_code == 201
    assert (
        api.get(f"/applications/{app_id}/advice", "officer").json()["sign_off"] == "countersigned"
    )
    assert _decide(api, app_id).status_code == 200


def test_a_case_not_sent_for_advice_is_decided_as_before(api: Api) -> None:
    app_id = to_assessed(api)
    assert _decide(api, app_id).status_code == 200


def test_a_request_past_its_due_day_is_marked_overdue(api: Api) -> None:
    """Deadlines count from the real day; the lists say which requests are late as of a day."""
    from openatt.register import consultation
    from openatt.register.models import User
    from openatt.register.users import actor_of

    _teams(api)
    app_id = to_assessed(api)
    made = _ask(api, app_id, ["defence"], days=1)[0]
    due = dt.date.fromisoformat(made["due_on"])
    assert [(r["id"], r["overdue"]) for r in api.get("/advice/requests", "adviser").json()] == [
        (made["id"], False)
    ]
    with api.db.read() as session:
        users = {u.username: actor_of(u) for u in session.execute(select(User)).scalars()}
        for day, late in ((due, False), (due + dt.timedelta(days=1), True)):
            mine = consultation.awaiting_my_advice(session, users["adviser"], today=day)
            assert [(x.request.id, x.overdue) for x in mine] == [(made["id"], late)]
            everyone = consultation.all_open(session, users["officer"], today=day)
            assert [x.overdue for x in everyone] == [late]
    assert api.get("/advice/requests?scope=open", "adviser").status_code == 403
    # An answered request is never late.
    assert api.post(f"/advice/requests/{made['id']}/advice", "adviser", APPROVAL).status_code == 201
    assert api.post(f"/advice/requests/{made['id']}/submit", "adviser").status_code == 200
    with api.db.read() as session:
        later = due + dt.timedelta(days=30)
        lines = consultation.awaiting_my_advice(
            session, users["adviser"], today=later, include_answered=True
        )
        assert [(x.request.status, x.overdue) for x in lines] == [("answered", False)]


def test_other_teams_advice_is_shown_only_when_configured_and_never_drafts(
    api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app_id, asked = _consulted_case(api)
    assert (
        api.post(f"/advice/requests/{asked['defence']}/advice", "adviser", APPROVAL).status_code
        == 201
    )
    assert api.post(f"/advice/requests/{asked['defence']}/submit", "adviser").status_code == 200
    # Defence is asked again and drafts: a draft is never shown to another team.
    again = _ask(api, app_id, ["defence"])[0]["id"]
    draft = {**APPROVAL, "subject": "party:end_user"}
    assert api.post(f"/advice/requests/{again}/advice", "adviser", draft).status_code == 201
    view = f"/advice/requests/{asked['foreign-affairs']}"
    assert api.get(view, "adviser2").json()["other_teams"] == []
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "countersign: {levels: 1, roles: {1: [officer]}}\nadvisers_see_other_teams: true\n"
        "refusal_evidence: {likelihood: likely, severity: serious}\n",
        "utf-8",
    )
    monkeypatch.setenv(POLICY_ENV, str(policy))
    others = api.get(view, "adviser2").json()["other_teams"]
    assert [(a["team"], a["subject"], a["status"]) for a in others] == [
        ("defence", "item:0", "given")
    ]
