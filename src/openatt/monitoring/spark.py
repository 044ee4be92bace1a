"""The batch pipeline on Apache Spark, for data that outgrows one machine.

The steps are those of :mod:`openatt.monitoring.pipeline`, run by Spark SQL: the same SQL text
as on DuckDB, and the same engine, built once per partition (with its memo) in
``mapPartitions`` over the distinct signatures, range-partitioned by recipient. The transfers
come from the DuckDB store as Parquet (at scale, point Spark at your own Parquet files with the
store's columns); the results go back into the store, so the audit reads them as usual. A test
checks that both engines produce the same tables, row for row. PySpark is an optional
dependency (``pip install openatt[spark]``) and needs Java 17.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb

from openatt.evidence.mapping import DEFAULT_MAPPING
from openatt.evidence.table import IndicatorTable
from openatt.monitoring.applications import SIGNATURE_COLUMNS, Signature
from openatt.monitoring.pipeline import SIGNATURE_RESULT_SCHEMA, Columns, Progress, run
from openatt.reference.loader import ReferenceData

_SPARK_TYPES = {
    "VARCHAR": "STRING",
    "INTEGER": "INT",
    "DOUBLE": "DOUBLE",
    "DATE": "DATE",
    "BOOLEAN": "BOOLEAN",
}
# the store's columns the pipeline reads
TRANSFER_COLUMNS = (
    "id",
    "supplier_kind",
    "supplier_state",
    "recipient_state",
    "recipient_kind",
    "recipient_group",
    "category",
    "control_entry",
    "delivery_year",
    "tiv_delivered",
    "assessable",
)


def session(master: str = "local[2]") -> Any:
    """A Spark session (``local[N]`` or a cluster's URL), quiet and small."""
    from pyspark.sql import SparkSession

    # Python workers must import this openatt: give them this interpreter's search path.
    paths = [p for p in sys.path if p]
    os.environ["PYTHONPATH"] = os.pathsep.join(
        dict.fromkeys([*paths, *os.environ.get("PYTHONPATH", "").split(os.pathsep)])
    ).strip(os.pathsep)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (
        SparkSession.builder.master(master)
        .appName("openatt-monitoring")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.memory", "1g")
        # executors run this interpreter, so they import the same openatt
        .config("spark.executorEnv.PYTHONPATH", os.environ["PYTHONPATH"])
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _schema(columns: Columns) -> str:
    return ", ".join(f"{name} {_SPARK_TYPES[kind]}" for name, kind in columns)


def _assess_partition(
    rows: Iterator[Any],
    regimes: Sequence[str],
    tables: Mapping[str, IndicatorTable],
    mapping: str,
) -> Iterator[tuple[Any, ...]]:
    from openatt.core.engine import Engine
    from openatt.core.memo import Memo
    from openatt.monitoring.batch import EvidenceCache, summary_of

    # as on DuckDB (``batch.assess_signature_rows_csv``): summaries only, so the evidence notes
    # leave out the item relevance, and summaries are looked up by the judgment key
    engine = Engine.default().memoising(whole_regimes=True)
    cache = EvidenceCache(tables, mapping, notes=False)
    memo = Memo(200_000)
    for row in rows:
        sig = Signature(*row)
        for summary in summary_of(engine, cache, sig, regimes, memo):
            yield (*sig.row(), *summary)


class SparkBackend:
    """The pipeline's steps on Spark SQL; tables are temporary views of the session."""

    def __init__(self, spark: Any, partitions: int = 4, mapping: str = DEFAULT_MAPPING) -> None:
        self.spark = spark
        self.partitions = partitions
        self.mapping = mapping

    def load(self, name: str, columns: Columns, rows: Iterable[Sequence[Any]]) -> None:
        frame = self.spark.createDataFrame([tuple(r) for r in rows], _schema(columns))
        frame.createOrReplaceTempView(name)

    def materialise(self, name: str, query: str) -> None:
        self.spark.sql(query).cache().createOrReplaceTempView(name)

    def rows(self, query: str) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.spark.sql(query).collect()]

    def assess(
        self,
        regimes: Sequence[str],
        tables: Mapping[str, IndicatorTable],
        progress_total: Progress | None,
        progress: Progress | None,
    ) -> int:
        columns = list(SIGNATURE_COLUMNS)
        distinct = self.spark.sql(f"SELECT DISTINCT {', '.join(columns)} FROM transfer_signatures")
        count = int(distinct.count())
        if progress_total:
            progress_total(count)
        shared = self.spark.sparkContext.broadcast(dict(tables))
        wanted = tuple(regimes)
        mapping = self.mapping
        # a recipient's signatures in one partition, in order: the engine's memo shares the most
        assessed = (
            distinct.repartitionByRange(self.partitions, "recipient", "year")
            .sortWithinPartitions(*columns)
            .rdd.map(tuple)
            .mapPartitions(lambda rows: _assess_partition(rows, wanted, shared.value, mapping))
        )
        frame = self.spark.createDataFrame(assessed, _schema(SIGNATURE_RESULT_SCHEMA)).cache()
        frame.count()
        frame.createOrReplaceTempView("signature_results")
        if progress:
            progress(count)
        return count


def run_on_spark(
    con: duckdb.DuckDBPyConnection,
    master: str,
    reference: ReferenceData,
    regimes: Sequence[str],
    tables: Mapping[str, IndicatorTable],
    year_from: int,
    year_to: int,
    *,
    progress_total: Progress | None = None,
    progress: Progress | None = None,
    spark: Any = None,
    mapping: str = DEFAULT_MAPPING,
) -> int:
    """The pipeline on Spark for the transfers of the store ``con``; the results, signatures
    and embargo hits are written back to the store. Returns the signatures assessed."""
    spark = spark or session(master)
    with tempfile.TemporaryDirectory(prefix="openatt-spark-") as folder:
        source = Path(folder) / "transfers.parquet"
        con.execute(
            f"COPY (SELECT {', '.join(TRANSFER_COLUMNS)} FROM transfers) TO '{source}'"
            " (FORMAT PARQUET)"
        )
        spark.read.parquet(str(source)).createOrReplaceTempView("transfers")
        cores = int(spark.sparkContext.defaultParallelism)
        backend = SparkBackend(spark, partitions=max(2, cores * 2), mapping=mapping)
        signatures = run(
            backend,
            reference,
            regimes,
            tables,
            year_from,
            year_to,
            progress_total=progress_total,
            progress=progress,
        )
        for table in ("embargo_hits", "transfer_signatures", "signature_results", "results"):
            target = Path(folder) / table
            spark.table(table).write.parquet(str(target))
            con.execute(
                f"CREATE OR REPLACE TABLE {table} AS"
                f" SELECT * FROM read_parquet('{target}/*.parquet')"
            )
    return signatures
