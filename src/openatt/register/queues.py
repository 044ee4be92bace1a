"""Team queues, a case's place in them, its assignment to an officer and its target date.

A case enters queues by hand (``put_in_queue``, ``move_to_queue``) or by a routing rule
(:mod:`openatt.register.routing`); it leaves by ``remove_from_queue``, which stamps the row
rather than deleting it. ``case_work`` holds, per submitted case, when it was received, its
target date in working days (the number per kind of transfer and the public holidays come from
:mod:`openatt.register.casework_config`, whose version is stored with the date) and who it is
assigned to. Each change is one event in the hash-chained log naming the case's reference, so
it appears in the case's history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from openatt.register import audit, casework_config, workdays
from openatt.register.applications import get
from openatt.register.errors import Conflict, Invalid, RegisterError
from openatt.register.models import ApplicationRow, Role, State, User
from openatt.register.permissions import Permission, require
from openatt.register.queue_tables import CaseQueueRow, CaseWorkRow, QueueRow
from openatt.register.users import Actor

STAFF_ROLES = (Role.officer.value, Role.senior_reviewer.value)
NAME_MAX = 80


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _text(value: str, field: str, limit: int) -> str:
    cleaned = " ".join(value.split())
    if not cleaned:
        raise Invalid(f"{field} is required", field=(field,))
    if len(cleaned) > limit:
        raise Invalid(f"{field} is longer than {limit} characters", field=(field,))
    return cleaned


# --- queues ---------------------------------------------------------------------------------


def add_queue(
    session: Session, actor: Actor, *, name: str, team: str, description: str = ""
) -> QueueRow:
    """A new team queue (names are unique; a clash is refused on ``name``)."""
    require(actor, Permission.casework_configure)
    name = _text(name, "name", NAME_MAX)
    team = _text(team, "team", NAME_MAX)
    if session.execute(select(QueueRow).where(QueueRow.name == name)).scalar() is not None:
        raise Invalid(f"a queue named {name!r} already exists", field=("name",))
    row = QueueRow(
        name=name,
        team=team,
        description=description.strip(),
        active=True,
        created_by=actor.label,
        created_at=_now(),
    )
    session.add(row)
    audit.record(session, actor=actor.label, action="queue.create", row=row, payload={"name": name})
    return row


def list_queues(session: Session, actor: Actor) -> list[QueueRow]:
    require(actor, Permission.casework_read)
    return list(session.execute(select(QueueRow).order_by(QueueRow.team, QueueRow.name)).scalars())


def queue_named(session: Session, name: str, field: str = "queue") -> QueueRow:
    row = session.execute(select(QueueRow).where(QueueRow.name == name)).scalar()
    if row is None or not row.active:
        raise Invalid(f"no active queue named {name!r}", field=(field,))
    return row


def _queue(session: Session, queue_id: int) -> QueueRow:
    row = session.get(QueueRow, queue_id)
    if row is None or not row.active:
        raise Invalid(f"no active queue {queue_id}", field=("queue",))
    return row


def _staff_case(session: Session, actor: Actor, application_id: int) -> ApplicationRow:
    row = get(session, actor, application_id)
    if row.state == State.draft.value:
        raise Conflict(f"{row.reference} is a draft; it joins queues when it is submitted")
    return row


def current_queues(session: Session, application_id: int) -> list[CaseQueueRow]:
    return list(
        session.execute(
            select(CaseQueueRow)
            .where(
                CaseQueueRow.application_id == application_id,
                CaseQueueRow.removed_at.is_(None),
            )
            .order_by(CaseQueueRow.id)
        ).scalars()
    )


def enqueue(
    session: Session, actor: Actor, row: ApplicationRow, queue: QueueRow, *, rule: str = ""
) -> CaseQueueRow | None:
    """Put ``row`` in ``queue`` unless it is there already (no permission check: callers do)."""
    if any(q.queue_id == queue.id for q in current_queues(session, row.id)):
        return None
    placed = CaseQueueRow(
        application_id=row.id,
        queue_id=queue.id,
        rule=rule,
        added_by=actor.label,
        added_at=_now(),
    )
    session.add(placed)
    audit.record(
        session,
        actor=actor.label,
        action="case.queue.add",
        row=placed,
        payload={"application": row.reference, "queue": queue.name, "rule": rule},
    )
    return placed


def put_in_queue(
    session: Session, actor: Actor, application_id: int, queue_id: int
) -> CaseQueueRow:
    require(actor, Permission.case_route)
    row = _staff_case(session, actor, application_id)
    queue = _queue(session, queue_id)
    placed = enqueue(session, actor, row, queue)
    if placed is None:
        raise Conflict(f"{row.reference} is already in {queue.name}", field=("queue",))
    return placed


def remove_from_queue(
    session: Session, actor: Actor, application_id: int, queue_id: int
) -> CaseQueueRow:
    require(actor, Permission.case_route)
    row = _staff_case(session, actor, application_id)
    found = [q for q in current_queues(session, row.id) if q.queue_id == queue_id]
    if not found:
        raise Invalid(f"{row.reference} is not in queue {queue_id}", field=("queue",))
    placed = found[0]
    placed.removed_at = _now()
    placed.removed_by = actor.label
    queue = session.get(QueueRow, queue_id)
    audit.record(
        session,
        actor=actor.label,
        action="case.queue.remove",
        row=placed,
        payload={"application": row.reference, "queue": queue.name if queue else queue_id},
    )
    return placed


def move_to_queue(
    session: Session, actor: Actor, application_id: int, queue_id: int
) -> CaseQueueRow:
    """Take the case out of every queue it is in and put it in ``queue_id``."""
    require(actor, Permission.case_route)
    row = _staff_case(session, actor, application_id)
    queue = _queue(session, queue_id)
    placed: CaseQueueRow | None = None
    for current in current_queues(session, row.id):
        if current.queue_id == queue.id:
            placed = current
            continue
        remove_from_queue(session, actor, row.id, current.queue_id)
    return placed or put_in_queue(session, actor, row.id, queue.id)


# --- target dates and assignment ------------------------------------------------------------


def work_of(session: Session, application_id: int) -> CaseWorkRow | None:
    return session.execute(
        select(CaseWorkRow).where(CaseWorkRow.application_id == application_id)
    ).scalar()


def target_for(kind: str, received_on: dt.date) -> tuple[int, dt.date, str]:
    """Working days, target date and configuration version for a case received that day."""
    config = casework_config.load()
    from openatt.core.model import TransferKind

    days = config.target_working_days[TransferKind(kind)]
    return days, workdays.add_working_days(received_on, days, config.holiday_dates), config.version


def open_case_work(
    session: Session, actor: Actor, row: ApplicationRow, received_on: dt.date | None = None
) -> CaseWorkRow:
    """On submission: the case's received date and target date (once; later calls keep it)."""
    existing = work_of(session, row.id)
    if existing is not None:
        return existing
    day = received_on or _now().date()
    days, target, version = target_for(row.kind, day)
    work = CaseWorkRow(
        application_id=row.id,
        received_on=day,
        target_days=days,
        target_on=target,
        calendar=version,
    )
    session.add(work)
    audit.record(
        session,
        actor=actor.label,
        action="case.target",
        row=work,
        payload={
            "application": row.reference,
            "received_on": day,
            "target_on": target,
            "working_days": days,
            "calendar": version,
        },
    )
    return work


def set_received(
    session: Session, actor: Actor, application_id: int, received_on: dt.date, reason: str
) -> CaseWorkRow:
    """Correct the date the authority received the case (e.g. a paper application); the
    target date is computed again from it. Not in the future, and a reason is required."""
    require(actor, Permission.case_assign)
    if not reason.strip():
        raise Invalid("say why the received date changes", field=("reason",))
    if received_on > _now().date():
        raise Invalid("the received date cannot be in the future", field=("received_on",))
    row = _staff_case(session, actor, application_id)
    work = work_of(session, row.id) or open_case_work(session, actor, row, received_on)
    days, target, version = target_for(row.kind, received_on)
    before = work.received_on
    work.received_on, work.target_days, work.target_on, work.calendar = (
        received_on,
        days,
        target,
        version,
    )
    audit.record(
        session,
        actor=actor.label,
        action="case.received",
        row=work,
        payload={
            "application": row.reference,
            "received_on": received_on,
            "was": before,
            "target_on": target,
            "calendar": version,
            "reason": reason.strip(),
        },
    )
    return work


def staff_user(session: Session, username: str, field: str = "assignee") -> User:
    user = session.execute(select(User).where(User.username == username)).scalar()
    if user is None or not user.active or user.role not in STAFF_ROLES:
        raise Invalid(f"{username!r} is not an active officer or senior reviewer", field=(field,))
    return user


def assign(
    session: Session, actor: Actor, application_id: int, username: str | None
) -> CaseWorkRow:
    """Assign the case to an officer (``None``: unassign). Reassigning names both."""
    require(actor, Permission.case_assign)
    row = _staff_case(session, actor, application_id)
    user = staff_user(session, username) if username else None
    work = work_of(session, row.id) or open_case_work(session, actor, row)
    if work.assigned_to == (user.id if user else None):
        who = username or "nobody"
        raise Conflict(f"{row.reference} is already assigned to {who}", field=("assignee",))
    before = session.get(User, work.assigned_to) if work.assigned_to else None
    work.assigned_to = user.id if user else None
    work.assigned_at = _now() if user else None
    audit.record(
        session,
        actor=actor.label,
        action="case.assign" if before is None else "case.reassign",
        row=work,
        payload={
            "application": row.reference,
            "to": username,
            "from": before.username if before else None,
        },
    )
    return work


# --- bulk -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BulkResult:
    application_id: int
    reference: str
    ok: bool
    message: str


BULK_ACTIONS = ("assign", "move", "add")
MAX_BULK = 200


def bulk(
    session: Session,
    actor: Actor,
    application_ids: Sequence[int],
    action: str,
    *,
    assignee: str | None = None,
    queue_id: int | None = None,
) -> list[BulkResult]:
    """Assign, move to a queue or add to a queue, case by case: each case either changes
    completely or not at all (a savepoint each), and each gets its own result. The cases are
    taken in ascending id order, whatever order they were chosen in: every bulk action then
    locks its cases' rows in one order, so two officers' overlapping bulk actions queue on
    PostgreSQL instead of deadlocking (the results come back in that order)."""
    if action not in BULK_ACTIONS:
        raise Invalid(f"choose one of: {', '.join(BULK_ACTIONS)}", field=("action",))
    if not application_ids:
        raise Invalid("choose at least one case", field=("cases",))
    if len(application_ids) > MAX_BULK:
        raise Invalid(f"at most {MAX_BULK} cases at once", field=("cases",))
    if action == "assign":
        require(actor, Permission.case_assign)
        if not assignee:
            raise Invalid("choose the officer", field=("assignee",))
        staff_user(session, assignee)
    else:
        require(actor, Permission.case_route)
        if queue_id is None:
            raise Invalid("choose the queue", field=("queue",))
        _queue(session, queue_id)
    step: Callable[[int], object] = {
        "assign": lambda i: assign(session, actor, i, assignee),
        "move": lambda i: move_to_queue(session, actor, i, queue_id or 0),
        "add": lambda i: put_in_queue(session, actor, i, queue_id or 0),
    }[action]
    results = []
    for application_id in sorted(set(application_ids)):
        reference = str(application_id)
        try:
            with session.begin_nested():
                reference = get(session, actor, application_id).reference
                step(application_id)
            results.append(BulkResult(application_id, reference, True, "done"))
        except RegisterError as error:  # not found, a draft, already there: this case only
            results.append(BulkResult(application_id, reference, False, error.message))
    return results
