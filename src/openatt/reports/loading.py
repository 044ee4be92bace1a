"""Read the register as of a moment into a :class:`~openatt.reports.snapshot.Snapshot`.

What was in the register at a moment is decided by the hash-chained event log, not by the
tables' current contents: a licence or shipment counts only if the event that created it was
logged at or before the moment, and a licence's state and its withheld flag are those of its
last event by then. The columns read from the rows (quantities, dates, the application's
items) are never changed by the register's services once the row exists, so a report for a
past moment is the same whenever it is written again.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openatt.core.model import Item, TransferKind
from openatt.register import classification
from openatt.register.models import (
    ApplicationRow,
    AssessmentRow,
    DecisionRow,
    DenialRow,
    Event,
    LicenceRow,
    ShipmentRow,
)
from openatt.reports.snapshot import DenialRecord, LicenceRecord, ShipmentRecord, Snapshot

WITHHOLD_ACTION = "licence.withhold"
"""The event that flags (or, with ``withheld: null``, unflags) a licence as withheld from the
itemised ATT report. It changes no column, so the licence row's digest is unchanged."""

_LICENCE_STATES = {
    "licence.issue": "active",
    "licence.reinstate": "active",
    "licence.suspended": "suspended",
    # a reassessment's suspension was logged under this name until 2026-12-05 (found in
    # review: the reports read such a licence as active)
    "licence.suspend": "suspended",
    "licence.revoked": "revoked",
    "licence.expired": "expired",
}
_DENIED_OUTCOMES = ("prohibited", "risk")


def moment(value: dt.datetime | None = None) -> str:
    """The event log's form of a moment (UTC ISO, microseconds): the as-of key of a report."""
    value = value or dt.datetime.now(dt.UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def end_of_day(day: dt.date) -> str:
    """The last moment of a UTC day, for ``--as-of 2026-01-31``."""
    return moment(dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC))


def _events(session: Session, as_of: str) -> list[tuple[str, int, str, str, str]]:
    rows = session.execute(
        select(Event.entity, Event.entity_id, Event.action, Event.payload, Event.at)
        .where(Event.at <= as_of)
        .order_by(Event.seq)
    ).all()
    return [(str(e), int(i), str(a), str(p), str(t)) for e, i, a, p, t in rows]


def snapshot(session: Session, as_of: str) -> Snapshot:
    """The licences, shipments and denials the register held at ``as_of``."""
    licence_state: dict[int, str] = {}
    changed_on: dict[int, dt.date] = {}
    changes: dict[int, list[tuple[str, dt.date]]] = {}
    withheld: dict[int, str | None] = {}
    shipments: set[int] = set()
    denials: set[int] = set()
    for entity, entity_id, action, payload, at in _events(session, as_of):
        if entity == "licence":
            if action in _LICENCE_STATES:
                licence_state[entity_id] = _LICENCE_STATES[action]
                changed_on[entity_id] = dt.date.fromisoformat(at[:10])
                changes.setdefault(entity_id, []).append(
                    (licence_state[entity_id], changed_on[entity_id])
                )
            elif action == WITHHOLD_ACTION:
                body: dict[str, Any] = json.loads(payload)
                withheld[entity_id] = body.get("withheld")
        elif entity == "shipment" and action == "shipment.record":
            shipments.add(entity_id)
        elif entity == "denial":
            denials.add(entity_id)
        elif entity == "denial_revocation":  # withdrawn: the refusal no longer stands
            denials.discard(int(json.loads(payload)["denial"]))
    licences = _licences(session, licence_state, withheld, changed_on, changes, _moment(as_of))
    known = {lic.id for lic in licences}
    shipment_rows = session.execute(
        select(
            ShipmentRow.id,
            ShipmentRow.licence_id,
            ShipmentRow.item,
            ShipmentRow.quantity,
            ShipmentRow.shipped_on,
        )
        .where(ShipmentRow.id.in_(shipments))
        .order_by(ShipmentRow.id)
    ).all()
    shipment_records = tuple(
        ShipmentRecord(id=i, licence_id=lic, item=n, quantity=q, shipped_on=on)
        for i, lic, n, q, on in shipment_rows
        if lic in known
    )
    return Snapshot(
        as_of=as_of,
        licences=licences,
        shipments=shipment_records,
        denials=_denials(session, denials),
    )


def _moment(as_of: str) -> dt.datetime | None:
    """The snapshot's moment as a datetime (None if it does not parse: no cut-off)."""
    try:
        moment = dt.datetime.fromisoformat(as_of)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _licences(
    session: Session,
    states: dict[int, str],
    withheld: dict[int, str | None],
    changed_on: dict[int, dt.date],
    changes: dict[int, list[tuple[str, dt.date]]],
    until: dt.datetime | None = None,
) -> tuple[LicenceRecord, ...]:
    if not states:
        return ()
    rows = session.execute(
        select(
            LicenceRow.id,
            ApplicationRow.id,
            LicenceRow.number,
            LicenceRow.issued_on,
            LicenceRow.valid_until,
            ApplicationRow.reference,
            ApplicationRow.payload,
        )
        .join(ApplicationRow, ApplicationRow.id == LicenceRow.application_id)
        .where(LicenceRow.id.in_(states))
        .order_by(LicenceRow.id)
    ).all()
    # The authority's classification of each item as it stood at the report's moment, in
    # place of the applicant's proposal (issue 15: never a guess from the description).
    acts = classification.current_for(session, {row[1] for row in rows}, until)
    found = []
    for licence_id, application_id, number, issued_on, valid_until, reference, payload in rows:
        # The payload was validated as an Application when it was stored, and the register
        # never changes it: read the fields the reports need, and validate only the items
        # (a report on 100,000 licences spends its time here).
        body: dict[str, Any] = json.loads(payload)
        found.append(
            LicenceRecord(
                id=licence_id,
                number=number,
                application=reference,
                kind=TransferKind(body["kind"]),
                exporting_state=body["exporting_state"],
                importing_state=body["importing_state"],
                transit_states=tuple(body.get("transit_states", ())),
                end_user=body["end_user"]["name"],
                end_user_kind=body["end_user"]["kind"],
                items=classification.with_classification(
                    [Item.model_validate(i) for i in body["items"]],
                    acts.get(application_id, {}),
                ),
                issued_on=issued_on,
                valid_until=valid_until,
                state=states[licence_id],
                withheld=withheld.get(licence_id),
                state_changed_on=changed_on.get(licence_id),
                state_changes=tuple(changes.get(licence_id, ())),
            )
        )
    return tuple(found)


def _denial_criteria(session: Session, application_id: int) -> tuple[str, ...]:
    """The criteria the denial of one of our cases rests on: the findings of the assessment
    the denial decision was taken on whose outcome was a prohibition or a risk."""
    decision = session.execute(
        select(DecisionRow)
        .where(DecisionRow.application_id == application_id, DecisionRow.outcome == "denied")
        .order_by(DecisionRow.id.desc())
        .limit(1)
    ).scalar()
    if decision is None:
        return ()
    assessment = session.get(AssessmentRow, decision.assessment_id)
    if assessment is None:
        return ()
    criteria: set[str] = set()
    for regime in json.loads(assessment.result):
        for finding in regime.get("findings", []):
            if finding.get("outcome") in _DENIED_OUTCOMES:
                criteria.add(str(finding["criterion"]))
    return tuple(sorted(criteria))


def _denials(session: Session, ids: set[int]) -> tuple[DenialRecord, ...]:
    if not ids:
        return ()
    rows = session.execute(
        select(DenialRow).where(DenialRow.id.in_(ids)).order_by(DenialRow.id)
    ).scalars()
    found = []
    for row in rows:
        criteria = tuple(c for c in row.criteria.split(",") if c)
        if not criteria and row.application_id is not None:
            criteria = _denial_criteria(session, row.application_id)
        found.append(
            DenialRecord(
                id=row.id,
                reference=row.reference,
                notifying_state=row.notifying_state,
                denied_on=row.denied_on,
                destination=row.destination,
                end_user=row.end_user,
                categories=tuple(c for c in row.categories.split(",") if c),
                control_entries=tuple(c for c in row.control_entries.split(",") if c),
                criteria=criteria,
                own=row.application_id is not None,
            )
        )
    return tuple(found)


def shipped_by_licence_item(
    session: Session, shipment_ids: set[int], year: int, until: dt.date | None = None
) -> dict[tuple[int, int], int]:
    """Quantities shipped in ``year`` (up to ``until``, the report's day) per (licence, item),
    summed by the database itself: the independent side of the reconciliation of an
    actual-basis report."""
    from sqlalchemy import func

    if not shipment_ids:
        return {}
    rows = session.execute(
        select(ShipmentRow.licence_id, ShipmentRow.item, func.sum(ShipmentRow.quantity))
        .where(
            ShipmentRow.id.in_(shipment_ids),
            ShipmentRow.shipped_on >= dt.date(year, 1, 1),
            ShipmentRow.shipped_on <= min(dt.date(year, 12, 31), until or dt.date.max),
        )
        .group_by(ShipmentRow.licence_id, ShipmentRow.item)
    ).all()
    totals: dict[tuple[int, int], int] = defaultdict(int)
    for licence_id, item, total in rows:
        totals[(int(licence_id), int(item))] += int(total)
    return dict(totals)
