"""The officers' work queue: applications with their age and the officer handling them.

A case's handler is the officer who made its latest assessment (nobody before one is made):
the register has no separate assignment step, so the queue shows who actually holds the case.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openatt.register.applications import Filters, _filtered
from openatt.register.models import ApplicationRow, AssessmentRow, User
from openatt.register.permissions import Permission, require
from openatt.register.users import Actor


class Sort(StrEnum):
    newest = "newest"
    oldest = "oldest"
    updated = "updated"


@dataclass(frozen=True)
class QueueEntry:
    row: ApplicationRow
    handler: str | None
    recommendation: str | None

    def age_days(self, today: dt.date | None = None) -> int:
        created = self.row.created_at
        day = created.date() if isinstance(created, dt.datetime) else created
        return ((today or dt.date.today()) - day).days


def queue(
    session: Session,
    actor: Actor,
    filters: Filters,
    *,
    handler: str | None = None,
    sort: Sort = Sort.newest,
    limit: int = 25,
    offset: int = 0,
) -> tuple[list[QueueEntry], int]:
    """One page of the queue and the total. ``handler``: a username, or ``"none"`` for
    cases nobody has assessed yet."""
    require(actor, Permission.application_read)
    latest = (
        select(AssessmentRow.application_id, func.max(AssessmentRow.id).label("last"))
        .group_by(AssessmentRow.application_id)
        .subquery()
    )
    query = (
        _filtered(actor, filters)
        .add_columns(User.username, AssessmentRow.recommendation)
        .outerjoin(latest, latest.c.application_id == ApplicationRow.id)
        .outerjoin(AssessmentRow, AssessmentRow.id == latest.c.last)
        .outerjoin(User, User.id == AssessmentRow.assessed_by)
    )
    if handler == "none":
        query = query.where(AssessmentRow.id.is_(None))
    elif handler:
        query = query.where(User.username == handler)
    counted = query if handler else _filtered(actor, filters)
    total = session.execute(
        select(func.count()).select_from(counted.with_only_columns(ApplicationRow.id).subquery())
    ).scalar_one()
    order = {
        Sort.newest: (ApplicationRow.created_at.desc(), ApplicationRow.id.desc()),
        Sort.oldest: (ApplicationRow.created_at.asc(), ApplicationRow.id.asc()),
        Sort.updated: (ApplicationRow.updated_at.desc(), ApplicationRow.id.desc()),
    }[sort]
    # Sort and page on the narrow columns, then load the page's rows: sorting whole rows
    # (payload included) is what makes deep pages slow.
    page = session.execute(
        query.with_only_columns(ApplicationRow.id, User.username, AssessmentRow.recommendation)
        .order_by(*order)
        .limit(limit)
        .offset(offset)
    ).all()
    loaded = {
        row.id: row
        for row in session.execute(
            select(ApplicationRow).where(ApplicationRow.id.in_([r[0] for r in page]))
        ).scalars()
    }
    return [QueueEntry(loaded[r[0]], r[1], r[2]) for r in page], int(total)


def handlers(session: Session, actor: Actor) -> list[str]:
    """Usernames of the staff who may handle cases (for the queue's filter)."""
    require(actor, Permission.application_read)
    if actor.role.value == "applicant":
        return []
    return list(
        session.execute(
            select(User.username)
            .where(User.role.in_(("officer", "senior_reviewer")), User.active.is_(True))
            .order_by(User.username)
        ).scalars()
    )


def counts_by_state(session: Session, actor: Actor) -> dict[str, int]:
    """How many applications this user may see are in each state (the queue's tabs)."""
    require(actor, Permission.application_read)
    query = _filtered(actor, Filters()).with_only_columns(ApplicationRow.state, func.count())
    rows = session.execute(query.group_by(ApplicationRow.state)).all()
    return {str(state): int(count) for state, count in rows}
