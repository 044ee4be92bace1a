"""A demo register: users of every role and realistic (fictional) cases in every state.

The parties are invented; the states, categories and law are real, so the engine's findings
on them are the ones a real case would get. Each case is driven through the same services the
API uses, so the demo's audit log verifies like any other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from openatt.core.model import Application
from openatt.register import (
    advice_demo,
    applications,
    assessing,
    demo_queues,
    demo_workspace,
    denials,
    licensing,
    lifecycle,
    supply,
    users,
)
from openatt.register.assessor import Assessor
from openatt.register.db import Database
from openatt.register.demo_workspace import RELEASED_REFUSAL
from openatt.register.errors import Conflict
from openatt.register.models import ApplicationRow, Outcome, Role, State
from openatt.register.users import Actor, actor_of

DEMO_USERS: tuple[tuple[str, str, Role, str | None], ...] = (
    ("admin", "admin-demo-pass", Role.admin, None),
    ("officer", "officer-demo-pass", Role.officer, None),
    ("officer2", "officer2-demo-pass", Role.officer, None),
    ("senior", "senior-demo-pass", Role.senior_reviewer, None),
    ("auditor", "auditor-demo-pass", Role.auditor, None),
    ("monitor", "monitor-demo-pass", Role.monitor, None),
    ("nordarms", "nordarms-demo-pass", Role.applicant, "Nordic Defence Systems AB"),
    ("meridian", "meridian-demo-pass", Role.applicant, "Meridian Ordnance Ltd"),
    ("adviser", "adviser-demo-pass", Role.adviser, None),
    ("adviser2", "adviser2-demo-pass", Role.adviser, None),
)


def _item(
    description: str, category: str, entry: str, quantity: int, amount: float
) -> dict[str, Any]:
    return {
        "description": description,
        "category": category,
        "control_entry": entry,
        "quantity": quantity,
        "value": {"amount": amount, "currency": "EUR"},
    }


# The applicant supplies the certificate; the authority verifies it (issue 13).
_END_USER_CERTIFICATE = {"kind": "end_user_certificate", "reference": "EUC-2026-01"}
DEMO_LISTS_USED = "UN Security Council consolidated list, screened by the authority's desk"
NORD = "Nordic Defence Systems AB"
MERI = "Meridian Ordnance Ltd"


@dataclass(frozen=True)
class Case:
    target: State
    application: Application
    company: str
    outcome: Outcome | None = None


def cases(today: dt.date) -> list[Case]:
    def case(
        target: State,
        company: str,
        *,
        importing: str,
        end_user: str,
        kind: str,
        items: list[dict[str, Any]],
        end_use: str,
        outcome: Outcome | None = None,
        days_ago: int = 0,
        evidence: tuple[dict[str, Any], ...] = (),
    ) -> Case:
        """One case, applied for ``days_ago`` days before ``today`` by ``company``."""
        exporting = "SWE" if company.startswith("Nordic") else "GBR"
        application = Application.model_validate(
            {
                "kind": "export",
                "date": (today - dt.timedelta(days=days_ago)).isoformat(),
                "exporting_state": exporting,
                "importing_state": importing,
                "transit_states": [],
                "exporter": {"name": company, "country": exporting},
                "consignee": {"name": f"{end_user} procurement agency", "country": importing},
                "end_user": {"name": end_user, "country": importing, "kind": kind},
                "end_use": end_use,
                "items": items,
                "documents": [_END_USER_CERTIFICATE],
                "evidence": list(evidence),
            }
        )
        return Case(target, application, company, outcome)

    rifles = [
        _item("5.56 mm assault rifles", "VIII", "ML1", 400, 480_000.0),
        _item("5.56 mm ammunition", "ammunition", "ML3", 200_000, 90_000.0),
    ]
    return [
        case(
            State.draft,
            NORD,
            importing="NOR",
            end_user="Norwegian Armed Forces",
            kind="armed_forces",
            items=[_item("Combat helmets with mounts", "other", "ML13", 1200, 360_000.0)],
            end_use="Personal protection of soldiers",
        ),
        case(
            State.submitted,
            NORD,
            importing="BRA",
            end_user="Brazilian Army",
            kind="armed_forces",
            items=[_item("Armoured personnel carriers", "II", "ML6", 12, 18_000_000.0)],
            end_use="Replacement of the army's ageing APC fleet",
        ),
        case(
            State.screened,
            MERI,
            importing="KEN",
            end_user="Kenya Police Service",
            kind="police",
            items=[_item("9 mm pistols", "VIII", "ML1", 300, 150_000.0)],
            end_use="Sidearms for the police service",
        ),
        case(
            State.assessed,
            NORD,
            importing="IND",
            end_user="Indian Air Force",
            kind="armed_forces",
            items=[_item("Attack helicopter spare rotor blades", "parts", "ML10", 40, 2_400_000.0)],
            end_use="Maintenance of the existing fleet",
        ),
        case(
            State.awaiting_countersign,
            NORD,
            importing="POL",
            end_user="Polish Land Forces",
            kind="armed_forces",
            items=[_item("Main battle tanks", "I", "ML6", 24, 96_000_000.0)],
            end_use="Modernisation of armoured brigades",
            outcome=Outcome.approved,
        ),
        case(
            State.approved,
            MERI,
            importing="NZL",
            end_user="New Zealand Defence Force",
            kind="armed_forces",
            items=rifles,
            end_use="Infantry rifle replacement",
            outcome=Outcome.approved,
        ),
        case(
            State.approved_with_conditions,
            MERI,
            importing="PHL",
            end_user="Philippine National Police",
            kind="police",
            items=[_item("Sniper rifles", "VIII", "ML1", 20, 140_000.0)],
            end_use="Counter-terrorism unit",
            outcome=Outcome.approved_with_conditions,
            evidence=(
                {
                    "criterion": "human_rights",
                    "likelihood": "possible",
                    "severity": "serious",
                    "source": "Officer's review of NGO reporting",
                    "date": (today - dt.timedelta(days=30)).isoformat(),
                    "author": "officer",
                },
            ),
        ),
        case(
            State.denied,
            MERI,
            importing="SSD",
            end_user="Sudd Frontier Militia",
            kind="non_state",
            items=rifles,
            end_use="Arming of a local militia",
            outcome=Outcome.denied,
        ),
        case(
            State.licensed,
            NORD,
            importing="AUS",
            end_user="Royal Australian Navy",
            kind="armed_forces",
            items=[
                _item("Naval radar components", "parts", "ML5", 10, 3_500_000.0),
                _item("Training rounds 57 mm", "ammunition", "ML3", 5000, 750_000.0),
            ],
            end_use="Frigate upgrade programme",
            outcome=Outcome.approved,
        ),
        case(
            State.delivery_verified,
            NORD,
            importing="CAN",
            end_user="Canadian Army",
            kind="armed_forces",
            items=[_item("Anti-tank recoilless rifles", "VIII", "ML2", 60, 1_800_000.0)],
            end_use="Infantry anti-armour capability",
            outcome=Outcome.approved,
        ),
        case(
            State.expired,
            MERI,
            importing="CHL",
            end_user="Chilean Navy",
            kind="armed_forces",
            items=[_item("Naval gun ammunition 76 mm", "ammunition", "ML3", 800, 900_000.0)],
            end_use="Stock replenishment",
            outcome=Outcome.approved,
            days_ago=800,
        ),
        case(
            State.suspended,
            MERI,
            importing="THA",
            end_user="Royal Thai Army",
            kind="armed_forces",
            items=[_item("Light machine guns", "VIII", "ML1", 80, 640_000.0)],
            end_use="Border units",
            outcome=Outcome.approved,
        ),
        case(
            State.revoked,
            NORD,
            importing="MEX",
            end_user="Mexican Navy",
            kind="armed_forces",
            items=[_item("Patrol boat gun mounts", "parts", "ML4", 6, 1_200_000.0)],
            end_use="Coastal patrol vessels",
            outcome=Outcome.approved,
        ),
    ]


IMPORTED_DENIAL = denials.DenialNotice(
    notifying_state="DEU",
    reference="DE-2026-0415",
    denied_on=dt.date(2026, 4, 15),
    destination="KEN",
    end_user="Kenya Police Service",
    categories=("VIII",),
    control_entries=("ML1",),
    description="9 mm pistols and submachine guns",
    criteria=("eu.2", "eu.7"),
)


def _officers(db: Database) -> dict[str, Actor]:
    with db.read() as session:
        return {u.username: actor_of(u) for u in users.list_users(session)}


def _advance(
    db: Database, assessor: Assessor, actors: dict[str, Actor], case: Case, today: dt.date
) -> int:
    officer, second, senior = actors["officer"], actors["officer2"], actors["senior"]
    applicant = actors["nordarms" if case.company == NORD else "meridian"]
    walk = lifecycle.path(case.target)  # the lifecycle table's way to the target state
    # An application dated in the past, or with the authority's evidence, is one the officer
    # entered (applicants can do neither); the authority verifies the end-user certificate.
    authority_input = case.application.date < today or bool(case.application.evidence)
    entered_by = officer if authority_input else applicant
    with db.write() as s:
        app_id = applications.create(s, entered_by, case.application).id
    with db.write() as s:
        supply.verify_document(s, officer, app_id, 0, "Confirmed with the issuing ministry")
    if State.submitted in walk:
        with db.write() as s:
            applications.submit(s, applicant, app_id, None)
    if State.screened in walk:
        with db.write() as s:
            applications.screen(s, officer, app_id, [], None, DEMO_LISTS_USED)
    if State.assessed in walk:
        with db.write() as s:
            assessing.assess(s, officer, app_id, assessor)
    if case.outcome is None:
        return app_id
    with db.write() as s:
        if case.outcome != Outcome.denied:
            for denial_id in denials.flagged_for(s, officer, app_id):
                denials.consult(
                    s,
                    officer,
                    app_id,
                    denial_id=denial_id.id,
                    note="Consulted the notifying state; no objection.",
                )
    conditions = (
        ["No re-export without prior written consent", "Delivery verification within 90 days"]
        if case.outcome == Outcome.approved_with_conditions
        else []
    )
    with db.write() as s:
        decision = assessing.decide(
            s,
            officer,
            app_id,
            outcome=case.outcome,
            reasons="Demo decision: see the assessment's findings.",
            conditions=conditions,
            released_reasons=RELEASED_REFUSAL if case.outcome == Outcome.denied else "",
        )
        pending = decision.status == "pending"
    if case.target == State.awaiting_countersign:
        return app_id
    if pending:
        with db.write() as s:
            assessing.countersign(
                s, senior, app_id, agree=True, note="Second review: agree with the decision."
            )
    if State.licensed not in walk or case.outcome == Outcome.denied:
        return app_id
    issued = case.application.date
    with db.write() as s:
        licensing.issue(
            s, second, app_id, issued_on=issued, valid_until=issued + dt.timedelta(days=730)
        )
    items = case.application.items
    if case.target == State.licensed:
        with db.write() as s:
            licensing.record_shipment(
                s,
                officer,
                app_id,
                item=0,
                quantity=max(1, items[0].quantity // 2),
                shipped_on=issued,
                reference="AWB 176-1234 5675",
            )
    if case.target in (State.delivery_verified, State.expired):
        for index, item in enumerate(items):
            with db.write() as s:
                shipment = licensing.record_shipment(
                    s,
                    officer,
                    app_id,
                    item=index,
                    quantity=item.quantity,
                    shipped_on=min(issued + dt.timedelta(days=20), today),
                    reference=f"B/L 2026-{index}",
                )
            with db.write() as s:
                licensing.verify_delivery(
                    s,
                    officer,
                    app_id,
                    shipment_id=shipment.id,
                    verified_on=min(issued + dt.timedelta(days=45), today),
                    verification="Delivery verification certificate from the importing state",
                )
    with db.write() as s:
        if case.target == State.expired:
            licensing.expire(s, officer, app_id, today=today)
        elif case.target == State.suspended:
            licensing.suspend(
                s, officer, app_id, reason="Reports of diversion from a border unit under review"
            )
        elif case.target == State.revoked:
            licensing.revoke(s, senior, app_id, reason="End user changed without notification")
    return app_id


def fill(db: Database, assessor: Assessor, today: dt.date | None = None) -> dict[str, int]:
    """Fill an empty register; returns the number of applications per state."""
    day = today or dt.date.today()
    with db.write() as s:
        if s.execute(select(func.count()).select_from(ApplicationRow)).scalar_one():
            raise Conflict("the register is not empty; run the demo on a new database")
        if users.list_users(s):  # never add known demo logins beside real ones (issue 13)
            raise Conflict("the register has users; run the demo on a new database")
        for username, password, role, company in DEMO_USERS:
            users.add_user(s, username=username, password=password, role=role, company=company)
    actors = _officers(db)
    with db.write() as s:
        denials.record(s, actors["officer"], IMPORTED_DENIAL)
    demo_queues.configure(db, actors["senior"])  # queues, flags and rules route the cases below
    ids = {case.target: _advance(db, assessor, actors, case, day) for case in cases(day)}
    demo_queues.work(db, actors, ids, day)
    # A reassessment on new information (ATT 7.7), linking the earlier assessment.
    with db.write() as s:
        assessing.reassess(
            s,
            actors["officer2"],
            ids[State.assessed],
            assessor,
            reason="Embassy report on end-use monitoring received",
            evidence=[],
        )
    # The officer's workspace and offers, and the applicant's view (register/demo_workspace.py).
    demo_workspace.fill(db, assessor, actors, day)
    from openatt.register.demo_documents import add_documents

    add_documents(db, actors, ids)
    from openatt.register.demo_dialogue import fill_dialogue

    fill_dialogue(db, assessor, actors, day)  # questions, notes, amendment, appeals (issue 12)
    advice_demo.add_advice_cases(db, assessor, actors, day)  # issue 12: advice in each state
    from openatt.register import demo_classification

    demo_classification.fill(db, actors, day)  # issue 15: a confirmed and a changed entry
    with db.read() as s:
        rows = s.execute(
            select(ApplicationRow.state, func.count()).group_by(ApplicationRow.state)
        ).all()
    return {state: int(count) for state, count in rows}
