"""The reasons a decision releases to its applicant, written by the deciding officer.

The decision's own ``reasons`` are the authority's record (they may quote evidence an
exporter must not read); what the applicant is told is a separate text, chosen by the
officer, stored beside the decision (``decision_releases``) and logged in the chain.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from openatt.register import audit
from openatt.register.models import DecisionReleaseRow, DecisionRow
from openatt.register.users import Actor

MAX_RELEASED = 10_000


def release(
    session: Session, actor: Actor, decision: DecisionRow, reasons: str, reference: str
) -> DecisionReleaseRow | None:
    """Record the released reasons of ``decision`` (nothing when ``reasons`` is blank)."""
    text = reasons.strip()
    if not text:
        return None
    row = DecisionReleaseRow(
        decision_id=decision.id,
        reasons=text,
        released_by=actor.id,
        released_at=dt.datetime.now(dt.UTC),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="decision.release",
        row=row,
        payload={"application": reference, "decision": decision.id},
    )
    return row


def release_of(session: Session, decision_id: int) -> DecisionReleaseRow | None:
    return session.execute(
        select(DecisionReleaseRow).where(DecisionReleaseRow.decision_id == decision_id)
    ).scalar()


def released_texts(session: Session, decision_ids: list[int]) -> dict[int, str]:
    """What each of these decisions released to the applicant, by decision id."""
    if not decision_ids:
        return {}
    rows = session.execute(
        select(DecisionReleaseRow.decision_id, DecisionReleaseRow.reasons).where(
            DecisionReleaseRow.decision_id.in_(decision_ids)
        )
    ).all()
    return {int(i): str(text) for i, text in rows}
