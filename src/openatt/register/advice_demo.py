"""The demo's advice cases (issue 12): four advising teams with their advisers, and a case
in each state of advice: awaiting advice (due in five working days), with conflicting advice,
with final advice awaiting countersigning, and countersigned (ready for the decision).

The cases are driven through the same services as the API, so their events verify.
"""

from __future__ import annotations

import datetime as dt

from openatt.core.model import Application
from openatt.register import (
    advice_teams,
    applications,
    assessing,
    consultation,
    final_advice,
    supply,
    team_advice,
)
from openatt.register.advice_subjects import AdviceInput
from openatt.register.assessor import Assessor
from openatt.register.db import Database
from openatt.register.users import Actor

TEAMS = (
    ("defence", "Ministry of Defence", ("national_security", "regional_stability"), "adviser"),
    (
        "foreign-affairs",
        "Ministry of Foreign Affairs",
        ("human_rights", "internal_repression", "ihl", "peace_security"),
        "adviser2",
    ),
    ("intelligence", "Intelligence assessment staff", ("diversion", "terrorism"), None),
    ("technical", "Technical experts", (), None),
)
QUESTION = "Advise on the goods, the destination and the end user."


def _case(day: dt.date, company: str, importing: str, end_user: str, goods: str) -> Application:
    exporting = "SWE" if company.startswith("Nordic") else "GBR"
    return Application.model_validate(
        {
            "kind": "export",
            "date": day.isoformat(),
            "exporting_state": exporting,
            "importing_state": importing,
            "exporter": {"name": company, "country": exporting},
            "consignee": {"name": f"{end_user} logistics", "country": importing},
            "end_user": {"name": end_user, "country": importing, "kind": "armed_forces"},
            "end_use": "Replacement of equipment in service",
            "items": [
                {
                    "description": goods,
                    "category": "VIII",
                    "control_entry": "ML1",
                    "quantity": 250,
                    "value": {"amount": 310_000.0, "currency": "EUR"},
                }
            ],
            "documents": [{"kind": "end_user_certificate", "reference": "EUC-2026-07"}],
        }
    )


def _assessed(
    db: Database, assessor: Assessor, actors: dict[str, Actor], applicant: str, app: Application
) -> int:
    with db.write() as s:
        app_id = applications.create(s, actors[applicant], app).id
    with db.write() as s:  # the authority verifies the certificate (issue 13)
        supply.verify_document(s, actors["officer"], app_id, 0, "Confirmed with the issuer")
    with db.write() as s:
        applications.submit(s, actors[applicant], app_id, None)
    with db.write() as s:
        applications.screen(s, actors["officer"], app_id, [], None, "UN SC list, by the desk")
    with db.write() as s:
        assessing.assess(s, actors["officer"], app_id, assessor)
    return app_id


def _advise(
    db: Database,
    assessor: Assessor,
    adviser: Actor,
    request_id: int,
    advice: list[AdviceInput],
) -> None:
    with db.write() as s:
        for given in advice:
            team_advice.draft(s, adviser, request_id, given)
    with db.write() as s:
        team_advice.submit(s, adviser, request_id, assessor)


APPROVE = AdviceInput(
    subject="item:0", type="approve", reasons="Interoperable with allied equipment in service."
)
APPROVE_END_USER = AdviceInput(
    subject="party:end_user", type="approve", reasons="A regular army and a long-standing partner."
)
REFUSE = AdviceInput(
    subject="party:end_user",
    type="refuse",
    reasons="Credible reports that units of this end user took part in the repression of "
    "protests last year.",
    criteria=("eu.2",),
)


def add_advice_cases(
    db: Database, assessor: Assessor, actors: dict[str, Actor], today: dt.date
) -> dict[str, int]:
    """Teams, members and the four advice cases; returns the case ids by advice state."""
    admin, officer, second = actors["admin"], actors["officer"], actors["officer2"]
    with db.write() as s:
        for code, name, topics, member in TEAMS:
            advice_teams.add_team(s, admin, code=code, name=name, topics=topics)
            if member:
                advice_teams.add_member(s, admin, team=code, username=member)
        advice_teams.add_member(s, admin, team="technical", username="officer2")
    ids = {
        "awaiting_advice": _assessed(
            db,
            assessor,
            actors,
            "nordarms",
            _case(today, "Nordic Defence Systems AB", "CHL", "Chilean Army", "Sniper rifles"),
        ),
        "conflicting_advice": _assessed(
            db,
            assessor,
            actors,
            "meridian",
            _case(today, "Meridian Ordnance Ltd", "THA", "Royal Thai Army", "Carbines"),
        ),
        "awaiting_countersign": _assessed(
            db,
            assessor,
            actors,
            "nordarms",
            _case(today, "Nordic Defence Systems AB", "AUS", "Australian Army", "Rifle sights"),
        ),
        "countersigned": _assessed(
            db,
            assessor,
            actors,
            "meridian",
            _case(today, "Meridian Ordnance Ltd", "CAN", "Canadian Army", "Service pistols"),
        ),
    }
    with db.write() as s:
        consultation.ask(
            s,
            officer,
            ids["awaiting_advice"],
            teams=["defence", "foreign-affairs"],
            working_days=5,
            question=QUESTION,
        )
    with db.write() as s:
        made = consultation.ask(
            s,
            officer,
            ids["conflicting_advice"],
            teams=["defence", "foreign-affairs"],
            working_days=10,
            question=QUESTION,
        )
    _advise(db, assessor, actors["adviser"], made[0].id, [APPROVE, APPROVE_END_USER])
    _advise(db, assessor, actors["adviser2"], made[1].id, [REFUSE])
    for key in ("awaiting_countersign", "countersigned"):
        with db.write() as s:
            made = consultation.ask(
                s, officer, ids[key], teams=["defence"], working_days=10, question=QUESTION
            )
        _advise(db, assessor, actors["adviser"], made[0].id, [APPROVE])
        with db.write() as s:
            final_advice.give_final(
                s,
                officer,
                ids[key],
                AdviceInput(
                    subject="item:0", type="approve", reasons="As the Ministry of Defence advises."
                ),
            )
    with db.write() as s:
        final_advice.countersign(
            s,
            second,
            ids["countersigned"],
            level=1,
            agree=True,
            reasons="Agree: the advice is consistent with the findings.",
        )
    return ids
