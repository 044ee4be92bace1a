"""Where imported transfers, indicators and batch results live: one DuckDB file.

``openatt monitor import`` and ``openatt indicators import`` write here (by default
``openatt.settings.home() / "monitoring" / "monitoring.duckdb"``); ``assess`` and ``audit``
read from here. Bulk loads go through a temporary CSV that DuckDB reads in one statement,
which is much faster than inserting row by row.
"""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import duckdb

from openatt.core.model import Category
from openatt.evidence.table import IndicatorTable
from openatt.monitoring.mapping import PartyKind, PartyRef
from openatt.monitoring.sipri import ImportReport
from openatt.monitoring.transfer import Transfer
from openatt.settings import home

TRANSFER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "VARCHAR"),
    ("layout", "VARCHAR"),
    ("source_file", "VARCHAR"),
    ("source_line", "INTEGER"),
    ("deal_id", "VARCHAR"),
    ("supplier_name", "VARCHAR"),
    ("recipient_name", "VARCHAR"),
    ("supplier_kind", "VARCHAR"),
    ("supplier_state", "VARCHAR"),
    ("supplier_reason", "VARCHAR"),
    ("recipient_kind", "VARCHAR"),
    ("recipient_state", "VARCHAR"),
    ("recipient_group", "VARCHAR"),
    ("recipient_reason", "VARCHAR"),
    ("designation", "VARCHAR"),
    ("description", "VARCHAR"),
    ("armament_category", "VARCHAR"),
    ("category", "VARCHAR"),
    ("category_reason", "VARCHAR"),
    ("control_entry", "VARCHAR"),
    ("order_year", "INTEGER"),
    ("delivery_year", "INTEGER"),
    ("number_delivered", "DOUBLE"),
    ("tiv_delivered", "DOUBLE"),
    ("tiv_split", "BOOLEAN"),
    ("status", "VARCHAR"),
    ("assessable", "BOOLEAN"),
    ("source_row", "VARCHAR"),
)


def location() -> Path:
    """Where the default store is, without creating anything (readers check it exists)."""
    return home() / "monitoring" / "monitoring.duckdb"


def default_path() -> Path:
    path = location()
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def connect(path: Path | None = None) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path or default_path()))


def bulk_load(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[tuple[str, str]],
    rows: Iterable[Sequence[Any]],
) -> int:
    """Replace ``table`` with ``rows`` (through a temporary CSV file)."""
    with tempfile.NamedTemporaryFile(
        "w", suffix=".csv", delete=False, newline="", encoding="utf-8"
    ) as f:
        writer = csv.writer(f)
        count = 0
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
            count += 1
        name = f.name
    _load_csv_file(con, table, columns, name)
    return count


def load_csv_text(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[tuple[str, str]],
    texts: Iterable[str],
) -> None:
    """Replace ``table`` with CSV text made elsewhere (in the batch's worker processes, as
    ``bulk_load`` writes rows: empty text for None), written to a file as it comes."""
    with tempfile.NamedTemporaryFile(
        "w", suffix=".csv", delete=False, newline="", encoding="utf-8"
    ) as f:
        for text in texts:
            f.write(text)
        name = f.name
    _load_csv_file(con, table, columns, name)


def _load_csv_file(
    con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[tuple[str, str]], name: str
) -> None:
    spec = ", ".join(f"'{c}': '{t}'" for c, t in columns)
    con.execute(f"DROP TABLE IF EXISTS {table}")
    if Path(name).stat().st_size == 0:  # DuckDB cannot sniff an empty file
        con.execute(f"CREATE TABLE {table} ({', '.join(f'{c} {t}' for c, t in columns)})")
    else:
        con.execute(
            f"CREATE TABLE {table} AS SELECT * FROM read_csv(?, header=false, "
            f"columns={{{spec}}}, nullstr='', quote='\"', escape='\"', max_line_size=10000000)",
            [name],
        )
    Path(name).unlink()


def _transfer_row(t: Transfer) -> list[Any]:
    s, r = t.supplier, t.recipient
    return [
        t.id,
        t.layout,
        t.source_file,
        t.source_line,
        t.deal_id,
        t.supplier_name,
        t.recipient_name,
        s.kind.value if s else None,
        s.state if s else None,
        s.reason if s else None,
        r.kind.value if r else None,
        r.state if r else None,
        r.group if r else None,
        r.reason if r else None,
        t.designation,
        t.description,
        t.armament_category,
        t.category.value if t.category else None,
        t.category_reason,
        t.control_entry,
        t.order_year,
        t.delivery_year,
        t.number_delivered,
        t.tiv_delivered,
        t.tiv_split,
        t.status,
        t.assessable,
        json.dumps(t.source_row, ensure_ascii=False),
    ]


def save_transfers(
    con: duckdb.DuckDBPyConnection, transfers: Sequence[Transfer], report: ImportReport
) -> None:
    """Replace the stored transfers with ``transfers`` and record the import report."""
    bulk_load(con, "transfers", TRANSFER_COLUMNS, (_transfer_row(t) for t in transfers))
    # regions come with the indicators; until then every recipient's region is 'unknown'
    con.execute("CREATE TABLE IF NOT EXISTS state_regions (state VARCHAR, region VARCHAR)")
    con.execute("CREATE TABLE IF NOT EXISTS imports (file VARCHAR, layout VARCHAR, report VARCHAR)")
    con.execute("DELETE FROM imports")
    con.execute(
        "INSERT INTO imports VALUES (?, ?, ?)",
        [report.file, report.layout, json.dumps(report.as_dict())],
    )


def _party(
    name: str, kind: str | None, state: str | None, group: str | None, reason: str | None
) -> PartyRef | None:
    if kind is None:
        return None
    return PartyRef(name, PartyKind(kind), state, group, reason or "")


def load_transfers(
    con: duckdb.DuckDBPyConnection,
    year_from: int | None = None,
    year_to: int | None = None,
    *,
    source_rows: bool = True,
) -> list[Transfer]:
    """The stored transfers (optionally those delivered between two years, inclusive).
    ``source_rows=False`` leaves each transfer's ``source_row`` empty (not read from the
    store): for a reader that needs only what the assessment reads (the counterfactual)."""
    names = [c for c, _ in TRANSFER_COLUMNS]
    if not source_rows:
        names = [c if c != "source_row" else "NULL AS source_row" for c in names]
    query = (
        f"SELECT {', '.join(names)} FROM transfers"
        " WHERE delivery_year BETWEEN ? AND ? ORDER BY rowid"
    )
    rows = con.execute(query, [year_from or 0, year_to or 9999]).fetchall()
    names = [c for c, _ in TRANSFER_COLUMNS]
    parties: dict[tuple[object, ...], PartyRef | None] = {}

    def party(*values: Any) -> PartyRef | None:
        # names recur thousands of times: one frozen object per distinct party
        found = parties.get(values)
        if found is None and values not in parties:
            found = parties[values] = _party(*values)
        return found

    found = []
    for row in rows:
        v = dict(zip(names, row, strict=True))
        found.append(
            Transfer(
                id=v["id"],
                layout=v["layout"],
                source_file=v["source_file"],
                source_line=v["source_line"],
                deal_id=v["deal_id"],
                supplier_name=v["supplier_name"],
                recipient_name=v["recipient_name"],
                supplier=party(
                    v["supplier_name"],
                    v["supplier_kind"],
                    v["supplier_state"],
                    None,
                    v["supplier_reason"],
                ),
                recipient=party(
                    v["recipient_name"],
                    v["recipient_kind"],
                    v["recipient_state"],
                    v["recipient_group"],
                    v["recipient_reason"],
                ),
                designation=v["designation"] or "",
                description=v["description"] or "",
                armament_category=v["armament_category"],
                category=Category(v["category"]) if v["category"] else None,
                category_reason=v["category_reason"],
                control_entry=v["control_entry"],
                order_year=v["order_year"],
                delivery_year=v["delivery_year"],
                number_delivered=v["number_delivered"],
                tiv_delivered=v["tiv_delivered"],
                tiv_split=bool(v["tiv_split"]),
                status=v["status"] or "",
                source_row=json.loads(v["source_row"]) if source_rows else {},
            )
        )
    return found


def import_report(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    try:
        row = con.execute("SELECT report FROM imports LIMIT 1").fetchone()
    except duckdb.CatalogException:
        return None
    return None if row is None else dict(json.loads(row[0]))


INDICATOR_COLUMNS = (
    ("indicator", "VARCHAR"),
    ("state", "VARCHAR"),
    ("year", "INTEGER"),
    ("variable", "VARCHAR"),
    ("value", "DOUBLE"),
)


def save_indicators(con: duckdb.DuckDBPyConnection, tables: dict[str, IndicatorTable]) -> None:
    """Replace the stored indicator values and their metadata."""
    bulk_load(
        con,
        "indicator_values",
        INDICATOR_COLUMNS,
        ((t.id, *record) for t in tables.values() for record in t.records()),
    )
    con.execute("DROP TABLE IF EXISTS indicator_meta")
    con.execute(
        "CREATE TABLE indicator_meta (id VARCHAR, title VARCHAR, release VARCHAR, citation VARCHAR,"
        " file VARCHAR, extra VARCHAR)"
    )
    for t in tables.values():
        extra = {
            "default": t.default,
            "default_states": sorted(t.default_states),
            "default_years": list(t.default_years) if t.default_years else None,
            "regions": t.regions,
        }
        con.execute(
            "INSERT INTO indicator_meta VALUES (?, ?, ?, ?, ?, ?)",
            [t.id, t.title, t.release, t.citation, t.file, json.dumps(extra)],
        )


def load_indicator_tables(con: duckdb.DuckDBPyConnection) -> dict[str, IndicatorTable]:
    try:
        meta = con.execute(
            "SELECT id, title, release, citation, file, extra FROM indicator_meta"
        ).fetchall()
    except duckdb.CatalogException:
        return {}
    tables: dict[str, IndicatorTable] = {}
    for id_, title, release, citation, file, extra_json in meta:
        extra = json.loads(extra_json)
        table = IndicatorTable(id=id_, title=title, release=release, citation=citation, file=file)
        table.default = extra["default"]
        table.default_states = frozenset(extra["default_states"])
        table.default_years = tuple(extra["default_years"]) if extra["default_years"] else None
        table.regions = dict(extra.get("regions") or {})
        tables[id_] = table
    for indicator, state, year, variable, value in con.execute(
        "SELECT indicator, state, year, variable, value FROM indicator_values"
    ).fetchall():
        tables[indicator].put(state, year, variable, value)
    return tables
