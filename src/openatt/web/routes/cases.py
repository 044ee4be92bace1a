"""A case: the application page, drafting and editing, submitting, screening, assessing,
its audit trail and the print view of its assessment."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from openatt.core.model import Evidence
from openatt.register import applications, assessing, casefile, denials
from openatt.register import screening as register_screening
from openatt.register.errors import Conflict, Invalid
from openatt.register.models import ApplicationRow
from openatt.register.permissions import Permission
from openatt.web import forms
from openatt.web.rendering import assessor_of, expected_version, lists_of, posted, render
from openatt.web.routes.casework import case_url, load_case, show_case
from openatt.web.security import Page, Viewer, database

router = APIRouter()

Reader = Annotated[Viewer, Page(Permission.application_read)]


def _form_page(
    request: Request,
    viewer: Viewer,
    form: forms.ApplicationForm,
    editing: ApplicationRow | None,
    status: int = 200,
    focus: str | None = None,
) -> Response:
    """The application form (``editing``: the draft's row, None for a new one)."""
    return render(
        request,
        "application_form.html",
        viewer,
        status,
        form=form,
        choices=forms.CHOICES,
        documents=forms.DOCUMENT_KINDS,
        editing=editing,
        focus=focus,
    )


def _with_another_item(
    request: Request, viewer: Viewer, form: forms.ApplicationForm, editing: ApplicationRow | None
) -> Response:
    """The form again with one more item row (up to the limit), the cursor in it."""
    form.item_rows = min(forms.MAX_ITEMS, form.item_rows + 1)
    form.errors.clear()
    return _form_page(
        request, viewer, form, editing, focus=f"item-{form.item_rows - 1}-description"
    )


@router.get("/applications/new", response_model=None)
def new_form(
    request: Request, viewer: Annotated[Viewer, Page(Permission.application_create)]
) -> Response:
    return _form_page(request, viewer, forms.blank(viewer.actor.company), editing=None)


@router.post("/applications/new", response_model=None)
async def create(
    request: Request, viewer: Annotated[Viewer, Page(Permission.application_create)]
) -> Response:
    fields = await posted(request)
    form, application = forms.read(fields)
    if fields.get("action") == "add_item":
        return _with_another_item(request, viewer, form, editing=None)
    if application is None:
        return _form_page(request, viewer, form, editing=None, status=422)
    try:
        with database(request).write() as session:
            row = applications.create(session, viewer.actor, application)
            new_id = row.id
    except Invalid as error:  # e.g. a date before today from an applicant (issue 13)
        field = str(error.field[0]) if error.field else "form"
        if error.field and len(error.field) == 3 and field == "items":  # an item's field
            field = f"item-{error.field[1]}-{error.field[2]}"
        form.errors[field if field in form.values else "form"] = error.message
        return _form_page(request, viewer, form, editing=None, status=422)
    return RedirectResponse(case_url(new_id, "saved"), status_code=303)


@router.get("/applications/{application_id}", response_model=None)
def case_page(
    request: Request, application_id: int, viewer: Reader, done: str | None = None
) -> Response:
    return show_case(request, viewer, load_case(request, viewer, application_id), done=done)


@router.get("/applications/{application_id}/edit", response_model=None)
def edit_form(
    request: Request,
    application_id: int,
    viewer: Annotated[Viewer, Page(Permission.application_update)],
) -> Response:
    case = load_case(request, viewer, application_id)
    if case.row.state != "draft":
        raise Conflict(f"{case.row.reference} is {case.row.state}: only drafts can be edited")
    form = forms.from_application(case.application)
    form.values["version"] = str(case.row.version)
    return _form_page(request, viewer, form, editing=case.row)


@router.post("/applications/{application_id}/edit", response_model=None)
async def edit(
    request: Request,
    application_id: int,
    viewer: Annotated[Viewer, Page(Permission.application_update)],
) -> Response:
    fields = await posted(request)
    case = load_case(request, viewer, application_id)
    form, application = forms.read(fields, base=case.application)
    if fields.get("action") == "add_item":
        return _with_another_item(request, viewer, form, editing=case.row)
    if application is None:
        return _form_page(request, viewer, form, editing=case.row, status=422)
    version = fields.get("version", "")
    try:
        with database(request).write() as session:
            applications.update(
                session,
                viewer.actor,
                application_id,
                application,
                expected_version(version),
            )
    except (Conflict, Invalid) as error:
        form.errors["form"] = error.message
        return _form_page(request, viewer, form, editing=case.row, status=409)
    return RedirectResponse(case_url(application_id, "saved"), status_code=303)


@router.post("/applications/{application_id}/submit", response_model=None)
async def submit(
    request: Request,
    application_id: int,
    viewer: Annotated[Viewer, Page(Permission.application_submit)],
) -> Response:
    fields = await posted(request)
    version = fields.get("version", "")
    if fields.get("step") != "confirm":
        case = load_case(request, viewer, application_id)
        return render(
            request,
            "confirm.html",
            viewer,
            case=case,
            title=f"Submit {case.row.reference}?",
            consequences=[
                "The application goes to the licensing authority for screening and assessment.",
                "You can no longer change it; to correct it, ask the authority or start anew.",
            ],
            action=f"/ui/applications/{application_id}/submit",
            fields={"version": version},
            confirm_label="Submit the application",
            back=case_url(application_id),
        )
    with database(request).write() as session:
        applications.submit(session, viewer.actor, application_id, expected_version(version))
    return RedirectResponse(case_url(application_id, "submitted"), status_code=303)


@router.post("/applications/{application_id}/screen", response_model=None)
async def screen(
    request: Request,
    application_id: int,
    viewer: Annotated[Viewer, Page(Permission.application_screen)],
) -> Response:
    """``mode=lists``: screen the parties against the lists in force (recorded; with no list
    loaded the case records that screening was not possible). Otherwise: record the officer's
    statement that the parties were screened elsewhere and nothing was found."""
    fields = await posted(request)
    version = fields.get("version", "")
    expected = expected_version(version)
    with database(request).write() as session:
        if fields.get("mode") == "lists":
            run = register_screening.screen_on_request(
                session, viewer.actor, application_id, lists_of(request), expected
            )
            done = "screened" if run.status == "done" else "screening-unavailable"
        else:
            applications.screen(
                session,
                viewer.actor,
                application_id,
                [],
                expected,
                fields.get("lists_used", ""),
            )
            done = "screened"
    return RedirectResponse(case_url(application_id, done) + "#screening-heading", status_code=303)


@router.post("/applications/{application_id}/false-positive", response_model=None)
async def false_positive(
    request: Request,
    application_id: int,
    viewer: Annotated[Viewer, Page(Permission.screening_false_positive)],
) -> Response:
    """Mark one screening hit as a false positive, with the officer's reasons."""
    fields = await posted(request)
    hit = fields.get("hit", "")
    reasons = (fields.get(f"reasons-{hit}") or fields.get("reasons") or "").strip()
    version = fields.get("version", "")
    if not reasons or not hit.isdigit():
        return show_case(
            request,
            viewer,
            load_case(request, viewer, application_id),
            422,
            fp_errors={
                f"reasons-{hit}": "Say why this hit is not the party "
                "(e.g. a different date of birth or nationality)."
            },
        )
    with database(request).write() as session:
        register_screening.mark_false_positive(
            session,
            viewer.actor,
            application_id,
            int(hit),
            reasons,
            lists_of(request),
            expected_version(version),
        )
    return RedirectResponse(
        case_url(application_id, "false-positive") + "#screening-heading", status_code=303
    )


@router.post("/applications/{application_id}/assess", response_model=None)
async def assess(
    request: Request,
    application_id: int,
    viewer: Annotated[Viewer, Page(Permission.application_assess)],
) -> Response:
    fields = await posted(request)
    version = fields.get("version", "")
    assessor = assessor_of(request)
    with database(request).write() as session:
        assessing.assess(
            session,
            viewer.actor,
            application_id,
            assessor,
            expected_version=expected_version(version),
        )
    return RedirectResponse(case_url(application_id, "assessed") + "#assessment", status_code=303)


@router.get("/applications/{application_id}/history", response_model=None)
def history(
    request: Request, application_id: int, viewer: Annotated[Viewer, Page(Permission.case_history)]
) -> Response:
    with database(request).read() as session:
        row, events = casefile.history(session, viewer.actor, application_id)
    import json

    shown = [(e, json.loads(e.payload)) for e in events]
    return render(request, "history.html", viewer, row=row, events=shown)


@router.get("/applications/{application_id}/print", response_model=None)
def print_view(
    request: Request,
    application_id: int,
    viewer: Annotated[Viewer, Page(Permission.case_internal)],
) -> Response:
    """The assessment printed: the authority's internal work, so staff and auditors only."""
    return render(request, "print.html", viewer, case=load_case(request, viewer, application_id))


@router.post("/applications/{application_id}/consultations", response_model=None)
async def consult(
    request: Request,
    application_id: int,
    viewer: Annotated[Viewer, Page(Permission.consultation_record)],
) -> Response:
    """Record the consultation with a state that notified an essentially identical denial."""
    fields = await posted(request)
    denial = fields.get("denial_id", "")
    note = fields.get("note", "").strip()
    if not note:
        return show_case(
            request,
            viewer,
            load_case(request, viewer, application_id),
            422,
            consult_errors={f"note-{denial}": "Summarise what the notifying state said."},
        )
    with database(request).write() as session:
        denials.consult(
            session,
            viewer.actor,
            application_id,
            denial_id=int(denial) if denial.isdigit() else -1,
            note=note,
        )
    return RedirectResponse(case_url(application_id, "consulted"), status_code=303)


EVIDENCE_FIELDS = ("criterion", "likelihood", "severity", "source", "date", "note")


@router.post("/applications/{application_id}/reassess", response_model=None)
async def reassess(
    request: Request,
    application_id: int,
    viewer: Annotated[Viewer, Page(Permission.application_assess)],
) -> Response:
    """New information (ATT 7.7): optionally one piece of evidence, then a new assessment
    linked to the earlier one. An active licence is suspended until a new decision."""
    fields = await posted(request)
    case = load_case(request, viewer, application_id)
    if not case.reopenable:
        raise Conflict(
            f"{case.row.reference} is {case.row.state}: only an assessed or "
            "decided case can be reassessed"
        )
    values = {"reason": fields.get("reason", "").strip(), "version": fields.get("version", "")}
    values.update(
        {f"evidence_{n}": fields.get(f"evidence_{n}", "").strip() for n in EVIDENCE_FIELDS}
    )
    errors: dict[str, str] = {}
    if not values["reason"]:
        errors["reason"] = "Say what new information prompts the reassessment."
    evidence: list[Evidence] = []
    if values["evidence_criterion"]:
        raw = {n: values[f"evidence_{n}"] or None for n in EVIDENCE_FIELDS}
        raw["author"] = viewer.actor.username
        try:
            evidence.append(Evidence.model_validate(raw))
        except ValidationError as error:
            for problem in error.errors():
                name = f"evidence_{problem['loc'][0]}" if problem["loc"] else "reason"
                errors.setdefault(
                    name,
                    "This field is required."
                    if problem.get("input") in ("", None)
                    else str(problem["msg"]).removeprefix("Value error, "),
                )
    if errors or fields.get("step") == "edit":
        return show_case(
            request,
            viewer,
            case,
            422 if errors else 200,
            reassess_values=values,
            reassess_errors=errors,
        )
    if fields.get("step") != "confirm":
        consequences = [
            "The case is assessed again and re-opened for a new decision; the "
            "earlier assessment stays in the record, linked to the new one."
        ]
        if case.licence is not None and case.licence.licence.state == "active":
            consequences.append(
                f"Licence {case.licence.licence.number} is suspended until the new decision."
            )
        summary = [("New information", values["reason"])]
        if evidence:
            e = evidence[0]
            summary.append(
                (
                    "Evidence",
                    f"{e.criterion}: {e.likelihood.value}, "
                    f"{e.severity.value} ({e.source}, {e.date})",
                )
            )
        return render(
            request,
            "confirm.html",
            viewer,
            case=case,
            title=f"Reassess {case.row.reference}?",
            consequences=consequences,
            summary=summary,
            action=f"/ui/applications/{application_id}/reassess",
            fields=values,
            confirm_label="Reassess the case",
            edit_label="Change the information",
        )
    version = values["version"]
    with database(request).write() as session:
        assessing.reassess(
            session,
            viewer.actor,
            application_id,
            assessor_of(request),
            reason=values["reason"],
            evidence=evidence,
            expected_version=expected_version(version),
        )
    return RedirectResponse(case_url(application_id, "reassessed") + "#assessment", status_code=303)
