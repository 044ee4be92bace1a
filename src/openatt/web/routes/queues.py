"""Queues, assignment, target dates and flags in the web UI: the forms on the case page, the
queue page's bulk actions, and the page that lists queues, flags and routing rules.

Thin: each handler reads the form, calls one service of :mod:`openatt.register.queues` or
:mod:`openatt.register.flags`, and either goes back to the case or shows the form again with
the refusal next to the field it names (422, nothing written)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from openatt.register import flags, queues, routing
from openatt.register.casework_config import FlagSpec
from openatt.register.errors import Conflict, Forbidden, Invalid, NotFound, RegisterError
from openatt.register.permissions import Permission
from openatt.register.users import Actor
from openatt.web.rendering import posted, render
from openatt.web.routes.casework import case_url, load_case, place_error, show_case
from openatt.web.security import Page, Viewer, database

router = APIRouter()

Reader = Annotated[Viewer, Page(Permission.casework_read)]
Assigner = Annotated[Viewer, Page(Permission.case_assign)]
Router = Annotated[Viewer, Page(Permission.case_route)]
Flagger = Annotated[Viewer, Page(Permission.flag_set)]
Clearer = Annotated[Viewer, Page(Permission.flag_clear)]
Configurer = Annotated[Viewer, Page(Permission.casework_configure)]

STATUS: dict[type[RegisterError], int] = {Forbidden: 403, NotFound: 404, Conflict: 409}
FIELDS = (
    "assignee",
    "queue",
    "queue_action",
    "flag",
    "flag_row",
    "target",
    "flag_note",
    "reasons",
    "received_reason",
    "received_on",
)
# The services' field names that the case page's forms name differently (the case page has
# other forms with a "note" and a "reason", and ids must be unique on a page).
RENAMED = {"note": "flag_note", "reason": "received_reason"}


def _id(text: str, field: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 2**31:
        raise Invalid("Choose one from the list.", field=(field,))
    return int(text)


async def _act(
    request: Request,
    viewer: Viewer,
    application_id: int,
    change: Callable[[Session, Actor, dict[str, str]], object],
    note: str,
) -> Response:
    """Run one change on the case; on refusal show the case page again with the error on its
    field (the transaction is rolled back: nothing is written)."""
    fields = await posted(request)
    values = {k: fields.get(k, "") for k in FIELDS}
    try:
        with database(request).write() as session:
            change(session, viewer.actor, fields)
    except RegisterError as error:
        errors: dict[str, str] = {}
        name = str(error.field[-1]) if error.field else "form"
        name = RENAMED.get(name, name)
        errors[name if name in values else "form"] = error.message
        case = load_case(request, viewer, application_id)
        status = next((code for kind, code in STATUS.items() if isinstance(error, kind)), 422)
        return show_case(
            request, viewer, case, status, casework_values=values, casework_errors=errors
        )
    return RedirectResponse(case_url(application_id, note) + "#casework", status_code=303)


@router.post("/applications/{application_id}/assign", response_model=None)
async def assign(request: Request, application_id: int, viewer: Assigner) -> Response:
    def change(session: Session, actor: Actor, fields: dict[str, str]) -> object:
        return queues.assign(session, actor, application_id, fields.get("assignee") or None)

    return await _act(request, viewer, application_id, change, "assigned")


@router.post("/applications/{application_id}/received", response_model=None)
async def received(request: Request, application_id: int, viewer: Assigner) -> Response:
    def change(session: Session, actor: Actor, fields: dict[str, str]) -> object:
        try:
            day = dt.date.fromisoformat(fields.get("received_on", ""))
        except ValueError as error:
            raise Invalid("Use the form YYYY-MM-DD.", field=("received_on",)) from error
        return queues.set_received(
            session, actor, application_id, day, fields.get("received_reason", "")
        )

    return await _act(request, viewer, application_id, change, "received")


@router.post("/applications/{application_id}/queues", response_model=None)
async def case_queue(request: Request, application_id: int, viewer: Router) -> Response:
    def change(session: Session, actor: Actor, fields: dict[str, str]) -> object:
        queue_id = _id(fields.get("queue", ""), "queue")
        action = fields.get("queue_action", "")
        if action == "add":
            return queues.put_in_queue(session, actor, application_id, queue_id)
        if action == "move":
            return queues.move_to_queue(session, actor, application_id, queue_id)
        if action == "remove":
            return queues.remove_from_queue(session, actor, application_id, queue_id)
        raise Invalid("Choose add, move or remove.", field=("queue_action",))

    return await _act(request, viewer, application_id, change, "queued")


@router.post("/applications/{application_id}/flags", response_model=None)
async def set_flag(request: Request, application_id: int, viewer: Flagger) -> Response:
    def change(session: Session, actor: Actor, fields: dict[str, str]) -> object:
        return flags.set_flag(
            session,
            actor,
            application_id,
            flag_id=_id(fields.get("flag", ""), "flag"),
            target=fields.get("target", ""),
            note=fields.get("flag_note", ""),
        )

    return await _act(request, viewer, application_id, change, "flagged")


@router.post("/applications/{application_id}/flags/{flag_id}/clear", response_model=None)
async def clear_flag(
    request: Request, application_id: int, flag_id: int, viewer: Clearer
) -> Response:
    def change(session: Session, actor: Actor, fields: dict[str, str]) -> object:
        return flags.clear(session, actor, application_id, flag_id, fields.get("reasons", ""))

    return await _act(request, viewer, application_id, change, "flag-cleared")


@router.post("/queues/bulk", response_model=None)
async def bulk(request: Request, viewer: Router) -> Response:
    """Assign or move the ticked cases; a page lists the result for each case."""
    fields = await posted(request)
    form = await request.form()
    chosen = [str(v) for v in form.getlist("case")]
    errors: dict[str, str] = {}
    ids = [int(v) for v in chosen if v.isdigit() and 0 < int(v) < 2**31]
    if len(ids) != len(chosen):
        errors["cases"] = "A selected case is not a case number."
    action = fields.get("action", "")
    queue_text = fields.get("bulk_queue", "")
    results: list[queues.BulkResult] = []
    if not errors:
        try:
            with database(request).write() as session:
                results = queues.bulk(
                    session,
                    viewer.actor,
                    ids,
                    action,
                    assignee=fields.get("bulk_assignee") or None,
                    queue_id=int(queue_text) if queue_text.isdigit() else None,
                )
        except RegisterError as error:
            name = str(error.field[-1]) if error.field else "form"
            errors[{"assignee": "bulk_assignee", "queue": "bulk_queue"}.get(name, name)] = (
                error.message
            )
    return render(
        request,
        "queue_bulk.html",
        viewer,
        422 if errors else 200,
        results=results,
        errors=errors,
        action=action,
    )


@router.get("/queues", response_model=None)
def overview(request: Request, viewer: Reader) -> Response:
    return _overview(request, viewer, {}, {})


def _overview(
    request: Request,
    viewer: Viewer,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    with database(request).read() as session:
        actor = viewer.actor
        return render(
            request,
            "queues.html",
            viewer,
            status,
            queues=queues.list_queues(session, actor),
            definitions=flags.definitions(session, actor),
            rules=[(r, routing.spec_of(r)) for r in routing.rules(session, actor)],
            values=values,
            errors=errors,
        )


@router.post("/queues", response_model=None)
async def add_queue(request: Request, viewer: Configurer) -> Response:
    fields = await posted(request)
    values = {k: fields.get(k, "") for k in ("name", "team", "description")}
    try:
        with database(request).write() as session:
            queues.add_queue(session, viewer.actor, **values)
    except RegisterError as error:
        errors: dict[str, str] = {}
        place_error(errors, error, values)
        return _overview(request, viewer, values, errors, 422)
    return RedirectResponse("/ui/queues?done=queue", status_code=303)


@router.post("/flags", response_model=None)
async def define_flag(request: Request, viewer: Configurer) -> Response:
    fields = await posted(request)
    names = ("flag_name", "level", "colour", "blocking", "cleared_by_role", "description")
    values = {k: fields.get(k, "") for k in names}
    errors: dict[str, str] = {}
    try:
        spec = FlagSpec.model_validate(
            {
                "name": values["flag_name"].strip(),
                "level": values["level"],
                "colour": values["colour"],
                "blocking": values["blocking"] in ("on", "1", "true"),
                "cleared_by_role": values["cleared_by_role"],
                "description": values["description"],
            }
        )
    except ValidationError as error:
        for problem in error.errors():
            name = str(problem["loc"][0]) if problem["loc"] else "form"
            name = "flag_name" if name == "name" else name
            errors.setdefault(name, str(problem["msg"]))
        return _overview(request, viewer, values, errors, 422)
    try:
        with database(request).write() as session:
            flags.define(session, viewer.actor, spec)
    except RegisterError as error:
        errors["flag_name" if error.field == ("name",) else "form"] = error.message
        return _overview(request, viewer, values, errors, 422)
    return RedirectResponse("/ui/queues?done=flag", status_code=303)
