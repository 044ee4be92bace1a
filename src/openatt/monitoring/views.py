"""Read-only views of the monitoring store for the REST API and the web UI.

Readers never create the store: when nothing has been imported yet they say so instead of
leaving an empty DuckDB file behind. The latest audit (``openatt monitor audit`` or the API's
``POST /monitoring/audit``) is kept in ``audit/`` beside the store; its files are served by
name from that folder only.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from openatt.errors import ErrorKind, OpenattError
from openatt.monitoring import audit, store

AUDIT_FOLDER = "audit"
REPORT_NAME = "report.html"
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class NothingStored(OpenattError, LookupError):
    """The store, an assessment or an audit the caller asked about does not exist yet."""

    kind = ErrorKind.conflict


class StoreBusy(NothingStored):
    """Another process (an ``openatt monitor`` run) holds the store's lock."""


BUSY = "the monitoring store is in use by another process (an 'openatt monitor' run?); try again"


class BadFilter(OpenattError, ValueError):
    """A filter names something the store does not hold; ``field`` says which."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)


def store_path(db: Path | None = None) -> Path:
    return db or store.location()


def audit_folder(db: Path | None = None) -> Path:
    return store_path(db).parent / AUDIT_FOLDER


# Seen once in the server with the whole register: three chart requests opened the store at
# the same moment and one failed with DuckDB's "Unique file handle conflict ... already
# attached" (not reproduced on demand since). The server's readers take turns: each holds the
# store for a query or two, and a clash that still happens reads as "busy", not a traceback.
_OPEN = threading.Lock()


@contextlib.contextmanager
def _connect(db: Path | None) -> Iterator[duckdb.DuckDBPyConnection]:
    path = store_path(db)
    if not path.is_file():
        raise NothingStored("no transfers imported yet: run 'openatt monitor import FILE'")
    with _OPEN:
        try:
            con = store.connect(path)
        except (duckdb.IOException, duckdb.ResourceInUseException) as error:
            raise StoreBusy(BUSY) from error  # a run in another process or thread holds it
        try:
            yield con
        finally:
            con.close()


def _rows(
    con: duckdb.DuckDBPyConnection, query: str, params: list[Any] | None = None
) -> list[dict[str, Any]]:
    try:
        found = con.execute(query, params or []).fetchall()
    except duckdb.CatalogException:
        return []
    names = [d[0] for d in con.description or []]
    return [dict(zip(names, row, strict=True)) for row in found]


def status(db: Path | None = None) -> dict[str, Any]:
    """What is stored: the import (file name, layout, counts, unmapped names), the indicator
    tables, the last assessment run with its results per regime, and the latest audit's files."""
    if not store_path(db).is_file():
        return {
            "imported": None,
            "transfers": {},
            "indicators": [],
            "assessment": None,
            "results": [],
            "audit": audit_files(db),
        }
    with _connect(db) as con:
        report = store.import_report(con)
        imported = None
        if report is not None:
            imported = {
                "file": Path(str(report.get("file") or "")).name,
                "layout": report.get("layout"),
                "rows": report.get("rows"),
                "deals": report.get("deals"),
                "transfers": report.get("transfers"),
                "not_assessable": report.get("not_assessable") or {},
                "unmapped_names": len(report.get("unmapped_names") or {}),
                "unmapped_descriptions": len(report.get("unmapped_descriptions") or {}),
                "mapping_versions": report.get("mapping_versions") or {},
            }
        counts = _rows(
            con,
            "SELECT count(*) AS transfers, count(*) FILTER (WHERE assessable)"
            " AS assessable, min(delivery_year) AS first_year,"
            " max(delivery_year) AS last_year FROM transfers",
        )
        indicators = _rows(
            con,
            """
            SELECT m.id, m.title, m.release, count(v.value) AS values,
                   min(v.year) AS first_year, max(v.year) AS last_year
            FROM indicator_meta m LEFT JOIN indicator_values v ON v.indicator = m.id
            GROUP BY ALL ORDER BY m.id""",
        )
        runs = _rows(
            con, "SELECT regimes, year_from, year_to, law_version, run_at FROM assess_runs"
        )
        results = _rows(
            con,
            "SELECT regime, recommendation, count(*) AS transfers FROM results"
            " GROUP BY ALL ORDER BY ALL",
        )
    return {
        "imported": imported,
        "transfers": counts[0] if counts else {},
        "indicators": indicators,
        "assessment": runs[0] if runs else None,
        "results": results,
        "audit": audit_files(db),
    }


@dataclass(frozen=True)
class Choices:
    """What the filters may choose from: the regimes assessed, their criteria, the years."""

    regimes: list[str]
    criteria: dict[str, list[str]]
    first_year: int | None
    last_year: int | None


def choices(db: Path | None = None) -> Choices:
    if not store_path(db).is_file():
        return Choices([], {}, None, None)
    with _connect(db) as con:
        pairs = _rows(
            con,
            "SELECT DISTINCT regime, unnest(json_keys(criterion_outcomes)) AS rule"
            " FROM results ORDER BY ALL",
        )
        assessed = _rows(con, "SELECT DISTINCT regime FROM results ORDER BY 1")
        years = _rows(
            con,
            "SELECT min(t.delivery_year) AS first, max(t.delivery_year) AS last"
            " FROM results r JOIN transfers t ON t.id = r.transfer_id",
        )
    criteria: dict[str, list[str]] = {}
    for pair in pairs:
        criteria.setdefault(pair["regime"], []).append(pair["rule"])
    regimes = [r["regime"] for r in assessed]
    first = years[0]["first"] if years else None
    last = years[0]["last"] if years else None
    return Choices(regimes, criteria, first, last)


@dataclass(frozen=True)
class Selection:
    """The filters of the monitoring page and the ``/monitoring`` queries, checked against the
    store: which transfers (regime, criterion, delivery years) and how they are compared."""

    by: str
    regime: str
    criterion: str | None
    year_from: int | None
    year_to: int | None

    def describe(self) -> str:
        """E.g. "eu, eu.2, delivered 2014 to 2024" (for chart titles and messages)."""
        first, last = self.year_from, self.year_to
        years = (
            f", delivered {first} to {last}"
            if first and last
            else f", delivered from {first}"
            if first
            else f", delivered up to {last}"
            if last
            else ""
        )
        return f"{self.regime}{', ' + self.criterion if self.criterion else ''}{years}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "regime": self.regime,
            "criterion": self.criterion,
            "from": self.year_from,
            "to": self.year_to,
        }


class NoTransfers(NothingStored):
    """The store holds results, but no transfer matches the filters: nothing to draw."""

    def __init__(self, selection: Selection) -> None:
        super().__init__(f"no transfers match these filters ({selection.describe()})")
        self.selection = selection


def select(
    *,
    by: str = "supplier",
    regime: str | None = None,
    criterion: str | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    db: Path | None = None,
) -> Selection:
    """The filters checked against the store (the regime defaults to the first assessed);
    raises :class:`BadFilter` naming the field that does not fit, :class:`NothingStored` when
    nothing is assessed yet."""
    if by not in audit.DIMENSIONS:
        raise BadFilter("by", f"use one of {', '.join(audit.DIMENSIONS)}")
    if year_from is not None and year_to is not None and year_from > year_to:
        raise BadFilter("from", "the first year is after the last")
    known = choices(db)
    if not known.regimes:
        raise NothingStored("no assessment stored yet: run 'openatt monitor assess'")
    regime = regime or known.regimes[0]
    if regime not in known.regimes:
        raise BadFilter(
            "regime", f"{regime!r} was not assessed (assessed: {', '.join(known.regimes)})"
        )
    if criterion and criterion not in known.criteria.get(regime, []):
        raise BadFilter("criterion", f"{criterion!r} is not a rule of {regime}")
    return Selection(by, regime, criterion or None, year_from, year_to)


def _query(db: Path | None, read: Any) -> Any:
    with _connect(db) as con:
        try:
            return read(con)
        except duckdb.CatalogException as error:  # a run is replacing the tables right now
            raise NothingStored("the results are being replaced; try again") from error


def outcomes(
    *,
    by: str = "supplier",
    regime: str | None = None,
    criterion: str | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    db: Path | None = None,
) -> dict[str, Any]:
    """The audit table (outcome counts and TIV per ``by``, ranked) from the stored results,
    filtered; raises :class:`BadFilter` naming the field that does not fit the store."""
    chosen = select(
        by=by, regime=regime, criterion=criterion, year_from=year_from, year_to=year_to, db=db
    )
    rows = _query(
        db,
        lambda con: audit.outcome_table(
            con, chosen.by, chosen.regime, chosen.criterion, chosen.year_from, chosen.year_to
        ),
    )
    return {**chosen.as_dict(), "outcomes": list(audit.OUTCOMES), "rows": rows}


def outcome_chart(table: dict[str, Any], fmt: str) -> bytes:
    """A table of :func:`outcomes` as a PNG or SVG chart (matplotlib is loaded on first use);
    raises :class:`NoTransfers` when the table is empty."""
    from openatt.monitoring import report

    chosen = Selection(table["by"], table["regime"], table["criterion"], table["from"], table["to"])
    if not table["rows"]:
        raise NoTransfers(chosen)
    title = f"{chosen.describe()}: share of transfers by outcome, per {table['by']}"
    return report.chart_outcome_shares(
        table["rows"], table["by"], table["outcomes"], fmt, title=title
    )


PANELS = 8
"""The over-time chart's small multiples: the values of ``by`` with the most delivered TIV."""
YEARLY_SPAN = 25
"""Selections of at most this many delivery years are charted by year, longer ones by decade."""


def over_time(
    *,
    by: str = "supplier",
    regime: str | None = None,
    criterion: str | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    db: Path | None = None,
) -> dict[str, Any]:
    """Outcome shares over time for the filters: the delivered TIV under each outcome per
    period (year, or decade for spans over 25 years) for the :data:`PANELS` values of ``by``
    (suppliers when ``by`` is the decade) with the most TIV."""
    chosen = select(
        by=by, regime=regime, criterion=criterion, year_from=year_from, year_to=year_to, db=db
    )
    key = "supplier" if chosen.by == "decade" else chosen.by
    known = choices(db)  # the years the results cover bound an open range
    first = max(year_from or 0, known.first_year or 0)
    last = min(year_to or 9999, known.last_year or 9999)
    period = "year" if last - first < YEARLY_SPAN else "decade"
    rows = _query(
        db,
        lambda con: audit.outcomes_over_time(
            con,
            key,
            chosen.regime,
            chosen.criterion,
            chosen.year_from,
            chosen.year_to,
            period=period,
        ),
    )
    tiv: dict[str, float] = {}
    for row in rows:
        tiv[row[key]] = tiv.get(row[key], 0.0) + float(row["tiv"] or 0)
    panels = sorted(tiv, key=lambda k: (-tiv[k], k))[:PANELS]
    return {
        **chosen.as_dict(),
        "panel": key,
        "period": period,
        "panels": panels,
        "outcomes": list(audit.OUTCOMES),
        "rows": rows,
    }


def over_time_chart(table: dict[str, Any], fmt: str) -> bytes:
    """:func:`over_time` as small multiples (the audit report's chart, for these filters)."""
    from openatt.monitoring import report

    chosen = Selection(table["by"], table["regime"], table["criterion"], table["from"], table["to"])
    if not table["rows"]:
        raise NoTransfers(chosen)
    title = (
        f"{chosen.describe()}: share of delivered TIV by outcome, per {table['panel']} "
        f"and {table['period']}"
    )
    figure = report.figure_outcomes_over_time(
        table["rows"],
        table["panels"],
        table["outcomes"],
        key=table["panel"],
        period=table["period"],
        title=title,
    )
    return report.chart_bytes(figure, fmt)


def heatmap(
    *,
    by: str = "supplier",
    regime: str | None = None,
    criterion: str | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    db: Path | None = None,
) -> dict[str, Any]:
    """The supplier x recipient heatmap's cells for the filters (``by`` is checked but does
    not change it: its rows are suppliers and its columns recipients)."""
    chosen = select(
        by=by, regime=regime, criterion=criterion, year_from=year_from, year_to=year_to, db=db
    )
    heat = _query(
        db,
        lambda con: audit.supplier_recipient(
            con, chosen.regime, chosen.criterion, chosen.year_from, chosen.year_to
        ),
    )
    cells = [
        {"supplier": s, "recipient": r, "tiv_share_prohibited_or_risk": share}
        for (s, r), share in sorted(heat.cells.items())
    ]
    return {
        **chosen.as_dict(),
        "transfers": heat.transfers,
        "suppliers": heat.suppliers,
        "recipients": heat.recipients,
        "cells": cells,
    }


def heatmap_chart(table: dict[str, Any], fmt: str) -> bytes:
    """:func:`heatmap` as the audit report's supplier x recipient chart, for these filters."""
    from openatt.monitoring import report

    chosen = Selection(table["by"], table["regime"], table["criterion"], table["from"], table["to"])
    if not table["transfers"]:
        raise NoTransfers(chosen)
    cells = {
        (c["supplier"], c["recipient"]): c["tiv_share_prohibited_or_risk"] for c in table["cells"]
    }
    title = (
        f"{chosen.describe()}\nSupplier x recipient: share of TIV prohibited or at risk "
        "(grey: no deliveries)"
    )
    figure = report.figure_heatmap(cells, table["suppliers"], table["recipients"], title=title)
    return report.chart_bytes(figure, fmt)


CHARTS = {
    "outcomes": (outcomes, outcome_chart),
    "over-time": (over_time, over_time_chart),
    "heatmap": (heatmap, heatmap_chart),
}
"""Each chart of the filters: the function reading its data, and the one drawing it."""


def audit_files(db: Path | None = None) -> list[dict[str, Any]]:
    """The latest audit's files (name, kind, size), the report first."""
    folder = audit_folder(db)
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix in MEDIA_TYPES]
    files.sort(key=lambda p: (p.name != REPORT_NAME, p.suffix, p.name))
    return [{"name": p.name, "kind": p.suffix[1:], "bytes": p.stat().st_size} for p in files]


def audit_file(name: str, db: Path | None = None) -> Path:
    """One file of the latest audit, by its exact name (nothing outside the audit folder)."""
    for entry in audit_files(db):
        if entry["name"] == name:
            return audit_folder(db) / name
    raise NothingStored(f"the latest audit has no file {name!r}")


def audit_table(name: str, db: Path | None = None) -> list[dict[str, Any]]:
    """One table of the latest audit (as written in its JSON file)."""
    rows = json.loads(audit_file(f"{name}.json", db).read_text("utf-8"))
    return list(rows) if isinstance(rows, list) else []


def charts(db: Path | None = None) -> list[str]:
    """The latest audit's charts (PNG names; each has an SVG twin)."""
    return [f["name"] for f in audit_files(db) if f["kind"] == "png"]
