"""DuckDB and Spark (local mode) run the same pipeline and give the same tables.

Skipped when PySpark is not installed, except in CI (CI=true), where it must be."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openatt.core.engine import Engine
from openatt.evidence.providers import load_indicators
from openatt.monitoring import pipeline, store
from openatt.monitoring.sipri import read_sipri

if os.environ.get("CI") != "true":
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Java is not installed", allow_module_level=True)


DELIVERIES = "sipri_deliveries_by_year_1995_2024/deliveries_1995_2024.csv"
REGIMES = ("att", "eu")
TABLES = {
    "embargo_hits": "transfer_id, measure_id",
    "transfer_signatures": "transfer_id",
    "results": "transfer_id, regime",
}


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from openatt.monitoring.spark import session

    spark = session("local[2]")
    yield spark
    spark.stop()


def test_spark_equals_duckdb(
    spark: Any, transfers_dir: Path, indicators_dir: Path, tmp_path: Path
) -> None:
    """The same pipeline (``monitoring.pipeline``) on both engines: the same tables, row for
    row -- the embargo screen, the signatures and the results of every transfer."""
    from openatt.monitoring.spark import run_on_spark

    transfers, report = read_sipri(transfers_dir / DELIVERIES)
    tables = load_indicators(indicators_dir)
    engine = Engine.default()
    duck_db, spark_db = tmp_path / "duck.duckdb", tmp_path / "spark.duckdb"
    for db in (duck_db, spark_db):
        with store.connect(db) as con:
            store.save_transfers(con, transfers, report)
    with store.connect(duck_db) as con:
        on_duckdb = pipeline.run(
            pipeline.DuckDBBackend(con, engine, workers=2),
            engine.reference,
            REGIMES,
            tables,
            2010,
            2014,
        )
        expected = {
            t: con.execute(f"SELECT * FROM {t} ORDER BY {k}").fetchall() for t, k in TABLES.items()
        }
    with store.connect(spark_db) as con:
        on_spark = run_on_spark(
            con, "local[2]", engine.reference, REGIMES, tables, 2010, 2014, spark=spark
        )
        found = {
            t: con.execute(f"SELECT * FROM {t} ORDER BY {k}").fetchall() for t, k in TABLES.items()
        }
    assert on_spark == on_duckdb > 1000
    assert len(expected["results"]) > 5000 and expected["embargo_hits"]
    for table in TABLES:
        assert found[table] == expected[table], table
