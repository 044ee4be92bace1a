"""The pipeline's signatures come from DuckDB distinct and already in the batch's recipient
order, as plain rows: the order is Python's, and the results are the same on one process and
on two."""

from __future__ import annotations

from pathlib import Path

from openatt.evidence.providers import load_indicators
from openatt.monitoring import service, store
from openatt.monitoring.applications import SIGNATURE_COLUMNS, Signature
from openatt.monitoring.batch import recipient_order
from openatt.monitoring.pipeline import RECIPIENT_ORDER, SIGNATURE_SCHEMA
from openatt.monitoring.sipri import ImportReport, read_sipri

REGISTER = "sipri_trade_register_1950_2024/trade_register_1950_2024.csv"


def test_duckdb_sorts_signatures_in_recipient_order(tmp_path: Path) -> None:
    # text that sorts differently by locale, case or byte width: the order must be Python's
    names = ["", "Zulu", "zulu", "Äland", "Åbo", "Émir", "Ōsaka", "東", "a b", "a-b", "ab"]
    rows = [
        (supplier, recipient, kind, group, category, year, entry)
        for i, recipient in enumerate(names)
        for supplier in (names[(i + 3) % len(names)], names[(i + 5) % len(names)])
        for kind in ("armed_forces", "non_state")
        for group in ("", names[i - 1])
        for category in ("I", "VII", "other")
        for year in (1999, 2010)
        for entry in ("", "ML2")
    ]
    with store.connect(tmp_path / "order.duckdb") as con:
        # as SIGNATURE_SQL makes it: empty text, never NULL (a bulk load would read '' as NULL)
        spec = ", ".join(f"{c} {t}" for c, t in SIGNATURE_SCHEMA)
        con.execute(f"CREATE TABLE transfer_signatures ({spec})")
        con.executemany(
            "INSERT INTO transfer_signatures VALUES (?, ?, ?, ?, ?, ?, ?)", rows + rows[:40]
        )
        columns = ", ".join(SIGNATURE_COLUMNS)
        got = con.execute(
            f"SELECT DISTINCT {columns} FROM transfer_signatures ORDER BY {RECIPIENT_ORDER}"
        ).fetchall()
    expected = [s.row() for s in sorted({Signature(*r) for r in rows}, key=recipient_order)]
    assert len(got) == len(expected) < len(rows) + 40
    assert got == expected


def test_the_pipeline_on_two_processes_stores_what_one_stores(
    transfers_dir: Path, indicators_dir: Path, tmp_path: Path
) -> None:
    transfers, _ = read_sipri(transfers_dir / REGISTER)
    db = tmp_path / "store.duckdb"
    with store.connect(db) as con:
        store.save_transfers(con, transfers, ImportReport(file="register", layout="register"))
        store.save_indicators(con, load_indicators(indicators_dir))
    stored = []
    for workers in (1, 2):
        summary = service.assess(("att", "eu"), 2016, 2020, db=db, workers=workers)
        with store.connect(db) as con:
            stored.append(sorted(con.execute("SELECT * FROM results").fetchall(), key=str))
        # more signatures than one chunk (500), so two processes do run
        assert summary.signatures > 1000
    assert len(stored[0]) > 2000
    assert stored[0] == stored[1]
