"""A team's advice on a case: drafted subject by subject, then given as the answer to the
request, at which point it becomes evidence the engine re-runs with.

A refusal that cites criteria adds one :class:`~openatt.core.model.Evidence` per criterion
(kind ``report``; author: the team; source: the advice's id, where its reasons are), with
the likelihood and severity the adviser gave, or else the policy's (``refusal_evidence`` in
advice_policy.yaml: a team that advises refusal judges the harm at least likely and serious). The evidence is
dated the day the advice is given; the engine sets aside evidence dated after the day it
assesses as of, so the re-run is as of that day (or the case's own later date).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from openatt.core.model import Evidence, EvidenceKind
from openatt.register import audit, canonical
from openatt.register.advice_policy import advice_policy
from openatt.register.advice_subjects import POSITION, AdviceInput, AdviceType, check
from openatt.register.advice_teams import get_team
from openatt.register.applications import _store, log, payload_of
from openatt.register.assessor import Assessor
from openatt.register.consultation import request_for_adviser
from openatt.register.errors import Conflict
from openatt.register.models import AdviceRow, AdviceTeamRow, ApplicationRow, AssessmentRow, State
from openatt.register.permissions import Permission, require
from openatt.register.users import Actor


def _replace(session: Session, actor: Actor, earlier: AdviceRow, reference: str) -> None:
    earlier.status = "replaced"
    audit.record(
        session,
        actor=actor.label,
        action="advice.replace",
        row=earlier,
        payload={"application": reference, "subject": earlier.subject},
    )


def draft(session: Session, actor: Actor, request_id: int, given: AdviceInput) -> AdviceRow:
    """Draft (or redraft) the team's advice on one subject; other teams do not see drafts."""
    require(actor, Permission.advice_give)
    request = request_for_adviser(session, actor, request_id)
    if request.status != "open":
        raise Conflict(f"advice request {request_id} has been answered")
    row = session.get(ApplicationRow, request.application_id)
    assert row is not None  # a request's case exists (foreign key)
    checked = check(payload_of(row), given)
    for earlier in session.execute(
        select(AdviceRow).where(
            AdviceRow.request_id == request.id,
            AdviceRow.subject == checked.subject,
            AdviceRow.status == "draft",
        )
    ).scalars():
        _replace(session, actor, earlier, row.reference)
    advice = AdviceRow(
        application_id=row.id,
        request_id=request.id,
        team_id=request.team_id,
        level="team",
        subject=checked.subject,
        type=checked.type.value,
        proviso=checked.proviso,
        criteria=canonical.dumps(list(checked.criteria)),
        reasons=checked.reasons,
        likelihood=checked.likelihood.value if checked.likelihood else None,
        severity=checked.severity.value if checked.severity else None,
        status="draft",
        author=actor.id,
        created_at=dt.datetime.now(dt.UTC),
    )
    session.add(advice)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="advice.draft",
        row=advice,
        payload={
            "application": row.reference,
            "request": request.id,
            "subject": advice.subject,
            "type": advice.type,
            "criteria": list(checked.criteria),
        },
    )
    return advice


def drafts_of(session: Session, request_id: int) -> list[AdviceRow]:
    return list(
        session.execute(
            select(AdviceRow)
            .where(AdviceRow.request_id == request_id, AdviceRow.status == "draft")
            .order_by(AdviceRow.id)
        ).scalars()
    )


def evidence_from(advice: AdviceRow, team: AdviceTeamRow, day: dt.date) -> list[Evidence]:
    """What a refusal adds to the case for the engine: one piece per criterion relied on."""
    if advice.type != AdviceType.refuse.value:
        return []
    default = advice_policy().refusal_evidence
    return [
        Evidence.model_validate(
            {
                "criterion": criterion,
                "likelihood": advice.likelihood or default.likelihood.value,
                "severity": advice.severity or default.severity.value,
                "source": f"advice {advice.id}",
                "date": day,
                "author": team.name,
                "kind": EvidenceKind.report,
                # The reasons stay with the advice (source): evidence names what was advised.
                "note": f"refusal advised on {advice.subject}",
            }
        )
        for criterion in json.loads(advice.criteria)
    ]


def submit(session: Session, actor: Actor, request_id: int, assessor: Assessor) -> list[AdviceRow]:
    """Give the team's drafted advice as its answer. Refusals become evidence; an assessed
    case is assessed again with it (ATT 7.7), the earlier assessment kept and linked."""
    from openatt.register.assessing import _run, latest_assessment

    require(actor, Permission.advice_give)
    request = request_for_adviser(session, actor, request_id)
    if request.status != "open":
        raise Conflict(f"advice request {request_id} has been answered")
    drafts = drafts_of(session, request.id)
    if not drafts:
        raise Conflict(
            "draft the advice on at least one subject before giving it", field=("subject",)
        )
    row = session.get(ApplicationRow, request.application_id)
    assert row is not None
    team = get_team(session, request.team_id)
    now = dt.datetime.now(dt.UTC)
    evidence: list[Evidence] = []
    for advice in drafts:
        advice.status = "given"
        audit.record(
            session,
            actor=actor.label,
            action="advice.give",
            row=advice,
            payload={"application": row.reference, "subject": advice.subject, "type": advice.type},
        )
        evidence += evidence_from(advice, team, now.date())
    request.status = "answered"
    request.answered_by = actor.id
    request.answered_at = now
    audit.record(
        session,
        actor=actor.label,
        action="advice_request.answer",
        row=request,
        payload={"application": row.reference, "team": team.code, "advice": [a.id for a in drafts]},
    )
    if evidence:
        application = payload_of(row)
        _store(
            row,
            application.model_copy(update={"evidence": (*application.evidence, *evidence)}),
            reindex=False,
        )
    previous = latest_assessment(session, row.id)
    rerun: AssessmentRow | None = None
    if evidence and previous is not None and row.state == State.assessed.value:
        rerun = _run(
            session,
            actor,
            row,
            assessor,
            previous.regimes.split(","),
            max(previous.as_of, now.date()),
            previous,
            f"advice from {team.name} (request {request.id})",
        )
    log(
        session,
        actor,
        "application.advice_given",
        row,
        team=team.code,
        request=request.id,
        evidence=[e.model_dump(mode="json") for e in evidence],
        assessment=rerun.id if rerun else None,
    )
    return drafts


def given_advice(session: Session, application_id: int) -> list[AdviceRow]:
    """The teams' given advice on a case (not drafts, not replaced), oldest first."""
    return list(
        session.execute(
            select(AdviceRow)
            .where(
                AdviceRow.application_id == application_id,
                AdviceRow.level == "team",
                AdviceRow.status == "given",
            )
            .order_by(AdviceRow.id)
        ).scalars()
    )


@dataclass(frozen=True)
class SubjectConflict:
    subject: str
    positions: dict[str, list[int]]  # position -> team ids taking it


def conflicts(advice: Sequence[AdviceRow]) -> dict[str, SubjectConflict]:
    """Subjects on which teams take different positions (approve, refuse, no licence
    required; a proviso counts as approval, "not applicable" as no position). Only each
    team's latest advice on a subject counts."""
    latest: dict[tuple[str, int], AdviceRow] = {}
    for item in advice:
        if item.team_id is not None:
            latest[(item.subject, item.team_id)] = item
    by_subject: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for (subject, team_id), item in latest.items():
        position = POSITION.get(AdviceType(item.type))
        if position:
            by_subject[subject][position].append(team_id)
    return {
        subject: SubjectConflict(subject, {p: sorted(t) for p, t in positions.items()})
        for subject, positions in by_subject.items()
        if len(positions) > 1
    }
