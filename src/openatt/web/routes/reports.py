"""The reports page: generate the ATT annual report, the UN Register return or the national
report as a download, and list the reports already generated.

The page calls the same service functions as the CLI and the REST API, so a report written
here is reconciled, versioned and recorded in the audit log exactly like theirs. Generating
is not irreversible (the same figures keep their version), so it needs no confirmation page.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from openatt.register.permissions import Permission
from openatt.reports import records, service
from openatt.reports.figures import Basis
from openatt.reports.reconcile import ReportRefused
from openatt.reports.writers.national import PdfUnavailable
from openatt.web.rendering import posted, render
from openatt.web.security import Page, Viewer, database

router = APIRouter()

KINDS = {
    "att-annual": "ATT annual report",
    "unroca": "UN Register of Conventional Arms return",
    "national": "National transparency report",
}
BASES = {"authorised": "Authorised (licences issued)", "actual": "Actual (shipments made)"}
FIRST_YEAR = 1990
"""No register in use holds licences from before the UN Register began (1992)."""

Reader = Annotated[Viewer, Page(Permission.report_read)]


def _defaults() -> dict[str, str]:
    return {
        "kind": "att-annual",
        "year": str(dt.date.today().year),
        "basis": "authorised",
        "format": "xlsx",
    }


def _page(
    request: Request,
    viewer: Viewer,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    problems: list[str] | None = None,
    status: int = 200,
) -> Response:
    with database(request).read() as session:
        reports = list(reversed(records.list_reports(session, viewer.actor)))
    formats = sorted({f for fmts in service.FORMATS.values() for f in fmts})
    return render(
        request,
        "reports.html",
        viewer,
        status,
        values=values or _defaults(),
        errors=errors or {},
        problems=problems or [],
        reports=reports,
        kinds=KINDS,
        bases=BASES,
        formats=formats,
        formats_by_kind=service.FORMATS,
    )


def _check(values: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if values["kind"] not in KINDS:
        errors["kind"] = "Choose the report to generate."
    year = values["year"]
    last = dt.date.today().year
    if not year.isdigit() or not FIRST_YEAR <= int(year) <= last:
        errors["year"] = f"Give a calendar year from {FIRST_YEAR} to {last}."
    if values["kind"] != "national" and values["basis"] not in BASES:
        errors["basis"] = "Choose authorised or actual."
    allowed = service.FORMATS.get(values["kind"])
    if allowed is not None and values["format"] not in allowed:
        errors["format"] = (
            f"The {KINDS[values['kind']]} is written as "
            + ", ".join(allowed[:-1])
            + f" or {allowed[-1]}."
        )
    return errors


@router.get("/reports", response_model=None)
def reports_page(request: Request, viewer: Reader) -> Response:
    return _page(request, viewer)


@router.post("/reports/generate", response_model=None)
async def generate(request: Request, viewer: Reader) -> Response:
    fields = await posted(request)
    values = {k: fields.get(k, "").strip() for k in ("kind", "year", "basis", "format")}
    errors = _check(values)
    if errors:
        return _page(request, viewer, values, errors, status=422)
    db = database(request)
    year = int(values["year"])
    try:
        if values["kind"] == "national":
            basis = "both"
            generated = service.generate_national_report(
                db, viewer.actor, year=year, fmt=values["format"]
            )
        else:
            basis = values["basis"]
            generated = service.generate_treaty_report(
                db,
                viewer.actor,
                kind="unroca" if values["kind"] == "unroca" else "att-annual",
                year=year,
                basis=Basis(basis),
                fmt=values["format"],
            )
    except ReportRefused as refused:
        return _page(request, viewer, values, problems=refused.problems, status=409)
    except PdfUnavailable as error:
        return _page(
            request,
            viewer,
            values,
            status=503,
            errors={
                "format": f"The PDF cannot be written on this server ({error}). Choose html or zip."
            },
        )
    return Response(
        generated.content,
        media_type=generated.media_type,
        headers=generated.download_headers(year, basis),
    )
