"""The officer's workspace and the delivery verification form, posted as the pages render
them (every field the form holds, filled as a user would), on the demo register."""

from __future__ import annotations

import datetime as dt
import json
from html.parser import HTMLParser
from typing import Any

from sqlalchemy import func, select

from openatt.register.assessing import latest_assessment
from openatt.register.models import ApplicationRow, AssessmentRow, Event

Browser = Any
Register = Any


class _Form(HTMLParser):
    """The fields of the form whose action ends with ``action``, with their rendered values
    (a select's selected option, else its first)."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("action", "").endswith(self.action):
            self.inside = True
        if not self.inside:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "radio"):
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select:
            if self._select not in self.fields or "selected" in a:
                self.fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.fields[a.get("name", "")] = ""

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self.inside:
            self.inside = False
            self.action = "\0done"  # only the first matching form


def rendered_form(html: str, action: str) -> dict[str, str]:
    parser = _Form(action)
    parser.feed(html)
    assert parser.fields, f"no form posting to {action} on the page"
    return parser.fields


def _decision_date(register: Register, case: int) -> dt.date:
    """The case's decision date, from its stored payload."""
    db = register.database()
    try:
        with db.read() as s:
            row = s.get(ApplicationRow, case)
            assert row is not None
            return dt.date.fromisoformat(json.loads(row.payload)["date"])
    finally:
        db.dispose()


def _runs(register: Register, case: int) -> int:
    db = register.database()
    try:
        with db.read() as s:
            return int(
                s.execute(
                    select(func.count()).where(AssessmentRow.application_id == case)
                ).scalar_one()
            )
    finally:
        db.dispose()


def test_delivery_verification_through_the_rendered_form(register: Register, web: Browser) -> None:
    """Issue 12: the form sent verified_on-<id> and the server read verified_on (422)."""
    licensed = register.case_id("licensed")
    web.login("officer")
    page = web.get(f"/ui/applications/{licensed}/licence").text
    fields = rendered_form(page, "/verify-delivery")
    shipment = fields["shipment_id"]
    assert f"verified_on-{shipment}" in fields and f"verification-{shipment}" in fields
    assert fields[f"verified_on-{shipment}"] == dt.date.today().isoformat()  # prefilled
    # Left empty, the refusal names the form's own field.
    refused = web.client.post(
        f"/ui/applications/{licensed}/verify-delivery", data=fields, follow_redirects=False
    )
    assert refused.status_code == 422
    assert f'id="verification-{shipment}-error"' in refused.text
    assert "Name the evidence of delivery." in refused.text
    fields[f"verification-{shipment}"] = "Delivery verification certificate DVC-912"
    done = web.client.post(
        f"/ui/applications/{licensed}/verify-delivery", data=fields, follow_redirects=False
    )
    assert done.status_code == 303, done.text
    assert "DVC-912" in web.get(f"/ui/applications/{licensed}/licence").text


def test_findings_by_topic_and_a_judgement_reruns_the_engine(
    register: Register, web: Browser
) -> None:
    case = register.case_id("assessed")
    web.login("officer")
    page = web.get(f"/ui/applications/{case}").text
    assert "Findings by topic" in page and 'data-topic="human_rights"' in page
    before = _runs(register, case)
    # the case's own date: judgements dated after it are later evidence, which the
    # assessment as of that date sets aside (a register made before midnight and judged
    # after it would otherwise see none of them)
    day = _decision_date(register, case).isoformat()
    fields = rendered_form(page, "/judgements")
    # Every topic judged: most not relevant, human rights with a real judgement.
    for name in list(fields):
        if name.endswith("-not_relevant") and not name.startswith("j-human_rights"):
            fields[name] = "the rotor blades only maintain an existing fleet"
        if name.startswith("j-") and name.endswith("-date"):
            fields[name] = day
    assert fields["j-human_rights-date"] == day
    fields.update(
        {
            "j-human_rights-likelihood": "remote",
            "j-human_rights-severity": "serious",
            "j-human_rights-source": "Embassy assessment of 2 March",
            "j-human_rights-reasons": "The air force has no internal-security role",
            "author": "someone-else",  # never read: the author is the login
        }
    )
    done = web.client.post(
        f"/ui/applications/{case}/judgements", data=fields, follow_redirects=False
    )
    assert done.status_code == 303, done.text
    assert _runs(register, case) == before + 1
    db = register.database()
    try:
        with db.read() as s:
            row = s.get(ApplicationRow, case)
            assert row is not None
            evidence = json.loads(row.payload)["evidence"]
            judged = [
                e for e in evidence if e["kind"] == "officer" and e["author"] == "officer (officer)"
            ]
            assert {e["criterion"] for e in judged} >= {"human_rights", "diversion"}
            assert all(
                e["author"] == "officer (officer)" for e in evidence if e["kind"] == "officer"
            )
            assert any(e["note"].startswith("Not relevant because") for e in judged)
            latest = latest_assessment(s, case)
            assert latest is not None and latest.reason
            assert latest.reason.startswith("Officer's judgement recorded")
            # Judged not relevant: those criteria are now clear, with the reason in the facts.
            result = json.loads(latest.result)
            outcomes = {f["criterion"]: f["outcome"] for a in result for f in a["findings"]}
            assert outcomes["eu.3"] == "clear" and outcomes["att.7.1.b.ii"] == "clear"
            assert latest.recommendation in ("approve", "approve_with_conditions")
            actions = [
                e.action
                for e in s.execute(
                    select(Event).where(Event.entity_id == case, Event.entity == "application")
                ).scalars()
            ]
            assert actions[-1] == "application.reassess"
    finally:
        db.dispose()
    page = web.get(f"/ui/applications/{case}?done=judged").text
    assert "Your judgement is recorded" in page


def test_a_judgement_without_its_sources_is_refused_and_nothing_is_written(
    register: Register, web: Browser
) -> None:
    case = register.case_id("assessed")
    web.login("officer")
    before = _runs(register, case)
    fields = rendered_form(web.get(f"/ui/applications/{case}").text, "/judgements")
    fields.update({"j-diversion-likelihood": "likely", "j-diversion-severity": "grave"})
    refused = web.client.post(
        f"/ui/applications/{case}/judgements", data=fields, follow_redirects=False
    )
    assert refused.status_code == 422
    assert 'id="j-diversion-source-error"' in refused.text or "j-diversion-source" in refused.text
    assert "Name the sources" in refused.text
    future = rendered_form(web.get(f"/ui/applications/{case}").text, "/judgements")
    future.update(
        {
            "j-ihl-not_relevant": "no armed conflict",
            "j-ihl-date": (dt.date.today() + dt.timedelta(days=3)).isoformat(),
        }
    )
    later = web.client.post(
        f"/ui/applications/{case}/judgements", data=future, follow_redirects=False
    )
    assert later.status_code == 422 and "future" in later.text
    empty = rendered_form(web.get(f"/ui/applications/{case}").text, "/judgements")
    nothing = web.client.post(
        f"/ui/applications/{case}/judgements", data=empty, follow_redirects=False
    )
    assert nothing.status_code == 422 and "Judge at least one topic" in nothing.text
    assert _runs(register, case) == before


def test_applicants_cannot_record_judgements(register: Register, web: Browser) -> None:
    case = register.case_id("assessed")
    web.login("nordarms")
    page = web.get(f"/ui/applications/{case}").text
    assert "Findings by topic" not in page and "/judgements" not in page
    refused = web.post(f"/ui/applications/{case}/judgements", {"j-ihl-not_relevant": "x"})
    assert refused.status_code == 403


def test_indicator_offers_accepted_and_rejected_on_the_page(
    register: Register, web: Browser, app_client: Any, shared_data: Any
) -> None:
    from openatt.monitoring.service import import_indicators

    import_indicators(shared_data / "indicators")  # the app's OPENATT_HOME store
    case = register.case_id("assessed")
    web.login("officer")
    page = web.get(f"/ui/applications/{case}").text
    assert "Indicator evidence offered" in page
    before = _runs(register, case)
    empty = rendered_form(page, "/offers/reject")
    refused = web.client.post(
        f"/ui/applications/{case}/offers/reject", data=empty, follow_redirects=False
    )
    assert refused.status_code == 422 and "does not hold for this case" in refused.text
    rejection = dict(empty)
    rejection[f"reasons-{empty['index']}"] = "Out of date for this air force"
    done = web.client.post(
        f"/ui/applications/{case}/offers/reject", data=rejection, follow_redirects=False
    )
    assert done.status_code == 303, done.text
    assert _runs(register, case) == before  # a rejection leaves the assessment as it was
    page = web.get(f"/ui/applications/{case}").text
    assert "Out of date for this air force" in page
    acceptance = rendered_form(page, "/offers/accept")
    assert acceptance["key"] != rejection["key"]
    accepted = web.client.post(
        f"/ui/applications/{case}/offers/accept", data=acceptance, follow_redirects=False
    )
    assert accepted.status_code == 303, accepted.text
    assert _runs(register, case) == before + 1
    db = register.database()
    try:
        with db.read() as s:
            row = s.get(ApplicationRow, case)
            assert row is not None
            notes = [e.get("note", "") for e in json.loads(row.payload)["evidence"]]
            assert any(n.startswith(f"Accepted offer {acceptance['key']}") for n in notes)
    finally:
        db.dispose()


def test_the_demo_shows_the_workspace_and_the_applicants_view(
    register: Register, web: Browser, new_browser: Any, app_client: Any
) -> None:
    from openatt.register.demo_workspace import RELEASED_REFUSAL

    db = register.database()
    try:
        with db.read() as s:
            by_destination = {
                r.importing_state: r.id
                for r in s.execute(select(ApplicationRow)).scalars()
                if r.importing_state in ("UKR", "ARE")
            }
    finally:
        db.dispose()
    web.login("officer")
    ukraine = web.get(f"/ui/applications/{by_destination['UKR']}").text
    assert "UN human rights monitoring mission" in ukraine  # the officer's judgement, as evidence
    assert "resolution ES-11/1" in ukraine and ">accepted</span>" in ukraine
    emirates = web.get(f"/ui/applications/{by_destination['ARE']}").text
    assert ">rejected</span>" in emirates and "search radars" in emirates
    applicant = new_browser(app_client.__class__(app_client.app))
    applicant.login("meridian")
    refused = applicant.get(f"/ui/applications/{register.case_id('denied')}").text
    assert "refused" in refused and RELEASED_REFUSAL.split("'")[0] in refused
    assert "Common Position" in refused or "Arms Trade Treaty" in refused
    assert "Demo decision" not in refused  # the authority's own reasons stay inside


def test_the_applicants_list_shows_public_status_only(register: Register, web: Browser) -> None:
    web.login("nordarms")  # has a case awaiting sign-off and an assessed one in the demo
    page = web.get("/ui/applications").text
    assert "Under review" in page or "under review" in page
    assert "Awaiting sign-off" not in page and "rec-refer" not in page
    assert ">Advice<" not in page and "Handled by" not in page
    internal = web.get("/ui/applications?state=awaiting_countersign").text
    assert 'id="state-error"' in internal  # not a filter an applicant has
    assert "Awaiting sign-off" not in internal
    mine = web.get("/ui/applications?handler=officer").text
    assert mine.count('class="ref"') == web.get("/ui/applications").text.count('class="ref"')


def test_a_judgement_dated_after_the_decision_date_is_refused_with_the_day_to_give() -> None:
    """The engine assesses a case as of its decision date and sets later evidence aside; a
    judgement dated later (today by default, on a case that has waited) would be recorded
    and then ignored, so the form refuses it and names the last day it accepts."""
    from openatt.web.routes.workspace import read_form

    decided, today = dt.date(2026, 12, 4), dt.date(2026, 12, 5)
    judged = {
        "j-human_rights-likelihood": "remote",
        "j-human_rights-severity": "serious",
        "j-human_rights-source": "Embassy assessment",
        "j-human_rights-reasons": "No internal-security role",
    }
    for date in ("", "2026-12-05"):  # by default today, or given: after the decision date
        errors: dict[str, str] = {}
        judgements, _ = read_form(
            {**judged, "j-human_rights-date": date}, errors, decided, today=today
        )
        assert judgements == []
        assert "on or before 2026-12-04" in errors["j-human_rights-date"]
    errors = {}
    judgements, _ = read_form(
        {**judged, "j-human_rights-date": "2026-12-04"}, errors, decided, today=today
    )
    assert errors == {} and judgements and {j.date for j in judgements} == {decided}
    # a case decided today or later takes today's default as before
    errors = {}
    judgements, _ = read_form(judged, errors, today, today=today)
    assert errors == {} and judgements and {j.date for j in judgements} == {today}
    # a malformed date keeps its own message
    errors = {}
    read_form({**judged, "j-human_rights-date": "5 Dec"}, errors, decided, today=today)
    assert errors["j-human_rights-date"] == "Give a date as YYYY-MM-DD."
    # a late date does not hide the row's other problems
    errors = {}
    read_form({**judged, "j-human_rights-source": ""}, errors, decided, today=today)
    assert "on or before 2026-12-04" in errors["j-human_rights-date"]
    assert "j-human_rights-source" in errors


def test_the_form_names_the_last_day_once_the_decision_date_has_passed(
    register: Register, web: Browser, monkeypatch: Any
) -> None:
    from types import SimpleNamespace

    from openatt.web.routes import casework

    case = register.case_id("assessed")
    day = _decision_date(register, case)
    web.login("officer")
    page = web.get(f"/ui/applications/{case}").text
    # a case decided today (the register's cases are dated the day it was made)
    assert ("Default: today" in page) == (day >= dt.date.today())
    after = max(day, dt.date.today()) + dt.timedelta(days=1)

    class Later(dt.date):
        @classmethod
        def today(cls) -> dt.date:
            return after

    monkeypatch.setattr(casework, "dt", SimpleNamespace(date=Later))
    page = web.get(f"/ui/applications/{case}").text
    assert f"On or before {day.isoformat()}, the decision date: later evidence is set aside" in page
    assert "Default: today" not in page


def test_the_posted_form_refuses_a_late_judgement_and_records_one_dated_in_time(
    register: Register, web: Browser, monkeypatch: Any
) -> None:
    """Through the page's own form: with the decision date passed (the server's clock moved
    a day past it), a judgement left at today's default is refused (422, nothing run); the
    same judgement dated on the decision date is recorded and the engine runs again."""
    from types import SimpleNamespace

    from openatt.web.routes import casework, workspace

    case = register.case_id("assessed")
    day = _decision_date(register, case)
    after = max(day, dt.date.today()) + dt.timedelta(days=1)

    class Later(dt.date):
        @classmethod
        def today(cls) -> dt.date:
            return after

    for module in (casework, workspace):
        monkeypatch.setattr(module, "dt", SimpleNamespace(date=Later))
    web.login("officer")
    before = _runs(register, case)
    fields = rendered_form(web.get(f"/ui/applications/{case}").text, "/judgements")
    fields.update(
        {
            "j-diversion-likelihood": "remote",
            "j-diversion-severity": "serious",
            "j-diversion-source": "End-user check of 1 December",
            "j-diversion-reasons": "The end user is the armed forces",
        }
    )
    refused = web.client.post(
        f"/ui/applications/{case}/judgements", data=fields, follow_redirects=False
    )
    assert refused.status_code == 422
    assert f"on or before {day.isoformat()}" in refused.text
    assert _runs(register, case) == before
    fields["j-diversion-date"] = day.isoformat()
    done = web.client.post(
        f"/ui/applications/{case}/judgements", data=fields, follow_redirects=False
    )
    assert done.status_code == 303, done.text
    assert _runs(register, case) == before + 1
