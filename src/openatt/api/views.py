"""Rows to response bodies: the one place that knows both shapes."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy.orm import Session

from openatt.api import schemas
from openatt.register import audience
from openatt.register.applications import payload_of
from openatt.register.assessing import assessments_of
from openatt.register.licensing import shipments_of, shipped
from openatt.register.models import (
    ApplicationRow,
    AssessmentRow,
    ConsultationRow,
    DecisionRow,
    DenialRow,
    Event,
    LicenceRow,
    Role,
    ShipmentRow,
    User,
)
from openatt.register.server_clock import effective_state
from openatt.register.users import Actor


def summary(row: ApplicationRow) -> schemas.ApplicationSummary:
    return schemas.ApplicationSummary(
        id=row.id,
        reference=row.reference,
        company=row.company,
        state=row.state,
        version=row.version,
        kind=row.kind,
        exporting_state=row.exporting_state,
        importing_state=row.importing_state,
        end_user=row.end_user,
        categories=[c for c in row.categories.split(",") if c],
        consultation=json.loads(row.consultation),
        consulted=row.consulted,
        created_at=row.created_at,
        updated_at=row.updated_at,
        retain_until=row.retain_until,
    )


def application(row: ApplicationRow) -> schemas.ApplicationOut:
    """The summary's fields plus the whole application."""
    return schemas.ApplicationOut(**dict(summary(row)), application=payload_of(row))


def assessment(row: AssessmentRow) -> schemas.AssessmentOut:
    return schemas.AssessmentOut(
        id=row.id,
        application_id=row.application_id,
        supersedes_id=row.supersedes_id,
        reason=row.reason,
        as_of=row.as_of,
        regimes=row.regimes.split(","),
        recommendation=row.recommendation,
        law_version=row.law_version,
        engine_version=row.engine_version,
        assessed_by=row.assessed_by,
        assessed_at=row.assessed_at,
        assessments=assessments_of(row),
    )


def assessment_head(row: AssessmentRow) -> dict[str, object]:
    """:func:`assessment` without its ``assessments`` (the engine's output, stored as JSON)."""
    return {
        "id": row.id,
        "application_id": row.application_id,
        "supersedes_id": row.supersedes_id,
        "reason": row.reason,
        "as_of": row.as_of,
        "regimes": row.regimes.split(","),
        "recommendation": row.recommendation,
        "law_version": row.law_version,
        "engine_version": row.engine_version,
        "assessed_by": row.assessed_by,
        "assessed_at": row.assessed_at,
    }


def decision(row: DecisionRow) -> schemas.DecisionOut:
    return schemas.DecisionOut(
        id=row.id,
        application_id=row.application_id,
        assessment_id=row.assessment_id,
        outcome=row.outcome,
        reasons=row.reasons,
        conditions=json.loads(row.conditions),
        criteria=json.loads(row.criteria),
        against_recommendation=row.against_recommendation,
        four_eyes_required=row.four_eyes_required,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        countersigned_by=row.countersigned_by,
        countersigned_at=row.countersigned_at,
        status=row.status,
    )


def shipment(row: ShipmentRow) -> schemas.ShipmentOut:
    return schemas.ShipmentOut(
        id=row.id,
        licence_id=row.licence_id,
        item=row.item,
        quantity=row.quantity,
        shipped_on=row.shipped_on,
        reference=row.reference,
        delivery_verified_on=row.delivery_verified_on,
        verification=row.verification,
    )


def licence(session: Session, row: LicenceRow, app_row: ApplicationRow) -> schemas.LicenceOut:
    items = payload_of(app_row).items
    totals = shipped(session, row.id)
    done = [totals.get(i, 0) for i in range(len(items))]
    return schemas.LicenceOut(
        id=row.id,
        application_id=row.application_id,
        number=row.number,
        state=effective_state(row),
        issued_on=row.issued_on,
        valid_until=row.valid_until,
        conditions=json.loads(row.conditions),
        licensed=[i.quantity for i in items],
        shipped=done,
        remaining=[i.quantity - d for i, d in zip(items, done, strict=True)],
        shipments=[shipment(s) for s in shipments_of(session, row.id)],
    )


def _split(text: str) -> list[str]:
    return [part for part in text.split(",") if part]


def denial(row: DenialRow, withdrawn_on: dt.date | None = None) -> schemas.DenialOut:
    return schemas.DenialOut(
        id=row.id,
        notifying_state=row.notifying_state,
        reference=row.reference,
        denied_on=row.denied_on,
        destination=row.destination,
        end_user=row.end_user,
        categories=_split(row.categories),
        control_entries=_split(row.control_entries),
        description=row.description,
        criteria=_split(row.criteria),
        application_id=row.application_id,
        withdrawn_on=withdrawn_on,
    )


def consultation(row: ConsultationRow) -> schemas.ConsultationOut:
    return schemas.ConsultationOut(
        id=row.id,
        application_id=row.application_id,
        denial_id=row.denial_id,
        note=row.note,
        recorded_at=row.recorded_at,
    )


def event(row: Event) -> schemas.EventOut:
    return schemas.EventOut(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        action=row.action,
        entity=row.entity,
        entity_id=row.entity_id,
        payload=json.loads(row.payload),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def user(row: User) -> schemas.UserOut:
    return schemas.UserOut(
        id=row.id,
        username=row.username,
        role=Role(row.role),
        company=row.company,
        active=row.active,
    )


# -- by audience (register/audience.py decides what each one sees) ------------------------------


def applicant_summary(row: ApplicationRow) -> schemas.ApplicantSummary:
    return schemas.ApplicantSummary(
        id=row.id,
        reference=row.reference,
        company=row.company,
        status=audience.public_status(row.state),
        version=row.version,
        kind=row.kind,
        importing_state=row.importing_state,
        end_user=row.end_user,
        categories=[c for c in row.categories.split(",") if c],
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def public_licence(found: audience.PublicLicence) -> schemas.PublicLicenceOut:
    return schemas.PublicLicenceOut(
        number=found.number,
        state=found.state,
        issued_on=found.issued_on,
        valid_until=found.valid_until,
        conditions=list(found.conditions),
        licensed=list(found.licensed),
        shipped=list(found.shipped),
        shipments=[schemas.PublicShipmentOut(**vars(s)) for s in found.shipments],
    )


def applicant_case(found: audience.ApplicantCase) -> schemas.ApplicantCaseOut:
    decision = found.decision
    return schemas.ApplicantCaseOut(
        id=found.id,
        reference=found.reference,
        company=found.company,
        status=found.status,
        version=found.version,
        kind=found.application.kind.value,
        importing_state=found.application.importing_state,
        end_user=found.application.end_user.name,
        categories=sorted({i.category.value for i in found.application.items}),
        created_at=found.created_at,
        updated_at=found.updated_at,
        application=found.application,
        asks=list(found.asks),
        decision=None
        if decision is None
        else schemas.ReleasedDecisionOut(
            outcome=decision.outcome,
            decided_on=decision.decided_on,
            conditions=list(decision.conditions),
            criteria=[schemas.CitedCriterionOut(**vars(c)) for c in decision.criteria],
            reasons=decision.reasons,
        ),
        licence=public_licence(found.licence) if found.licence is not None else None,
        events=[schemas.PublicEventOut(**vars(e)) for e in found.events],
        classification=[schemas.PublicClassificationOut(**vars(c)) for c in found.classification],
    )


def case_for(
    session: Session, actor: Actor, row: ApplicationRow
) -> schemas.ApplicationOut | schemas.ApplicantCaseOut:
    """The case as this user's audience may see it."""
    if audience.sees_internal(actor):
        return application(row)
    return applicant_case(audience.applicant_case(session, actor, row.id))


def summary_for(
    actor: Actor, row: ApplicationRow
) -> schemas.ApplicationSummary | schemas.ApplicantSummary:
    return summary(row) if audience.sees_internal(actor) else applicant_summary(row)
