"""What the case, decision and licence pages share: reading the case file, the addresses
they send the user back to, showing the case page again with one form's errors, and placing
a service's refusal on the field it names."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from openatt.register import audience, casefile, offers, releases, workspace
from openatt.register.dialogue_view import dialogue_view
from openatt.register.errors import NotFound, RegisterError
from openatt.web.rendering import render
from openatt.web.security import Viewer, database


def case_url(application_id: int, note: str | None = None) -> str:
    return f"/ui/applications/{application_id}" + (f"?done={note}" if note else "")


def licence_url(application_id: int, note: str) -> str:
    return f"/ui/applications/{application_id}/licence?done={note}"


def load_case(request: Request, viewer: Viewer, application_id: int) -> casefile.CaseFile:
    """The case file as this viewer may see it (NotFound, Forbidden as the register says)."""
    with database(request).read() as session:
        return casefile.case_file(session, viewer.actor, application_id)


def load_licensed_case(
    request: Request, viewer: Viewer, application_id: int
) -> tuple[casefile.CaseFile, casefile.LicenceView]:
    """The case file of a case with a licence, and its licence; NotFound when none was issued."""
    case = load_case(request, viewer, application_id)
    if case.licence is None:
        raise NotFound(f"{case.row.reference} has no licence")
    return case, case.licence


def monitoring_store(request: Request) -> Path | None:
    """The monitoring store the API app was given (None: the default under OPENATT_HOME)."""
    path: Path | None = getattr(request.app.state.parent.state, "monitoring_db", None)
    return path


def show_case(
    request: Request,
    viewer: Viewer,
    case: casefile.CaseFile,
    status: int = 200,
    done: str | None = None,
    **form: Any,
) -> Response:
    """The case page; ``form`` holds the values and errors of the form shown again on it.
    An applicant gets its own view of the case (:mod:`openatt.register.audience`), never the
    staff workspace."""
    from openatt.web.routes.documents import panel

    form.setdefault("documents_panel", panel(request, viewer, case))
    from openatt.web.routes import classification

    form.setdefault("classification_panel", classification.panel(request, viewer, case))
    if "dialogue" not in form:  # the dialogue with the exporter (_dialogue.html)
        with database(request).read() as session:
            form["dialogue"] = dialogue_view(session, viewer.actor, case.row.id)
    if not audience.sees_internal(viewer.actor):
        with database(request).read() as session:
            view = audience.applicant_case(session, viewer.actor, case.row.id)
        return render(
            request, "case_applicant.html", viewer, status, view=view, case=case, done=done, **form
        )
    offered = (
        offers.offers_for(case.application, offers.indicator_tables(monitoring_store(request)))
        if case.latest is not None
        else ()
    )
    answers: dict[str, Any] = {}
    released: dict[int, str] = {}
    with database(request).read() as session:
        if offered:
            answers = dict(offers.answers_of(session, case.row.id))
        if case.decisions:
            released = releases.released_texts(session, [d.id for d in case.decisions])
    staff = {
        "grid": workspace.topic_grid(case.regimes, workspace.rule_index()),
        "judged_rows": workspace.JUDGED_ROWS,
        "offers": [(offer, answers.get(offer.key)) for offer in offered],
        "released": released,
        # the workspace's judgements: after the decision date they would be set aside
        "decision_date_passed": case.application.date < dt.date.today(),
    }
    return render(request, "case.html", viewer, status, case=case, done=done, **{**staff, **form})


def place_error(errors: dict[str, str], error: RegisterError, values: dict[str, str]) -> None:
    """Put a service's refusal next to the field it names, else above the form (the hidden
    version field is not one the user can correct)."""
    field = str(error.field[-1]) if error.field else "form"
    errors[field if field in values and field != "version" else "form"] = error.message
