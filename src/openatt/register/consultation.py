"""Asking teams for advice on a case, with a deadline in working days, and the lists that
follow from it: a case's requests, "awaiting my advice" for an adviser, overdue requests.

Advisers are not given the register's ``application.read``: they reach a case only through
a request to one of their teams (:func:`request_for_adviser`), so a case they were not asked
about is not found.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from openatt.register import audit
from openatt.register.advice_policy import add_working_days, advice_policy
from openatt.register.advice_teams import team_by_code, team_ids_of
from openatt.register.applications import get, log
from openatt.register.errors import Conflict, Invalid, NotFound
from openatt.register.models import AdviceRequestRow, AdviceTeamRow, ApplicationRow, State
from openatt.register.permissions import Permission, require
from openatt.register.users import Actor

# Advice is sought while the case is being worked on, before a decision.
ASKABLE = (State.submitted, State.screened, State.assessed)
MAX_WORKING_DAYS = 60


def ask(
    session: Session,
    actor: Actor,
    application_id: int,
    *,
    teams: Sequence[str],
    working_days: int,
    question: str,
) -> list[AdviceRequestRow]:
    """Ask each team for advice on the case, due ``working_days`` working days from today
    (always the real day: a deadline is never counted from an earlier one)."""
    require(actor, Permission.advice_request)
    row = get(session, actor, application_id)
    if State(row.state) not in ASKABLE:
        allowed = ", ".join(s.value for s in ASKABLE)
        raise Conflict(
            f"{row.reference} is {row.state}; advice is asked for a case that is {allowed}"
        )
    if not teams:
        raise Invalid("choose at least one team to ask", field=("teams",))
    if not 1 <= working_days <= MAX_WORKING_DAYS:
        raise Invalid(
            f"the deadline is 1 to {MAX_WORKING_DAYS} working days", field=("working_days",)
        )
    if not question.strip():
        raise Invalid("say what the teams are asked to advise on", field=("question",))
    chosen = [team_by_code(session, code, ("teams",)) for code in dict.fromkeys(teams)]
    open_for = set(
        session.execute(
            select(AdviceRequestRow.team_id).where(
                AdviceRequestRow.application_id == row.id, AdviceRequestRow.status == "open"
            )
        ).scalars()
    )
    for team in chosen:
        if team.id in open_for:
            raise Conflict(f"{team.name} has already been asked and not answered", field=("teams",))
    now = dt.datetime.now(dt.UTC)
    due = add_working_days(now.date(), working_days, advice_policy().holidays)
    made = []
    for team in chosen:
        request = AdviceRequestRow(
            application_id=row.id,
            team_id=team.id,
            question=question.strip(),
            asked_by=actor.id,
            asked_at=now,
            working_days=working_days,
            due_on=due,
            status="open",
        )
        session.add(request)
        session.flush()
        audit.record(
            session,
            actor=actor.label,
            action="advice_request.create",
            row=request,
            payload={"application": row.reference, "team": team.code, "due_on": due.isoformat()},
        )
        made.append(request)
    log(
        session,
        actor,
        "application.ask_advice",
        row,
        teams=[t.code for t in chosen],
        due_on=due.isoformat(),
    )
    return made


def requests_of(session: Session, application_id: int) -> list[AdviceRequestRow]:
    return list(
        session.execute(
            select(AdviceRequestRow)
            .where(AdviceRequestRow.application_id == application_id)
            .order_by(AdviceRequestRow.id)
        ).scalars()
    )


def overdue(request: AdviceRequestRow, today: dt.date | None = None) -> bool:
    """Still open after its due day."""
    return request.status == "open" and (today or dt.date.today()) > request.due_on


def request_for_adviser(session: Session, actor: Actor, request_id: int) -> AdviceRequestRow:
    """A request the acting user may work on: one to a team they sit on (else NotFound)."""
    require(actor, Permission.advice_read)
    request = session.get(AdviceRequestRow, request_id)
    if request is None or request.team_id not in team_ids_of(session, actor.id):
        raise NotFound(f"advice request {request_id} not found")
    return request


@dataclass(frozen=True)
class RequestLine:
    """One line of a list of requests: the request, its team and its case."""

    request: AdviceRequestRow
    team: AdviceTeamRow
    application: ApplicationRow
    overdue: bool


def awaiting_my_advice(
    session: Session, actor: Actor, *, today: dt.date | None = None, include_answered: bool = False
) -> list[RequestLine]:
    """Requests to the acting user's teams, open ones first by due day."""
    require(actor, Permission.advice_read)
    query = (
        select(AdviceRequestRow, AdviceTeamRow, ApplicationRow)
        .join(AdviceTeamRow, AdviceTeamRow.id == AdviceRequestRow.team_id)
        .join(ApplicationRow, ApplicationRow.id == AdviceRequestRow.application_id)
        .where(AdviceRequestRow.team_id.in_(team_ids_of(session, actor.id)))
    )
    if not include_answered:
        query = query.where(AdviceRequestRow.status == "open")
    rows = session.execute(
        query.order_by(AdviceRequestRow.status.desc(), AdviceRequestRow.due_on, AdviceRequestRow.id)
    ).all()
    return [RequestLine(r, t, a, overdue(r, today)) for r, t, a in rows]


def all_open(session: Session, actor: Actor, *, today: dt.date | None = None) -> list[RequestLine]:
    """Every open request (for officers: which teams owe advice, and which are late)."""
    require(actor, Permission.advice_request)
    rows = session.execute(
        select(AdviceRequestRow, AdviceTeamRow, ApplicationRow)
        .join(AdviceTeamRow, AdviceTeamRow.id == AdviceRequestRow.team_id)
        .join(ApplicationRow, ApplicationRow.id == AdviceRequestRow.application_id)
        .where(AdviceRequestRow.status == "open")
        .order_by(AdviceRequestRow.due_on, AdviceRequestRow.id)
    ).all()
    return [RequestLine(r, t, a, overdue(r, today)) for r, t, a in rows]
