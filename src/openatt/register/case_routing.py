"""What the case page shows staff of a case's queues, assignment, target date and flags, and
what its forms offer (read in a few queries, for users who may read casework)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from openatt.register import casework_config, flags, queues, workdays
from openatt.register.applications import payload_of
from openatt.register.flags import CaseFlag
from openatt.register.models import ApplicationRow, User
from openatt.register.permissions import Permission, allowed
from openatt.register.queue_tables import CaseQueueRow, CaseWorkRow, FlagDefinitionRow, QueueRow
from openatt.register.users import Actor
from openatt.register.worklist import BEFORE_DECISION


@dataclass(frozen=True)
class CasePanel:
    queues: list[tuple[CaseQueueRow, QueueRow]]
    work: CaseWorkRow | None
    assignee: str | None
    flags: list[CaseFlag]
    all_queues: list[QueueRow]
    definitions: list[FlagDefinitionRow]
    officers: list[str]
    targets: dict[str, str]
    overdue_days: int | None

    @property
    def active_flags(self) -> list[CaseFlag]:
        return [f for f in self.flags if f.active]

    @property
    def cleared_flags(self) -> list[CaseFlag]:
        return [f for f in self.flags if not f.active]

    @property
    def blocking(self) -> list[CaseFlag]:
        return [f for f in self.active_flags if f.definition.blocking]


def panel(session: Session, actor: Actor, row: ApplicationRow) -> CasePanel | None:
    """The panel, or ``None`` for a user who may not read casework (applicants, monitors)."""
    if not allowed(actor.role, Permission.casework_read):
        return None
    placed = [
        (cq, q)
        for cq, q in session.execute(
            select(CaseQueueRow, QueueRow)
            .join(QueueRow, QueueRow.id == CaseQueueRow.queue_id)
            .where(CaseQueueRow.application_id == row.id, CaseQueueRow.removed_at.is_(None))
            .order_by(QueueRow.name)
        ).all()
    ]
    work = queues.work_of(session, row.id)
    assignee = session.get(User, work.assigned_to) if work and work.assigned_to else None
    application = payload_of(row)
    targets: dict[str, str] = {}
    for level in ("case", "party", "goods", "destination"):
        targets.update(flags.targets(application, level))
    overdue = None
    if work is not None and row.state in BEFORE_DECISION:
        today = dt.date.today()
        if work.target_on < today:
            holidays = casework_config.load().holiday_dates
            overdue = workdays.working_days_between(work.target_on, today, holidays)
    return CasePanel(
        queues=placed,
        work=work,
        assignee=assignee.username if assignee else None,
        flags=flags.on_case(session, row),
        all_queues=[q for q in queues.list_queues(session, actor) if q.active],
        definitions=[d for d in flags.definitions(session, actor) if d.active],
        officers=list(
            session.execute(
                select(User.username)
                .where(User.role.in_(queues.STAFF_ROLES), User.active.is_(True))
                .order_by(User.username)
            ).scalars()
        ),
        targets=targets,
        overdue_days=overdue,
    )
