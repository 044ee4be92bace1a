"""Issuing a licence, the licence page (shipments, remaining quantities), recording a
shipment against it."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from openatt.register import casefile, licensing
from openatt.register.errors import Conflict, Invalid
from openatt.register.permissions import Permission, require
from openatt.web.rendering import expected_version, posted, render
from openatt.web.routes.casework import (
    licence_url,
    load_case,
    load_licensed_case,
    place_error,
    show_case,
)
from openatt.web.security import Page, Viewer, database

router = APIRouter()


def _date(text: str, errors: dict[str, str], name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        errors[name] = "Give a date as YYYY-MM-DD." if text.strip() else "This field is required."
        return None


def _licence_page(
    request: Request,
    viewer: Viewer,
    case: casefile.CaseFile,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    done: str | None = None,
    verify_values: dict[str, dict[str, str]] | None = None,
    end_values: dict[str, str] | None = None,
) -> Response:
    defaults = {
        "item": "0",
        "quantity": "",
        "shipped_on": dt.date.today().isoformat(),
        "reference": "",
    }
    return render(
        request,
        "licence.html",
        viewer,
        status,
        case=case,
        values=values or defaults,
        errors=errors or {},
        done=done,
        verify_values=verify_values or {},
        end_values=end_values or {},
        today=dt.date.today().isoformat(),
    )


@router.get("/applications/{application_id}/licence", response_model=None)
def licence_page(
    request: Request,
    application_id: int,
    viewer: Annotated[Viewer, Page(Permission.application_read)],
    done: str | None = None,
) -> Response:
    case, _ = load_licensed_case(request, viewer, application_id)
    return _licence_page(request, viewer, case, done=done)


@router.post("/applications/{application_id}/issue", response_model=None)
async def issue(
    request: Request, application_id: int, viewer: Annotated[Viewer, Page(Permission.licence_issue)]
) -> Response:
    fields = await posted(request)
    case = load_case(request, viewer, application_id)
    values = {"valid_until": fields.get("valid_until", ""), "version": fields.get("version", "")}
    errors: dict[str, str] = {}
    until = _date(values["valid_until"], errors, "valid_until")
    if until is not None and until <= dt.date.today():
        errors["valid_until"] = "The licence must be valid after today."
    if errors or fields.get("step") == "edit":
        return show_case(
            request,
            viewer,
            case,
            422 if errors else 200,
            issue_values=values,
            issue_errors=errors,
        )
    if fields.get("step") != "confirm":
        return render(
            request,
            "confirm.html",
            viewer,
            case=case,
            title=f"Issue the licence for {case.row.reference}?",
            consequences=[
                "The licence is issued to " + case.row.company + " and shipments "
                "can be recorded against it. An issued licence can only be "
                "suspended or revoked, not withdrawn."
            ],
            summary=[("Valid until", values["valid_until"])],
            action=f"/ui/applications/{application_id}/issue",
            fields=values,
            confirm_label="Issue the licence",
            edit_label="Change the date",
        )
    assert until is not None
    with database(request).write() as session:
        licensing.issue(
            session,
            viewer.actor,
            application_id,
            valid_until=until,
            expected_version=expected_version(values["version"]),
        )
    return RedirectResponse(licence_url(application_id, "issued"), status_code=303)


@router.post("/applications/{application_id}/shipments", response_model=None)
async def record_shipment(
    request: Request,
    application_id: int,
    viewer: Annotated[Viewer, Page(Permission.shipment_record)],
) -> Response:
    fields = await posted(request)
    case, licence = load_licensed_case(request, viewer, application_id)
    values = {k: fields.get(k, "").strip() for k in ("item", "quantity", "shipped_on", "reference")}
    errors: dict[str, str] = {}
    lines = licence.lines
    item = int(values["item"]) if values["item"].isdigit() else -1
    if not 0 <= item < len(lines):
        errors["item"] = "Choose the item shipped."
    quantity = int(values["quantity"]) if values["quantity"].isdigit() else 0
    if quantity < 1:
        errors["quantity"] = "Give a whole number of at least 1."
    elif 0 <= item < len(lines) and quantity > lines[item].remaining:
        errors["quantity"] = f"Only {lines[item].remaining} remain on the licence for this item."
    shipped_on = _date(values["shipped_on"], errors, "shipped_on")
    if errors or fields.get("step") == "edit":
        return _licence_page(request, viewer, case, values, errors, 422 if errors else 200)
    if fields.get("step") != "confirm":
        line = lines[item]
        return render(
            request,
            "confirm.html",
            viewer,
            case=case,
            title=f"Record this shipment on {licence.licence.number}?",
            consequences=[
                f"{quantity} of '{line.item.description}' are counted against the "
                f"licence; {line.remaining - quantity} will remain. A recorded "
                "shipment cannot be removed."
            ],
            summary=[
                ("Item", line.item.description),
                ("Quantity", str(quantity)),
                ("Shipped on", values["shipped_on"]),
                ("Reference", values["reference"] or "none"),
            ],
            action=f"/ui/applications/{application_id}/shipments",
            fields=values,
            confirm_label="Record the shipment",
            edit_label="Change the shipment",
        )
    assert shipped_on is not None
    try:
        with database(request).write() as session:
            licensing.record_shipment(
                session,
                viewer.actor,
                application_id,
                item=item,
                quantity=quantity,
                shipped_on=shipped_on,
                reference=values["reference"] or None,
            )
    except (Conflict, Invalid) as error:
        place_error(errors, error, values)
        return _licence_page(request, viewer, case, values, errors, 409)
    return RedirectResponse(licence_url(application_id, "shipped"), status_code=303)


@router.post("/applications/{application_id}/verify-delivery", response_model=None)
async def verify_delivery(
    request: Request,
    application_id: int,
    viewer: Annotated[Viewer, Page(Permission.delivery_verify)],
) -> Response:
    fields = await posted(request)
    case, _ = load_licensed_case(request, viewer, application_id)
    shipment = fields.get("shipment_id", "")
    # The licence page has one form per shipment, so its fields carry the shipment's id
    # (``verified_on-<id>``); the plain names are read when no such field was sent.
    values = {
        "shipment_id": shipment,
        "verified_on": fields.get(f"verified_on-{shipment}", fields.get("verified_on", "")),
        "verification": fields.get(
            f"verification-{shipment}", fields.get("verification", "")
        ).strip(),
    }
    errors: dict[str, str] = {}
    day = _date(values["verified_on"], errors, f"verified_on-{shipment}")
    if not values["verification"]:
        errors[f"verification-{shipment}"] = "Name the evidence of delivery."
    if errors:
        return _licence_page(
            request, viewer, case, errors=errors, status=422, verify_values={shipment: values}
        )
    assert day is not None
    with database(request).write() as session:
        licensing.verify_delivery(
            session,
            viewer.actor,
            application_id,
            shipment_id=int(shipment) if shipment.isdigit() else -1,
            verified_on=day,
            verification=values["verification"],
        )
    return RedirectResponse(licence_url(application_id, "verified"), status_code=303)


_ENDINGS = {
    "suspend": (
        Permission.licence_suspend,
        "Suspend",
        licensing.suspend,
        "No shipment can be recorded while it is suspended; a reassessment and a new "
        "decision can reinstate it.",
    ),
    "revoke": (
        Permission.licence_revoke,
        "Revoke",
        licensing.revoke,
        "A revoked licence cannot be reinstated.",
    ),
}


@router.post("/applications/{application_id}/licence/suspend", response_model=None)
async def suspend(
    request: Request,
    application_id: int,
    viewer: Annotated[Viewer, Page(Permission.licence_suspend)],
) -> Response:
    return await _end_licence(request, application_id, viewer, "suspend")


@router.post("/applications/{application_id}/licence/revoke", response_model=None)
async def revoke(
    request: Request,
    application_id: int,
    viewer: Annotated[Viewer, Page(Permission.licence_revoke)],
) -> Response:
    return await _end_licence(request, application_id, viewer, "revoke")


async def _end_licence(
    request: Request, application_id: int, viewer: Viewer, action: str
) -> Response:
    """Suspend (officers) or revoke (senior reviewers) a licence, with the reason."""
    permission, verb, service, consequence = _ENDINGS[action]
    require(viewer.actor, permission)
    fields = await posted(request)
    case, licence = load_licensed_case(request, viewer, application_id)
    values = {"reason": fields.get("reason", "").strip(), "version": fields.get("version", "")}
    if not values["reason"] or fields.get("step") == "edit":
        errors = {f"{action}-reason": "Give the reason."} if not values["reason"] else {}
        return _licence_page(
            request,
            viewer,
            case,
            errors=errors,
            status=422 if errors else 200,
            end_values={action: values["reason"]},
        )
    if fields.get("step") != "confirm":
        return render(
            request,
            "confirm.html",
            viewer,
            case=case,
            title=f"{verb} licence {licence.licence.number}?",
            consequences=[consequence],
            summary=[("Reason", values["reason"])],
            action=f"/ui/applications/{application_id}/licence/{action}",
            fields=values,
            confirm_label=f"{verb} the licence",
            edit_label="Change the reason",
        )
    with database(request).write() as session:
        service(
            session,
            viewer.actor,
            application_id,
            reason=values["reason"],
            expected_version=expected_version(values["version"]),
        )
    return RedirectResponse(licence_url(application_id, action), status_code=303)
