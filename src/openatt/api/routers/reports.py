"""Reports: the ATT annual report, the UN Register return and the national report as file
downloads, the list of generated reports, submission, withholding and re-verification.

Officers and auditors only (senior reviewers count as officers). Every download is recorded
in the register with its checksums; a report that does not reconcile with the register is
refused with 409 and the list of what breaks it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from openatt.api.deps import DB, Allow
from openatt.api.schemas import MAX_ID
from openatt.register.db import Database
from openatt.register.errors import Invalid
from openatt.register.models import ReportRow
from openatt.register.permissions import Permission as P
from openatt.register.users import Actor
from openatt.reports import loading, records, service
from openatt.reports.figures import Basis
from openatt.reports.reconcile import ReportRefused
from openatt.reports.service import Generated
from openatt.reports.writers.national import PdfUnavailable

router = APIRouter(prefix="/reports", tags=["reports"])
ReportId = Annotated[int, Path(ge=1, le=MAX_ID, description="report id")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=1990, le=2200)
    reporting_state: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    as_of: dt.datetime | None = Field(
        default=None, description="compute from the register as it was then (default: now)"
    )


class TreatyReportIn(_Body):
    basis: Basis = Basis.authorised
    format: Literal["xlsx", "csv", "json"] = "xlsx"
    values: bool = Field(default=True, description="false: the number of items only")


class UnrocaIn(_Body):
    basis: Basis = Basis.actual
    format: Literal["xlsx", "json"] = "xlsx"


class NationalIn(_Body):
    format: Literal["html", "pdf", "json", "zip"] = "html"
    years: int = Field(default=5, ge=1, le=30)


class ReportOut(BaseModel):
    id: int
    kind: str
    year: int
    basis: str
    reporting_state: str | None
    as_of: str
    version: int
    supersedes_id: int | None
    status: str
    format: str
    figures_sha256: str
    file_sha256: str
    created_by: str
    created_at: dt.datetime
    submitted_at: dt.datetime | None


class SubmitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = ""


class WithholdIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    licence: str = Field(min_length=1, max_length=40)
    grounds: Literal["commercially_sensitive", "national_security"] | None
    reason: str = Field(min_length=1)


class VerifyOut(BaseModel):
    id: int
    reproduces: bool
    recorded: str
    recomputed: str


def _out(row: ReportRow) -> ReportOut:
    return ReportOut(
        id=row.id,
        kind=row.kind,
        year=row.year,
        basis=row.basis,
        reporting_state=row.reporting_state or None,
        as_of=row.as_of,
        version=row.version,
        supersedes_id=row.supersedes_id,
        status=row.status,
        format=row.format,
        figures_sha256=row.figures_sha256,
        file_sha256=row.file_sha256,
        created_by=row.created_by,
        created_at=row.created_at,
        submitted_at=row.submitted_at,
    )


def _download(call: Callable[[], Generated], year: int, basis: str) -> Response:
    try:
        generated = call()
    except ReportRefused as refused:
        return JSONResponse(
            {
                "detail": "the report does not reconcile with the register",
                "problems": refused.problems,
            },
            status_code=409,
        )
    except PdfUnavailable as error:
        return JSONResponse({"detail": str(error)}, status_code=503)
    return Response(
        generated.content,
        media_type=generated.media_type,
        headers=generated.download_headers(year, basis),
    )


def _as_of(value: dt.datetime | None) -> str | None:
    return None if value is None else loading.moment(value)


_FILE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/octet-stream": {}}},
    409: {"description": "refused: the report does not reconcile with the register"},
}


def _treaty_download(
    db: Database,
    actor: Actor,
    kind: Literal["att-annual", "unroca"],
    body: TreatyReportIn | UnrocaIn,
    values: bool = True,
) -> Response:
    return _download(
        lambda: service.generate_treaty_report(
            db,
            actor,
            kind=kind,
            year=body.year,
            basis=body.basis,
            fmt=body.format,
            reporting_state=body.reporting_state,
            as_of=_as_of(body.as_of),
            values=values,
        ),
        body.year,
        body.basis.value,
    )


@router.post("/att-annual", responses=_FILE)
def att_annual(
    body: TreatyReportIn, db: DB, actor: Annotated[Actor, Allow(P.report_read)]
) -> Response:
    """The ATT annual report (Art. 13(3)) for a calendar year."""
    return _treaty_download(db, actor, "att-annual", body, values=body.values)


@router.post("/unroca", responses=_FILE)
def unroca(body: UnrocaIn, db: DB, actor: Annotated[Actor, Allow(P.report_read)]) -> Response:
    """The UN Register of Conventional Arms return (I-VII and the SALW form)."""
    return _treaty_download(db, actor, "unroca", body)


@router.post("/national", responses=_FILE)
def national(body: NationalIn, db: DB, actor: Annotated[Actor, Allow(P.report_read)]) -> Response:
    """The national transparency report (HTML, PDF, JSON, or a zip with the charts)."""
    return _download(
        lambda: service.generate_national_report(
            db,
            actor,
            year=body.year,
            fmt=body.format,
            reporting_state=body.reporting_state,
            as_of=_as_of(body.as_of),
            years=body.years,
        ),
        body.year,
        "both",
    )


@router.get("", response_model=list[ReportOut])
def list_reports(
    db: DB,
    actor: Annotated[Actor, Allow(P.report_read)],
    kind: Annotated[Literal["att-annual", "unroca", "national"] | None, Query()] = None,
    year: Annotated[int | None, Query(ge=1990, le=2200)] = None,
) -> list[ReportOut]:
    with db.read() as session:
        return [_out(r) for r in records.list_reports(session, actor, kind=kind, year=year)]


@router.get("/{report_id}", response_model=ReportOut)
def get_report(
    report_id: ReportId, db: DB, actor: Annotated[Actor, Allow(P.report_read)]
) -> ReportOut:
    with db.read() as session:
        return _out(records.get(session, actor, report_id))


@router.get("/{report_id}/verify", response_model=VerifyOut)
def verify_report(
    report_id: ReportId, db: DB, actor: Annotated[Actor, Allow(P.report_read)]
) -> VerifyOut:
    """Compute the report again as of its recorded moment and compare the checksums."""
    with db.read() as session:
        row = records.get(session, actor, report_id)
        try:
            checksum = service.recompute(session, row).checksum()
        except ReportRefused as refused:
            raise Invalid("; ".join(refused.problems)) from refused
        return VerifyOut(
            id=row.id,
            reproduces=checksum == row.figures_sha256,
            recorded=row.figures_sha256,
            recomputed=checksum,
        )


@router.post("/{report_id}/submit", response_model=ReportOut)
def submit_report(
    report_id: ReportId, body: SubmitIn, db: DB, actor: Annotated[Actor, Allow(P.report_submit)]
) -> ReportOut:
    """Mark a version as submitted; a later correction is a new version linked to it."""
    with db.write() as session:
        return _out(records.submit(session, actor, report_id, note=body.note))


@router.post("/withhold", status_code=204)
def withhold(body: WithholdIn, db: DB, actor: Annotated[Actor, Allow(P.report_submit)]) -> Response:
    """Flag a licence as withheld from the itemised ATT report (Art. 13(3)), or clear it."""
    with db.write() as session:
        records.withhold(session, actor, body.licence, grounds=body.grounds, reason=body.reason)
    return Response(status_code=204)
