"""Monitoring world transfers over HTTP: what is stored, an assessment run, the audit, and its
tables, charts and report as downloads.

A thin layer over :mod:`openatt.monitoring.service` (the same calls as ``openatt monitor``)
and :mod:`openatt.monitoring.views`. Reading needs ``monitoring.read`` (the monitor role,
staff, auditors, administrators); running an assessment or an audit replaces the stored
results, so it needs ``monitoring.run`` (officers and senior reviewers). One run at a time per
process: a second one answers 409 instead of racing the first on the DuckDB file.

Importing files stays on the command line (``openatt monitor import``, ``openatt indicators
import``): it reads files on the server's disk, which an HTTP client should not name.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path
from typing import Annotated, Any, Literal

import duckdb
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from openatt.api.deps import Allow
from openatt.api.schemas import Regime
from openatt.evidence.mapping import DEFAULT_MAPPING, MAPPINGS
from openatt.monitoring import views
from openatt.register.errors import Conflict, NotFound
from openatt.register.permissions import Permission as P
from openatt.register.users import Actor

router = APIRouter(prefix="/monitoring", tags=["monitoring"])

Dimension = Literal["supplier", "recipient", "region", "decade"]
FIRST_YEAR, LAST_YEAR = 1950, 2100
"""SIPRI's register begins in 1950."""
_RUNNING = threading.Lock()


def store_of(request: Request) -> Path | None:
    """The app's monitoring store (``None``: the default under OPENATT_HOME)."""
    path: Path | None = getattr(request.app.state, "monitoring_db", None)
    return path


def _unprocessable(location: str, field: str, message: str) -> HTTPException:
    return HTTPException(
        422, detail=[{"loc": [location, field], "msg": message, "type": "value_error"}]
    )


class AssessIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    regimes: list[Regime] = Field(default=["att", "eu"], min_length=1)
    year_from: int | None = Field(default=None, alias="from", ge=FIRST_YEAR, le=LAST_YEAR)
    year_to: int | None = Field(default=None, alias="to", ge=FIRST_YEAR, le=LAST_YEAR)
    workers: int = Field(default=1, ge=1, le=4)
    mapping: Literal[MAPPINGS] = Field(  # type: ignore[valid-type]
        default=DEFAULT_MAPPING,
        description="evidence mapping version (indicator-mapping-v1 reproduces earlier runs)",
    )


class AuditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    by: Dimension = "supplier"
    regime: Regime | None = Field(default=None, description="default: the first assessed")
    criterion: str | None = Field(default=None, max_length=60, pattern=r"^[a-z0-9_.\-]+$")
    counterfactual_sample: int | None = Field(
        default=None, ge=0, le=10_000_000, description="default: every transfer"
    )
    alternatives: int = Field(default=20, ge=1, le=50)
    workers: int = Field(default=1, ge=1, le=4, description="processes for the counterfactual")


def _exclusive(call: Any) -> Any:
    if not _RUNNING.acquire(blocking=False):
        raise Conflict("a monitoring run is already in progress; try again when it ends")
    try:
        return call()
    finally:
        _RUNNING.release()


@router.get("/status")
def status(request: Request, actor: Annotated[Actor, Allow(P.monitoring_read)]) -> dict[str, Any]:
    """What is stored: the imported file and its counts, the indicator tables, the last
    assessment run and its results per regime, and the latest audit's files."""
    try:
        return views.status(store_of(request))
    except views.StoreBusy as error:
        raise Conflict(str(error)) from error


@router.post("/assess")
async def assess(
    body: AssessIn, request: Request, actor: Annotated[Actor, Allow(P.monitoring_run)]
) -> dict[str, Any]:
    """Assess the stored transfers delivered between two years under the chosen regimes
    (replaces the stored results)."""
    if body.year_from and body.year_to and body.year_from > body.year_to:
        raise _unprocessable("body", "from", "the first year is after the last")
    db = store_of(request)
    if not views.store_path(db).is_file():
        raise Conflict("no transfers imported yet: run 'openatt monitor import FILE'")
    from openatt.monitoring import service

    def run() -> dict[str, Any]:
        try:
            summary = service.assess(
                body.regimes,
                body.year_from,
                body.year_to,
                db=db,
                workers=body.workers,
                mapping=body.mapping,
            )
        except duckdb.IOException as error:
            raise Conflict(views.BUSY) from error
        return {
            "transfers": summary.transfers,
            "assessed": summary.assessed,
            "signatures": summary.signatures,
            "skipped": summary.skipped,
            "embargo_hits": summary.embargo_hits,
            "recommendations": summary.recommendations,
            "indicators": summary.indicators,
            "mapping": summary.mapping,
            "seconds": round(summary.seconds, 3),
        }

    result: dict[str, Any] = await run_in_threadpool(_exclusive, run)
    return result


@router.post("/audit")
async def run_audit(
    body: AuditIn, request: Request, actor: Annotated[Actor, Allow(P.monitoring_run)]
) -> dict[str, Any]:
    """Write the evenhandedness audit (tables, charts, HTML report) as the latest audit."""
    db = store_of(request)
    if not views.store_path(db).is_file():
        raise Conflict("no transfers imported yet: run 'openatt monitor import FILE'")
    from openatt.monitoring import service

    folder = views.audit_folder(db)

    def run() -> dict[str, Any]:
        # Written into a fresh folder, which replaces the latest audit only once complete: no
        # stale table of another filter, and a refused or failed audit keeps the previous one.
        folder.parent.mkdir(parents=True, exist_ok=True)
        fresh = Path(tempfile.mkdtemp(prefix="audit-", dir=folder.parent))
        try:
            result = service.run_audit(
                fresh / views.REPORT_NAME,
                by=body.by,
                regime=body.regime,
                criterion=body.criterion,
                db=db,
                counterfactual_sample=body.counterfactual_sample,
                alternatives=body.alternatives,
                workers=body.workers,
            )
        except duckdb.IOException as error:
            raise Conflict(views.BUSY) from error
        finally:
            if not (fresh / views.REPORT_NAME).is_file():
                shutil.rmtree(fresh, ignore_errors=True)
        shutil.rmtree(folder, ignore_errors=True)
        fresh.rename(folder)
        return {
            "report": views.REPORT_NAME,
            "files": [Path(f).name for f in result["files"]],
            "counterfactual": result["counterfactual"],
            "rows": result["rows"],
        }

    done: dict[str, Any] = await run_in_threadpool(_exclusive, run)
    return done


class OutcomeFilters:
    """The filters of the audit table and of every chart drawn for them, as query parameters:
    what is compared (``by``) and which transfers (regime, criterion, delivery years)."""

    def __init__(
        self,
        by: Annotated[str, Query(max_length=20)] = "supplier",
        regime: Annotated[str | None, Query(max_length=10)] = None,
        criterion: Annotated[str | None, Query(max_length=60)] = None,
        year_from: Annotated[int | None, Query(alias="from", ge=FIRST_YEAR, le=LAST_YEAR)] = None,
        year_to: Annotated[int | None, Query(alias="to", ge=FIRST_YEAR, le=LAST_YEAR)] = None,
    ) -> None:
        self.by, self.regime, self.criterion = by, regime, criterion
        self.year_from, self.year_to = year_from, year_to

    def read(self, kind: str, db: Path | None) -> dict[str, Any]:
        """The data of one view (``outcomes``, ``over-time``, ``heatmap``) for the filters."""
        reader, _draw = views.CHARTS[kind]
        try:
            table: dict[str, Any] = reader(
                by=self.by,
                regime=self.regime,
                criterion=self.criterion,
                year_from=self.year_from,
                year_to=self.year_to,
                db=db,
            )
        except views.BadFilter as error:
            raise _unprocessable("query", error.where, error.message) from error
        except views.NothingStored as error:
            raise Conflict(str(error)) from error
        return table

    def chart(self, kind: str, fmt: str, db: Path | None) -> Response:
        """That view drawn as a PNG or SVG; 404 with the reason when no transfer matches."""
        _reader, draw = views.CHARTS[kind]
        try:
            image = draw(self.read(kind, db), fmt)
        except views.NoTransfers as error:
            raise NotFound(str(error)) from error
        return Response(image, media_type=views.MEDIA_TYPES[f".{fmt}"])


Filters = Annotated[OutcomeFilters, Depends()]
ChartFormat = Literal["png", "svg"]
CHART_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/png": {}, "image/svg+xml": {}}},
    404: {"description": "no transfers match the filters (the detail says which)"},
}


@router.get("/outcomes")
def outcomes(
    request: Request, filters: Filters, actor: Annotated[Actor, Allow(P.monitoring_read)]
) -> dict[str, Any]:
    """The audit table from the stored results: per supplier (recipient, region, decade), the
    transfers and TIV under each outcome of the regime (or of one criterion), with a Wilson 95%
    interval on the share prohibited or at risk, ranked by its lower bound."""
    return filters.read("outcomes", store_of(request))


@router.get("/outcomes/chart.{fmt}", response_class=Response, responses=CHART_RESPONSES)
def outcomes_chart(
    fmt: ChartFormat,
    request: Request,
    filters: Filters,
    actor: Annotated[Actor, Allow(P.monitoring_read)],
) -> Response:
    """The same table as a chart: the share of transfers under each outcome, top 20 rows."""
    return filters.chart("outcomes", fmt, store_of(request))


@router.get("/over-time")
def over_time(
    request: Request, filters: Filters, actor: Annotated[Actor, Allow(P.monitoring_read)]
) -> dict[str, Any]:
    """Outcome shares over time for the filters: delivered TIV under each outcome per year
    (per decade when the years span more than 25), for the 8 suppliers (recipients, regions:
    ``by``; suppliers when ``by`` is the decade) with the most TIV (``panels``)."""
    return filters.read("over-time", store_of(request))


@router.get("/over-time/chart.{fmt}", response_class=Response, responses=CHART_RESPONSES)
def over_time_chart(
    fmt: ChartFormat,
    request: Request,
    filters: Filters,
    actor: Annotated[Actor, Allow(P.monitoring_read)],
) -> Response:
    """The audit report's chart of outcome shares over time, drawn for the filters."""
    return filters.chart("over-time", fmt, store_of(request))


@router.get("/heatmap")
def heatmap(
    request: Request, filters: Filters, actor: Annotated[Actor, Allow(P.monitoring_read)]
) -> dict[str, Any]:
    """Supplier x recipient for the filters: the share of delivered TIV prohibited or at risk
    (under the criterion, if one is chosen), for the 15 suppliers and 20 recipients with the
    most TIV; ``transfers`` counts every matching transfer."""
    return filters.read("heatmap", store_of(request))


@router.get("/heatmap/chart.{fmt}", response_class=Response, responses=CHART_RESPONSES)
def heatmap_chart(
    fmt: ChartFormat,
    request: Request,
    filters: Filters,
    actor: Annotated[Actor, Allow(P.monitoring_read)],
) -> Response:
    """The audit report's supplier x recipient heatmap, drawn for the filters."""
    return filters.chart("heatmap", fmt, store_of(request))


@router.get("/audit/files")
def audit_files(
    request: Request, actor: Annotated[Actor, Allow(P.monitoring_read)]
) -> list[dict[str, Any]]:
    """The latest audit's files: the HTML report, the tables (CSV, JSON, XLSX), the charts."""
    return views.audit_files(store_of(request))


@router.get("/audit/tables/{name}")
def audit_table(
    name: str, request: Request, actor: Annotated[Actor, Allow(P.monitoring_read)]
) -> list[dict[str, Any]]:
    """One table of the latest audit as JSON (e.g. ``outcomes_by_supplier``)."""
    try:
        return views.audit_table(name, store_of(request))
    except views.NothingStored as error:
        raise NotFound(str(error)) from error


@router.get(
    "/audit/files/{name}",
    response_class=FileResponse,
    responses={200: {"content": {t: {} for t in views.MEDIA_TYPES.values()}}},
)
def audit_file(
    name: str, request: Request, actor: Annotated[Actor, Allow(P.monitoring_read)]
) -> FileResponse:
    """Download one file of the latest audit: ``report.html``, a chart (PNG, SVG) or a table."""
    try:
        path = views.audit_file(name, store_of(request))
    except views.NothingStored as error:
        raise NotFound(str(error)) from error
    return FileResponse(path, media_type=views.MEDIA_TYPES[path.suffix], filename=path.name)
