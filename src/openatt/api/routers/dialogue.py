"""The dialogue with the exporter: questions and answers, case notes, amendment,
withdrawal, appeals, the user's notifications, and the lifecycle table. Thin handlers over
the register's services; after a change is committed the outbox is delivered (in the
background, when an SMTP server is configured)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Path

from openatt.api import dialogue_schemas as ds
from openatt.api import schemas, views
from openatt.api.deps import DB, Allow, AssessorDep, ListsDep
from openatt.api.schemas import MAX_ID
from openatt.register import (
    amendments,
    appeals,
    lifecycle,
    mailer,
    notes,
    notify,
    periods,
    queries,
    server_clock,
    withdrawals,
)
from openatt.register.db import Database
from openatt.register.dialogue_models import AmendmentRow, QueryRow
from openatt.register.models import Role
from openatt.register.permissions import Permission as P
from openatt.register.users import Actor

router = APIRouter(tags=["dialogue"])
AppId = Annotated[int, Path(ge=1, le=MAX_ID, description="application id")]
QueryId = Annotated[int, Path(ge=1, le=MAX_ID, description="question id")]


def _staff(actor: Actor) -> bool:
    return actor.role != Role.applicant


def query_out(row: QueryRow, actor: Actor, today: dt.date | None = None) -> ds.QueryOut:
    return ds.QueryOut(
        id=row.id,
        application_id=row.application_id,
        question=row.question,
        asked_at=row.asked_at,
        respond_by=row.respond_by,
        status=row.status,
        answer=row.answer,
        documents=json.loads(row.documents),
        answered_at=row.answered_at,
        asked_by=row.asked_by if _staff(actor) else None,
        overdue=row.status == "open" and row.respond_by < (today or dt.date.today()),
    )


def amendment_out(row: AmendmentRow, actor: Actor) -> ds.AmendmentOut:
    staff = _staff(actor)
    return ds.AmendmentOut(
        id=row.id,
        application_id=row.application_id,
        supersedes_id=row.supersedes_id,
        reason=row.reason,
        differences=[ds.DifferenceOut(**d.__dict__) for d in amendments.differences_of(row)],
        amended_at=row.amended_at,
        recommendation_before=row.recommendation_before if staff else None,
        recommendation_after=row.recommendation_after if staff else None,
    )


def appeal_out(row: appeals.AppealShown) -> ds.AppealOut:
    """An appeal as its reader may see it (``appeals.shown``)."""
    return ds.AppealOut(
        id=row.id,
        application_id=row.application_id,
        decision_id=row.decision_id,
        grounds=row.grounds,
        deadline=row.deadline,
        lodged_at=row.lodged_at,
        outcome=row.outcome,
        reasons=row.reasons,
        decided_at=row.decided_at,
        result_decision_id=row.result_decision_id,
        decided_by=row.decided_by,
        awaiting_countersign=row.awaiting_countersign,
    )


def _deliver(tasks: BackgroundTasks, db: Database) -> None:
    tasks.add_task(notify.deliver_now, db)


@router.get("/applications/{application_id}/queries", response_model=list[ds.QueryOut])
def list_queries(
    application_id: AppId, db: DB, actor: Annotated[Actor, Allow(P.query_read)]
) -> list[ds.QueryOut]:
    with db.read() as session:
        return [query_out(q, actor) for q in queries.of_application(session, actor, application_id)]


@router.post("/applications/{application_id}/queries", response_model=ds.QueryOut, status_code=201)
def ask(
    application_id: AppId,
    body: ds.QueryIn,
    db: DB,
    tasks: BackgroundTasks,
    actor: Annotated[Actor, Allow(P.query_raise)],
) -> ds.QueryOut:
    """Ask the exporter a question; the company's users are notified."""
    with db.write() as session:
        row = queries.ask(
            session, actor, application_id, question=body.question, respond_by=body.respond_by
        )
        out = query_out(row, actor)
    _deliver(tasks, db)
    return out


@router.post("/applications/{application_id}/queries/{query_id}/answer", response_model=ds.QueryOut)
def answer(
    application_id: AppId,
    query_id: QueryId,
    body: ds.AnswerIn,
    db: DB,
    tasks: BackgroundTasks,
    actor: Annotated[Actor, Allow(P.query_answer)],
) -> ds.QueryOut:
    """Answer an open question (text, and references of documents given with it)."""
    with db.write() as session:
        row = queries.answer(
            session, actor, application_id, query_id, text=body.answer, documents=body.documents
        )
        out = query_out(row, actor)
    _deliver(tasks, db)
    return out


@router.get("/queries", response_model=list[ds.QueryOut])
def awaiting_exporter(db: DB, actor: Annotated[Actor, Allow(P.query_read)]) -> list[ds.QueryOut]:
    """Open questions, earliest due first: staff's "awaiting exporter", the applicant's
    "what is asked of you"."""
    with db.read() as session:
        return [query_out(q, actor) for q in queries.awaiting_exporter(session, actor)]


@router.get("/applications/{application_id}/notes", response_model=list[ds.NoteOut])
def list_notes(
    application_id: AppId, db: DB, actor: Annotated[Actor, Allow(P.note_read)]
) -> list[ds.NoteOut]:
    with db.read() as session:
        return [
            ds.NoteOut(
                id=n.id,
                application_id=n.application_id,
                text=n.text,
                mentions=json.loads(n.mentions),
                written_by=n.written_by,
                written_at=n.written_at,
            )
            for n in notes.of_application(session, actor, application_id)
        ]


@router.post("/applications/{application_id}/notes", response_model=ds.NoteOut, status_code=201)
def write_note(
    application_id: AppId,
    body: ds.NoteIn,
    db: DB,
    tasks: BackgroundTasks,
    actor: Annotated[Actor, Allow(P.note_write)],
) -> ds.NoteOut:
    """An internal note; each @username mentioned is notified."""
    with db.write() as session:
        n = notes.write(session, actor, application_id, text=body.text)
        out = ds.NoteOut(
            id=n.id,
            application_id=n.application_id,
            text=n.text,
            mentions=json.loads(n.mentions),
            written_by=n.written_by,
            written_at=n.written_at,
        )
    _deliver(tasks, db)
    return out


@router.post("/applications/{application_id}/withdraw", response_model=schemas.ApplicationOut)
def withdraw(
    application_id: AppId,
    body: ds.WithdrawIn,
    db: DB,
    actor: Annotated[Actor, Allow(P.application_withdraw)],
) -> schemas.ApplicationOut:
    """Withdraw the application before a decision takes effect."""
    with db.write() as session:
        row = withdrawals.withdraw(
            session, actor, application_id, reason=body.reason, expected_version=body.version
        )
        return views.application(row)


@router.post(
    "/applications/{application_id}/amend", response_model=ds.AmendmentOut, status_code=201
)
def amend(
    application_id: AppId,
    body: ds.AmendIn,
    db: DB,
    assessor: AssessorDep,
    store: ListsDep,
    actor: Annotated[Actor, Allow(P.application_amend)],
) -> ds.AmendmentOut:
    """Submit a new version that supersedes this one (kept); the differences are recorded
    field by field and the new version is screened at once."""
    with db.write() as session:
        row = amendments.amend(
            session,
            actor,
            application_id,
            body.application,
            reason=body.reason,
            assessor=assessor,
            lists=store,
            expected_version=body.version,
        )
        return amendment_out(row, actor)


@router.get("/applications/{application_id}/amendments", response_model=list[ds.AmendmentOut])
def list_amendments(
    application_id: AppId, db: DB, actor: Annotated[Actor, Allow(P.application_read)]
) -> list[ds.AmendmentOut]:
    with db.read() as session:
        return [
            amendment_out(a, actor)
            for a in amendments.of_application(session, actor, application_id)
        ]


@router.post("/applications/{application_id}/appeal", response_model=ds.AppealOut, status_code=201)
def lodge_appeal(
    application_id: AppId,
    body: ds.AppealIn,
    db: DB,
    tasks: BackgroundTasks,
    actor: Annotated[Actor, Allow(P.appeal_lodge)],
) -> ds.AppealOut:
    """Appeal against the refusal, within the appeal period."""
    with db.write() as session:
        row = appeals.lodge(
            session, actor, application_id, grounds=body.grounds, expected_version=body.version
        )
        out = appeal_out(appeals.shown(session, actor, row))
    _deliver(tasks, db)
    return out


@router.post("/applications/{application_id}/appeal/decide", response_model=ds.AppealOut)
def decide_appeal(
    application_id: AppId,
    body: ds.AppealDecisionIn,
    db: DB,
    tasks: BackgroundTasks,
    actor: Annotated[Actor, Allow(P.appeal_decide)],
) -> ds.AppealOut:
    """Uphold (a new approving decision) or dismiss the appeal; not by the refusal's
    decider or countersigner."""
    with db.write() as session:
        row = appeals.decide(
            session,
            actor,
            application_id,
            outcome=body.outcome,
            reasons=body.reasons,
            conditions=body.conditions,
            expected_version=body.version,
        )
        out = appeal_out(appeals.shown(session, actor, row))
    _deliver(tasks, db)
    return out


@router.get("/applications/{application_id}/appeals", response_model=list[ds.AppealOut])
def list_appeals(
    application_id: AppId, db: DB, actor: Annotated[Actor, Allow(P.application_read)]
) -> list[ds.AppealOut]:
    with db.read() as session:
        return [appeal_out(a) for a in appeals.shown_of_application(session, actor, application_id)]


@router.get("/notifications", response_model=list[ds.NotificationOut])
def my_notifications(db: DB, actor: Annotated[Actor, Allow(None)]) -> list[ds.NotificationOut]:
    """The latest notifications addressed to you, whether or not e-mail is configured."""
    with db.read() as session:
        return [
            ds.NotificationOut(
                id=n.id,
                kind=n.kind,
                application_id=n.application_id,
                subject=n.subject,
                body=n.body,
                status=n.status,
                created_at=n.created_at,
                sent_at=n.sent_at,
            )
            for n in notify.mine(session, actor)
        ]


@router.post("/notifications/deadlines", response_model=ds.DeadlinesOut)
def announce_deadlines(
    body: ds.DeadlinesIn, db: DB, actor: Annotated[Actor, Allow(P.notify_run)]
) -> ds.DeadlinesOut:
    """What ``openatt notify deadlines`` does, for a scheduler that calls HTTP: remind of
    deadlines, announce decisions, then send the outbox."""
    server_clock.refuse_client_date(body.today, "today")  # reminders by the server's clock
    day = dt.date.today()
    lead = periods.reminder_days() if body.days_before is None else body.days_before
    with db.write() as session:
        report = notify.announce_deadlines(session, day, lead)
        counts = (len(report.reminders), len(report.overdue), len(report.decisions))
    delivery = notify.deliver(db, mailer.config_from_env())
    return ds.DeadlinesOut(
        reminders=counts[0],
        overdue=counts[1],
        decisions=counts[2],
        sent=delivery.sent,
        failed=delivery.failed,
        waiting=delivery.waiting,
    )


@router.get("/lifecycle", response_model=list[ds.TransitionOut])
def lifecycle_table(actor: Annotated[Actor, Allow(None)]) -> list[ds.TransitionOut]:
    """Every transition of an application: from which states, to which, by which permission."""
    return [
        ds.TransitionOut(
            event=t.event,
            sources=[s.value for s in t.sources],
            targets=[s.value for s in t.targets],
            permission=t.permission.value,
            label=t.label,
        )
        for t in lifecycle.TRANSITIONS
    ]
