"""Licences and shipments: issue, ship (never more than licensed), verify delivery,
suspend, revoke, expire."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openatt.register import audit, lifecycle
from openatt.register.applications import for_change, log, payload_of
from openatt.register.errors import Conflict, Invalid, NotFound
from openatt.register.models import (
    ApplicationRow,
    DecisionRow,
    LicenceRow,
    LicenceState,
    ShipmentRow,
    State,
)
from openatt.register.permissions import Permission
from openatt.register.users import Actor


def licence_of(session: Session, application_id: int) -> LicenceRow | None:
    return session.execute(
        select(LicenceRow)
        .where(LicenceRow.application_id == application_id)
        .order_by(LicenceRow.id.desc())
        .limit(1)
    ).scalar()


def shipments_of(session: Session, licence_id: int) -> list[ShipmentRow]:
    return list(
        session.execute(
            select(ShipmentRow).where(ShipmentRow.licence_id == licence_id).order_by(ShipmentRow.id)
        ).scalars()
    )


def shipped(session: Session, licence_id: int) -> dict[int, int]:
    """Quantity shipped so far, per item index."""
    rows = session.execute(
        select(ShipmentRow.item, func.sum(ShipmentRow.quantity))
        .where(ShipmentRow.licence_id == licence_id)
        .group_by(ShipmentRow.item)
    ).all()
    return {int(item): int(total) for item, total in rows}


def issue(
    session: Session,
    actor: Actor,
    application_id: int,
    *,
    valid_until: dt.date,
    issued_on: dt.date | None = None,
    expected_version: int | None = None,
) -> LicenceRow:
    """Issue the licence of an approved case; after a reassessment that confirmed the
    approval, the suspended licence is reinstated instead."""
    row = for_change(
        session,
        actor,
        application_id,
        Permission.licence_issue,
        expected_version,
        lifecycle.sources("application.issue"),
    )
    today = issued_on or dt.date.today()
    if valid_until <= today:
        raise Invalid("valid_until must be after the issue date", field=("valid_until",))
    decision = session.execute(
        select(DecisionRow)
        .where(DecisionRow.application_id == row.id, DecisionRow.status == "effective")
        .order_by(DecisionRow.id.desc())
        .limit(1)
    ).scalar_one()
    existing = licence_of(session, row.id)
    if existing is not None and existing.state == LicenceState.suspended.value:
        existing.state = LicenceState.active.value
        existing.decision_id = decision.id
        existing.valid_until = valid_until
        existing.conditions = decision.conditions
        licence = existing
        action = "licence.reinstate"
    else:
        count = session.execute(
            select(func.count()).select_from(LicenceRow).where(LicenceRow.application_id == row.id)
        ).scalar_one()
        licence = LicenceRow(
            application_id=row.id,
            decision_id=decision.id,
            number=f"LIC-{row.reference.removeprefix('OA-')}-{count + 1}",
            state=LicenceState.active.value,
            issued_by=actor.id,
            issued_on=today,
            valid_until=valid_until,
            conditions=decision.conditions,
        )
        session.add(licence)
        action = "licence.issue"
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action=action,
        row=licence,
        payload={"application": row.reference, "number": licence.number},
    )
    row.state = State.licensed.value
    log(session, actor, "application.issue", row, licence=licence.number)
    from openatt.register.letters import after_licence

    after_licence(session, actor, row, licence)
    return licence


def _active_licence(session: Session, row: ApplicationRow) -> LicenceRow:
    licence = licence_of(session, row.id)
    if licence is None or licence.state != LicenceState.active.value:
        raise Conflict(f"application {row.id} has no active licence")
    return licence


def record_shipment(
    session: Session,
    actor: Actor,
    application_id: int,
    *,
    item: int,
    quantity: int,
    shipped_on: dt.date,
    reference: str | None = None,
) -> ShipmentRow:
    row = for_change(
        session,
        actor,
        application_id,
        Permission.shipment_record,
        None,
        lifecycle.sources("application.ship"),
    )
    licence = _active_licence(session, row)
    today = dt.date.today()
    if shipped_on > today:
        raise Invalid(
            f"a shipment cannot be recorded before it happens ({shipped_on})", field=("shipped_on",)
        )
    if shipped_on > licence.valid_until or shipped_on < licence.issued_on:
        raise Conflict(
            f"shipment date {shipped_on} is outside the licence's validity "
            f"({licence.issued_on} to {licence.valid_until})",
            field=("shipped_on",),
        )
    items = payload_of(row).items
    if not 0 <= item < len(items):
        raise Invalid(f"item must be between 0 and {len(items) - 1}", field=("item",))
    if quantity < 1:
        raise Invalid("quantity must be at least 1", field=("quantity",))
    # Serialise shipments on this licence: on PostgreSQL the row lock makes the check and
    # the insert atomic; SQLite writers are serialised by the register's write lock.
    session.execute(select(LicenceRow).where(LicenceRow.id == licence.id).with_for_update())
    done = shipped(session, licence.id).get(item, 0)
    remaining = items[item].quantity - done
    if quantity > remaining:
        raise Conflict(
            f"the licence allows {items[item].quantity} of item {item}; {done} shipped, "
            f"{remaining} remain, {quantity} requested",
            field=("quantity",),
        )
    shipment = ShipmentRow(
        licence_id=licence.id,
        item=item,
        quantity=quantity,
        shipped_on=shipped_on,
        reference=reference,
        recorded_by=actor.id,
    )
    session.add(shipment)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="shipment.record",
        row=shipment,
        payload={
            "application": row.reference,
            "licence": licence.number,
            "item": item,
            "quantity": quantity,
        },
    )
    log(session, actor, "application.ship", row, shipment=shipment.id)
    return shipment


def verify_delivery(
    session: Session,
    actor: Actor,
    application_id: int,
    *,
    shipment_id: int,
    verified_on: dt.date,
    verification: str,
) -> ShipmentRow:
    """Record the delivery verification of a shipment; once everything licensed has been
    shipped and verified, the case is ``delivery_verified``."""
    row = for_change(
        session,
        actor,
        application_id,
        Permission.delivery_verify,
        None,
        lifecycle.sources("application.verify_delivery"),
    )
    licence = licence_of(session, row.id)
    shipment = session.get(ShipmentRow, shipment_id)
    if licence is None or shipment is None or shipment.licence_id != licence.id:
        raise NotFound(f"shipment {shipment_id} not found on this application")
    if shipment.delivery_verified_on is not None:
        raise Conflict(f"shipment {shipment_id} is already verified")
    if not verification.strip():
        raise Invalid("name the verification (e.g. delivery certificate)", field=("verification",))
    if not shipment.shipped_on <= verified_on <= dt.date.today():
        raise Invalid(
            f"the delivery is verified between its shipment ({shipment.shipped_on}) and today",
            field=("verified_on",),
        )
    shipment.delivery_verified_on = verified_on
    shipment.verified_by = actor.id
    shipment.verification = verification
    audit.record(
        session,
        actor=actor.label,
        action="shipment.verify",
        row=shipment,
        payload={"application": row.reference, "verified_on": verified_on},
    )
    items = payload_of(row).items
    totals = shipped(session, licence.id)
    complete = all(totals.get(i, 0) >= item.quantity for i, item in enumerate(items))
    unverified = any(s.delivery_verified_on is None for s in shipments_of(session, licence.id))
    if complete and not unverified:
        row.state = State.delivery_verified.value
    log(session, actor, "application.verify_delivery", row, shipment=shipment.id)
    return shipment


def _end(
    session: Session,
    actor: Actor,
    application_id: int,
    *,
    permission: Permission,
    states: tuple[State, ...],
    licence_state: LicenceState,
    reason: str,
    expected_version: int | None,
) -> LicenceRow:
    if not reason.strip():
        raise Invalid("give the reason", field=("reason",))
    row = for_change(session, actor, application_id, permission, expected_version, states)
    licence = licence_of(session, row.id)
    if licence is None:
        raise Conflict(f"application {application_id} has no licence")
    licence.state = licence_state.value
    audit.record(
        session,
        actor=actor.label,
        action=f"licence.{licence_state.value}",
        row=licence,
        payload={"application": row.reference, "reason": reason},
    )
    row.state = licence_state.value
    log(session, actor, f"application.{licence_state.value}", row, reason=reason)
    return licence


def suspend(
    session: Session,
    actor: Actor,
    application_id: int,
    *,
    reason: str,
    expected_version: int | None = None,
) -> LicenceRow:
    return _end(
        session,
        actor,
        application_id,
        permission=Permission.licence_suspend,
        states=lifecycle.sources("application.suspended"),
        licence_state=LicenceState.suspended,
        reason=reason,
        expected_version=expected_version,
    )


def revoke(
    session: Session,
    actor: Actor,
    application_id: int,
    *,
    reason: str,
    expected_version: int | None = None,
) -> LicenceRow:
    return _end(
        session,
        actor,
        application_id,
        permission=Permission.licence_revoke,
        states=lifecycle.sources("application.revoked"),
        licence_state=LicenceState.revoked,
        reason=reason,
        expected_version=expected_version,
    )


def expire(
    session: Session,
    actor: Actor,
    application_id: int,
    *,
    today: dt.date | None = None,
    expected_version: int | None = None,
) -> LicenceRow:
    """End a licence whose validity has run out (``valid_until`` is its last day)."""
    day = today or dt.date.today()
    row = for_change(
        session,
        actor,
        application_id,
        Permission.licence_expire,
        expected_version,
        lifecycle.sources("application.expired"),
    )
    licence = licence_of(session, row.id)
    if licence is None or licence.valid_until >= day:
        until = licence.valid_until if licence else None
        raise Conflict(f"the licence is valid until {until}; it cannot expire on {day}")
    return _end(
        session,
        actor,
        application_id,
        permission=Permission.licence_expire,
        states=lifecycle.sources("application.expired"),
        licence_state=LicenceState.expired,
        reason=f"validity ended {licence.valid_until}",
        expected_version=expected_version,
    )
