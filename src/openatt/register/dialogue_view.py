"""What the case page shows of the dialogue with the exporter, per audience.

The exporter sees the questions asked of it, its answers, the amendments it made, its
appeals and what it may still do (amend, withdraw, appeal, until when). Staff see the same
and the internal notes, who asked and who decided. Read through the register's permission
checks, like :mod:`casefile`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from openatt.register import amendments, appeals, lifecycle, notes, periods, queries
from openatt.register.amendments import Difference
from openatt.register.appeals import AppealShown
from openatt.register.applications import get
from openatt.register.casefile import user_names
from openatt.register.dialogue_models import AmendmentRow, CaseNoteRow, QueryRow
from openatt.register.models import ApplicationRow, Role, State
from openatt.register.permissions import Permission, allowed
from openatt.register.users import Actor


@dataclass(frozen=True)
class AmendmentLine:
    row: AmendmentRow
    differences: list[Difference]
    new_reference: str
    old_reference: str


@dataclass(frozen=True)
class DialogueView:
    audience: str
    queries: list[QueryRow]
    notes: list[CaseNoteRow]
    amendments: list[AmendmentLine]
    appeals: list[AppealShown]
    appeal_until: dt.date | None
    may_withdraw: bool
    may_amend: bool
    may_appeal: bool
    may_ask: bool
    today: dt.date
    query_days: int
    names: dict[int, str] = field(default_factory=dict)

    @property
    def open_queries(self) -> list[QueryRow]:
        return [q for q in self.queries if q.status == "open"]

    @property
    def pending_appeal(self) -> AppealShown | None:
        return next((a for a in self.appeals if a.outcome is None), None)

    def name(self, user_id: int | None) -> str:
        """A colleague's username for staff; the exporter is never told who."""
        if user_id is None or self.audience != "staff":
            return ""
        return self.names.get(user_id, f"user {user_id}")


def _in(state: str, event: str) -> bool:
    return State(state) in lifecycle.sources(event)


def dialogue_view(
    session: Session, actor: Actor, application_id: int, today: dt.date | None = None
) -> DialogueView:
    row: ApplicationRow = get(session, actor, application_id)
    staff = actor.role != Role.applicant
    day = today or dt.date.today()
    asked = (
        queries.of_application(session, actor, row.id)
        if allowed(actor.role, Permission.query_read)
        else []
    )
    internal = (
        notes.of_application(session, actor, row.id)
        if allowed(actor.role, Permission.note_read)
        else []
    )
    lines = []
    for amendment in amendments.of_application(session, actor, row.id):
        references = {
            r.id: r.reference
            for r in (
                session.get(ApplicationRow, amendment.application_id),
                session.get(ApplicationRow, amendment.supersedes_id),
            )
            if r is not None
        }
        lines.append(
            AmendmentLine(
                amendment,
                amendments.differences_of(amendment),
                references.get(amendment.application_id, ""),
                references.get(amendment.supersedes_id, ""),
            )
        )
    lodged = appeals.shown_of_application(session, actor, row.id)
    refusal = appeals.refusal_of(session, row.id) if row.state == State.denied.value else None
    appeal_until = refusal[1] if refusal and refusal[1] >= day else None
    people = {q.asked_by for q in asked} | {n.written_by for n in internal}
    people |= {a.decided_by for a in lodged if a.decided_by is not None}
    return DialogueView(
        audience="staff" if staff else "applicant",
        queries=asked,
        notes=internal,
        amendments=lines,
        appeals=lodged,
        appeal_until=appeal_until,
        may_withdraw=allowed(actor.role, Permission.application_withdraw)
        and _in(row.state, "application.withdraw"),
        may_amend=allowed(actor.role, Permission.application_amend)
        and _in(row.state, "application.amend"),
        may_appeal=allowed(actor.role, Permission.appeal_lodge)
        and _in(row.state, "application.appeal")
        and appeal_until is not None,
        may_ask=allowed(actor.role, Permission.query_raise) and State(row.state) in queries.ASKABLE,
        today=day,
        query_days=periods.query_days(),
        names=user_names(session, people) if staff else {},
    )
