"""Queues, assignment, target dates, flags and routing rules over HTTP: thin handlers over
:mod:`openatt.register.queues`, :mod:`~openatt.register.flags` and
:mod:`~openatt.register.routing`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from openatt.api.deps import DB, Allow
from openatt.api.fast_json import json_response
from openatt.api.schemas import MAX_ID
from openatt.register import case_routing, flags, keyset, queues, routing, worklist
from openatt.register.applications import Filters, get
from openatt.register.casework_config import FlagSpec
from openatt.register.errors import Invalid
from openatt.register.permissions import Permission as P
from openatt.register.queue_tables import FlagDefinitionRow, QueueRow, RoutingRuleRow
from openatt.register.users import Actor

router = APIRouter(tags=["queues"])
AppId = Annotated[int, Path(ge=1, le=MAX_ID, description="application id")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QueueIn(_Body):
    name: str = Field(max_length=80)
    team: str = Field(max_length=80)
    description: str = Field(default="", max_length=2000)


class QueueOut(BaseModel):
    id: int
    name: str
    team: str
    description: str
    active: bool


class FlagOut(BaseModel):
    id: int
    name: str
    level: str
    colour: str
    blocking: bool
    cleared_by_role: str
    description: str
    active: bool


class RuleOut(BaseModel):
    id: int
    version: int
    rule: routing.RuleSpec
    updated_by: str
    updated_at: dt.datetime


class SavedRule(BaseModel):
    rule: RuleOut
    outcome: Literal["created", "updated", "unchanged"]


class AssignIn(_Body):
    assignee: str | None = Field(description="username; null unassigns", max_length=80)


class ReceivedIn(_Body):
    received_on: dt.date
    reason: str = Field(max_length=2000)


class CaseQueueIn(_Body):
    queue_id: int = Field(ge=1, le=MAX_ID)
    action: Literal["add", "move", "remove"]


class FlagIn(_Body):
    flag_id: int = Field(ge=1, le=MAX_ID)
    target: str = Field(default="", max_length=300)
    note: str = Field(max_length=2000)


class ClearIn(_Body):
    reasons: str = Field(max_length=2000)


class BulkIn(_Body):
    application_ids: list[int] = Field(max_length=queues.MAX_BULK)
    action: Literal["assign", "move", "add"]
    assignee: str | None = Field(default=None, max_length=80)
    queue_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class BulkOut(BaseModel):
    application_id: int
    reference: str
    ok: bool
    message: str


class CaseFlagOut(BaseModel):
    id: int
    flag: str
    level: str
    blocking: bool
    target: str
    target_label: str
    note: str
    rule: str
    set_by: str
    set_at: dt.datetime
    cleared_by: str | None
    cleared_at: dt.datetime | None
    clear_reasons: str | None


class CaseworkOut(BaseModel):
    application_id: int
    queues: list[str]
    assignee: str | None
    received_on: dt.date | None
    target_on: dt.date | None
    target_days: int | None
    calendar: str | None
    working_days_past_target: int | None
    flags: list[CaseFlagOut]


class WorkItem(BaseModel):
    application_id: int
    reference: str
    state: str
    company: str
    importing_state: str
    target_on: dt.date | None
    overdue: bool
    assignee: str | None
    queues: list[str]
    flags: list[str]
    blocked: bool


class WorkPage(BaseModel):
    items: list[WorkItem]
    total: int
    next_after: str | None = Field(
        description="the `after` of the next page (keyset), null on the last page"
    )


def _queue(row: QueueRow) -> QueueOut:
    return QueueOut(
        id=row.id, name=row.name, team=row.team, description=row.description, active=row.active
    )


def _flag(row: FlagDefinitionRow) -> FlagOut:
    return FlagOut(
        id=row.id,
        name=row.name,
        level=row.level,
        colour=row.colour,
        blocking=row.blocking,
        cleared_by_role=row.cleared_by_role,
        description=row.description,
        active=row.active,
    )


def _rule(row: RoutingRuleRow) -> RuleOut:
    return RuleOut(
        id=row.id,
        version=row.rule_version,
        rule=routing.spec_of(row),
        updated_by=row.updated_by,
        updated_at=row.updated_at,
    )


@router.get("/queues", response_model=list[QueueOut])
def list_queues(db: DB, actor: Annotated[Actor, Allow(P.casework_read)]) -> list[QueueOut]:
    with db.read() as session:
        return [_queue(q) for q in queues.list_queues(session, actor)]


@router.post("/queues", response_model=QueueOut, status_code=201)
def add_queue(
    body: QueueIn, db: DB, actor: Annotated[Actor, Allow(P.casework_configure)]
) -> QueueOut:
    with db.write() as session:
        return _queue(queues.add_queue(session, actor, **body.model_dump()))


@router.get("/flags", response_model=list[FlagOut])
def list_flags(db: DB, actor: Annotated[Actor, Allow(P.casework_read)]) -> list[FlagOut]:
    with db.read() as session:
        return [_flag(f) for f in flags.definitions(session, actor)]


@router.post("/flags", response_model=FlagOut, status_code=201)
def define_flag(
    body: FlagSpec, db: DB, actor: Annotated[Actor, Allow(P.casework_configure)]
) -> FlagOut:
    with db.write() as session:
        return _flag(flags.define(session, actor, body))


@router.get("/routing/rules", response_model=list[RuleOut])
def list_rules(db: DB, actor: Annotated[Actor, Allow(P.casework_read)]) -> list[RuleOut]:
    with db.read() as session:
        return [_rule(r) for r in routing.rules(session, actor)]


@router.put("/routing/rules/{name}", response_model=SavedRule)
def save_rule(
    name: Annotated[str, Path(max_length=80)],
    body: routing.RuleSpec,
    db: DB,
    actor: Annotated[Actor, Allow(P.casework_configure)],
) -> SavedRule:
    """Create the rule or make its next version (unchanged: nothing is written)."""
    if body.name != name:
        raise Invalid("the rule's name must match the address", field=("name",))
    with db.write() as session:
        row, outcome = routing.save(session, actor, body)
        return SavedRule(rule=_rule(row), outcome=outcome)


@router.get("/worklist", response_model=WorkPage)
def worklist_page(
    db: DB,
    actor: Annotated[Actor, Allow(P.casework_read)],
    queue_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    assignee: Annotated[str | None, Query(max_length=80, description="username, me, none")] = None,
    flag_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    overdue: bool = False,
    sort: worklist.Sort = worklist.Sort.target,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    after: Annotated[
        str | None,
        Query(
            max_length=keyset.TOKEN_MAX,
            description="keyset cursor: the `next_after` of the previous page of the same sort",
        ),
    ] = None,
) -> Response:
    """The queue: a team queue, my cases (``assignee=me``), cases past target, by flag.
    Page with ``after=next_after`` (keyset: cases added meanwhile do not shift the next
    page, and the last page is as fast as the first) or ``offset``."""
    cursor = (
        None
        if after is None
        else keyset.parse(
            after, sort.value, worklist.kind_of(sort), nullable=worklist.nullable(sort)
        )
    )
    with db.read() as session:
        items, total, ends = worklist.items(
            session,
            actor,
            Filters(),
            sort=sort,
            limit=limit,
            offset=offset,
            queue_id=queue_id,
            assignee=actor.username if assignee == "me" else assignee,
            flag_id=flag_id,
            overdue=overdue,
            today=dt.date.today(),
            after=cursor,
        )
    page = {"items": items, "total": total, "next_after": ends.token() if ends else None}
    return json_response(page)  # issue 16: serialised once


@router.post("/queues/bulk", response_model=list[BulkOut])
def bulk(body: BulkIn, db: DB, actor: Annotated[Actor, Allow(P.case_route)]) -> list[BulkOut]:
    """Assign, move or add several cases; each case gets its own result."""
    with db.write() as session:
        results = queues.bulk(
            session,
            actor,
            body.application_ids,
            body.action,
            assignee=body.assignee,
            queue_id=body.queue_id,
        )
    return [BulkOut(**r.__dict__) for r in results]


@router.get("/applications/{application_id}/casework", response_model=CaseworkOut)
def casework(
    application_id: AppId, db: DB, actor: Annotated[Actor, Allow(P.casework_read)]
) -> CaseworkOut:
    with db.read() as session:
        return _casework(session, actor, application_id)


def _casework(session: Session, actor: Actor, application_id: int) -> CaseworkOut:
    row = get(session, actor, application_id)
    panel = case_routing.panel(session, actor, row)
    assert panel is not None  # casework.read was checked
    work = panel.work
    return CaseworkOut(
        application_id=row.id,
        queues=[q.name for _, q in panel.queues],
        assignee=panel.assignee,
        received_on=work.received_on if work else None,
        target_on=work.target_on if work else None,
        target_days=work.target_days if work else None,
        calendar=work.calendar if work else None,
        working_days_past_target=panel.overdue_days,
        flags=[
            CaseFlagOut(
                id=f.row.id,
                flag=f.definition.name,
                level=f.definition.level,
                blocking=f.definition.blocking,
                target=f.row.target,
                target_label=f.target_label,
                note=f.row.note,
                rule=f.row.rule,
                set_by=f.row.set_by,
                set_at=f.row.set_at,
                cleared_by=f.row.cleared_by,
                cleared_at=f.row.cleared_at,
                clear_reasons=f.row.clear_reasons,
            )
            for f in panel.flags
        ],
    )


@router.post("/applications/{application_id}/assign", response_model=CaseworkOut)
def assign(
    application_id: AppId, body: AssignIn, db: DB, actor: Annotated[Actor, Allow(P.case_assign)]
) -> CaseworkOut:
    with db.write() as session:
        queues.assign(session, actor, application_id, body.assignee)
        return _casework(session, actor, application_id)


@router.post("/applications/{application_id}/received", response_model=CaseworkOut)
def received(
    application_id: AppId,
    body: ReceivedIn,
    db: DB,
    actor: Annotated[Actor, Allow(P.case_assign)],
) -> CaseworkOut:
    """Correct the date the case was received; its target date follows."""
    with db.write() as session:
        queues.set_received(session, actor, application_id, body.received_on, body.reason)
        return _casework(session, actor, application_id)


@router.post("/applications/{application_id}/queues", response_model=CaseworkOut)
def case_queue(
    application_id: AppId,
    body: CaseQueueIn,
    db: DB,
    actor: Annotated[Actor, Allow(P.case_route)],
) -> CaseworkOut:
    change = {
        "add": queues.put_in_queue,
        "move": queues.move_to_queue,
        "remove": queues.remove_from_queue,
    }[body.action]
    with db.write() as session:
        change(session, actor, application_id, body.queue_id)
        return _casework(session, actor, application_id)


@router.post("/applications/{application_id}/flags", response_model=CaseworkOut, status_code=201)
def set_flag(
    application_id: AppId, body: FlagIn, db: DB, actor: Annotated[Actor, Allow(P.flag_set)]
) -> CaseworkOut:
    with db.write() as session:
        flags.set_flag(
            session,
            actor,
            application_id,
            flag_id=body.flag_id,
            target=body.target,
            note=body.note,
        )
        return _casework(session, actor, application_id)


@router.post("/applications/{application_id}/flags/{flag_id}/clear", response_model=CaseworkOut)
def clear_flag(
    application_id: AppId,
    flag_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    body: ClearIn,
    db: DB,
    actor: Annotated[Actor, Allow(P.flag_clear)],
) -> CaseworkOut:
    """Clear a flag with reasons (as the role its definition names)."""
    with db.write() as session:
        flags.clear(session, actor, application_id, flag_id, body.reasons)
        return _casework(session, actor, application_id)
