"""Read-only views of the monitoring store for the REST API and the web UI.

Readers never create the store: when nothing has been imported yet they say so instead of
leaving an empty DuckDB file behind. The latest audit (``openatt monitor audit`` or the API's
``POST /monitoring/audit``) is kept in ``audit/`` beside the store; its files are served by
name from that folder only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

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


class NothingStored(LookupError):
    """The store, an assessment or an audit the caller asked about does not exist yet."""


class StoreBusy(NothingStored):
    """Another process (an ``openatt monitor`` run) holds the store's lock."""


BUSY = "the monitoring store is in use by another process (an 'openatt monitor' run?); try again"


class BadFilter(ValueError):
    """A filter names something the store does not hold; ``field`` says which."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def store_path(db: Path | None = None) -> Path:
    return db or store.location()


def audit_folder(db: Path | None = None) -> Path:
    return store_path(db).parent / AUDIT_FOLDER


def _connect(db: Path | None) -> duckdb.DuckDBPyConnection:
    path = store_path(db)
    if not path.is_file():
        raise NothingStored("no transfers imported yet: run 'openatt monitor import FILE'")
    try:
        return store.connect(path)
    except duckdb.IOException as error:
        raise StoreBusy(BUSY) from error


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
        return {"imported": None, "transfers": {}, "indicators": [], "assessment": None,
                "results": [], "audit": audit_files(db)}  # fmt: skip
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
        counts = _rows(con, "SELECT count(*) AS transfers, count(*) FILTER (WHERE assessable)"
                       " AS assessable, min(delivery_year) AS first_year,"
                       " max(delivery_year) AS last_year FROM transfers")  # fmt: skip
        indicators = _rows(con, """
            SELECT m.id, m.title, m.release, count(v.value) AS values,
                   min(v.year) AS first_year, max(v.year) AS last_year
            FROM indicator_meta m LEFT JOIN indicator_values v ON v.indicator = m.id
            GROUP BY ALL ORDER BY m.id""")  # fmt: skip
        runs = _rows(
            con, "SELECT regimes, year_from, year_to, law_version, run_at FROM assess_runs"
        )
        results = _rows(con, "SELECT regime, recommendation, count(*) AS transfers FROM results"
                        " GROUP BY ALL ORDER BY ALL")  # fmt: skip
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
        pairs = _rows(con, "SELECT DISTINCT regime, unnest(json_keys(criterion_outcomes)) AS rule"
                      " FROM results ORDER BY ALL")  # fmt: skip
        assessed = _rows(con, "SELECT DISTINCT regime FROM results ORDER BY 1")
        years = _rows(con, "SELECT min(t.delivery_year) AS first, max(t.delivery_year) AS last"
                      " FROM results r JOIN transfers t ON t.id = r.transfer_id")  # fmt: skip
    criteria: dict[str, list[str]] = {}
    for pair in pairs:
        criteria.setdefault(pair["regime"], []).append(pair["rule"])
    regimes = [r["regime"] for r in assessed]
    first = years[0]["first"] if years else None
    last = years[0]["last"] if years else None
    return Choices(regimes, criteria, first, last)


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
    if by not in audit.DIMENSIONS:
        raise BadFilter("by", f"use one of {', '.join(audit.DIMENSIONS)}")
    if year_from is not None and year_to is not None and year_from > year_to:
        raise BadFilter("from", "the first year is after the last")
    known = choices(db)
    if not known.regimes:
        raise NothingStored("no assessment stored yet: run 'openatt monitor assess'")
    regime = regime or known.regimes[0]
    if regime not in known.regimes:
        raise BadFilter("regime", f"{regime!r} was not assessed (assessed: "
                        f"{', '.join(known.regimes)})")  # fmt: skip
    if criterion and criterion not in known.criteria.get(regime, []):
        raise BadFilter("criterion", f"{criterion!r} is not a rule of {regime}")
    with _connect(db) as con:
        try:
            rows = audit.outcome_table(con, by, regime, criterion or None, year_from, year_to)
        except duckdb.CatalogException as error:  # a run is replacing the tables right now
            raise NothingStored("the results are being replaced; try again") from error
    return {"by": by, "regime": regime, "criterion": criterion or None, "from": year_from,
            "to": year_to, "outcomes": list(audit.OUTCOMES), "rows": rows}  # fmt: skip


def outcome_chart(table: dict[str, Any], fmt: str) -> bytes:
    """A table of :func:`outcomes` as a PNG or SVG chart (matplotlib is loaded on first use)."""
    from openatt.monitoring import report

    first, last = table["from"], table["to"]
    years = f", delivered {first or '...'} to {last or '...'}" if first or last else ""
    criterion = f", {table['criterion']}" if table["criterion"] else ""
    title = f"{table['regime']}{criterion}{years}: share of transfers by outcome, per {table['by']}"
    return report.chart_outcome_shares(table["rows"], table["by"], table["outcomes"], fmt,
                                       title=title)  # fmt: skip


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
