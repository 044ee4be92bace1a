"""The officer's workspace through the API: judgements and mitigations recorded on a case
(the engine re-run at once), on the same services as the web form."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from openatt.api import schemas, views
from openatt.api.deps import DB, Allow, AssessorDep
from openatt.api.schemas import MAX_ID
from openatt.register import workspace
from openatt.register.permissions import Permission as P
from openatt.register.users import Actor

router = APIRouter(tags=["workspace"])
AppId = Annotated[int, Path(ge=1, le=MAX_ID, description="application id")]


@router.post("/applications/{application_id}/judgements", response_model=schemas.AssessmentOut)
def record_judgements(
    application_id: AppId,
    body: schemas.JudgementsIn,
    db: DB,
    assessor: AssessorDep,
    actor: Annotated[Actor, Allow(P.application_assess)],
) -> schemas.AssessmentOut:
    """Record judgements (officer evidence, authored by the login) and mitigations, then
    assess again at once; a bad judgement is refused with its path (422), nothing written."""
    known = frozenset(workspace.rule_index())
    judgements = [
        workspace.judgement(
            criterion=j.criterion,
            likelihood=j.likelihood,
            severity=j.severity,
            source=j.source,
            reasons=j.reasons,
            date=j.date,
            not_relevant=j.not_relevant,
            known_rules=known,
            field=("judgements", index),
        )
        for index, j in enumerate(body.judgements)
    ]
    with db.write() as session:
        row = workspace.record(
            session,
            actor,
            application_id,
            assessor,
            judgements,
            body.mitigations,
            expected_version=body.version,
        )
        return views.assessment(row)
