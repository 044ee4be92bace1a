"""Advice pages (issue 12): the lists "awaiting my advice" and "awaiting my sign-off", the
adviser's page for a request, and the forms of the officer's advice panel on the case
(ask teams, final advice, countersign). The panel itself is ``_advice.html``, which reads
its data through :func:`advice_panel` (a template global), so the case page needs only one
line to include it."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from openatt.api.schemas import MAX_ID
from openatt.register import advice_views, consultation, final_advice, team_advice
from openatt.register.advice_subjects import TYPE_LABELS, AdviceInput
from openatt.register.errors import Conflict, Forbidden, Invalid, NotFound, RegisterError
from openatt.register.permissions import Permission
from openatt.web.rendering import ACTION_LABELS, TEMPLATES, assessor_of, posted, render
from openatt.web.routes.casework import case_url, load_case, show_case
from openatt.web.security import Page, Viewer, database

router = APIRouter()
# Ids past the database column are refused as a 422 page, not a 500 (issue 13).
RequestId = Annotated[int, Path(ge=1, le=MAX_ID)]

Reader = Annotated[Viewer, Page(Permission.advice_read)]
Giver = Annotated[Viewer, Page(Permission.advice_give)]
Asker = Annotated[Viewer, Page(Permission.advice_request)]
Finaliser = Annotated[Viewer, Page(Permission.advice_final)]
Signer = Annotated[Viewer, Page(Permission.advice_countersign)]

ADVICE_TYPES = [(t.value, label) for t, label in TYPE_LABELS.items()]
ADVICE_FIELDS = ("subject", "type", "proviso", "criteria", "reasons", "likelihood", "severity")


def advice_panel(
    request: Request, viewer: Viewer, application_id: int
) -> advice_views.AdvicePanel | None:
    """The officer's advice panel of a case, for ``_advice.html`` (None for other roles)."""
    if not viewer.may(Permission.advice_final):
        return None
    with database(request).read() as session:
        return advice_views.panel(session, viewer.actor, application_id)


# How the audit trail names the advice events.
ACTION_LABELS.update(
    {
        "advice_team.add": "Advising team added",
        "advice_team.member_add": "Adviser added to a team",
        "advice_request.create": "Advice requested",
        "advice_request.answer": "Advice request answered",
        "application.ask_advice": "Sent for advice",
        "application.advice_given": "Advice given (evidence added)",
        "advice.draft": "Advice drafted",
        "advice.give": "Advice given",
        "advice.replace": "Advice replaced",
        "advice.final": "Final advice written",
        "application.final_advice": "Final advice applied",
        "advice.countersign": "Final advice countersigned",
        "application.advice_countersign": "Countersignature applied",
        "advice_countersignature.void": "Countersignature void (advice changed)",
    }
)
TEMPLATES.env.globals.update(
    advice_panel=advice_panel,
    advice_types=ADVICE_TYPES,
    advice_type_label=advice_views.type_label,
    advice_criteria=advice_views.criteria_of,
)


def _criteria(text: str) -> tuple[str, ...]:
    return tuple(part for part in text.replace(",", " ").split() if part)


def _input(values: dict[str, str]) -> AdviceInput:
    return AdviceInput(
        subject=values.get("subject", ""),
        type=values.get("type", ""),
        reasons=values.get("reasons", ""),
        proviso=values.get("proviso", ""),
        criteria=_criteria(values.get("criteria", "")),
        likelihood=values.get("likelihood") or None,
        severity=values.get("severity") or None,
    )


def _field(error: RegisterError, known: tuple[str, ...]) -> str:
    field = str(error.field[-1]) if error.field else "form"
    return field if field in known else "form"


# ---------------------------------------------------------------- lists


@router.get("/advice", response_model=None)
def lists(request: Request, viewer: Reader) -> Response:
    """ "Awaiting my advice" for advisers (and officers on a team); "awaiting my sign-off"
    and the open requests with their deadlines for staff."""
    today = dt.date.today()
    with database(request).read() as session:
        mine = consultation.awaiting_my_advice(session, viewer.actor, today=today)
        signoff = (
            final_advice.awaiting_my_signoff(session, viewer.actor)
            if viewer.may(Permission.advice_countersign)
            else []
        )
        open_requests = (
            consultation.all_open(session, viewer.actor, today=today)
            if viewer.may(Permission.advice_request)
            else []
        )
    return render(
        request,
        "advice_lists.html",
        viewer,
        mine=mine,
        signoff=signoff,
        open_requests=open_requests,
    )


# ---------------------------------------------------------------- the adviser's page


def _request_page(
    request: Request,
    viewer: Viewer,
    request_id: int,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    done: str | None = None,
) -> Response:
    with database(request).read() as session:
        case = advice_views.adviser_case(session, viewer.actor, request_id)
    return render(
        request,
        "advice_request.html",
        viewer,
        status,
        case=case,
        values=values or {},
        errors=errors or {},
        done=done,
    )


@router.get("/advice/requests/{request_id}", response_model=None)
def request_page(
    request: Request, request_id: RequestId, viewer: Reader, done: str | None = None
) -> Response:
    return _request_page(request, viewer, request_id, done=done)


@router.post("/advice/requests/{request_id}/advice", response_model=None)
async def draft(request: Request, request_id: RequestId, viewer: Giver) -> Response:
    fields = await posted(request)
    values = {name: fields.get(name, "") for name in ADVICE_FIELDS}
    try:
        with database(request).write() as session:
            team_advice.draft(session, viewer.actor, request_id, _input(values))
    except Invalid as error:
        errors = {_field(error, ADVICE_FIELDS): error.message}
        return _request_page(request, viewer, request_id, values, errors, 422)
    except Conflict as error:
        return _request_page(request, viewer, request_id, values, {"form": error.message}, 409)
    return RedirectResponse(f"/ui/advice/requests/{request_id}?done=drafted", status_code=303)


@router.post("/advice/requests/{request_id}/submit", response_model=None)
async def submit(request: Request, request_id: RequestId, viewer: Giver) -> Response:
    await posted(request)
    try:
        with database(request).write() as session:
            team_advice.submit(session, viewer.actor, request_id, assessor_of(request))
    except Conflict as error:
        return _request_page(request, viewer, request_id, {}, {"form": error.message}, 409)
    return RedirectResponse(f"/ui/advice/requests/{request_id}?done=given", status_code=303)


# ---------------------------------------------------------------- the officer's panel


def _panel_error(
    request: Request,
    viewer: Viewer,
    application_id: int,
    form: str,
    values: dict[str, str],
    errors: dict[str, str],
    status: int,
) -> Response:
    case = load_case(request, viewer, application_id)
    return show_case(
        request,
        viewer,
        case,
        status,
        advice_form=form,
        advice_values=values,
        advice_errors=errors,
    )


@router.post("/applications/{application_id}/advice/requests", response_model=None)
async def ask(request: Request, application_id: int, viewer: Asker) -> Response:
    fields = await posted(request)
    teams = [str(t) for t in (await request.form()).getlist("teams")]
    values: dict[str, Any] = {
        "teams": teams,
        "working_days": fields.get("working_days", ""),
        # Not "question": the case page's question to the exporter holds that id.
        "advice_question": fields.get("advice_question", ""),
    }
    known = ("teams", "working_days", "advice_question")
    if not values["working_days"].strip().isdigit():
        errors = {"working_days": "Give the deadline as a whole number of working days."}
        return _panel_error(request, viewer, application_id, "ask", values, errors, 422)
    try:
        with database(request).write() as session:
            consultation.ask(
                session,
                viewer.actor,
                application_id,
                teams=teams,
                working_days=int(values["working_days"]),
                question=values["advice_question"],
            )
    except (Invalid, Conflict) as error:
        status = 422 if isinstance(error, Invalid) else 409
        field = _field(error, (*known, "question"))
        errors = {"advice_question" if field == "question" else field: error.message}
        return _panel_error(request, viewer, application_id, "ask", values, errors, status)
    return RedirectResponse(case_url(application_id, "advice-asked") + "#advice", status_code=303)


@router.post("/applications/{application_id}/advice/final", response_model=None)
async def final(request: Request, application_id: int, viewer: Finaliser) -> Response:
    fields = await posted(request)
    values = {name: fields.get(name, "") for name in ADVICE_FIELDS}
    try:
        with database(request).write() as session:
            final_advice.give_final(session, viewer.actor, application_id, _input(values))
    except (Invalid, Conflict) as error:
        status = 422 if isinstance(error, Invalid) else 409
        errors = {_field(error, ADVICE_FIELDS): error.message}
        return _panel_error(request, viewer, application_id, "final", values, errors, status)
    return RedirectResponse(case_url(application_id, "final-advice") + "#advice", status_code=303)


@router.post("/applications/{application_id}/advice/countersign", response_model=None)
async def countersign(request: Request, application_id: int, viewer: Signer) -> Response:
    fields = await posted(request)
    values = {k: fields.get(k, "") for k in ("level", "agree", "sign_reasons")}
    errors: dict[str, str] = {}
    if values["agree"] not in ("yes", "no"):
        errors["agree"] = "Say whether you agree with the final advice."
    if not values["level"].isdigit():
        errors["form"] = "The form is missing the level to sign; reload the case."
    if not errors:
        try:
            with database(request).write() as session:
                final_advice.countersign(
                    session,
                    viewer.actor,
                    application_id,
                    level=int(values["level"]),
                    agree=values["agree"] == "yes",
                    reasons=values["sign_reasons"],
                )
        except Invalid as error:
            field = _field(error, ("reasons", "level"))
            errors["sign_reasons" if field == "reasons" else "form"] = error.message
        except (Conflict, Forbidden, NotFound) as error:
            errors["form"] = error.message
    if errors:
        status = 422 if "form" not in errors else 409
        return _panel_error(request, viewer, application_id, "sign", values, errors, status)
    note = "advice-signed" if values["agree"] == "yes" else "advice-returned"
    return RedirectResponse(case_url(application_id, note) + "#advice", status_code=303)
