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
from openatt.reports.kinds import ReportKind, all_kinds
from openatt.reports.reconcile import ReportRefused
from openatt.reports.writers.national import PdfUnavailable
from openatt.web.rendering import posted, render
from openatt.web.security import Page, Viewer, database

router = APIRouter()

BASES = {
    "authorised": "Authorised (licences issued)",
    "actual": "Actual (shipments made)",
    "both": "Both (licences issued and actual exports)",
}
"""Labels of the bases the built-in kinds use; a kind's other bases show as their name."""


def _kinds() -> dict[str, ReportKind]:
    return {kind.name: kind for kind in all_kinds()}


Reader = Annotated[Viewer, Page(Permission.report_read)]


def _defaults() -> dict[str, str]:
    first = all_kinds()[0]
    return {
        "kind": first.name,
        "year": str(dt.date.today().year),
        "basis": first.bases[0],
        "format": first.formats[0],
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
    known = _kinds()
    formats = sorted({f for kind in known.values() for f in kind.formats})
    bases = {b: BASES.get(b, b) for kind in known.values() for b in kind.bases}
    return render(
        request,
        "reports.html",
        viewer,
        status,
        values=values or _defaults(),
        errors=errors or {},
        problems=problems or [],
        reports=reports,
        kinds={name: kind.title for name, kind in known.items()},
        bases=bases,
        formats=formats,
        formats_by_kind={name: kind.formats for name, kind in known.items()},
        bases_hint=" · ".join(f"{k.title}: {' or '.join(k.bases)}" for k in known.values()),
        formats_hint=" · ".join(f"{k.title}: {', '.join(k.formats)}" for k in known.values()),
        first_year=min((kind.first_year for kind in known.values()), default=1990),
    )


def _check(values: dict[str, str]) -> dict[str, str]:
    """What is wrong with the form, per field, by what the chosen kind accepts."""
    kind = _kinds().get(values["kind"])
    if kind is None:
        return {"kind": "Choose the report to generate."}
    year = values["year"]
    errors: dict[str, str] = {}
    if not year.isdigit():
        errors["year"] = f"Give a calendar year from {kind.first_year} to {kind.last_year()}."
    basis = values["basis"] if values["basis"] in kind.bases else kind.bases[0]
    if values["basis"] and values["basis"] not in kind.bases and len(kind.bases) > 1:
        errors["basis"] = f"The {kind.title} is on " + " or ".join(kind.bases) + "."
    problems = kind.problems(
        year=int(year) if year.isdigit() else kind.first_year,
        basis=basis,
        fmt=values["format"],
        options={},
    )
    if "year" in problems:
        errors["year"] = f"Give a calendar year from {kind.first_year} to {kind.last_year()}."
    if "format" in problems:
        allowed = kind.formats
        errors["format"] = (
            f"The {kind.title} is written as "
            + (", ".join(allowed[:-1]) + f" or {allowed[-1]}" if len(allowed) > 1 else allowed[0])
            + "."
        )
    values["basis"] = basis
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
        generated = service.generate(
            db,
            viewer.actor,
            values["kind"],
            year=year,
            fmt=values["format"],
            basis=values["basis"],
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
        headers=generated.download_headers(year, generated.basis),
    )
