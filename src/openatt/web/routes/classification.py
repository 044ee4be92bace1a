"""The classification card of the case page (staff and technical advisers): each item's
proposed entry against the confirmed one, the suggestion ranking and the precedents, and
the form to confirm, change or rule an item not controlled. Thin: it parses the form, calls
``openatt.register.classification``, and shows the case again with the error on its field."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from openatt.register import casefile, classification
from openatt.register.errors import Invalid, NotFound
from openatt.register.permissions import Permission
from openatt.web.routes.casework import case_url, load_case, place_error, show_case
from openatt.web.security import Page, Viewer, check_csrf, database

router = APIRouter()
ACTIONS = {a.value for a in classification.Action}


def panel(
    request: Request, viewer: Viewer, case: casefile.CaseFile
) -> list[classification.ItemClassification] | None:
    """The card's items for a viewer who may read classifications (None: no card)."""
    if not viewer.may(Permission.classification_read):
        return None
    with database(request).read() as session:
        try:
            return classification.items_of(session, viewer.actor, case.row.id)
        except NotFound:
            return None


@router.post("/applications/{application_id}/items/{item}/classification", response_model=None)
async def classify(
    request: Request,
    application_id: int,
    item: int,
    viewer: Annotated[Viewer, Page(Permission.classification_record)],
) -> Response:
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    check_csrf(request, fields.get("csrf"))
    values = {
        "item": str(item),
        "action": fields.get("action", ""),
        "entry": fields.get("entry", "").strip(),
        "reasons": fields.get("reasons", ""),
    }
    errors: dict[str, str] = {}
    case = load_case(request, viewer, application_id)
    try:
        if values["action"] not in ACTIONS:
            raise Invalid("choose confirm, change or not controlled", field=("action",))
        with database(request).write() as session:
            classification.record(
                session,
                viewer.actor,
                application_id,
                item,
                action=classification.Action(values["action"]),
                entry=values["entry"] or None,
                reasons=values["reasons"],
            )
    except Invalid as error:
        place_error(errors, error, values)
        return show_case(
            request, viewer, case, 422, classification_values=values, classification_errors=errors
        )
    return RedirectResponse(
        case_url(application_id, "classified") + "#classification-heading", status_code=303
    )
