"""The register as rows (one per application) for CSV/JSON export and for reports."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openatt.register.applications import payload_of
from openatt.register.assessing import latest_assessment
from openatt.register.licensing import licence_of, shipped
from openatt.register.models import ApplicationRow, DecisionRow
from openatt.register.permissions import Permission, require
from openatt.register.users import Actor
from openatt.text_cells import csv_record

COLUMNS = (
    "reference",
    "company",
    "kind",
    "state",
    "exporting_state",
    "importing_state",
    "transit_states",
    "end_user",
    "end_user_kind",
    "categories",
    "items",
    "quantity",
    "value",
    "currency",
    "recommendation",
    "law_version",
    "decision",
    "decided_at",
    "licence",
    "licence_state",
    "issued_on",
    "valid_until",
    "shipped",
    "created_at",
    "retain_until",
)


def rows(session: Session, actor: Actor) -> list[dict[str, Any]]:
    require(actor, Permission.register_export)
    found = []
    for row in session.execute(select(ApplicationRow).order_by(ApplicationRow.id)).scalars():
        application = payload_of(row)
        assessment = latest_assessment(session, row.id)
        decision = session.execute(
            select(DecisionRow)
            .where(DecisionRow.application_id == row.id, DecisionRow.status == "effective")
            .order_by(DecisionRow.id.desc())
            .limit(1)
        ).scalar()
        licence = licence_of(session, row.id)
        values = [i.value for i in application.items if i.value]
        found.append(
            {
                "reference": row.reference,
                "company": row.company,
                "kind": row.kind,
                "state": row.state,
                "exporting_state": row.exporting_state,
                "importing_state": row.importing_state,
                "transit_states": " ".join(application.transit_states),
                "end_user": row.end_user,
                "end_user_kind": application.end_user.kind.value,
                "categories": row.categories,
                "items": len(application.items),
                "quantity": sum(item.quantity for item in application.items),
                "value": sum(v.amount for v in values) if values else None,
                "currency": values[0].currency if values else None,
                "recommendation": assessment.recommendation if assessment else None,
                "law_version": assessment.law_version if assessment else None,
                "decision": decision.outcome if decision else None,
                "decided_at": decision.decided_at.isoformat() if decision else None,
                "licence": licence.number if licence else None,
                "licence_state": licence.state if licence else None,
                "issued_on": licence.issued_on.isoformat() if licence else None,
                "valid_until": licence.valid_until.isoformat() if licence else None,
                "shipped": sum(shipped(session, licence.id).values()) if licence else 0,
                "created_at": row.created_at.isoformat(),
                "retain_until": row.retain_until.isoformat(),
            }
        )
    return found


def to_csv(records: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_record(record) for record in records)
    return out.getvalue()


def to_json(records: list[dict[str, Any]]) -> str:
    return json.dumps(records, indent=2, ensure_ascii=False)
