"""The demo's dialogue with the exporter: a case with an open and an answered question and
a case note that mentions a colleague, an amended case and the version it superseded, a
withdrawn case, a refusal under appeal and an appeal decided. Driven through the services,
like the rest of the demo, so every step is in the log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from openatt.core.model import Application
from openatt.register import amendments, appeals, assessing, notes, notify, queries, withdrawals
from openatt.register.assessor import Assessor
from openatt.register.db import Database
from openatt.register.demo import MERI, NORD, Case, _advance, _item
from openatt.register.models import Outcome, State
from openatt.register.users import Actor

# Fictional addresses (the .example domain is reserved for examples, RFC 2606).
DEMO_ADDRESSES = {
    "officer": "officer@licensing.example",
    "officer2": "officer2@licensing.example",
    "senior": "senior@licensing.example",
    "nordarms": "exports@nordic-defence.example",
    "meridian": "licensing@meridian-ordnance.example",
}


def _application(
    today: dt.date,
    company: str,
    importing: str,
    end_user: str,
    kind: str,
    items: list[dict[str, Any]],
) -> Application:
    exporting = "SWE" if company == NORD else "GBR"
    return Application.model_validate(
        {
            "kind": "export",
            "date": today.isoformat(),
            "exporting_state": exporting,
            "importing_state": importing,
            "transit_states": [],
            "exporter": {"name": company, "country": exporting},
            "consignee": {"name": f"{end_user} logistics", "country": importing},
            "end_user": {"name": end_user, "country": importing, "kind": kind},
            "end_use": "Equipment of units on operations",
            "items": items,
            "documents": [{"kind": "end_user_certificate", "reference": "EUC-2026-07"}],
        }
    )


def fill_dialogue(
    db: Database, assessor: Assessor, actors: dict[str, Actor], today: dt.date
) -> dict[str, int]:
    """Add the dialogue's cases to the demo register; returns their ids by name."""
    officer, second, senior = actors["officer"], actors["officer2"], actors["senior"]
    nord, meri = actors["nordarms"], actors["meridian"]
    with db.write() as s:
        for username, address in DEMO_ADDRESSES.items():
            notify.set_address(s, actors["admin"], username, address)
    ids: dict[str, int] = {}

    radios = [_item("Encrypted tactical radios", "other", "ML11", 300, 2_100_000.0)]
    asked = _application(today, NORD, "EST", "Estonian Defence Forces", "armed_forces", radios)
    ids["questions"] = _advance(db, assessor, actors, Case(State.screened, asked, NORD), today)
    with db.write() as s:
        first = queries.ask(
            s,
            officer,
            ids["questions"],
            question="Please send the end-user certificate signed by the Ministry of Defence.",
        )
    with db.write() as s:
        queries.answer(
            s,
            nord,
            ids["questions"],
            first.id,
            text="The signed certificate was sent by courier; its reference is EUC-2026-07-S.",
            documents=["EUC-2026-07-S"],
        )
    with db.write() as s:
        queries.ask(
            s,
            officer,
            ids["questions"],
            question="Will any of the radios be installed in vehicles exported onwards?",
            respond_by=today + dt.timedelta(days=10),
        )
    with db.write() as s:
        notes.write(
            s,
            officer,
            ids["questions"],
            text="Answer on the certificate received. @officer2 can you check the ML11 "
            "entry against the technical specification?",
        )

    vests = [_item("Body armour vests", "other", "ML13", 800, 640_000.0)]
    first_version = _application(today, MERI, "GHA", "Ghana Armed Forces", "armed_forces", vests)
    ids["superseded"] = _advance(
        db, assessor, actors, Case(State.submitted, first_version, MERI), today
    )
    fewer = [_item("Body armour vests", "other", "ML13", 500, 400_000.0)]
    second_version = Application.model_validate(
        {**first_version.model_dump(mode="json"), "items": fewer}
    )
    with db.write() as s:
        amendment = amendments.amend(
            s,
            meri,
            ids["superseded"],
            second_version,
            reason="The order was reduced to 500 vests.",
            assessor=assessor,
        )
        ids["amended"] = amendment.application_id

    helmets = [_item("Ballistic helmets", "other", "ML13", 400, 200_000.0)]
    dropped = _application(today, MERI, "SEN", "Senegalese Armed Forces", "armed_forces", helmets)
    ids["withdrawn"] = _advance(db, assessor, actors, Case(State.submitted, dropped, MERI), today)
    with db.write() as s:
        withdrawals.withdraw(s, meri, ids["withdrawn"], reason="The customer cancelled the tender.")

    rifles = [_item("7.62 mm rifles", "VIII", "ML1", 150, 210_000.0)]
    for name, end_user in (("appealed", "Upper Nile militia"), ("appeal", "Jonglei militia")):
        refused = _application(today, MERI, "SSD", end_user, "non_state", rifles)
        ids[name] = _advance(
            db, assessor, actors, Case(State.denied, refused, MERI, Outcome.denied), today
        )
        with db.write() as s:
            appeals.lodge(
                s,
                meri,
                ids[name],
                grounds="The rifles are for a demobilisation programme under UN supervision.",
            )
    with db.write() as s:
        appeals.decide(
            s,
            second if second.id != officer.id else senior,
            ids["appeal"],
            outcome="dismissed",
            reasons="The UN arms embargo on South Sudan applies; no exemption was notified.",
        )
    # A refusal overturned on appeal: the licence follows and our denial notification of it
    # is withdrawn (register/denials.py).
    vests = [_item("Body armour, level IIIA", "other", "ML13", 300, 90_000.0)]
    overturned = _application(today, MERI, "GHA", "Ghana Police Service", "police", vests)
    ids["overturned"] = _advance(
        db, assessor, actors, Case(State.denied, overturned, MERI, Outcome.denied), today
    )
    with db.write() as s:
        appeals.lodge(
            s,
            meri,
            ids["overturned"],
            grounds="The vests protect officers at polling stations; the end-user certificate "
            "now names the unit and forbids re-export.",
        )
    with db.write() as s:
        appeals.decide(
            s,
            second if second.id != officer.id else senior,
            ids["overturned"],
            outcome="upheld",
            reasons="Protective equipment for a named unit, with a re-export clause: no clear "
            "risk of internal repression remains.",
            conditions=["Delivery verification within 60 days"],
        )
    with db.write() as s:  # against the recommendation: a second person signs it off
        if assessing.pending_decision(s, ids["overturned"]) is not None:
            assessing.countersign(s, senior, ids["overturned"], agree=True)
    with db.write() as s:
        notify.announce_decisions(s)
    return ids
