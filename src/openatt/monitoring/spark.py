"""The batch pipeline on Apache Spark, for data that outgrows one machine.

The same two steps as :mod:`openatt.monitoring.batch`, written for Spark DataFrames:

1. the embargo screen -- transfers joined to embargo intervals -- as a Spark join whose
   conditions mirror ``EMBARGO_SCREEN_SQL`` line by line;
2. assessment by signature: distinct signatures are distributed over the executors, each
   partition builds the engine once (``Engine.default()``) and assesses its signatures with the
   indicator tables broadcast to it; the summaries are joined back to the transfers.

The engine is the same Python code in both paths, so the results are identical by
construction; ``tests/monitoring/test_monitoring_spark.py`` checks it on a sample. PySpark is an
optional dependency (``pip install openatt[spark]``) and needs Java 17.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from openatt.evidence.table import IndicatorTable
from openatt.monitoring.applications import Signature, signature
from openatt.monitoring.batch import MEASURE_COLUMNS, SummaryRow, eu_member_rows, measure_rows
from openatt.monitoring.transfer import Transfer
from openatt.reference.loader import ReferenceData


def session(workers: int = 2) -> Any:
    """A local Spark session (``local[workers]``), quiet and small."""
    from pyspark.sql import SparkSession

    # Python workers must import this openatt: give them this interpreter's search path.
    paths = [p for p in sys.path if p]
    os.environ["PYTHONPATH"] = os.pathsep.join(
        dict.fromkeys([*paths, *os.environ.get("PYTHONPATH", "").split(os.pathsep)])
    ).strip(os.pathsep)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (
        SparkSession.builder.master(f"local[{workers}]")
        .appName("openatt-monitoring")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(max(2, workers * 2)))
        .config("spark.driver.memory", "1g")
        # executors run this interpreter, so they import the same openatt
        .config("spark.executorEnv.PYTHONPATH", os.environ["PYTHONPATH"])
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _assess_partition(
    rows: Iterator[tuple[Any, ...]], regimes: Sequence[str], tables: Mapping[str, IndicatorTable]
) -> Iterator[tuple[tuple[Any, ...], list[SummaryRow]]]:
    from openatt.core.engine import Engine
    from openatt.core.memo import Memo
    from openatt.monitoring.batch import EvidenceCache, assess_signature, summarise

    engine = Engine.default().memoising()  # as in the DuckDB path (see ``batch``)
    cache = EvidenceCache(tables)
    memo = Memo(200_000)
    for row in rows:
        sig = Signature(*row)
        yield tuple(row), summarise(assess_signature(engine, cache, sig, regimes), memo)


def spark_assess(
    transfers: Sequence[Transfer],
    regimes: Sequence[str],
    tables: Mapping[str, IndicatorTable],
    *,
    workers: int = 2,
    spark: Any = None,
) -> dict[str, list[SummaryRow]]:
    """Summaries per transfer id, computed on Spark (see :func:`batch.summarise`)."""
    spark = spark or session(workers)
    pairs = [(t.id, signature(t)) for t in transfers if t.assessable]
    columns = [
        "transfer_id", "supplier", "recipient", "end_user_kind", "group", "category", "year",
        "control_entry",
    ]  # fmt: skip
    frame = spark.createDataFrame(
        [
            (
                tid,
                s.supplier,
                s.recipient,
                s.end_user_kind,
                s.group,
                s.category,
                s.year,
                s.control_entry,
            )
            for tid, s in pairs
        ],
        columns,
    )
    distinct = frame.select(*columns[1:]).distinct()
    shared = spark.sparkContext.broadcast(dict(tables))
    wanted = tuple(regimes)
    # a recipient's signatures in one partition, in order: the engine's memo shares the most
    assessed = (
        distinct.repartitionByRange(max(2, workers * 2), "recipient", "year")
        .sortWithinPartitions("recipient", "year", "end_user_kind", "group", "category")
        .rdd.map(tuple)
        .mapPartitions(lambda rows: _assess_partition(rows, wanted, shared.value))
    )
    summaries = {Signature(*key): value for key, value in assessed.collect()}
    return {tid: summaries[sig] for tid, sig in pairs}


def spark_embargo_screen(
    transfers: Sequence[Transfer], reference: ReferenceData, *, workers: int = 2, spark: Any = None
) -> set[tuple[str, str, str]]:
    """(transfer id, measure id, screen) for every transfer inside an embargo interval."""
    from pyspark.sql import functions as F

    spark = spark or session(workers)
    t = spark.createDataFrame(
        [
            (
                x.id,
                x.supplier.state,
                x.recipient.state,
                x.recipient.kind.value,
                x.category.value,
                x.delivery_year,
            )
            for x in transfers
            if x.assessable and x.supplier and x.recipient and x.category
        ],
        ["id", "supplier_state", "recipient_state", "recipient_kind", "category", "delivery_year"],
    ).withColumn("day", F.make_date(F.col("delivery_year"), F.lit(7), F.lit(1)))
    rows = measure_rows(reference)
    if not rows:
        return set()
    dated = [
        tuple(str(v) if v is not None and i in (8, 9) else v for i, v in enumerate(r)) for r in rows
    ]
    m = (
        spark.createDataFrame(dated, list(MEASURE_COLUMNS))
        .withColumn("valid_from", F.to_date("valid_from"))
        .withColumn("valid_until", F.to_date("valid_until"))
    )
    members = spark.createDataFrame(
        [
            (state, str(start), str(end) if end else None)
            for state, start, end in eu_member_rows(reference)
        ],
        "state string, member_from string, member_until string",
    )
    g = members.withColumn("member_from", F.to_date("member_from")).withColumn(
        "member_until", F.to_date("member_until")
    )
    eu_rows = (
        t.join(
            g,
            (t.recipient_state == g.state)
            & (t.day >= g.member_from)
            & (g.member_until.isNull() | (t.day < g.member_until)),
        )
        .select(t.id.alias("eu_id"))
        .distinct()
    )
    t = t.join(eu_rows, t.id == eu_rows.eu_id, "left").withColumn(
        "recipient_in_eu", F.col("eu_id").isNotNull()
    )
    in_time = (t.day >= m.valid_from) & (m.valid_until.isNull() | (t.day < m.valid_until))
    in_category = (m.categories == "") | F.array_contains(F.split(m.categories, ","), t.category)
    to_target = (m.direction == "to_target") & (
        ((m.target == t.recipient_state) & (
            m.coverage.isin("whole_state", "region", "named_groups")
            | ((m.coverage == "non_state") & (t.recipient_kind == "non_state"))))
        | (m.target.isNull() & (m.coverage == "named_groups") & (t.recipient_kind == "non_state"))
    )  # fmt: skip
    from_target = (
        (m.direction == "from_target")
        & (m.target == t.supplier_state)
        & ((m.authority == "un") | t.recipient_in_eu)
    )
    joined = t.join(m, in_time & in_category & (to_target | from_target))
    screen = F.when(
        m.coverage.isin("whole_state", "non_state") | (m.direction == "from_target"), "covered"
    ).otherwise("check")
    return {
        (r[0], r[1], r[2])
        for r in joined.select(t.id, m.measure_id, screen.alias("screen")).collect()
    }
