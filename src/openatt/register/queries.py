"""Questions to the exporter (LITE's "ECJU queries") and their answers.

Staff ask from the case while the authority is working on it; the applicant's users of the
company answer with text (and, through the documents seam, references of documents they
gave); an open question is "what is asked of you" to the applicant and "awaiting
exporter" to staff. Each question has a date by which it is to be answered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from openatt.register import audit, canonical, notify, periods
from openatt.register.applications import get, log
from openatt.register.dialogue_models import QueryRow
from openatt.register.errors import Conflict, Invalid, NotFound
from openatt.register.models import ApplicationRow, State
from openatt.register.permissions import Permission, require
from openatt.register.users import Actor

MAX_QUESTION = 5000  # LITE's limits for a query and its response
MAX_ANSWER = 5000
MAX_DOCUMENTS = 20
# While the authority works on a case it may ask; not on a draft nor a closed case.
ASKABLE = (
    State.submitted,
    State.screened,
    State.assessed,
    State.awaiting_countersign,
    State.appealed,
)


def of_application(session: Session, actor: Actor, application_id: int) -> list[QueryRow]:
    """Every question on a case, oldest first."""
    require(actor, Permission.query_read)
    row = get(session, actor, application_id)
    return list(
        session.execute(
            select(QueryRow).where(QueryRow.application_id == row.id).order_by(QueryRow.id)
        ).scalars()
    )


def _text(value: str, name: str, limit: int, what: str) -> str:
    text = value.strip()
    if not text:
        raise Invalid(f"write the {what}", field=(name,))
    if len(text) > limit:
        raise Invalid(f"at most {limit} characters ({len(text)} given)", field=(name,))
    return text


def ask(
    session: Session,
    actor: Actor,
    application_id: int,
    *,
    question: str,
    respond_by: dt.date | None = None,
    today: dt.date | None = None,
) -> QueryRow:
    """Ask the exporter a question; the company's applicant users are notified."""
    require(actor, Permission.query_raise)
    text = _text(question, "question", MAX_QUESTION, "question")
    day = today or dt.date.today()
    due = respond_by or day + dt.timedelta(days=periods.query_days())
    if due <= day:
        raise Invalid("the answer date must be after today", field=("respond_by",))
    if due > day + dt.timedelta(days=366):
        raise Invalid("the answer date must be within a year", field=("respond_by",))
    row = get(session, actor, application_id)
    if State(row.state) not in ASKABLE:
        allowed = ", ".join(s.value for s in ASKABLE)
        raise Conflict(f"{row.reference} is {row.state}; questions need: {allowed}")
    query = QueryRow(
        application_id=row.id,
        question=text,
        asked_by=actor.id,
        asked_at=dt.datetime.now(dt.UTC),
        respond_by=due,
        status="open",
        answer=None,
        documents="[]",
    )
    session.add(query)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="query.ask",
        row=query,
        payload={"application": row.reference, "respond_by": due},
    )
    log(session, actor, "application.query", row, query=query.id)
    notify.tell_applicants(
        session,
        actor.label,
        row,
        kind="query.asked",
        key=f"query.asked:{query.id}",
        subject=f"{row.reference}: the licensing authority asks a question",
        body=(
            f"The licensing authority has a question on application {row.reference}. "
            f"Please answer it by {due}.\n\n{text}\n\nLog in to the register to answer."
        ),
    )
    return query


def _open_query(session: Session, row: ApplicationRow, query_id: int) -> QueryRow:
    query = session.get(QueryRow, query_id)
    if query is None or query.application_id != row.id:
        raise NotFound(f"question {query_id} not found on {row.reference}")
    return query


def answer(
    session: Session,
    actor: Actor,
    application_id: int,
    query_id: int,
    *,
    text: str,
    documents: Sequence[str] = (),
) -> QueryRow:
    """Answer an open question. ``documents``: references of documents given with the
    answer (the documents service stores the files; this keeps their references)."""
    require(actor, Permission.query_answer)
    reply = _text(text, "answer", MAX_ANSWER, "answer")
    references = [d.strip() for d in documents if d.strip()]
    if len(references) > MAX_DOCUMENTS or any(len(d) > 200 for d in references):
        raise Invalid(f"at most {MAX_DOCUMENTS} references of 200 characters", field=("documents",))
    row = get(session, actor, application_id)
    query = _open_query(session, row, query_id)
    if query.status != "open":
        raise Conflict(f"question {query_id} is already answered")
    query.status = "answered"
    query.answer = reply
    query.documents = canonical.dumps(references)
    query.answered_by = actor.id
    query.answered_at = dt.datetime.now(dt.UTC)
    audit.record(
        session,
        actor=actor.label,
        action="query.answer",
        row=query,
        payload={"application": row.reference, "documents": references},
    )
    log(session, actor, "application.answer", row, query=query.id)
    notify.tell_user(
        session,
        actor.label,
        query.asked_by,
        row,
        kind="query.answered",
        key=f"query.answered:{query.id}",
        subject=f"{row.reference}: the exporter answered your question",
        body=f"{row.company} answered your question on {row.reference}:\n\n{reply}",
    )
    return query


def awaiting_exporter(session: Session, actor: Actor, *, limit: int = 200) -> list[QueryRow]:
    """Open questions on the cases this user may see, the earliest due first (the queue's
    "awaiting exporter"; the applicant's "what is asked of you")."""
    require(actor, Permission.query_read)
    query = (
        select(QueryRow)
        .join(ApplicationRow, ApplicationRow.id == QueryRow.application_id)
        .where(QueryRow.status == "open")
    )
    if actor.role.value == "applicant":
        query = query.where(ApplicationRow.company == actor.company)
    return list(
        session.execute(query.order_by(QueryRow.respond_by, QueryRow.id).limit(limit)).scalars()
    )


def open_counts(session: Session, application_ids: Sequence[int]) -> dict[int, int]:
    """Open questions per application (for marking a queue's rows "awaiting exporter")."""
    if not application_ids:
        return {}
    found: dict[int, int] = {}
    for app_id in session.execute(
        select(QueryRow.application_id).where(
            QueryRow.application_id.in_(list(application_ids)), QueryRow.status == "open"
        )
    ).scalars():
        found[int(app_id)] = found.get(int(app_id), 0) + 1
    return found
