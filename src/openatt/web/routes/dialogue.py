"""The dialogue with the exporter in the web UI: asking and answering questions, case
notes, amending, withdrawing, appealing and deciding an appeal, and the list of open
questions. Each form posts to one service; a refusal shows the case page again with the
message next to the field, nothing written."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import RedirectResponse, Response

from openatt.register import amendments, appeals, lifecycle, notes, notify, queries, withdrawals
from openatt.register.dialogue_models import QueryRow
from openatt.register.errors import Conflict, Invalid
from openatt.register.models import ApplicationRow, State
from openatt.register.permissions import Permission
from openatt.web import forms
from openatt.web.rendering import assessor_of, expected_version, lists_of, posted, render
from openatt.web.routes.casework import case_url, load_case, show_case
from openatt.web.security import Page, Viewer, database

router = APIRouter()


def _again(
    request: Request,
    viewer: Viewer,
    application_id: int,
    error: Invalid | Conflict,
    values: dict[str, str],
    names: dict[str, str],
) -> Response:
    """The case page again with the refusal next to its field (``names``: the service's
    field name to the form's)."""
    field = str(error.field[-1]) if error.field else ""
    errors = {names.get(field, "form"): error.message}
    status = 422 if isinstance(error, Invalid) else 409
    case = load_case(request, viewer, application_id)
    return show_case(
        request, viewer, case, status=status, dialogue_values=values, dialogue_errors=errors
    )


def _done(tasks: BackgroundTasks, request: Request, application_id: int, note: str) -> Response:
    tasks.add_task(notify.deliver_now, database(request))
    return RedirectResponse(case_url(application_id, note) + "#dialogue", status_code=303)


@router.post("/applications/{application_id}/queries", response_model=None)
async def ask(
    request: Request,
    application_id: int,
    tasks: BackgroundTasks,
    viewer: Annotated[Viewer, Page(Permission.query_raise)],
) -> Response:
    fields = await posted(request)
    values = {k: fields.get(k, "") for k in ("question", "respond_by")}
    try:
        due = dt.date.fromisoformat(values["respond_by"]) if values["respond_by"] else None
    except ValueError:
        error = Invalid("enter a date (YYYY-MM-DD)", field=("respond_by",))
        return _again(request, viewer, application_id, error, values, {"respond_by": "respond_by"})
    try:
        with database(request).write() as session:
            queries.ask(
                session, viewer.actor, application_id, question=values["question"], respond_by=due
            )
    except (Invalid, Conflict) as error:
        names = {"question": "question", "respond_by": "respond_by"}
        return _again(request, viewer, application_id, error, values, names)
    return _done(tasks, request, application_id, "asked")


@router.post("/applications/{application_id}/queries/{query_id}/answer", response_model=None)
async def answer(
    request: Request,
    application_id: int,
    query_id: int,
    tasks: BackgroundTasks,
    viewer: Annotated[Viewer, Page(Permission.query_answer)],
) -> Response:
    fields = await posted(request)
    text_name, docs_name = f"answer-{query_id}", f"documents-{query_id}"
    values = {text_name: fields.get(text_name, ""), docs_name: fields.get(docs_name, "")}
    documents = [d for d in values[docs_name].split(",") if d.strip()]
    try:
        with database(request).write() as session:
            queries.answer(
                session,
                viewer.actor,
                application_id,
                query_id,
                text=values[text_name],
                documents=documents,
            )
    except (Invalid, Conflict) as error:
        names = {"answer": text_name, "documents": docs_name}
        return _again(request, viewer, application_id, error, values, names)
    return _done(tasks, request, application_id, "answered")


@router.post("/applications/{application_id}/notes", response_model=None)
async def write_note(
    request: Request,
    application_id: int,
    tasks: BackgroundTasks,
    viewer: Annotated[Viewer, Page(Permission.note_write)],
) -> Response:
    fields = await posted(request)
    values = {"note_text": fields.get("note_text", "")}
    try:
        with database(request).write() as session:
            notes.write(session, viewer.actor, application_id, text=values["note_text"])
    except (Invalid, Conflict) as error:
        return _again(request, viewer, application_id, error, values, {"text": "note_text"})
    return _done(tasks, request, application_id, "noted")


@router.post("/applications/{application_id}/withdraw", response_model=None)
async def withdraw(
    request: Request,
    application_id: int,
    viewer: Annotated[Viewer, Page(Permission.application_withdraw)],
) -> Response:
    fields = await posted(request)
    values = {"withdraw_reason": fields.get("withdraw_reason", "")}
    try:
        with database(request).write() as session:
            withdrawals.withdraw(
                session,
                viewer.actor,
                application_id,
                reason=values["withdraw_reason"],
                expected_version=expected_version(fields.get("version", "")),
            )
    except (Invalid, Conflict) as error:
        names = {"reason": "withdraw_reason"}
        return _again(request, viewer, application_id, error, values, names)
    return RedirectResponse(case_url(application_id, "withdrawn"), status_code=303)


@router.post("/applications/{application_id}/appeal", response_model=None)
async def lodge_appeal(
    request: Request,
    application_id: int,
    tasks: BackgroundTasks,
    viewer: Annotated[Viewer, Page(Permission.appeal_lodge)],
) -> Response:
    fields = await posted(request)
    values = {"grounds": fields.get("grounds", "")}
    try:
        with database(request).write() as session:
            appeals.lodge(
                session,
                viewer.actor,
                application_id,
                grounds=values["grounds"],
                expected_version=expected_version(fields.get("version", "")),
            )
    except (Invalid, Conflict) as error:
        return _again(request, viewer, application_id, error, values, {"grounds": "grounds"})
    return _done(tasks, request, application_id, "appealed")


@router.post("/applications/{application_id}/appeal/decide", response_model=None)
async def decide_appeal(
    request: Request,
    application_id: int,
    tasks: BackgroundTasks,
    viewer: Annotated[Viewer, Page(Permission.appeal_decide)],
) -> Response:
    fields = await posted(request)
    names = {"outcome": "outcome", "reasons": "appeal_reasons", "conditions": "appeal_conditions"}
    values = {form: fields.get(form, "") for form in names.values()}
    try:
        with database(request).write() as session:
            appeals.decide(
                session,
                viewer.actor,
                application_id,
                outcome=values["outcome"],
                reasons=values["appeal_reasons"],
                conditions=values["appeal_conditions"].splitlines(),
                expected_version=expected_version(fields.get("version", "")),
            )
    except (Invalid, Conflict) as error:
        return _again(request, viewer, application_id, error, values, names)
    return _done(tasks, request, application_id, "appeal-decided")


@router.get("/applications/{application_id}/amend", response_model=None)
def amend_form(
    request: Request,
    application_id: int,
    viewer: Annotated[Viewer, Page(Permission.application_amend)],
) -> Response:
    case = load_case(request, viewer, application_id)
    if State(case.row.state) not in lifecycle.sources("application.amend"):
        raise Conflict(f"{case.row.reference} is {case.row.state}: it can no longer be amended")
    form = forms.from_application(case.application)
    form.values["version"] = str(case.row.version)
    return _amend_page(request, viewer, form, case.row)


def _amend_page(
    request: Request,
    viewer: Viewer,
    form: forms.ApplicationForm,
    row: ApplicationRow,
    status: int = 200,
    focus: str | None = None,
) -> Response:
    return render(
        request,
        "amend.html",
        viewer,
        status,
        form=form,
        choices=forms.CHOICES,
        documents=forms.DOCUMENT_KINDS,
        editing=row,
        focus=focus,
        form_action=f"/ui/applications/{row.id}/amend",
    )


@router.post("/applications/{application_id}/amend", response_model=None)
async def amend(
    request: Request,
    application_id: int,
    viewer: Annotated[Viewer, Page(Permission.application_amend)],
) -> Response:
    fields = await posted(request)
    case = load_case(request, viewer, application_id)
    form, application = forms.read(fields, base=case.application)
    form.values["amend_reason"] = fields.get("amend_reason", "")
    if fields.get("action") == "add_item":
        form.item_rows = min(forms.MAX_ITEMS, form.item_rows + 1)
        form.errors.clear()
        focus = f"item-{form.item_rows - 1}-description"
        return _amend_page(request, viewer, form, case.row, focus=focus)
    if not form.values["amend_reason"].strip():
        form.errors["amend_reason"] = "say what the amendment changes and why"
    if application is None or form.errors:
        return _amend_page(request, viewer, form, case.row, status=422)
    try:
        with database(request).write() as session:
            record = amendments.amend(
                session,
                viewer.actor,
                application_id,
                application,
                reason=form.values["amend_reason"],
                assessor=assessor_of(request),
                lists=lists_of(request),
                expected_version=expected_version(fields.get("version", "")),
            )
            new_id = record.application_id
    except (Invalid, Conflict) as error:
        field = str(error.field[-1]) if error.field else "form"
        form.errors["amend_reason" if field == "reason" else "form"] = error.message
        status = 422 if field in ("reason", "application") else 409
        return _amend_page(request, viewer, form, case.row, status=status)
    return RedirectResponse(case_url(new_id, "amended"), status_code=303)


@router.get("/queries", response_model=None)
def awaiting_exporter(
    request: Request, viewer: Annotated[Viewer, Page(Permission.query_read)]
) -> Response:
    with database(request).read() as session:
        open_queries = queries.awaiting_exporter(session, viewer.actor)
        cases = {
            row.id: row
            for row in session.query(ApplicationRow).filter(
                ApplicationRow.id.in_([q.application_id for q in open_queries])
            )
        }
        rows: list[tuple[QueryRow, ApplicationRow]] = [
            (q, cases[q.application_id]) for q in open_queries
        ]
    return render(request, "queries.html", viewer, rows=rows, today=dt.date.today())
