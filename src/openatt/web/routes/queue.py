"""The work queue (staff) and "my applications" (applicants): filters, search, paging."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from openatt.core.model import Category
from openatt.reference.states import UnknownState, resolve_state
from openatt.register import queries, worklist
from openatt.register.applications import Filters
from openatt.register.models import State
from openatt.register.permissions import Permission
from openatt.web.rendering import render
from openatt.web.security import Page, Viewer, database

router = APIRouter()
PAGE_SIZE = 25


def _parse_date(text: str | None, errors: dict[str, str], name: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors[name] = "Use the form YYYY-MM-DD."
        return None


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
) -> Response:
    errors: dict[str, str] = {}
    chosen_state = State(state) if state in State.__members__ else None
    if state and chosen_state is None:
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
        category=chosen_category,
        importing_state=importing,
        text=q.strip() or None,
        created_from=_parse_date(created_from, errors, "created_from"),
        created_until=_parse_date(created_until, errors, "created_until"),
    )
    order = worklist.Sort(sort) if sort in worklist.Sort.__members__ else worklist.Sort.newest
    with database(request).read() as session:
        entries, total = worklist.queue(
            session,
            viewer.actor,
            filters,
            handler=handler or None,
            sort=order,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
        )
        handlers = worklist.handlers(session, viewer.actor)
        counts = worklist.counts_by_state(session, viewer.actor)
        awaiting = queries.open_counts(session, [e.row.id for e in entries])  # open questions
    params = {
        "state": state,
        "category": category,
        "destination": destination,
        "handler": handler,
        "q": q,
        "created_from": created_from,
        "created_until": created_until,
        "sort": sort,
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
        states=list(State),
        counts=counts,
        state_url=lambda value: (
            "/ui/applications?"
            + urlencode({k: v for k, v in {**kept, "state": value}.items() if v and k != "page"})
        ),
        categories=[c.value for c in Category],
        today=dt.date.today(),
        first=(page - 1) * PAGE_SIZE + 1 if total else 0,
        last=min(total, page * PAGE_SIZE),
    )
