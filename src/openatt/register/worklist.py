"""The officers' work queue: applications with their age and the officer handling them.

A case's handler is the officer who made its latest assessment (nobody before one is made).
Its assignee is the officer it is assigned to (:mod:`openatt.register.queues`); the queue also
shows its target date (marked when past), its team queues and its active flags, and filters by
queue, assignee, flag and lateness. A page costs the same few queries whatever its size: the
queues and flags of the page's cases are loaded in one query each.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any, Literal, TypeVar

from sqlalchemy import ColumnElement, Integer, Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session, aliased, defer

from openatt.register.applications import Filters, _filtered
from openatt.register.flags import Chip, chips
from openatt.register.keyset import After, Kind
from openatt.register.models import ApplicationRow, AssessmentRow, Role, State, User
from openatt.register.permissions import Permission, require
from openatt.register.queue_tables import (
    CaseFlagRow,
    CaseQueueRow,
    CaseWorkRow,
    FlagDefinitionRow,
    QueueRow,
)
from openatt.register.users import Actor

T = TypeVar("T", bound=Any)


class Sort(StrEnum):
    newest = "newest"
    oldest = "oldest"
    updated = "updated"
    target = "target"


# The column each sort orders by before the id, and its kind (keyset pagination: where a
# page ended is the last row's value of it and its id, ``register.keyset``)
SORT_COLUMNS: dict[Sort, tuple[Any, Kind]] = {
    Sort.newest: (ApplicationRow.created_at, "datetime"),
    Sort.oldest: (ApplicationRow.created_at, "datetime"),
    Sort.updated: (ApplicationRow.updated_at, "datetime"),
    Sort.target: (CaseWorkRow.target_on, "date"),
}


def kind_of(sort: Sort) -> Kind:
    """The kind of value the sort's column holds (how a cursor's value is read back)."""
    return SORT_COLUMNS[sort][1]


def nullable(sort: Sort) -> bool:
    """Whether a case may have no value in the sort's column (no target date)."""
    return sort is Sort.target


# A target date matters until the case is decided.
BEFORE_DECISION = (
    State.submitted.value,
    State.screened.value,
    State.assessed.value,
    State.awaiting_countersign.value,
)


@dataclass(frozen=True)
class QueueEntry:
    row: ApplicationRow
    handler: str | None
    recommendation: str | None
    target_on: dt.date | None = None
    assignee: str | None = None
    queues: list[str] = field(default_factory=list)
    flags: list[Chip] = field(default_factory=list)

    def overdue(self, today: dt.date | None = None) -> bool:
        """Past its target date and not yet decided."""
        return (
            self.target_on is not None
            and self.row.state in BEFORE_DECISION
            and self.target_on < (today or dt.date.today())
        )

    @property
    def blocked(self) -> bool:
        return any(chip.blocking for chip in self.flags)

    def age_days(self, today: dt.date | None = None) -> int:
        created = self.row.created_at
        day = created.date() if isinstance(created, dt.datetime) else created
        return ((today or dt.date.today()) - day).days


# What a work item of the API shows of the application itself.
_ITEM_COLUMNS = (
    ApplicationRow.reference,
    ApplicationRow.state,
    ApplicationRow.company,
    ApplicationRow.importing_state,
)


def _page(
    session: Session,
    actor: Actor,
    filters: Filters,
    *,
    handler: str | None = None,
    sort: Sort = Sort.newest,
    limit: int = 25,
    offset: int = 0,
    queue_id: int | None = None,
    assignee: str | None = None,
    flag_id: int | None = None,
    overdue: bool = False,
    today: dt.date | None = None,
    with_items: bool = False,
    after: After | None = None,
) -> tuple[list[Any], int, bool, After | None]:
    """The page's (id, handler, recommendation, target, assignee) rows, the total, whether
    the actor is staff, and where the next page starts (None on the last page).
    ``with_items``: the rows also carry the application's columns that a work item shows
    (:data:`_ITEM_COLUMNS`), read in the same query. ``after``: start after that row of a
    page of the same sort (keyset; ``offset`` then counts from there)."""
    require(actor, Permission.application_read)
    staff = actor.role.value != "applicant"
    if after is not None and after.sort != sort.value:
        raise ValueError(f"a cursor of the sort {after.sort!r} for a page sorted by {sort.value!r}")
    cursor = None if after is None else "null" if after.value is None else "value"
    counting, paging = _statements(
        actor.role,
        actor.company,
        filters,
        handler,
        sort,
        limit,
        offset,
        queue_id,
        assignee,
        flag_id,
        overdue,
        today or dt.date.today(),
        with_items,
        cursor,
    )
    total = session.execute(counting).scalar_one()
    where = {} if after is None else {"after_value": after.value, "after_id": after.id}
    page = list(session.execute(paging, where).all())
    # one row more than the page is read: there is a next page only if it came; the
    # sort's value is the last column of every row (``_statements``)
    more = len(page) > limit
    del page[limit:]
    ends = After(sort.value, page[-1][-1], page[-1][0]) if more else None
    return page, int(total), staff, ends


@lru_cache(maxsize=256)
def _statements(
    role: Role,
    company: str | None,
    filters: Filters,
    handler: str | None,
    sort: Sort,
    limit: int,
    offset: int,
    queue_id: int | None,
    assignee: str | None,
    flag_id: int | None,
    overdue: bool,
    today: dt.date,
    with_items: bool,
    cursor: Literal["value", "null"] | None = None,
) -> tuple[Any, Any]:
    """The count and the page statements for these arguments. Built once per distinct set
    of arguments and kept (issue 16): building this statement and its cache key cost more
    than running it, and the queue is asked for the same page all day. Every argument that
    shapes the SQL is part of the key (the date too), so a kept statement is the one that
    would be built again. ``cursor``: the page starts after a row (``after_value`` and
    ``after_id``, bound when it runs), whose sort value is a value or, for a case without a
    target date, none."""
    actor = Actor(id=0, username="", role=role, company=company)  # _filtered reads these two
    staff = role.value != "applicant"
    assigned = aliased(User)
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
        .outerjoin(CaseWorkRow, CaseWorkRow.application_id == ApplicationRow.id)
        .outerjoin(assigned, assigned.id == CaseWorkRow.assigned_to)
    )
    if handler == "none":
        query = query.where(AssessmentRow.id.is_(None))
    elif handler:
        query = query.where(User.username == handler)
    if staff:
        query = _casework_filters(query, assigned, queue_id, assignee, flag_id, overdue, today)
    narrowed = staff and any((queue_id, assignee, flag_id, overdue))
    counted = query if handler or narrowed else _filtered(actor, filters)
    order = {
        Sort.newest: (ApplicationRow.created_at.desc(), ApplicationRow.id.desc()),
        Sort.oldest: (ApplicationRow.created_at.asc(), ApplicationRow.id.asc()),
        Sort.updated: (ApplicationRow.updated_at.desc(), ApplicationRow.id.desc()),
        Sort.target: (
            CaseWorkRow.target_on.is_(None),
            CaseWorkRow.target_on.asc(),
            ApplicationRow.id.asc(),
        ),
    }[sort]
    column, _ = SORT_COLUMNS[sort]
    paged = query if cursor is None else query.where(_after(sort, column, cursor))
    # Sort and page on the narrow columns, then load the page's rows: sorting whole rows
    # (payload included) is what makes deep pages slow.
    paging = (
        paged.with_only_columns(
            ApplicationRow.id,
            User.username,
            AssessmentRow.recommendation,
            CaseWorkRow.target_on,
            assigned.username,
            *(_ITEM_COLUMNS if with_items else ()),
            column,  # last: where the page ends (``_page``)
        )
        .order_by(*order)
        .limit(limit + 1)  # one more: whether a next page exists (``_page``)
        .offset(offset)
    )
    counting = select(func.count()).select_from(
        counted.with_only_columns(ApplicationRow.id).subquery()
    )
    return counting, paging


def _after(sort: Sort, column: Any, cursor: Literal["value", "null"]) -> ColumnElement[bool]:
    """The rows after the cursor's (``after_value``, ``after_id``) in the sort's order:
    (value, id) past the cursor's pair, the id breaking ties. Cases without a target date
    come last when sorted by it, in the order of their ids."""
    value = bindparam("after_value", type_=column.type)
    last = bindparam("after_id", type_=Integer())
    row = ApplicationRow.id
    if sort is Sort.target:
        if cursor == "null":
            return and_(column.is_(None), row > last)
        return or_(column.is_(None), column > value, and_(column == value, row > last))
    if sort is Sort.oldest:
        return or_(column > value, and_(column == value, row > last))
    return or_(column < value, and_(column == value, row < last))


def queue(
    session: Session,
    actor: Actor,
    filters: Filters,
    *,
    handler: str | None = None,
    sort: Sort = Sort.newest,
    limit: int = 25,
    offset: int = 0,
    queue_id: int | None = None,
    assignee: str | None = None,
    flag_id: int | None = None,
    overdue: bool = False,
    today: dt.date | None = None,
) -> tuple[list[QueueEntry], int]:
    """One page of the queue and the total. ``handler``: a username, or ``"none"`` for
    cases nobody has assessed yet; ``assignee`` likewise for the assigned officer."""
    page, total, staff, _ = _page(
        session,
        actor,
        filters,
        handler=handler,
        sort=sort,
        limit=limit,
        offset=offset,
        queue_id=queue_id,
        assignee=assignee,
        flag_id=flag_id,
        overdue=overdue,
        today=today,
    )
    ids = [r[0] for r in page]
    loaded = {
        row.id: row
        for row in session.execute(
            select(ApplicationRow)
            .where(ApplicationRow.id.in_(ids))
            .options(defer(ApplicationRow.payload))  # a queue shows no payload
        ).scalars()
    }
    if not staff:  # applicants see neither queues, flags nor officers' names
        return [QueueEntry(loaded[r[0]], None, r[2], r[3]) for r in page], int(total)
    in_queues = queue_names(session, ids)
    flagged = chips(session, ids)
    return [
        QueueEntry(loaded[r[0]], r[1], r[2], r[3], r[4], in_queues[r[0]], flagged[r[0]])
        for r in page
    ], int(total)


def items(
    session: Session,
    actor: Actor,
    filters: Filters,
    *,
    handler: str | None = None,
    sort: Sort = Sort.newest,
    limit: int = 25,
    offset: int = 0,
    queue_id: int | None = None,
    assignee: str | None = None,
    flag_id: int | None = None,
    overdue: bool = False,
    today: dt.date | None = None,
    after: After | None = None,
) -> tuple[list[dict[str, Any]], int, After | None]:
    """The same page as :func:`queue`, as the API's work items
    (``application_id``, ``reference``, ``state``, ``company``, ``importing_state``,
    ``target_on``, ``overdue``, ``assignee``, ``queues``, ``flags``, ``blocked``): the
    page's columns read as values, not as mapped rows (issue 16); the total; and where the
    next page starts (``after``: keyset, as :func:`_page`), None on the last page."""
    page, total, staff, ends = _page(
        session,
        actor,
        filters,
        handler=handler,
        sort=sort,
        limit=limit,
        offset=offset,
        queue_id=queue_id,
        assignee=assignee,
        flag_id=flag_id,
        overdue=overdue,
        today=today,
        with_items=True,
        after=after,
    )
    ids = [r[0] for r in page]
    # applicants see neither queues, flags nor officers' names
    in_queues = queue_names(session, ids) if staff else {i: [] for i in ids}
    flagged = _chips(session, ids) if staff else {i: [] for i in ids}
    day = today or dt.date.today()
    found = []
    for values in page:
        application_id, _handler, _recommendation, target_on, assigned_to = values[:5]
        reference, state, company, importing_state = values[5:9]
        flags = flagged[application_id]
        found.append(
            {
                "application_id": application_id,
                "reference": reference,
                "state": state,
                "company": company,
                "importing_state": importing_state,
                "target_on": target_on,
                "overdue": target_on is not None and state in BEFORE_DECISION and target_on < day,
                "assignee": assigned_to if staff else None,
                "queues": in_queues[application_id],
                "flags": [chip.name for chip in flags],
                "blocked": any(chip.blocking for chip in flags),
            }
        )
    return found, total, ends


def _casework_filters(
    query: Select[T],
    assigned: type[User],
    queue_id: int | None,
    assignee: str | None,
    flag_id: int | None,
    overdue: bool,
    today: dt.date | None,
) -> Select[T]:
    if queue_id is not None:
        query = query.where(
            ApplicationRow.id.in_(
                select(CaseQueueRow.application_id).where(
                    CaseQueueRow.queue_id == queue_id, CaseQueueRow.removed_at.is_(None)
                )
            )
        )
    if assignee == "none":
        query = query.where(CaseWorkRow.assigned_to.is_(None))
    elif assignee:
        query = query.where(assigned.username == assignee)
    if flag_id is not None:
        query = query.where(
            ApplicationRow.id.in_(
                select(CaseFlagRow.application_id).where(
                    CaseFlagRow.flag_id == flag_id, CaseFlagRow.cleared_at.is_(None)
                )
            )
        )
    if overdue:
        query = query.where(
            CaseWorkRow.target_on < (today or dt.date.today()),
            ApplicationRow.state.in_(BEFORE_DECISION),
        )
    return query


# Built once (issue 16): a statement object keeps its cache key, so SQLAlchemy need not
# walk it again on every request.
_CHIPS = (
    select(
        CaseFlagRow.application_id,
        FlagDefinitionRow.name,
        FlagDefinitionRow.colour,
        FlagDefinitionRow.blocking,
    )
    .join(FlagDefinitionRow, FlagDefinitionRow.id == CaseFlagRow.flag_id)
    .where(
        CaseFlagRow.application_id.in_(bindparam("ids", expanding=True)),
        CaseFlagRow.cleared_at.is_(None),
    )
    .order_by(CaseFlagRow.id)
)
_QUEUE_NAMES = (
    select(CaseQueueRow.application_id, QueueRow.name)
    .join(QueueRow, QueueRow.id == CaseQueueRow.queue_id)
    .where(
        CaseQueueRow.application_id.in_(bindparam("ids", expanding=True)),
        CaseQueueRow.removed_at.is_(None),
    )
    .order_by(QueueRow.name)
)


def _chips(session: Session, ids: list[int]) -> dict[int, list[Chip]]:
    """:func:`openatt.register.flags.chips` read as columns rather than mapped rows."""
    result: dict[int, list[Chip]] = {i: [] for i in ids}
    if ids:
        for application_id, name, colour, blocking in session.execute(_CHIPS, {"ids": ids}):
            chip = Chip(name, colour, blocking)
            if chip not in result[application_id]:
                result[application_id].append(chip)
    return result


def queue_names(session: Session, application_ids: list[int]) -> dict[int, list[str]]:
    """The queues each case is in, in one query."""
    result: dict[int, list[str]] = {i: [] for i in application_ids}
    if application_ids:
        for application_id, name in session.execute(_QUEUE_NAMES, {"ids": application_ids}):
            result[application_id].append(name)
    return result


def queue_counts(session: Session, actor: Actor) -> dict[int, int]:
    """How many cases each queue holds (the queue page's tabs)."""
    require(actor, Permission.casework_read)
    rows = session.execute(
        select(CaseQueueRow.queue_id, func.count())
        .where(CaseQueueRow.removed_at.is_(None))
        .group_by(CaseQueueRow.queue_id)
    ).all()
    return {int(queue_id): int(count) for queue_id, count in rows}


def assigned_count(session: Session, actor: Actor) -> int:
    """How many cases are assigned to this user ("my cases")."""
    return int(
        session.execute(
            select(func.count()).select_from(CaseWorkRow).where(CaseWorkRow.assigned_to == actor.id)
        ).scalar_one()
    )


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
