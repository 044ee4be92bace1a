"""The monitoring page: the evenhandedness audit of world transfers, read-only.

One table from the stored batch results (outcome counts and TIV shares per supplier,
recipient, region or decade, ranked), filtered by regime, criterion and delivery years through
:mod:`openatt.monitoring.views` -- the same functions as ``GET /monitoring/outcomes`` -- and
the audit's three charts (the table's outcome shares, outcome shares over time, the supplier x
recipient heatmap) drawn on the server for exactly those filters: each ``<img>`` names its
chart and carries the filters in its query. The latest audit run's report, tables and charts
stay downloads, labelled as that run's. Nothing on the page changes the store: importing,
assessing and auditing are done with ``openatt monitor`` or the REST API (``monitoring.run``),
so the filter form is a GET form, like the work queue's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response

from openatt.law.loader import default_law
from openatt.monitoring import audit, views
from openatt.register.errors import NotFound
from openatt.register.permissions import Permission
from openatt.web.rendering import render, render_error
from openatt.web.security import Page, Viewer

router = APIRouter()

Reader = Annotated[Viewer, Page(Permission.monitoring_read)]


def regime_title(regime_id: str) -> str:
    """The regime's own title from the loaded law (its id when the store holds a regime
    this server no longer loads)."""
    regime = default_law().regimes.get(regime_id)
    return regime.title if regime is not None else regime_id


DIMENSIONS = {
    "supplier": "Supplier",
    "recipient": "Recipient",
    "region": "Recipient's region",
    "decade": "Decade",
}
SHOWN = ("prohibited", "risk", "concern", "unknown", "clear")
"""Outcome columns on the page (the JSON and the audit files have all of them)."""
LIMIT = 60


def _store(request: Request) -> Path | None:
    path: Path | None = getattr(request.app.state.parent.state, "monitoring_db", None)
    return path


def _year(text: str, field: str, errors: dict[str, str]) -> int | None:
    if not text:
        return None
    if not text.isdigit() or not 1950 <= int(text) <= 2100:
        errors[field] = "Give a year from 1950 to 2100."
        return None
    return int(text)


@router.get("/monitoring", response_model=None)
def monitoring_page(
    request: Request,
    viewer: Reader,
    by: Annotated[str, Query(max_length=20)] = "supplier",
    regime: Annotated[str, Query(max_length=10)] = "",
    criterion: Annotated[str, Query(max_length=60)] = "",
    year_from: Annotated[str, Query(alias="from", max_length=4)] = "",
    year_to: Annotated[str, Query(alias="to", max_length=4)] = "",
) -> Response:
    db = _store(request)
    values = {"by": by, "regime": regime, "criterion": criterion, "from": year_from, "to": year_to}
    errors: dict[str, str] = {}
    if by not in DIMENSIONS:
        errors["by"] = "Choose what to compare."
    first, last = _year(year_from, "from", errors), _year(year_to, "to", errors)
    try:
        known, stored = views.choices(db), views.status(db)
    except views.StoreBusy as error:
        return render_error(request, 409, "Monitoring data is being updated", str(error))
    table: dict[str, Any] | None = None
    if known.regimes and not errors:
        try:
            table = views.outcomes(
                by=by,
                regime=regime or None,
                criterion=criterion or None,
                year_from=first,
                year_to=last,
                db=db,
            )
        except views.BadFilter as error:
            errors[error.where] = error.message
        except views.NothingStored:
            table = None
    if table is not None:
        values["regime"] = table["regime"]
    selection = (
        None
        if table is None
        else views.Selection(
            table["by"], table["regime"], table["criterion"], table["from"], table["to"]
        )
    )
    chosen = values["regime"] or (known.regimes[0] if known.regimes else "")
    status = 422 if errors else 200
    return render(
        request,
        "monitoring.html",
        viewer,
        status,
        values=values,
        errors=errors,
        table=table,
        rows=(table or {}).get("rows", [])[:LIMIT],
        total=len((table or {}).get("rows", [])),
        limit=LIMIT,
        known=known,
        dimensions=DIMENSIONS,
        regimes=[(r, regime_title(r)) for r in known.regimes],
        criteria=[(c, c) for c in known.criteria.get(chosen, [])],
        shown=SHOWN,
        outcomes=audit.OUTCOMES,
        stored=stored,
        may_run=viewer.may(Permission.monitoring_run),
        selection=selection,
        chart_query=_chart_query(selection),
    )


def _chart_query(selection: views.Selection | None) -> str:
    """The filters the table was drawn for (the regime resolved), as a chart URL's query."""
    if selection is None:
        return ""
    chosen = {
        "by": selection.by,
        "regime": selection.regime,
        "criterion": selection.criterion,
        "from": selection.year_from,
        "to": selection.year_to,
    }
    return urlencode({k: v for k, v in chosen.items() if v is not None})


@router.get("/monitoring/charts/{kind}.{fmt}", response_model=None)
def monitoring_chart(
    kind: Literal["outcomes", "over-time", "heatmap"],
    fmt: Literal["png", "svg"],
    request: Request,
    viewer: Reader,
    by: Annotated[str, Query(max_length=20)] = "supplier",
    regime: Annotated[str, Query(max_length=10)] = "",
    criterion: Annotated[str, Query(max_length=60)] = "",
    year_from: Annotated[str, Query(alias="from", max_length=4)] = "",
    year_to: Annotated[str, Query(alias="to", max_length=4)] = "",
) -> Response:
    """One of the page's charts (``kind``) as PNG or SVG, drawn for the filters in the query:
    422 naming the filter at fault, 404 when no transfer matches."""
    errors: dict[str, str] = {}
    first, last = _year(year_from, "from", errors), _year(year_to, "to", errors)
    read, draw = views.CHARTS[kind]
    try:
        if errors:
            raise views.BadFilter(*next(iter(errors.items())))
        table = read(
            by=by,
            regime=regime or None,
            criterion=criterion or None,
            year_from=first,
            year_to=last,
            db=_store(request),
        )
        image = draw(table, fmt)
    except views.BadFilter as error:
        return render_error(
            request, 422, "No chart for these filters", f"{error.where}: {error.message}"
        )
    except views.StoreBusy as error:
        return render_error(request, 409, "Monitoring data is being updated", str(error))
    except views.NothingStored as error:  # NoTransfers among them
        raise NotFound(str(error)) from error
    return Response(image, media_type=views.MEDIA_TYPES[f".{fmt}"])


@router.get("/monitoring/files/{name}", response_model=None)
def monitoring_file(name: str, request: Request, viewer: Reader) -> Response:
    """A file of the latest audit (its charts on the page, the report and tables as downloads)."""
    try:
        path = views.audit_file(name, _store(request))
    except views.NothingStored as error:
        raise NotFound(str(error)) from error
    inline = path.suffix in (".png", ".svg")
    return FileResponse(
        path,
        media_type=views.MEDIA_TYPES[path.suffix],
        filename=path.name,
        content_disposition_type="inline" if inline else "attachment",
    )
