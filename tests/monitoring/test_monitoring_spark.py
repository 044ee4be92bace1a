"""DuckDB/Python and Spark (local mode) give identical results on a sample.

Skipped when PySpark is not installed, except in CI (CI=true), where it must be."""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from monitoring_fixtures import indicators_dir_fixture, transfers_dir_fixture  # noqa: F401

from openatt.core.engine import Engine
from openatt.evidence.providers import load_indicators
from openatt.monitoring import store
from openatt.monitoring.batch import assess_transfers, embargo_screen
from openatt.monitoring.sipri import read_sipri

if os.environ.get("CI") != "true":
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Java is not installed", allow_module_level=True)


DELIVERIES = "sipri_deliveries_by_year_1995_2024/deliveries_1995_2024.csv"


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from openatt.monitoring.spark import session

    spark = session(2)
    yield spark
    spark.stop()


def test_spark_equals_duckdb(
    spark: Any, transfers_dir: Path, indicators_dir: Path, tmp_path: Path
) -> None:
    from openatt.monitoring.spark import spark_assess, spark_embargo_screen

    transfers, report = read_sipri(transfers_dir / DELIVERIES)
    tables = load_indicators(indicators_dir)
    engine = Engine.default()
    sample = random.Random(7).sample([t for t in transfers if t.assessable], 400)

    local = assess_transfers(sample, ("att", "eu"), tables, engine=engine)
    on_spark = spark_assess(sample, ("att", "eu"), tables, spark=spark)
    assert on_spark == {tid: local.summaries[sig] for tid, sig in local.transfer_signature.items()}

    con = duckdb.connect(str(tmp_path / "s.duckdb"))
    store.save_transfers(con, transfers, report)
    embargo_screen(con, engine.reference)
    duck = set(con.execute("SELECT transfer_id, measure_id, screen FROM embargo_hits").fetchall())
    assert spark_embargo_screen(transfers, engine.reference, spark=spark) == duck
