"""Reporting faults found in review (2026-12-05), each on a copy of the demo register:

* a licence suspended by a reassessment was logged as ``licence.suspend``, which the reports
  did not read: they showed it active;
* the year's suspensions and revocations were the licences *now* in that state: a licence
  suspended and then reinstated vanished from the year's suspensions;
* a refused import licence was notified as a refusal of the foreign exporter (and counted
  in its report); a refusal was dated by the first officer's decision, not by the
  countersignature that made it take effect; an approval after a refusal left the refusal
  in force; and refusing a case a second time failed on the notices' unique reference;
* a CSV on another basis for imports labelled its import rows with the exports' basis.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from report_fixtures import OFFICER, Register, demo_user
from sqlalchemy import select

from openatt.core.model import Application
from openatt.register import applications, assessing, denials, licensing, supply
from openatt.register.assessor import default_assessor
from openatt.register.demo import _END_USER_CERTIFICATE, DEMO_LISTS_USED
from openatt.register.models import DenialRow, LicenceRow, Outcome
from openatt.reports import loading, service
from openatt.reports.figures import Basis

TANKS = {
    "description": "Main battle tanks",
    "category": "I",
    "control_entry": "ML6.a:battle-tank",
    "quantity": 4,
    "value": {"amount": 40_000_000.0, "currency": "EUR"},
}


def _case(
    register: Register, *, kind: str = "export", exporting: str = "SWE", importing: str = "NOR"
) -> int:
    db, officer = register.db, demo_user(register, "officer")
    app = Application.model_validate(
        {
            "kind": kind,
            "date": dt.date.today().isoformat(),
            "exporting_state": exporting,
            "importing_state": importing,
            "exporter": {"name": "Nordic Defence Systems AB", "country": exporting},
            "consignee": {"name": "Procurement agency", "country": importing},
            "end_user": {"name": "Armed Forces", "country": importing, "kind": "armed_forces"},
            "end_use": "defence",
            "items": [TANKS],
            "documents": [_END_USER_CERTIFICATE],
        }
    )
    with db.write() as s:
        case = applications.create(s, officer, app).id
    with db.write() as s:
        supply.verify_document(s, officer, case, 0, "checked with the issuer")
    with db.write() as s:
        applications.submit(s, demo_user(register, "nordarms"), case, None)
    with db.write() as s:
        applications.screen(s, officer, case, [], None, DEMO_LISTS_USED)
    with db.write() as s:
        assessing.assess(s, officer, case, default_assessor())
    return case


def _decide(register: Register, case: int, outcome: Outcome) -> Any:
    db, officer = register.db, demo_user(register, "officer")
    with db.write() as s:
        for found in denials.flagged_for(s, officer, case):
            denials.consult(s, officer, case, denial_id=found.id, note="consulted")
    with db.write() as s:
        decision = assessing.decide(
            s,
            officer,
            case,
            outcome=outcome,
            reasons="reasons",
            conditions=[],
            released_reasons="refused" if outcome == Outcome.denied else "",
        )
        pending = decision.status == "pending"
    if pending:
        with db.write() as s:
            decision = assessing.countersign(
                s, demo_user(register, "senior"), case, agree=True, note="agreed"
            )
    return decision


def _national(register: Register, state: str | None = None) -> Any:
    with register.db.read() as s:
        return service.national_figures(
            s, year=register.year, reporting_state=state, as_of=loading.moment()
        )


def _own_denials(register: Register, case: int) -> list[tuple[str, str, dt.date, bool]]:
    with register.db.read() as s:
        rows = s.execute(
            select(DenialRow).where(DenialRow.application_id == case).order_by(DenialRow.id)
        ).scalars()
        live = {d.id for d in s.execute(denials.in_force(select(DenialRow))).scalars()}
        return [(d.reference, d.notifying_state, d.denied_on, d.id in live) for d in rows]


def test_a_reassessments_suspension_and_a_reinstated_one_count_in_the_year(
    register: Register,
) -> None:
    before = _national(register).licence_counts["suspended"]
    case = _case(register)
    _decide(register, case, Outcome.approved)
    officer2 = demo_user(register, "officer2")
    with register.db.write() as s:
        licensing.issue(s, officer2, case, valid_until=dt.date.today() + dt.timedelta(days=700))
    with register.db.write() as s:
        assessing.reassess(
            s, demo_user(register, "officer"), case, default_assessor(), reason="news"
        )
    with register.db.read() as s:
        lic = s.execute(select(LicenceRow).where(LicenceRow.application_id == case)).scalar_one()
        assert lic.state == "suspended"
        snap = loading.snapshot(s, loading.moment())
    assert next(r for r in snap.licences if r.id == lic.id).state == "suspended"
    assert _national(register).licence_counts["suspended"] == before + 1
    # decided again and the licence reinstated: it was still suspended in the year
    _decide(register, case, Outcome.approved)
    with register.db.write() as s:
        licensing.issue(s, officer2, case, valid_until=dt.date.today() + dt.timedelta(days=700))
    with register.db.read() as s:
        assert s.get(LicenceRow, lic.id).state == "active"
    assert _national(register).licence_counts["suspended"] == before + 1


def test_refusals_are_notified_by_the_deciding_state_dated_when_they_take_effect(
    register: Register,
) -> None:
    usa = len(_national(register, "USA").denials)
    imported = _case(register, kind="import", exporting="USA", importing="SWE")
    _decide(register, imported, Outcome.denied)
    assert _own_denials(register, imported) == []  # EU CP Art. 1(2): imports are not notified
    assert len(_national(register, "USA").denials) == usa

    exported = _case(register)
    decision = _decide(register, exported, Outcome.denied)
    took_effect = (decision.countersigned_at or decision.decided_at).date()
    [(reference, state, denied_on, live)] = _own_denials(register, exported)
    assert (state, denied_on, live) == ("SWE", took_effect, True)
    refused = {d.reference for d in _national(register, "SWE").denials}
    assert reference in refused

    # reassessed and refused again: one notice in force, the new one
    with register.db.write() as s:
        assessing.reassess(
            s, demo_user(register, "officer"), exported, default_assessor(), reason="news"
        )
    _decide(register, exported, Outcome.denied)
    notices = _own_denials(register, exported)
    assert [(r, live) for r, _, _, live in notices] == [
        (reference, False),
        (f"{reference}/2", True),
    ]

    # reassessed and approved: the refusal no longer stands
    with register.db.write() as s:
        assessing.reassess(
            s, demo_user(register, "officer"), exported, default_assessor(), reason="news"
        )
    _decide(register, exported, Outcome.approved)
    assert not any(live for *_, live in _own_denials(register, exported))
    assert not {f"{reference}/2", reference} & {
        d.reference for d in _national(register, "SWE").denials
    }


def test_the_csv_labels_each_direction_with_its_own_basis(register: Register) -> None:
    imported = _case(register, kind="import", exporting="USA", importing="SWE")
    _decide(register, imported, Outcome.approved)
    officer = demo_user(register, "officer")
    with register.db.write() as s:
        licensing.issue(
            s,
            demo_user(register, "officer2"),
            imported,
            valid_until=dt.date.today() + dt.timedelta(days=700),
        )
    with register.db.write() as s:
        licensing.record_shipment(
            s, officer, imported, item=0, quantity=2, shipped_on=dt.date.today(), reference="B/L 1"
        )
    generated = service.generate_treaty_report(
        register.db,
        OFFICER,
        kind="att-annual",
        year=register.year,
        basis=Basis.authorised,
        imports_basis=Basis.actual,
        fmt="csv",
    )
    rows = [line.split(",") for line in generated.content.decode().splitlines()[1:] if line]
    by_direction = {(row[1], row[2]) for row in rows}
    assert {side for _, side in by_direction} == {"exports", "imports"}
    assert all(
        basis == ("actual" if side == "imports" else "authorised") for basis, side in by_direction
    )
