"""Deciding a case (decision, reasons, conditions) and the second officer's sign-off."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from openatt.register import assessing, casefile
from openatt.register.errors import Conflict, Forbidden, Invalid
from openatt.register.models import Outcome, State
from openatt.register.permissions import Permission
from openatt.web.rendering import expected_version, posted, render
from openatt.web.routes.casework import case_url, load_case, place_error, show_case
from openatt.web.security import Page, Viewer, database

router = APIRouter()

Decider = Annotated[Viewer, Page(Permission.application_decide)]
Signer = Annotated[Viewer, Page(Permission.application_countersign)]

OUTCOME_TEXT = {
    "approved": "Approve",
    "approved_with_conditions": "Approve with conditions",
    "denied": "Deny",
}


def _conditions(text: str) -> list[str]:
    return [line.strip(" -•\t") for line in text.splitlines() if line.strip(" -•\t")]


def _decide_page(
    request: Request,
    viewer: Viewer,
    case: casefile.CaseFile,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    four_eyes = {outcome: case.four_eyes(outcome) for outcome in OUTCOME_TEXT}
    return render(
        request,
        "decide.html",
        viewer,
        status,
        case=case,
        values=values,
        errors=errors,
        outcomes=OUTCOME_TEXT,
        four_eyes=four_eyes,
    )


def _load(request: Request, viewer: Viewer, application_id: int) -> casefile.CaseFile:
    case = load_case(request, viewer, application_id)
    if case.row.state != State.assessed.value:
        raise Conflict(
            f"{case.row.reference} is {case.row.state}; a decision needs an assessed case"
        )
    return case


@router.get("/applications/{application_id}/decide", response_model=None)
def decide_form(request: Request, application_id: int, viewer: Decider) -> Response:
    case = _load(request, viewer, application_id)
    values = {"version": str(case.row.version)}
    return _decide_page(request, viewer, case, values, {})


@router.post("/applications/{application_id}/decide", response_model=None)
async def decide(request: Request, application_id: int, viewer: Decider) -> Response:
    fields = await posted(request)
    case = _load(request, viewer, application_id)
    values = {
        k: fields.get(k, "")
        for k in ("outcome", "reasons", "conditions", "released_reasons", "version")
    }
    errors: dict[str, str] = {}
    if values["outcome"] not in OUTCOME_TEXT:
        errors["outcome"] = "Choose the decision."
    if not values["reasons"].strip():
        errors["reasons"] = "Write the reasons for the decision."
    conditions = _conditions(values["conditions"])
    if values["outcome"] == "approved_with_conditions" and not conditions:
        errors["conditions"] = "Give at least one condition, one per line."
    if not values["version"].isdigit():  # like the API: a decision names what it decided on
        errors["form"] = "The form has no version of the case; reload the case and decide again."
    if errors or fields.get("step") == "edit":
        return _decide_page(request, viewer, case, values, errors, 422 if errors else 200)
    if fields.get("step") != "confirm":
        reasons_for_second = case.four_eyes(values["outcome"])
        consequences = [
            f"Decision: {OUTCOME_TEXT[values['outcome']]}. The decision and its reasons are "
            "recorded in the register and cannot be changed afterwards.",
        ]
        if reasons_for_second:
            consequences.append(
                "A second officer must sign it off before it takes effect, because "
                + "; and ".join(reasons_for_second)
                + "."
            )
        else:
            consequences.append("It takes effect at once.")
        return render(
            request,
            "confirm.html",
            viewer,
            case=case,
            title=f"Record this decision on {case.row.reference}?",
            consequences=consequences,
            summary=[
                ("Decision", OUTCOME_TEXT[values["outcome"]]),
                ("Reasons", values["reasons"]),
                ("Conditions", "\n".join(conditions) or "none"),
                ("Released to the applicant", values["released_reasons"].strip() or "none"),
            ],
            action=f"/ui/applications/{application_id}/decide",
            fields=values,
            confirm_label="Record the decision",
            edit_label="Change the decision",
        )
    try:
        with database(request).write() as session:
            decision = assessing.decide(
                session,
                viewer.actor,
                application_id,
                outcome=Outcome(values["outcome"]),
                reasons=values["reasons"],
                conditions=conditions,
                expected_version=expected_version(values["version"]),
                released_reasons=values["released_reasons"],
            )
            pending = decision.status == "pending"
    except (Invalid, Conflict) as error:
        place_error(errors, error, values)
        return _decide_page(request, viewer, case, values, errors, 409)
    note = "awaiting-signoff" if pending else "decided"
    return RedirectResponse(case_url(application_id, note), status_code=303)


@router.post("/applications/{application_id}/countersign", response_model=None)
async def countersign(request: Request, application_id: int, viewer: Signer) -> Response:
    fields = await posted(request)
    case = load_case(request, viewer, application_id)
    agree = fields.get("agree") == "yes"
    values = {
        "agree": "yes" if agree else "no",
        "note": fields.get("note", ""),
        "version": fields.get("version", ""),
    }
    pending = case.pending
    if pending is None:
        raise Conflict(f"{case.row.reference} has no decision awaiting sign-off")
    if viewer.actor.id in (pending.decided_by, case.latest.assessed_by if case.latest else None):
        raise Forbidden(
            "four-eyes: the second officer must be someone who neither assessed "
            "nor decided this case"
        )
    sign_errors: dict[str, str] = {}
    if not agree and not values["note"].strip():
        sign_errors["note"] = "Say why you return the decision."
    if not values["version"].isdigit():  # like a decision: a sign-off names what it signs
        sign_errors["form"] = (
            "The form has no version of the case; reload the case and sign off again."
        )
    if sign_errors:
        return show_case(request, viewer, case, 422, sign_errors=sign_errors, sign_values=values)
    if fields.get("step") != "confirm":
        outcome = OUTCOME_TEXT.get(pending.outcome, pending.outcome)
        consequences = (
            [f"The decision ({outcome}) takes effect under your name as second officer."]
            if agree
            else ["The decision is returned: the case goes back to 'assessed' for a new decision."]
        )
        return render(
            request,
            "confirm.html",
            viewer,
            case=case,
            title=("Sign off" if agree else "Return") + f" the decision on {case.row.reference}?",
            consequences=consequences,
            summary=[
                ("Decision", outcome),
                ("Decided by", case.name(pending.decided_by)),
                ("Reasons", pending.reasons),
                ("Your note", values["note"] or "none"),
            ],
            action=f"/ui/applications/{application_id}/countersign",
            fields=values,
            confirm_label="Sign off the decision" if agree else "Return the decision",
            back=f"/ui/applications/{application_id}#signoff",
        )
    try:
        with database(request).write() as session:
            assessing.countersign(
                session,
                viewer.actor,
                application_id,
                agree=agree,
                note=values["note"],
                expected_version=expected_version(values["version"]),
            )
    except Conflict as error:  # a stale version: the case changed since the page was read
        place_error(sign_errors, error, values)
        return show_case(request, viewer, case, 409, sign_errors=sign_errors, sign_values=values)
    note = "signed-off" if agree else "returned"
    return RedirectResponse(case_url(application_id, note), status_code=303)
