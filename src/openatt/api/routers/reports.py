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
from openatt.register.errors import Invalid
from openatt.register.models import ReportRow
from openatt.register.permissions import Permission as P
from openatt.register.users import Actor
from openatt.reports import kinds, loading, records, service
from openatt.reports.kinds import FIRST_YEAR
from openatt.reports.reconcile import ReportRefused
from openatt.reports.service import Generated
from openatt.reports.writers.national import PdfUnavailable

router = APIRouter(prefix="/reports", tags=["reports"])
ReportId = Annotated[int, Path(ge=1, le=MAX_ID, description="report id")]


class ReportIn(BaseModel):
    """What every report kind accepts; a kind's own options (``values``, ``imports_basis``,
    ``years``, ``currency``, ``rates``...) are further fields, checked against the kind."""

    model_config = ConfigDict(extra="allow")

    year: int = Field(description="calendar year, from the kind's first year to this year")
    basis: str | None = Field(
        default=None, description="one of the kind's bases (default: its first)"
    )
    format: str | None = Field(
        default=None, description="one of the kind's formats (default: its first)"
    )
    reporting_state: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    as_of: dt.datetime | None = Field(
        default=None, description="compute from the register as it was then (default: now)"
    )

    def options(self) -> dict[str, object]:
        return dict(self.model_extra or {})


class KindOut(BaseModel):
    name: str
    title: str
    formats: tuple[str, ...]
    bases: tuple[str, ...]
    first_year: int
    last_year: int
    options: dict[str, str]


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


def _download(call: Callable[[], Generated], year: int) -> Response:
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
        headers=generated.download_headers(year, generated.basis),
    )


def _as_of(value: dt.datetime | None) -> str | None:
    return None if value is None else loading.moment(value)


_FILE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/octet-stream": {}}},
    409: {"description": "refused: the report does not reconcile with the register"},
}


@router.get("/kinds", response_model=list[KindOut])
def report_kinds(actor: Annotated[Actor, Allow(P.report_read)]) -> list[KindOut]:
    """The report kinds and what each accepts (the registry the CLI and the web form use)."""
    return [
        KindOut(
            name=k.name,
            title=k.title,
            formats=k.formats,
            bases=k.bases,
            first_year=k.first_year,
            last_year=k.last_year(),
            options={o.name: o.help for o in k.options},
        )
        for k in kinds.all_kinds()
    ]


@router.get("", response_model=list[ReportOut])
def list_reports(
    db: DB,
    actor: Annotated[Actor, Allow(P.report_read)],
    kind: Annotated[str | None, Query(description="a report kind's name")] = None,
    year: Annotated[int | None, Query(ge=FIRST_YEAR)] = None,
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


@router.post("/{kind}", responses=_FILE)
def generate(
    kind: str, body: ReportIn, db: DB, actor: Annotated[Actor, Allow(P.report_read)]
) -> Response:
    """Any report kind (``GET /reports/kinds``) for a calendar year, as a file download."""
    return _download(
        lambda: service.generate(
            db,
            actor,
            kind,
            year=body.year,
            fmt=body.format,
            basis=body.basis,
            reporting_state=body.reporting_state,
            as_of=_as_of(body.as_of),
            options=body.options(),
        ),
        body.year,
    )
