"""A case: the application page, drafting and editing, submitting, screening, assessing,
its audit trail and the print view of its assessment."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from openatt.core.model import Evidence
from openatt.register import applications, assessing, casefile, denials
from openatt.register import screening as register_screening
from openatt.register.errors import Conflict, Invalid
from openatt.register.permissions import Permission
from openatt.web import forms
from openatt.web.rendering import assessor_of, form_dict, lists_of, render
from openatt.web.security import Page, Viewer, check_csrf, database

router = APIRouter()

Reader = Annotated[Viewer, Page(Permission.application_read)]


def _case_url(application_id: int, note: str | None = None) -> str:
    return f"/ui/applications/{application_id}" + (f"?done={note}" if note else "")


@router.get("/applications/new", response_model=None)
def new_form(
    request: Request, viewer: Annotated[Viewer, Page(Permission.application_create)]
) -> Response:
    form = forms.blank(viewer.actor.company)
    return render(
        request,
        "application_form.html",
        viewer,
        form=form,
        choices=forms.CHOICES,
        documents=forms.DOCUMENT_KINDS,
        editing=None,
    )


@router.post("/applications/new", response_model=None)
async def create(
    request: Request, viewer: Annotated[Viewer, Page(Permission.application_create)]
) -> Response:
    fields = form_dict(await request.form())
    check_csrf(request, fields.get("csrf"))
    form, application = forms.read(fields)
    if fields.get("action") == "add_item":
        form.item_rows = min(forms.MAX_ITEMS, form.item_rows + 1)
        form.errors.clear()
        application = None
        return render(
            request,
            "application_form.html",
            viewer,
            form=form,
            choices=forms.CHOICES,
            documents=forms.DOCUMENT_KINDS,
            editing=None,
            focus=f"item-{form.item_rows - 1}-description",
        )
    if application is None:
        return render(
            request,
            "application_form.html",
            viewer,
            422,
            form=form,
            choices=forms.CHOICES,
            documents=forms.DOCUMENT_KINDS,
            editing=None,
        )
    with database(request).write() as session:
        row = applications.create(session, viewer.actor, application)
        new_id = row.id
    return RedirectResponse(_case_url(new_id, "saved"), status_code=303)


@router.get("/applications/{application_id}", response_model=None)
def case_page(
    request: Request, application_id: int, viewer: Reader, done: str | None = None
) -> Response:
    with database(request).read() as session:
        case = casefile.case_file(session, viewer.actor, application_id)
    return render(request, "case.html", viewer, case=case, done=done)


@router.get("/applications/{application_id}/edit", response_model=None)
def edit_form(
    request: Request,
    application_id: int,
    viewer: Annotated[Viewer, Page(Permission.application_update)],
) -> Response:
    with database(request).read() as session:
        case = casefile.case_file(session, viewer.actor, application_id)
    if case.row.state != "draft":
        raise Conflict(f"{case.row.reference} is {case.row.state}: only drafts can be edited")
    form = forms.from_application(case.application)
    form.values["version"] = str(case.row.version)
    return render(
        request,
        "application_form.html",
        viewer,
        form=form,
        choices=forms.CHOICES,
        documents=forms.DOCUMENT_KINDS,
        editing=case.row,
    )


@router.post("/applications/{application_id}/edit", response_model=None)
async def edit(
    request: Request,
    application_id: int,
    viewer: Annotated[Viewer, Page(Permission.application_update)],
) -> Response:
    fields = form_dict(await request.form())
    check_csrf(request, fields.get("csrf"))
    with database(request).read() as session:
        case = casefile.case_file(session, viewer.actor, application_id)
    form, application = forms.read(fields, base=case.application)
    page: dict[str, Any] = {
        "choices": forms.CHOICES,
        "documents": forms.DOCUMENT_KINDS,
        "editing": case.row,
    }
    if fields.get("action") == "add_item":
        form.item_rows = min(forms.MAX_ITEMS, form.item_rows + 1)
        form.errors.clear()
        return render(
            request,
            "application_form.html",
            viewer,
            200,
            form=form,
            **page,
            focus=f"item-{form.item_rows - 1}-description",
        )
    if application is None:
        return render(request, "application_form.html", viewer, 422, form=form, **page)
    version = fields.get("version", "")
    try:
        with database(request).write() as session:
            applications.update(
                session,
                viewer.actor,
                application_id,
                application,
                int(version) if version.isdigit() else None,
            )
    except (Conflict, Invalid) as error:
        form.errors["form"] = error.message
        return render(request, "application_form.html", viewer, 409, form=form, **page)
    return RedirectResponse(_case_url(application_id, "saved"), status_code=303)


@router.post("/applications/{application_id}/submit", response_model=None)
async def submit(
    request: Request,
    application_id: int,
    viewer: Annotated[Viewer, Page(Permission.application_submit)],
) -> Response:
    fields = form_dict(await request.form())
    check_csrf(request, fields.get("csrf"))
    version = fields.get("version", "")
    if fields.get("step") != "confirm":
        with database(request).read() as session:
            case = casefile.case_file(session, viewer.actor, application_id)
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
            back=_case_url(application_id),
        )
    with database(request).write() as session:
        applications.submit(
            session, viewer.actor, application_id, int(version) if version.isdigit() else None
        )
    return RedirectResponse(_case_url(application_id, "submitted"), status_code=303)


@router.post("/applications/{application_id}/screen", response_model=None)
async def screen(
    request: Request,
    application_id: int,
    viewer: Annotated[Viewer, Page(Permission.application_screen)],
) -> Response:
    """``mode=lists``: screen the parties against the lists in force (recorded; with no list
    loaded the case records that screening was not possible). Otherwise: record the officer's
    statement that the parties were screened elsewhere and nothing was found."""
    fields = form_dict(await request.form())
    check_csrf(request, fields.get("csrf"))
    version = fields.get("version", "")
    expected = int(version) if version.isdigit() else None
    with database(request).write() as session:
        if fields.get("mode") == "lists":
            run = register_screening.screen_on_request(
                session, viewer.actor, application_id, lists_of(request), expected
            )
            done = "screened" if run.status == "done" else "screening-unavailable"
        else:
            applications.screen(session, viewer.actor, application_id, [], expected)
            done = "screened"
    return RedirectResponse(_case_url(application_id, done) + "#screening-heading", status_code=303)


@router.post("/applications/{application_id}/false-positive", response_model=None)
async def false_positive(
    request: Request,
    application_id: int,
    viewer: Annotated[Viewer, Page(Permission.screening_false_positive)],
) -> Response:
    """Mark one screening hit as a false positive, with the officer's reasons."""
    fields = form_dict(await request.form())
    check_csrf(request, fields.get("csrf"))
    hit = fields.get("hit", "")
    reasons = (fields.get(f"reasons-{hit}") or fields.get("reasons") or "").strip()
    version = fields.get("version", "")
    if not reasons or not hit.isdigit():
        with database(request).read() as session:
            case = casefile.case_file(session, viewer.actor, application_id)
        return render(
            request,
            "case.html",
            viewer,
            422,
            case=case,
            done=None,
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
            int(version) if version.isdigit() else None,
        )
    return RedirectResponse(
        _case_url(application_id, "false-positive") + "#screening-heading", status_code=303
    )


@router.post("/applications/{application_id}/assess", response_model=None)
async def assess(
    request: Request,
    application_id: int,
    viewer: Annotated[Viewer, Page(Permission.application_assess)],
) -> Response:
    fields = form_dict(await request.form())
    check_csrf(request, fields.get("csrf"))
    version = fields.get("version", "")
    assessor = assessor_of(request)
    with database(request).write() as session:
        assessing.assess(
            session,
            viewer.actor,
            application_id,
            assessor,
            expected_version=int(version) if version.isdigit() else None,
        )
    return RedirectResponse(_case_url(application_id, "assessed") + "#assessment", status_code=303)


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
def print_view(request: Request, application_id: int, viewer: Reader) -> Response:
    with database(request).read() as session:
        case = casefile.case_file(session, viewer.actor, application_id)
    return render(request, "print.html", viewer, case=case)


@router.post("/applications/{application_id}/consultations", response_model=None)
async def consult(
    request: Request,
    application_id: int,
    viewer: Annotated[Viewer, Page(Permission.consultation_record)],
) -> Response:
    """Record the consultation with a state that notified an essentially identical denial."""
    fields = form_dict(await request.form())
    check_csrf(request, fields.get("csrf"))
    denial = fields.get("denial_id", "")
    note = fields.get("note", "").strip()
    if not note:
        with database(request).read() as session:
            case = casefile.case_file(session, viewer.actor, application_id)
        return render(
            request,
            "case.html",
            viewer,
            422,
            case=case,
            done=None,
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
    return RedirectResponse(_case_url(application_id, "consulted"), status_code=303)


EVIDENCE_FIELDS = ("criterion", "likelihood", "severity", "source", "date", "note")


@router.post("/applications/{application_id}/reassess", response_model=None)
async def reassess(
    request: Request,
    application_id: int,
    viewer: Annotated[Viewer, Page(Permission.application_assess)],
) -> Response:
    """New information (ATT 7.7): optionally one piece of evidence, then a new assessment
    linked to the earlier one. An active licence is suspended until a new decision."""
    fields = form_dict(await request.form())
    check_csrf(request, fields.get("csrf"))
    with database(request).read() as session:
        case = casefile.case_file(session, viewer.actor, application_id)
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
        return render(
            request,
            "case.html",
            viewer,
            422 if errors else 200,
            case=case,
            done=None,
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
            expected_version=int(version) if version.isdigit() else None,
        )
    return RedirectResponse(
        _case_url(application_id, "reassessed") + "#assessment", status_code=303
    )
