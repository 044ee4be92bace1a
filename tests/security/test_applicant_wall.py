"""The wall between an applicant and the authority, tested by calling every route.

Every route of the API app and of the web app is taken from the apps' route tables, so a
route added later is called too. Each is called as an applicant of the case's company, as an
applicant of another company, and as a monitor, on cases in several states whose internal
records hold unique marker strings (officer evidence, decision reasons not released, a
reassessment's reason, a sign-off note, a screening hit, a delivery verification note, the
officers' usernames, the engine's finding texts). The applicant of the company may call only
the routes of ``APPLICANT_ROUTES`` and never reads a marker; the other company gets 403/404
on the case and nothing of it; the monitor gets no case at all.

Real SQLite file, and PostgreSQL when ``OPENATT_TEST_DATABASE_URL`` names a server.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from starlette.routing import Mount, Route

from openatt.api import create_app
from openatt.core.engine import Engine
from openatt.core.model import Application, Evidence, ScreeningHit
from openatt.register import applications, assessing, licensing, users
from openatt.register.assessing import assessments_of, latest_assessment
from openatt.register.db import Database, normalise_url
from openatt.register.demo_documents import certificate_pdf
from openatt.register.models import ApplicationRow, DecisionRow, Outcome, Role
from openatt.register.users import Actor
from openatt.web.security import SESSION_COOKIE, csrf_for

PG_ENV = "OPENATT_TEST_DATABASE_URL"
PASSWORD = "wall-test-password"
TAG = secrets.token_hex(3)

# Usernames are markers too: an applicant never learns who handles its case.
OFFICER, SECOND, SENIOR = f"offi_{TAG}", f"secd_{TAG}", f"senr_{TAG}"
APPLICANT, RIVAL, MONITOR = "meridian_wall", "rival_wall", "monitor_wall"
MERIDIAN, RIVAL_CO = "Meridian Ordnance Ltd", "Rival Arms SA"

MARK = {
    "evidence source": f"EVSRC-{TAG}",
    "evidence note": f"EVNOTE-{TAG}",
    "decision reasons": f"DECREASONS-{TAG}",
    "reassessment reason": f"REASSESS-{TAG}",
    "sign-off note": f"SIGNNOTE-{TAG}",
    "screening hit": f"HITNAME-{TAG}",
    "screening programme": f"HITPROG-{TAG}",
    "verification note": f"VERIFNOTE-{TAG}",
    "officer": OFFICER,
    "second officer": SECOND,
    "senior reviewer": SENIOR,
}
RELEASED = f"Released to the exporter {TAG}"
CERTIFICATE = certificate_pdf("EUC-WALL-1", "Chilean Navy", "Ministry of Defence of Chile")
# Words of the authority's records that no applicant body may hold.
STRUCTURAL = (
    '"recommendation"',
    "four_eyes",
    "countersigned",
    "assessed_by",
    "factors_against",
    "law_version",
    "Awaiting sign-off",
)

# What an applicant may call. Anything else in the route tables must refuse it (403/404).
APPLICANT_ROUTES = {
    ("GET", "/"),
    ("GET", "/health"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
    ("POST", "/auth/token"),
    ("POST", "/auth/logout"),
    ("GET", "/auth/me"),
    ("POST", "/auth/password"),  # every user changes its own password (issue 13)
    ("POST", "/assess"),  # the applicant's own pre-check of a deal: no case data
    ("GET", "/regimes"),  # the regimes that pre-check may name
    ("POST", "/applications"),
    ("GET", "/applications"),
    ("GET", "/applications/{application_id}"),
    ("PUT", "/applications/{application_id}"),
    ("POST", "/applications/{application_id}/submit"),
    ("GET", "/applications/{application_id}/licence"),
    ("GET", "/ui/login"),
    ("POST", "/ui/login"),
    ("POST", "/ui/logout"),
    ("GET", "/ui/"),
    ("GET", "/ui/reference"),
    ("GET", "/ui/applications"),
    ("GET", "/ui/applications/new"),
    ("POST", "/ui/applications/new"),
    ("GET", "/ui/applications/{application_id}"),
    ("GET", "/ui/applications/{application_id}/edit"),
    ("POST", "/ui/applications/{application_id}/edit"),
    ("POST", "/ui/applications/{application_id}/submit"),
    ("GET", "/ui/applications/{application_id}/licence"),
    # Documents (issue 12.6): the applicant's own uploads and the letters addressed to it,
    # and the public page that checks a letter's digest.
    ("POST", "/applications/{application_id}/documents"),
    ("GET", "/applications/{application_id}/documents"),
    ("GET", "/applications/{application_id}/documents/{document_id}/content"),
    ("POST", "/ui/applications/{application_id}/documents"),
    ("GET", "/ui/applications/{application_id}/documents/{document_id}"),
    ("GET", "/verify"),
    ("POST", "/verify"),
    ("GET", "/ui/verify"),
    ("POST", "/ui/verify"),
    # The dialogue (issue 12.5): what is asked of the applicant and its answers, amendment,
    # withdrawal and appeal, its own notifications, and the lifecycle's public table.
    ("GET", "/applications/{application_id}/queries"),
    ("POST", "/applications/{application_id}/queries/{query_id}/answer"),
    ("GET", "/applications/{application_id}/amendments"),
    ("POST", "/applications/{application_id}/amend"),
    ("POST", "/applications/{application_id}/withdraw"),
    ("GET", "/applications/{application_id}/appeals"),
    ("POST", "/applications/{application_id}/appeal"),
    ("GET", "/queries"),
    ("GET", "/notifications"),
    ("GET", "/lifecycle"),
    ("GET", "/ui/queries"),
    ("GET", "/ui/applications/{application_id}/amend"),
    ("POST", "/ui/applications/{application_id}/amend"),
    ("POST", "/ui/applications/{application_id}/withdraw"),
    ("POST", "/ui/applications/{application_id}/appeal"),
    ("POST", "/ui/applications/{application_id}/queries/{query_id}/answer"),
}
# A case id no register here holds: a call on another company's case must answer as a call on
# a case that does not exist (403/404, or the same refusal of an incomplete body).
GHOST = 987_654
# The API's documentation names the fields of the staff schemas: structure, not a case.
DOCS = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
# Called by no one here: they end the caller's session.
NOT_CALLED = {("POST", "/auth/logout"), ("POST", "/ui/logout")}


def walk(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path) of every route, inside included routers and mounted apps."""
    for route in routes:
        if hasattr(route, "original_router"):
            yield from walk(route.original_router.routes, prefix)
        elif isinstance(route, Mount):
            inner = getattr(route.app, "routes", None)
            if inner is not None:  # a mounted app; static files have no routes
                yield from walk(inner, prefix + route.path)
        elif isinstance(route, Route) or hasattr(route, "methods"):
            for method in sorted(route.methods or ()):
                if method != "HEAD":
                    yield method, prefix + route.path


def _application(company: str, end_user: str, importing: str, **extra: Any) -> Application:
    exporting = "FRA" if company == RIVAL_CO else "GBR"
    body: dict[str, Any] = {
        "kind": "export",
        "date": dt.date.today().isoformat(),
        "exporting_state": exporting,
        "importing_state": importing,
        "exporter": {"name": company, "country": exporting},
        "consignee": {"name": f"{end_user} logistics", "country": importing},
        "end_user": {"name": end_user, "country": importing, "kind": "armed_forces"},
        "end_use": "Replacement of service rifles",
        "items": [
            {
                "description": "5.56 mm rifles",
                "category": "VIII",
                "control_entry": "ML1",
                "quantity": 100,
            }
        ],
        "documents": [{"kind": "end_user_certificate", "reference": "EUC-W1"}],
    }
    body.update(extra)
    return Application.model_validate(body)


@dataclass
class Wall:
    app: Any
    cases: dict[str, int]
    rival_case: int
    references: dict[str, str]
    rival_reference: str
    findings: set[str] = field(default_factory=set)


def _decide(db: Database, people: dict[str, Actor], case: int, outcome: Outcome) -> None:
    with db.write() as s:
        decision = assessing.decide(
            s,
            people[OFFICER],
            case,
            outcome=outcome,
            reasons=f"{MARK['decision reasons']}: the officer's own record",
            released_reasons=RELEASED,
        )
        pending = decision.status == "pending"
    if pending:
        with db.write() as s:
            assessing.countersign(
                s, people[SENIOR], case, agree=True, note=f"{MARK['sign-off note']} agreed"
            )


def fill(url: str, engine: Engine) -> Wall:
    """The register: four Meridian cases (refused, licensed, awaiting sign-off, draft) with
    the markers in their internal records, and one case of another company."""
    app = create_app(url, assessor=engine)
    db: Database = app.state.db
    with db.write() as s:
        for name, role, company in (
            (OFFICER, Role.officer, None),
            (SECOND, Role.officer, None),
            (SENIOR, Role.senior_reviewer, None),
            (MONITOR, Role.monitor, None),
            (APPLICANT, Role.applicant, MERIDIAN),
            (RIVAL, Role.applicant, RIVAL_CO),
        ):
            users.add_user(s, username=name, password=PASSWORD, role=role, company=company)
    with db.read() as s:
        people = {u.username: users.actor_of(u) for u in users.list_users(s)}
    meridian, officer = people[APPLICANT], people[OFFICER]

    def submitted(application: Application, by: Actor) -> int:
        with db.write() as s:
            case = applications.create(s, by, application).id
        with db.write() as s:
            applications.submit(s, by, case, None)
        return int(case)

    def assessed(case: int, hits: list[ScreeningHit]) -> None:
        with db.write() as s:
            applications.screen(s, officer, case, hits, None, lists_used="UN SC list, by hand")
        with db.write() as s:
            assessing.assess(s, officer, case, engine)

    refused = submitted(_application(MERIDIAN, "Northern Guard Brigade", "SSD"), meridian)
    hit = ScreeningHit(
        party_role="end_user",
        party_name="Northern Guard Brigade",
        list_id="ofac-sdn",
        authority="US",
        entity_id="W-1",
        matched_name=MARK["screening hit"],
        score=0.93,
        programme=MARK["screening programme"],
    )
    assessed(refused, [hit])
    evidence = Evidence(
        criterion="human_rights",
        likelihood="very_likely",
        severity="grave",
        source=MARK["evidence source"],
        date=dt.date.today(),
        author=OFFICER,
        note=MARK["evidence note"],
    )
    with db.write() as s:
        assessing.reassess(
            s, officer, refused, engine, reason=MARK["reassessment reason"], evidence=[evidence]
        )
    _decide(db, people, refused, Outcome.denied)

    licensed = submitted(_application(MERIDIAN, "New Zealand Defence Force", "NZL"), meridian)
    assessed(licensed, [])
    _decide(db, people, licensed, Outcome.approved)
    with db.write() as s:
        licensing.issue(
            s,
            people[SECOND],
            licensed,
            valid_until=dt.date.today().replace(year=dt.date.today().year + 2),
        )
    with db.write() as s:
        shipment = licensing.record_shipment(
            s, officer, licensed, item=0, quantity=40, shipped_on=dt.date.today()
        )
    with db.write() as s:
        licensing.verify_delivery(
            s,
            officer,
            licensed,
            shipment_id=shipment.id,
            verified_on=dt.date.today(),
            verification=MARK["verification note"],
        )

    waiting = submitted(_application(MERIDIAN, "Polish Land Forces", "POL"), meridian)
    assessed(waiting, [])
    with db.write() as s:
        assessing.decide(
            s,
            officer,
            waiting,
            outcome=Outcome.denied,
            reasons=f"{MARK['decision reasons']} pending",
            criteria=["eu.4"],
        )
    with db.write() as s:
        draft = applications.create(s, meridian, _application(MERIDIAN, "Chilean Navy", "CHL")).id
    rival = submitted(_application(RIVAL_CO, f"Rival end user {TAG}", "CHL"), people[RIVAL])
    with db.read() as s:
        findings = {
            f.reason
            for a in assessments_of(latest_assessment(s, refused))  # type: ignore[arg-type]
            for f in a.findings
            if len(f.reason) >= 30
        }
        references = {
            name: applications.get(s, officer, case).reference
            for name, case in (
                ("refused", refused),
                ("licensed", licensed),
                ("waiting", waiting),
                ("draft", draft),
            )
        }
        rival_reference = applications.get(s, officer, rival).reference
    cases = {"refused": refused, "licensed": licensed, "waiting": waiting, "draft": int(draft)}
    return Wall(app, cases, rival, references, rival_reference, findings)


@pytest.fixture(params=["sqlite", "postgresql"])
def wall(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Wall]:
    monkeypatch.setenv("OPENATT_HOME", str(tmp_path / "home"))
    if request.param == "sqlite":
        built = fill(f"sqlite:///{tmp_path / 'wall.sqlite'}", engine)
        yield built
        built.app.state.db.dispose()
        return
    base = os.environ.get(PG_ENV)
    if not base:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{PG_ENV} is not set: CI must run the wall test on PostgreSQL")
        pytest.skip(f"{PG_ENV} not set (bash .ci/postgres.sh starts a PostgreSQL)")
    url = make_url(normalise_url(base))
    name = f"openatt_wall_{secrets.token_hex(5)}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        built = fill(url.set(database=name).render_as_string(hide_password=False), engine)
        yield built
        built.app.state.db.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class Caller:
    """One user, logged in to the API (bearer token) and to the web UI (session cookie)."""

    def __init__(self, app: Any, username: str) -> None:
        self.client = TestClient(app)
        token = self.client.post("/auth/token", json={"username": username, "password": PASSWORD})
        assert token.status_code == 200, token.text
        self.headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        page = self.client.get("/ui/login")
        found = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert found, page.text
        login = self.client.post(
            "/ui/login",
            data={"username": username, "password": PASSWORD, "csrf": found.group(1)},
            follow_redirects=False,
        )
        assert login.status_code == 303, login.text
        self.csrf = csrf_for(str(self.client.cookies.get(SESSION_COOKIE)))

    def call(self, method: str, path: str) -> Any:
        if path.startswith("/ui/"):
            data = {"csrf": self.csrf} if method == "POST" else None
            return self.client.request(method, path, data=data, follow_redirects=False)
        if method == "POST" and path.endswith("/documents"):  # a real upload: the case decides
            return self.client.post(
                path,
                data={"kind": "end_user_certificate"},
                files={"file": ("euc.pdf", CERTIFICATE, "application/pdf")},
                headers=self.headers,
                follow_redirects=False,
            )
        body: Any = {} if method in ("POST", "PUT") else None
        if method == "PUT":  # a valid body, so that the case itself decides the answer
            body = {
                "application": _application(MERIDIAN, "Chilean Navy", "CHL").model_dump(mode="json")
            }
        return self.client.request(
            method, path, json=body, headers=self.headers, follow_redirects=False
        )


def _url(path: str, case: int) -> str:
    path = path.replace("{application_id}", str(case))
    path = re.sub(r"\{fmt\}", "svg", path)
    return re.sub(r"\{[^}]+\}", "1", path)


def _leaks(body: str, markers: dict[str, str]) -> list[str]:
    return [what for what, marker in markers.items() if marker in body]


def test_every_route_as_each_audience(wall: Wall) -> None:
    routes = sorted(set(walk(wall.app.routes)) - NOT_CALLED)
    assert len(routes) > 80, "the route tables were not walked"
    secret = dict(MARK)
    secret.update({f"finding: {f[:40]}": f for f in wall.findings})
    secret.update({f"structure {s}": s for s in STRUCTURAL})
    theirs = {f"{name} reference": ref for name, ref in wall.references.items()}
    theirs.update(MARK)
    applicant, rival, monitor = (
        Caller(wall.app, APPLICANT),
        Caller(wall.app, RIVAL),
        Caller(wall.app, MONITOR),
    )
    problems: list[str] = []
    allowed_ok = 0
    for method, path in routes:
        targets = wall.cases.values() if "{application_id}" in path else [wall.rival_case]
        for case in targets:
            url = _url(path, case)
            mine = applicant.call(method, url)
            where = f"{method} {path} (case {case})"
            if mine.status_code >= 500:
                problems.append(f"{where} as the applicant: {mine.status_code}")
            for leak in _leaks(mine.text, MARK if path in DOCS else secret):
                problems.append(f"{where} as the applicant shows the {leak}")
            if (method, path) in APPLICANT_ROUTES:
                allowed_ok += mine.status_code < 400
            elif mine.status_code not in (403, 404):
                problems.append(f"{where} is not for applicants but answered {mine.status_code}")
            if "{application_id}" in path:
                other = rival.call(method, url)
                ghost = rival.call(method, _url(path, GHOST))
                if other.status_code not in (403, 404, ghost.status_code):
                    problems.append(f"{where} as another company: {other.status_code}")
                for leak in _leaks(other.text, theirs):
                    problems.append(f"{where} as another company shows the {leak}")
            watcher = monitor.call(method, url)
            if "{application_id}" in path and watcher.status_code not in (403, 404):
                problems.append(f"{where} as a monitor: {watcher.status_code}")
            for leak in _leaks(watcher.text, theirs):
                problems.append(f"{where} as a monitor shows the {leak}")
        # The other company's case, called as the applicant: nothing of it either.
        if "{application_id}" in path:
            foreign = applicant.call(method, _url(path, wall.rival_case))
            ghost = applicant.call(method, _url(path, GHOST))
            if foreign.status_code not in (403, 404, ghost.status_code):
                problems.append(f"{method} {path} on another company's case: {foreign.status_code}")
            if wall.rival_reference in foreign.text or f"Rival end user {TAG}" in foreign.text:
                problems.append(f"{method} {path} shows another company's case")
    assert not problems, "\n".join(problems)
    assert allowed_ok >= 20, "the applicant's own routes mostly failed: the test proves nothing"


def test_the_applicant_reads_its_outcome_and_released_reasons(wall: Wall) -> None:
    applicant = Caller(wall.app, APPLICANT)
    refused = applicant.call("GET", f"/applications/{wall.cases['refused']}").json()
    assert refused["status"] == "refused"
    decision = refused["decision"]
    assert decision["outcome"] == "denied" and decision["reasons"] == RELEASED
    # The refusal cites its criteria as the regimes word them, e.g. EU criterion 2.
    citations = " ".join(c["citation"] for c in decision["criteria"])
    assert "Common Position 2008/944/CFSP" in citations, citations
    assert refused["application"]["evidence"] == [] and refused["application"]["screening"] == []
    assert {e["by"] for e in refused["events"]} <= {"you", "the licensing authority"}
    assert [e["what"] for e in refused["events"]][-1] == "Status: refused"
    page = applicant.call("GET", f"/ui/applications/{wall.cases['refused']}").text
    assert RELEASED in page and "Common Position 2008/944/CFSP" in page
    # The refusal letter prints the released reasons, never the decision's own.
    from openatt.register import letters

    with wall.app.state.db.read() as s:
        decision = s.execute(
            select(DecisionRow).where(
                DecisionRow.application_id == wall.cases["refused"],
                DecisionRow.status == "effective",
            )
        ).scalar_one()
        assert letters.released_reasons(s, decision).text == RELEASED
        row = s.get(ApplicationRow, wall.cases["refused"])
        assert row is not None
        html = letters.refusal_html(s, row, decision, "REF-1", dt.date.today())
    assert RELEASED in html and MARK["decision reasons"] not in html
    # A decision awaiting sign-off is not an outcome yet: the case is "under review".
    waiting = applicant.call("GET", f"/applications/{wall.cases['waiting']}").json()
    assert waiting["status"] == "under review" and waiting["decision"] is None
    licence = applicant.call("GET", f"/applications/{wall.cases['licensed']}/licence").json()
    assert licence["shipped"] == [40] and licence["shipments"][0]["delivery_verified_on"]
    # Filtering on an internal state would tell the applicant where its case stands inside.
    refused_filter = applicant.call("GET", "/applications?state=awaiting_countersign")
    assert refused_filter.status_code == 422 and "state" in refused_filter.text
    mine = applicant.call("GET", "/applications?state=denied").json()
    assert [i["reference"] for i in mine["items"]] == [wall.references["refused"]]


def test_staff_still_see_the_whole_case(wall: Wall) -> None:
    officer = Caller(wall.app, SECOND)
    case = officer.call("GET", f"/applications/{wall.cases['refused']}").json()
    assert case["state"] == "denied"
    assert case["application"]["evidence"][0]["source"] == MARK["evidence source"]
    page = officer.call("GET", f"/ui/applications/{wall.cases['refused']}").text
    assert MARK["evidence source"] in page and MARK["decision reasons"] in page
    assert RELEASED in page  # staff see what was released, beside the record
