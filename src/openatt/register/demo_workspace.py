"""The demo's casework on the officer's workspace and behind the applicant's wall: a case
judged topic by topic with a mitigation and an accepted offer (the self-defence finding on
Ukraine), a case whose offer an officer rejected with reasons (the Yemen panel's finding on
the United Arab Emirates, for a case dated while it was in force), and, through
``RELEASED_REFUSAL``, the reasons the demo's refused case releases to its applicant.

Offers here come from the cited official findings, which need no imported indicator; with
``openatt indicators import`` the same cases are offered the indicator readings too.
"""

from __future__ import annotations

import datetime as dt

from openatt.core.model import Application, Credibility, Mitigation
from openatt.register import applications, assessing, offers, supply, workspace
from openatt.register.assessor import Assessor
from openatt.register.db import Database
from openatt.register.users import Actor

RELEASED_REFUSAL = (
    "The end user is an armed group outside the state's forces. The licence is refused under "
    "the criteria cited; no other information on the assessment is released."
)
UAE_CASE_DATE = dt.date(2021, 11, 15)
"""Inside the Yemen panel finding's period of effect (2016-01-26 to 2022-04-02)."""


def _application(
    company: str,
    exporting: str,
    importing: str,
    end_user: str,
    item: dict[str, object],
    day: dt.date,
) -> Application:
    return Application.model_validate(
        {
            "kind": "export",
            "date": day.isoformat(),
            "exporting_state": exporting,
            "importing_state": importing,
            "exporter": {"name": company, "country": exporting},
            "consignee": {"name": f"{end_user} procurement agency", "country": importing},
            "end_user": {"name": end_user, "country": importing, "kind": "armed_forces"},
            "end_use": "Stocks of the armed forces",
            "items": [item],
            "documents": [{"kind": "end_user_certificate", "reference": "EUC-2026-07"}],
        }
    )


def _assessed(
    db: Database, assessor: Assessor, applicant: Actor, officer: Actor, application: Application
) -> int:
    # An application dated before today is the authority's to enter (issue 13): the officer
    # enters the demo's backdated case; verifying the certificate is the officer's act too.
    author = officer if application.date < dt.date.today() else applicant
    with db.write() as s:
        case = applications.create(s, author, application).id
    with db.write() as s:
        applications.submit(s, author, case, None)
    with db.write() as s:
        supply.verify_document(s, officer, case, 0, "Confirmed with the issuing ministry")
    with db.write() as s:
        applications.screen(
            s, officer, case, [], None, lists_used="UN SC consolidated list, checked by hand"
        )
    with db.write() as s:
        assessing.assess(s, officer, case, assessor)
    return int(case)


def fill(db: Database, assessor: Assessor, actors: dict[str, Actor], today: dt.date) -> None:
    officer, second = actors["officer"], actors["officer2"]
    ukraine = _assessed(
        db,
        assessor,
        actors["meridian"],
        officer,
        _application(
            "Meridian Ordnance Ltd",
            "GBR",
            "UKR",
            "Armed Forces of Ukraine",
            {
                "description": "155 mm artillery ammunition",
                "category": "ammunition",
                "control_entry": "ML3",
                "quantity": 2000,
                "value": {"amount": 7_000_000.0, "currency": "EUR"},
            },
            today,
        ),
    )
    rules = frozenset(workspace.rule_index())
    judged = [
        workspace.judgement(
            criterion="human_rights",
            likelihood="remote",
            severity="serious",
            source="Officer's review of the UN human rights monitoring mission's reports",
            reasons="No pattern of violations by the end user's artillery units",
            known_rules=rules,
        ),
        workspace.judgement(
            criterion="diversion",
            likelihood="possible",
            severity="serious",
            source="Embassy report on stockpile management",
            reasons="Loss on the front line is possible; verification visits are agreed",
            known_rules=rules,
        ),
        workspace.judgement(
            criterion="development",
            not_relevant="the ammunition is financed by the supplier states' assistance",
            known_rules=rules,
        ),
    ]
    mitigation = Mitigation(
        description="Post-shipment verification visits by the exporting state's attaché",
        addresses=("diversion",),
        credibility=Credibility.medium,
    )
    with db.write() as s:
        workspace.record(s, officer, ukraine, assessor, judged, [mitigation])
    with db.write() as s:
        row = applications.get(s, officer, ukraine)
        found = offers.offers_for(applications.payload_of(row), {})
        if found:
            offers.accept(s, officer, ukraine, assessor, found[0])

    emirates = _assessed(
        db,
        assessor,
        actors["nordarms"],
        officer,
        _application(
            "Nordic Defence Systems AB",
            "SWE",
            "ARE",
            "United Arab Emirates Navy",
            {
                "description": "Naval search radar spare parts",
                "category": "parts",
                "control_entry": "ML5",
                "quantity": 12,
                "value": {"amount": 1_100_000.0, "currency": "EUR"},
            },
            UAE_CASE_DATE,
        ),
    )
    with db.write() as s:
        row = applications.get(s, second, emirates)
        found = offers.offers_for(applications.payload_of(row), {})
        if found:
            offers.reject(
                s,
                second,
                emirates,
                found[0],
                "The panel's findings concern air strikes; these are spare parts for the navy's "
                "search radars, which the panel did not link to the violations.",
            )
