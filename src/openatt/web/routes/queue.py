"""The work queue (staff) and "my applications" (applicants): filters, search, paging.

Staff also get tabs for "my cases", past target and each team queue, filters by queue,
assignee and flag, the target-date sort, and the bulk actions form (posted to
:mod:`openatt.web.routes.queues`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from openatt.core.model import Category
from openatt.reference.states import UnknownState, resolve_state
from openatt.register import audience, flags, queries, queues, worklist
from openatt.register.applications import Filters
from openatt.register.models import State
from openatt.register.permissions import Permission
from openatt.register.queue_tables import FlagDefinitionRow, QueueRow
from openatt.web.rendering import render
from openatt.web.security import Page, Viewer, database

router = APIRouter()
PAGE_SIZE = 25
UNDER_REVIEW_SLUG = "under-review"  # an applicant's ?state= for its "under review" cases


def _parse_date(text: str | None, errors: dict[str, str], name: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors[name] = "Use the form YYYY-MM-DD."
        return None


def _parse_id(text: str, errors: dict[str, str], name: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or not 0 < int(text) < 2**31:
        errors[name] = "Choose one from the list."
        return None
    return int(text)


@dataclass(frozen=True)
class CaseworkTabs:
    """What the staff's queue page offers beyond the states: queues, flags, officers."""

    queues: list[QueueRow]
    queue_counts: dict[int, int]
    mine: int
    flags: list[FlagDefinitionRow]
    assignable: list[str]

    @property
    def queue_options(self) -> list[tuple[str, str]]:
        return [(str(q.id), f"{q.name} ({q.team})") for q in self.queues]


def _casework_tabs(session: Session, viewer: Viewer, officers: list[str]) -> CaseworkTabs:
    actor = viewer.actor
    return CaseworkTabs(
        queues=[q for q in queues.list_queues(session, actor) if q.active],
        queue_counts=worklist.queue_counts(session, actor),
        mine=worklist.assigned_count(session, actor),
        flags=[f for f in flags.definitions(session, actor) if f.active],
        assignable=officers,
    )


@router.get("/applications", response_model=None)
def work_queue(
    request: Request,
    viewer: Annotated[Viewer, Page(Permission.application_read)],
    state: Annotated[str, Query(max_length=40)] = "",
    category: Annotated[str, Query(max_length=20)] = "",
    destination: Annotated[str, Query(max_length=80)] = "",
    handler: Annotated[str, Query(max_length=80)] = "",
    q: Annotated[str, Query(max_length=200)] = "",
    created_from: Annotated[str, Query(max_length=10)] = "",
    created_until: Annotated[str, Query(max_length=10)] = "",
    sort: Annotated[str, Query(max_length=10)] = "newest",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    queue: Annotated[str, Query(max_length=12)] = "",
    assignee: Annotated[str, Query(max_length=80)] = "",
    flag: Annotated[str, Query(max_length=12)] = "",
    overdue: Annotated[str, Query(max_length=5)] = "",
    party: Annotated[str, Query(max_length=200)] = "",
    goods: Annotated[str, Query(max_length=200)] = "",
    control_entry: Annotated[str, Query(max_length=40)] = "",
    document: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    errors: dict[str, str] = {}
    # An applicant filters on the states that say no more than its public status.
    internal = audience.sees_internal(viewer.actor)
    staff = internal
    states = [s for s in State if internal or s in audience.APPLICANT_FILTERABLE]
    chosen_state = State(state) if state in {s.value for s in states} else None
    # An applicant's "under review" is several states: one tab and one choice for them all.
    under_review = not internal and state == UNDER_REVIEW_SLUG
    queue_id = _parse_id(queue, errors, "queue") if internal else None
    flag_id = _parse_id(flag, errors, "flag") if internal else None
    chosen_assignee = (
        (viewer.actor.username if assignee == "me" else (assignee or None)) if internal else None
    )
    if state and chosen_state is None and not under_review:
        errors["state"] = "Choose a state from the list."
    chosen_category = category if category in Category.__members__.values() else None
    importing = None
    if destination:
        try:
            importing = resolve_state(destination)
        except UnknownState:
            errors["destination"] = "Not a country this register knows (try a name or ISO code)."
    filters = Filters(
        state=chosen_state,
        states=audience.UNDER_REVIEW_STATES if under_review else frozenset(),
        category=chosen_category,
        importing_state=importing,
        text=q.strip() or None,
        created_from=_parse_date(created_from, errors, "created_from"),
        created_until=_parse_date(created_until, errors, "created_until"),
        party=party.strip() or None,
        goods=goods.strip() or None,
        control_entry=control_entry.strip() or None,
        document=document.strip() or None,
    )
    order = worklist.Sort(sort) if sort in worklist.Sort.__members__ else worklist.Sort.newest
    with database(request).read() as session:
        entries, total = worklist.queue(
            session,
            viewer.actor,
            filters,
            handler=(handler or None) if internal else None,
            sort=order,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
            queue_id=queue_id,
            assignee=chosen_assignee,
            flag_id=flag_id,
            overdue=overdue == "1",
            today=dt.date.today(),
        )
        handlers = worklist.handlers(session, viewer.actor)
        counts = worklist.counts_by_state(session, viewer.actor)
        awaiting = queries.open_counts(session, [e.row.id for e in entries])  # open questions
        work = _casework_tabs(session, viewer, handlers) if staff else None
    if not internal:  # the states it may filter on, and its "under review" as one
        reviewed = {s.value for s in audience.UNDER_REVIEW_STATES}
        hidden = sum(v for k, v in counts.items() if k in reviewed)
        counts = {k: v for k, v in counts.items() if k in {s.value for s in states}}
        if hidden:
            counts[UNDER_REVIEW_SLUG] = hidden
    params = {
        "state": state,
        "category": category,
        "destination": destination,
        "handler": handler,
        "q": q,
        "created_from": created_from,
        "created_until": created_until,
        "sort": sort,
        "queue": queue,
        "assignee": assignee,
        "flag": flag,
        "overdue": overdue,
        "party": party,
        "goods": goods,
        "control_entry": control_entry,
        "document": document,
    }
    kept = {k: v for k, v in params.items() if v}
    pages = max(1, -(-total // PAGE_SIZE))

    def page_url(number: int) -> str:
        return "/ui/applications?" + urlencode({**kept, "page": number})

    return render(
        request,
        "queue.html",
        viewer,
        entries=entries,
        awaiting=awaiting,
        total=total,
        page=page,
        pages=pages,
        page_url=page_url,
        params=params,
        errors=errors,
        handlers=handlers,
        states=states,
        state_options=(
            [s.value for s in states]
            if internal
            else [(s.value, audience.public_status(s.value).capitalize()) for s in states]
            + [(UNDER_REVIEW_SLUG, audience.UNDER_REVIEW.capitalize())]
        ),
        under_review=UNDER_REVIEW_SLUG if not internal else None,
        counts=counts,
        state_url=lambda value: (
            "/ui/applications?"
            + urlencode({k: v for k, v in {**kept, "state": value}.items() if v and k != "page"})
        ),
        categories=[c.value for c in Category],
        today=dt.date.today(),
        work=work,
        view_url=lambda **chosen: (
            "/ui/applications?"
            + urlencode(
                {
                    k: v
                    for k, v in {
                        **kept,
                        "queue": "",
                        "assignee": "",
                        "overdue": "",
                        **chosen,
                    }.items()
                    if v and k != "page"
                }
            )
        ),
        first=(page - 1) * PAGE_SIZE + 1 if total else 0,
        last=min(total, page * PAGE_SIZE),
    )
