"""Withdrawal of an application by the exporter before a decision takes effect."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from openatt.register import audit, lifecycle
from openatt.register.applications import for_change, log
from openatt.register.dialogue_models import QueryRow
from openatt.register.errors import Invalid
from openatt.register.models import ApplicationRow, DecisionRow, State
from openatt.register.permissions import Permission
from openatt.register.users import Actor


def close_open_work(session: Session, actor: Actor, row: ApplicationRow, why: str) -> None:
    """A case that leaves the authority's hands (withdrawn, superseded) returns its pending
    decision and closes its open questions, each with an event."""
    for decision in session.execute(
        select(DecisionRow).where(
            DecisionRow.application_id == row.id, DecisionRow.status == "pending"
        )
    ).scalars():
        decision.status = "returned"
        audit.record(
            session,
            actor=actor.label,
            action="decision.return",
            row=decision,
            payload={"application": row.reference, "why": why},
        )
    for query in session.execute(
        select(QueryRow).where(QueryRow.application_id == row.id, QueryRow.status == "open")
    ).scalars():
        query.status = "closed"
        query.answered_at = dt.datetime.now(dt.UTC)
        audit.record(
            session,
            actor=actor.label,
            action="query.close",
            row=query,
            payload={"application": row.reference, "why": why},
        )


def withdraw(
    session: Session,
    actor: Actor,
    application_id: int,
    *,
    reason: str,
    expected_version: int | None = None,
) -> ApplicationRow:
    """Withdraw a submitted application; it stays in the register as ``withdrawn``."""
    text = reason.strip()
    if not text:
        raise Invalid("say why the application is withdrawn", field=("reason",))
    if len(text) > 5000:
        raise Invalid("at most 5000 characters", field=("reason",))
    row = for_change(
        session,
        actor,
        application_id,
        Permission.application_withdraw,
        expected_version,
        lifecycle.sources("application.withdraw"),
    )
    close_open_work(session, actor, row, "withdrawal")
    row.state = State.withdrawn.value
    log(session, actor, "application.withdraw", row, reason=text)
    return row
