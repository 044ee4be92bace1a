"""Appeals against a refusal: lodged by the exporter within the appeal period from the
refusal, decided by a member of staff who neither made nor countersigned the refusal.

Upheld, the appeal takes the approval path: a new decision approves the case (with
conditions when given) and a licence can then be issued. The approval needs a second person
for the same reasons as any other (issue 13): against the recommendation, on ATT categories
I-VII, after a cleared sanctions hit or under a backdated law; it then waits for a
countersignature (``awaiting_countersign``), and a second person who disagrees sends the
appeal back to be decided again. Dismissed, the refusal stands and the case is
``appeal_dismissed``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from openatt.core.findings import Recommendation
from openatt.register import audit, canonical, denials, lifecycle, notify, periods
from openatt.register.applications import for_change, get, log
from openatt.register.assessing import confirmed_categories, four_eyes_reasons, latest_assessment
from openatt.register.dialogue_models import AppealRow
from openatt.register.errors import Conflict, Forbidden, Invalid
from openatt.register.models import ApplicationRow, DecisionRow, Outcome, Role, State
from openatt.register.permissions import Permission
from openatt.register.users import Actor

OUTCOMES = ("upheld", "dismissed")
# The recommendation an approval on appeal follows (else it goes against the engine).
_FOLLOWS = {
    Outcome.approved: Recommendation.approve,
    Outcome.approved_with_conditions: Recommendation.approve_with_conditions,
}


def refusal_of(session: Session, application_id: int) -> tuple[DecisionRow, dt.date] | None:
    """The refusal in effect on a case and the last day to appeal against it."""
    refusal = session.execute(
        select(DecisionRow)
        .where(
            DecisionRow.application_id == application_id,
            DecisionRow.status == "effective",
            DecisionRow.outcome == Outcome.denied.value,
        )
        .order_by(DecisionRow.id.desc())
        .limit(1)
    ).scalar()
    if refusal is None:
        return None
    took_effect = refusal.countersigned_at or refusal.decided_at
    return refusal, periods.appeal_deadline(took_effect.date())


def of_application(session: Session, actor: Actor, application_id: int) -> list[AppealRow]:
    row = get(session, actor, application_id)
    return list(
        session.execute(
            select(AppealRow).where(AppealRow.application_id == row.id).order_by(AppealRow.id)
        ).scalars()
    )


@dataclass(frozen=True)
class AppealShown:
    """An appeal as one reader may see it.

    An upheld appeal's approval that still waits for its countersignature has not taken
    effect: a second person may yet send it back. The exporter is told only what has taken
    effect, so to them such an appeal is still pending (no outcome, reasons or date); staff
    see the outcome with ``awaiting_countersign`` set."""

    id: int
    application_id: int
    decision_id: int
    grounds: str
    deadline: dt.date
    lodged_at: dt.datetime
    outcome: str | None
    reasons: str | None
    decided_at: dt.datetime | None
    decided_by: int | None
    result_decision_id: int | None
    awaiting_countersign: bool


def shown(session: Session, actor: Actor, appeal: AppealRow) -> AppealShown:
    """``appeal`` as ``actor`` may see it (see ``AppealShown``)."""
    result = (
        session.get(DecisionRow, appeal.result_decision_id)
        if appeal.result_decision_id is not None
        else None
    )
    waiting = result is not None and result.status == "pending"
    hidden = waiting and actor.role == Role.applicant
    return AppealShown(
        id=appeal.id,
        application_id=appeal.application_id,
        decision_id=appeal.decision_id,
        grounds=appeal.grounds,
        deadline=appeal.deadline,
        lodged_at=appeal.lodged_at,
        outcome=None if hidden else appeal.outcome,
        reasons=None if hidden else appeal.reasons,
        decided_at=None if hidden else appeal.decided_at,
        decided_by=None if hidden or actor.role == Role.applicant else appeal.decided_by,
        result_decision_id=None if hidden else appeal.result_decision_id,
        awaiting_countersign=waiting and not hidden,
    )


def shown_of_application(session: Session, actor: Actor, application_id: int) -> list[AppealShown]:
    """Every appeal on a case, oldest first, as ``actor`` may see it."""
    return [shown(session, actor, a) for a in of_application(session, actor, application_id)]


def lodge(
    session: Session,
    actor: Actor,
    application_id: int,
    *,
    grounds: str,
    today: dt.date | None = None,
    expected_version: int | None = None,
) -> AppealRow:
    text = grounds.strip()
    if not text:
        raise Invalid("give the grounds of the appeal", field=("grounds",))
    if len(text) > 10_000:
        raise Invalid("at most 10000 characters", field=("grounds",))
    row = for_change(
        session,
        actor,
        application_id,
        Permission.appeal_lodge,
        expected_version,
        lifecycle.sources("application.appeal"),
    )
    found = refusal_of(session, row.id)
    if found is None:  # pragma: no cover - a denied case has an effective refusal
        raise Conflict(f"{row.reference} has no refusal in effect")
    refusal, deadline = found
    day = today or dt.date.today()
    if day > deadline:
        raise Conflict(f"the appeal period ended on {deadline}", field=("grounds",))
    appeal = AppealRow(
        application_id=row.id,
        decision_id=refusal.id,
        grounds=text,
        deadline=deadline,
        lodged_by=actor.id,
        lodged_at=dt.datetime.now(dt.UTC),
    )
    session.add(appeal)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="appeal.lodge",
        row=appeal,
        payload={"application": row.reference, "decision": refusal.id, "deadline": deadline},
    )
    row.state = State.appealed.value
    log(session, actor, "application.appeal", row, appeal=appeal.id)
    notify.tell_user(
        session,
        actor.label,
        refusal.decided_by,
        row,
        kind="appeal.lodged",
        key=f"appeal.lodged:{appeal.id}",
        subject=f"{row.reference}: the refusal is appealed",
        body=f"{row.company} appealed against the refusal of {row.reference}.\n\n{text}",
    )
    return appeal


def decide(
    session: Session,
    actor: Actor,
    application_id: int,
    *,
    outcome: str,
    reasons: str,
    conditions: Sequence[str] = (),
    expected_version: int | None = None,
) -> AppealRow:
    if outcome not in OUTCOMES:
        raise Invalid(f"must be one of {', '.join(OUTCOMES)}", field=("outcome",))
    text = reasons.strip()
    if not text:
        raise Invalid("an appeal decision needs written reasons", field=("reasons",))
    kept = [c.strip() for c in conditions if c.strip()]
    if kept and outcome != "upheld":
        raise Invalid("conditions go with an upheld appeal", field=("conditions",))
    row = for_change(
        session,
        actor,
        application_id,
        Permission.appeal_decide,
        expected_version,
        lifecycle.sources("application.appeal_decide"),
    )
    appeal = session.execute(
        select(AppealRow)
        .where(AppealRow.application_id == row.id, AppealRow.outcome.is_(None))
        .order_by(AppealRow.id.desc())
        .limit(1)
    ).scalar()
    if appeal is None:  # pragma: no cover - an appealed case has a pending appeal
        raise Conflict(f"{row.reference} has no pending appeal")
    refusal = session.get(DecisionRow, appeal.decision_id)
    if refusal is not None and actor.id in (refusal.decided_by, refusal.countersigned_by):
        raise Forbidden("an appeal is decided by someone other than who decided the refusal")
    now = dt.datetime.now(dt.UTC)
    if outcome == "upheld":
        assessment = latest_assessment(session, row.id)
        approval = Outcome.approved_with_conditions if kept else Outcome.approved
        why = (
            four_eyes_reasons(
                row,
                approval,
                assessment.recommendation,
                assessment.as_of,
                regimes=assessment.regimes,
                confirmed=confirmed_categories(session, row),
            )
            if assessment
            else []
        )
        decision = DecisionRow(
            application_id=row.id,
            assessment_id=assessment.id if assessment else appeal.decision_id,
            outcome=approval.value,
            reasons=text,
            conditions=canonical.dumps(kept),
            criteria="[]",
            against_recommendation=(
                assessment is not None and assessment.recommendation != _FOLLOWS[approval].value
            ),
            four_eyes_required=bool(why),
            decided_by=actor.id,
            decided_at=now,
            status="pending" if why else "effective",
        )
        session.add(decision)
        session.flush()
        audit.record(
            session,
            actor=actor.label,
            action="decision.create",
            row=decision,
            payload={
                "application": row.reference,
                "outcome": approval.value,
                "appeal": appeal.id,
                "four_eyes": why,
            },
        )
        appeal.result_decision_id = decision.id
        if why:
            row.state = State.awaiting_countersign.value
        else:
            row.state = approval.value
            _overturned(session, actor, row, appeal)
    else:
        row.state = State.appeal_dismissed.value
    appeal.outcome, appeal.reasons = outcome, text
    appeal.decided_by, appeal.decided_at = actor.id, now
    audit.record(
        session,
        actor=actor.label,
        action="appeal.decide",
        row=appeal,
        payload={"application": row.reference, "outcome": outcome},
    )
    log(session, actor, "application.appeal_decide", row, appeal=appeal.id, outcome=outcome)
    return appeal


def _overturned(session: Session, actor: Actor, row: ApplicationRow, appeal: AppealRow) -> None:
    denials.withdraw_own(
        session, actor, row, reason=f"the refusal was overturned on appeal {appeal.id}"
    )


def after_countersign(
    session: Session, actor: Actor, row: ApplicationRow, decision: DecisionRow, agree: bool
) -> bool:
    """Whether ``decision`` upheld an appeal; if so, finish it: agreed, the refusal is
    overturned; returned, the appeal is open again to be decided by someone."""
    appeal = session.execute(
        select(AppealRow).where(AppealRow.result_decision_id == decision.id)
    ).scalar()
    if appeal is None:
        return False
    if agree:
        _overturned(session, actor, row, appeal)
        return True
    appeal.outcome = appeal.reasons = None
    appeal.decided_by = appeal.decided_at = appeal.result_decision_id = None
    audit.record(
        session,
        actor=actor.label,
        action="appeal.reopen",
        row=appeal,
        payload={"application": row.reference, "returned_decision": decision.id},
    )
    return True
