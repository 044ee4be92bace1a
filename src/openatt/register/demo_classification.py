"""The demo's classifications (issue 15): a submitted case whose applicant proposed ML10.a
for a remotely piloted aircraft (the officer changes it to ML10.c, unmanned combat aircraft,
with reasons) and ML2 for 81 mm mortars (confirmed, made precise as a mortar of 75 mm or
more: category III, not a light weapon); and the screened pistols case confirmed as ML1.a.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from openatt.core.model import Application
from openatt.register import applications, classification
from openatt.register.classification import Action
from openatt.register.db import Database
from openatt.register.models import ApplicationRow, State
from openatt.register.users import Actor

DRONES = "MQ-9B remotely piloted aircraft"


def classification_case(today: dt.date) -> Application:
    return Application.model_validate(
        {
            "kind": "export",
            "date": today.isoformat(),
            "exporting_state": "SWE",
            "importing_state": "POL",
            "exporter": {"name": "Nordic Defence Systems AB", "country": "SWE"},
            "consignee": {"name": "Polish Armament Agency", "country": "POL"},
            "end_user": {"name": "Polish Armed Forces", "country": "POL", "kind": "armed_forces"},
            "end_use": "Reconnaissance and strike; indirect fire support",
            "items": [
                {"description": DRONES, "category": "IV", "control_entry": "ML10.a", "quantity": 2},
                {
                    "description": "81 mm mortars",
                    "category": "VIII",
                    "control_entry": "ML2",
                    "quantity": 24,
                },
            ],
            "documents": [{"kind": "end_user_certificate", "reference": "EUC-2026-15"}],
        }
    )


def fill(db: Database, actors: dict[str, Actor], today: dt.date) -> int:
    """Add the case and classify it; returns its id."""
    officer, applicant = actors["officer"], actors["nordarms"]
    with db.write() as s:
        app_id = applications.create(s, applicant, classification_case(today)).id
    with db.write() as s:
        applications.submit(s, applicant, app_id, None)
    with db.write() as s:
        classification.record(
            s,
            officer,
            app_id,
            0,
            action=Action.change,
            entry="ML10.c:uav-combat",
            reasons="Remotely piloted and armed: an unmanned combat aircraft (ML10.c), "
            "UN Register category IV.b, not a manned aircraft of ML10.a.",
        )
        classification.record(
            s, officer, app_id, 1, action=Action.confirm, entry="ML2.a:mortar-75mm-plus"
        )
        pistols = s.execute(  # the demo's first screened case: 9 mm pistols
            select(ApplicationRow.id)
            .where(ApplicationRow.state == State.screened.value)
            .order_by(ApplicationRow.id)
        ).scalar()
        if pistols is not None:
            classification.record(
                s, officer, pistols, 0, action=Action.confirm, entry="ML1.a:pistol"
            )
    return app_id
