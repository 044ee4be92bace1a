"""Templates, the filters they use, and the helpers routes render pages with."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from openatt import __version__
from openatt.core.model import Likelihood, Severity, Topic
from openatt.reference.states import state_name
from openatt.register.assessor import Assessor, default_assessor
from openatt.register.audience import audience_of, public_status
from openatt.web.forms import label_of
from openatt.web.security import LoginRequired, Viewer, check_csrf, current_viewer

if TYPE_CHECKING:
    from openatt.screening.store import ListStore

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

STATE_LABELS = {
    "draft": "Draft",
    "submitted": "Submitted",
    "screened": "Screened",
    "assessed": "Assessed",
    "awaiting_countersign": "Awaiting sign-off",
    "approved": "Approved",
    "approved_with_conditions": "Approved with conditions",
    "denied": "Denied",
    "licensed": "Licensed",
    "delivery_verified": "Delivery verified",
    "expired": "Expired",
    "suspended": "Suspended",
    "revoked": "Revoked",
}


ACTION_LABELS = {
    "application.create": "Draft created",
    "application.update": "Draft changed",
    "application.submit": "Submitted",
    "application.screen": "Screening recorded",
    "application.assess": "Assessed",
    "application.reassess": "Reassessed (new information)",
    "assessment.create": "Assessment stored",
    "assessment.reassess": "Reassessment stored",
    "application.decide": "Decided",
    "decision.create": "Decision recorded",
    "decision.countersign": "Second officer's sign-off",
    "decision.return": "Decision returned",
    "application.countersign": "Sign-off applied",
    "denial.notify": "Denial notified",
    "application.issue": "Licence issued",
    "licence.issue": "Licence record created",
    "licence.reinstate": "Licence reinstated",
    "application.ship": "Shipment recorded",
    "shipment.record": "Shipment record created",
    "shipment.verify": "Delivery verified",
    "application.verify_delivery": "Delivery verification applied",
    "application.consult": "Consultation recorded",
    "consultation.record": "Consultation note",
}


def _action(value: str) -> str:
    if value in ACTION_LABELS:
        return ACTION_LABELS[value]
    entity, _, verb = value.partition(".")
    return f"{entity.capitalize()} {verb.replace('_', ' ')}".strip()


def _country(code: str | None) -> str:
    if not code:
        return ""
    try:
        return f"{state_name(code)} ({code})"
    except (KeyError, LookupError, ValueError):
        return code


def _label(value: object) -> str:
    text = str(getattr(value, "value", value))
    return STATE_LABELS.get(text, text.replace("_", " ").capitalize())


def _day(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


def _fact(value: object) -> str:
    if isinstance(value, str | int | float | bool) or value is None:
        return "—" if value is None or value == "" else str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


_SERIOUSNESS = ("prohibited", "risk", "requires_authorisation", "concern", "unknown", "clear")


def _serious_first(findings: Any) -> list[Any]:
    """Findings that stand in the way of approval first; stable within one outcome."""
    order = {name: index for index, name in enumerate(_SERIOUSNESS)}
    return sorted(findings, key=lambda f: order.get(f.outcome.value, len(order)))


def _json_list(text: str) -> list[Any]:
    value = json.loads(text or "[]")
    return list(value) if isinstance(value, list) else []


TEMPLATES.env.filters.update(
    country=_country,
    label=_label,
    action=_action,
    day=_day,
    fact=_fact,
    json_list=_json_list,
    serious_first=_serious_first,
)
TEMPLATES.env.globals.update(
    version=__version__,
    state_labels=STATE_LABELS,
    label_of=label_of,
    topics=[t.value for t in Topic],
    likelihoods=[v.value for v in Likelihood],
    severities=[v.value for v in Severity],
    public_status=public_status,
)


def render(
    request: Request,
    template: str,
    viewer: Viewer | None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    context.update(request=request, viewer=viewer)
    # Which view of a case this user gets (register/audience.py); partials branch on it.
    context.setdefault("audience", audience_of(viewer.actor).value if viewer else "")
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status)


def render_error(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    try:
        viewer: Viewer | None = current_viewer(request)
    except LoginRequired:
        viewer = None
    return render(request, "error.html", viewer, status, title=title, message=message)


def lists_of(request: Request) -> ListStore:
    """The parent (API) app's list store, else the lists under ``$OPENATT_HOME/lists``."""
    from openatt.register.screening import default_store

    store: ListStore | None = request.app.state.parent.state.lists
    return store if store is not None else default_store()


def assessor_of(request: Request) -> Assessor:
    """The parent (API) app's assessor: the core engine, loaded once per process."""
    state = request.app.state.parent.state
    if state.assessor is None:
        state.assessor = default_assessor()
    assessor: Assessor = state.assessor
    return assessor


def form_dict(form: FormData) -> dict[str, str]:
    """The posted fields as plain strings (files are not accepted by any form)."""
    return {key: value for key, value in form.items() if isinstance(value, str)}


async def posted(request: Request) -> dict[str, str]:
    """The posted fields of a logged-in user's form, once its CSRF token is checked."""
    fields = form_dict(await request.form())
    check_csrf(request, fields.get("csrf"))
    return fields


def expected_version(text: str) -> int | None:
    """A form's ``version`` field as the version the change expects (None: not given)."""
    return int(text) if text.isdigit() else None
