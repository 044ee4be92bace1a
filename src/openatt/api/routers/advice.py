"""Advice (issue 12): advising teams, requests for advice, the teams' advice, the final
advice and its countersigning. Thin handlers over the register's advice services."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path

from openatt.api import advice_schemas as s
from openatt.api.deps import DB, Allow, AssessorDep
from openatt.api.schemas import MAX_ID
from openatt.register import advice_teams, advice_views, consultation, final_advice, team_advice
from openatt.register.permissions import Permission as P
from openatt.register.users import Actor

router = APIRouter(tags=["advice"])
AppId = Annotated[int, Path(ge=1, le=MAX_ID, description="application id")]
RequestId = Annotated[int, Path(ge=1, le=MAX_ID, description="advice request id")]


@router.get("/advice/teams", response_model=list[s.TeamOut])
def teams(db: DB, actor: Annotated[Actor, Allow(P.team_read)]) -> list[s.TeamOut]:
    with db.read() as session:
        return [s.team_out(t) for t in advice_teams.list_teams(session, actor)]


@router.post("/advice/teams", response_model=s.TeamOut, status_code=201)
def add_team(body: s.TeamIn, db: DB, actor: Annotated[Actor, Allow(P.team_manage)]) -> s.TeamOut:
    with db.write() as session:
        team = advice_teams.add_team(
            session, actor, code=body.code, name=body.name, topics=body.topics
        )
        return s.team_out(team)


@router.post("/advice/teams/{code}/members", status_code=201)
def add_member(
    code: Annotated[str, Path(max_length=40)],
    body: s.MemberIn,
    db: DB,
    actor: Annotated[Actor, Allow(P.team_manage)],
) -> dict[str, str]:
    with db.write() as session:
        advice_teams.add_member(session, actor, team=code, username=body.username)
        return {"team": code, "username": body.username}


@router.post(
    "/applications/{application_id}/advice/requests",
    response_model=list[s.RequestOut],
    status_code=201,
)
def ask(
    application_id: AppId,
    body: s.AskIn,
    db: DB,
    actor: Annotated[Actor, Allow(P.advice_request)],
) -> list[s.RequestOut]:
    """Ask teams for advice, due in working days (Monday-Friday)."""
    with db.write() as session:
        made = consultation.ask(
            session,
            actor,
            application_id,
            teams=body.teams,
            working_days=body.working_days,
            question=body.question,
        )
        return [s.request_out(r, advice_teams.get_team(session, r.team_id), False) for r in made]


@router.get("/applications/{application_id}/advice", response_model=s.PanelOut)
def case_advice(
    application_id: AppId, db: DB, actor: Annotated[Actor, Allow(P.advice_final)]
) -> s.PanelOut:
    """The case's requests, the teams' advice with conflicts, the final advice, sign-off."""
    with db.read() as session:
        found = advice_views.panel(session, actor, application_id)
        teams = found.team_by_id
        return s.PanelOut(
            application_id=found.application.id,
            reference=found.application.reference,
            subjects={x.key: x.label for x in found.subjects},
            requests=[s.request_out(r.request, r.team, r.overdue) for r in found.requests],
            advice=[s.advice_out(a, teams) for rows in found.advice.values() for a in rows],
            conflicts=[
                s.ConflictOut(
                    subject=c.subject,
                    positions={p: [teams[t].code for t in ids] for p, ids in c.positions.items()},
                )
                for c in found.conflicts.values()
            ],
            final=[s.advice_out(a, teams) for a in found.final.values()],
            signatures=[s.signature_out(x) for x in found.signatures],
            sign_off=found.sign_off.value,
            countersign_levels=found.levels,
            next_level=found.next_level,
        )


@router.post(
    "/applications/{application_id}/advice/final", response_model=s.AdviceOut, status_code=201
)
def give_final(
    application_id: AppId,
    body: s.AdviceIn,
    db: DB,
    actor: Annotated[Actor, Allow(P.advice_final)],
) -> s.AdviceOut:
    """Write the final advice on one subject (voids countersignatures given so far)."""
    with db.write() as session:
        advice = final_advice.give_final(session, actor, application_id, body.given())
        return s.advice_out(advice, {})


@router.post(
    "/applications/{application_id}/advice/countersign",
    response_model=s.SignatureOut,
    status_code=201,
)
def countersign(
    application_id: AppId,
    body: s.CountersignIn,
    db: DB,
    actor: Annotated[Actor, Allow(P.advice_countersign)],
) -> s.SignatureOut:
    with db.write() as session:
        signature = final_advice.countersign(
            session,
            actor,
            application_id,
            level=body.level,
            agree=body.agree,
            reasons=body.reasons,
        )
        return s.signature_out(signature)


@router.get("/advice/requests", response_model=list[s.RequestOut])
def requests(
    db: DB,
    actor: Annotated[Actor, Allow(P.advice_read)],
    scope: Literal["mine", "open"] = "mine",
    include_answered: bool = False,
) -> list[s.RequestOut]:
    """``mine``: requests to your teams ("awaiting my advice"); ``open``: every open request
    (staff). Each says whether it is past its due day."""
    with db.read() as session:
        if scope == "open":
            lines = consultation.all_open(session, actor)
        else:
            lines = consultation.awaiting_my_advice(
                session, actor, include_answered=include_answered
            )
        return [s.request_out(x.request, x.team, x.overdue, x.application.reference) for x in lines]


@router.get("/advice/requests/{request_id}", response_model=s.AdviserCaseOut)
def request_case(
    request_id: RequestId, db: DB, actor: Annotated[Actor, Allow(P.advice_read)]
) -> s.AdviserCaseOut:
    """The case as the team asked sees it (only members of that team)."""
    with db.read() as session:
        case = advice_views.adviser_case(session, actor, request_id)
        teams = {case.team.id: case.team, **{t.id: t for t, _a in case.others}}
        app = case.application
        parties: dict[str, object] = {
            "consignee": app.consignee.model_dump(mode="json"),
            "end_user": app.end_user.model_dump(mode="json"),
            "brokers": [b.model_dump(mode="json") for b in app.brokers],
        }
        return s.AdviserCaseOut(
            request=s.request_out(case.request, case.team, case.overdue, case.reference),
            reference=case.reference,
            exporting_state=app.exporting_state,
            importing_state=app.importing_state,
            transit_states=list(app.transit_states),
            end_use=app.end_use,
            items=[i.model_dump(mode="json") for i in app.items],
            parties=parties,
            subjects={x.key: x.label for x in case.subjects},
            findings=[f for _regime, f in case.findings],
            drafts=[s.advice_out(a, teams) for a in case.drafts],
            given=[s.advice_out(a, teams) for a in case.given],
            other_teams=[s.advice_out(a, teams) for _t, a in case.others],
        )


@router.post("/advice/requests/{request_id}/advice", response_model=s.AdviceOut, status_code=201)
def draft(
    request_id: RequestId,
    body: s.AdviceIn,
    db: DB,
    actor: Annotated[Actor, Allow(P.advice_give)],
) -> s.AdviceOut:
    """Draft the team's advice on one subject (replaces the team's earlier draft on it)."""
    with db.write() as session:
        advice = team_advice.draft(session, actor, request_id, body.given())
        team = advice_teams.get_team(session, advice.team_id or 0)
        return s.advice_out(advice, {team.id: team})


@router.post("/advice/requests/{request_id}/submit", response_model=list[s.AdviceOut])
def submit(
    request_id: RequestId,
    db: DB,
    assessor: AssessorDep,
    actor: Annotated[Actor, Allow(P.advice_give)],
) -> list[s.AdviceOut]:
    """Give the drafted advice as the team's answer; refusals become evidence and an
    assessed case is assessed again with it."""
    with db.write() as session:
        given = team_advice.submit(session, actor, request_id, assessor)
        teams = {t.id: t for t in advice_teams.list_teams(session, actor)} if given else {}
        return [s.advice_out(a, teams) for a in given]


@router.get("/advice/signoff", response_model=list[s.SignOffOut])
def awaiting_signoff(
    db: DB, actor: Annotated[Actor, Allow(P.advice_countersign)]
) -> list[s.SignOffOut]:
    """Cases whose final advice awaits a countersignature you may give."""
    with db.read() as session:
        return [
            s.SignOffOut(
                application_id=x.application.id, reference=x.application.reference, level=x.level
            )
            for x in final_advice.awaiting_my_signoff(session, actor)
        ]
