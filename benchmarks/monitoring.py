"""Benchmark: batch assessment of the SIPRI trade register and the counterfactual audit.

    .venv/bin/python benchmarks/monitoring.py [--workers 2] [--loop-sample 3000]
        [--cf-from 1950 --cf-to 2024] [--alternatives 20] [--spark]

Reads ../shared/data (never a copy). Measures:
  1. import of the classic trade register (raw SIPRI export) and of the indicators;
  2. the columnar embargo screen (DuckDB);
  3. the whole register under att and eu: by signature in memory (1 and N processes), and
     ``openatt monitor assess``'s own pipeline on the DuckDB store (what a user waits for);
  4. the baseline: looping the single-application engine over transfers (a random sample,
     extrapolated to the register), and the ratio;
  5. the counterfactual audit with N alternative suppliers per transfer, under att and eu
     (by default the whole register);
  6. with --spark, the same batch on PySpark local mode.
Not part of the test suite: speed is measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from openatt.core.engine import Engine
from openatt.evidence.providers import load_indicators
from openatt.monitoring import service, store
from openatt.monitoring.applications import transfer_application
from openatt.monitoring.audit import counterfactual, save_regions
from openatt.monitoring.batch import assess_transfers
from openatt.monitoring.pipeline import embargo_screen
from openatt.monitoring.sipri import read_sipri

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
REGISTER = (
    DATA
    / "transfers"
    / "sipri_trade_register_1950_2024"
    / "trade-register_generated-2025-03-13.csv"
)
REGIMES = ("att", "eu")


CPU: dict[str, float] = {}


def timed(label: str, rows: list[tuple[str, float, str]], fn, note: str = ""):  # type: ignore[no-untyped-def]
    """Wall-clock seconds into ``rows``; this process's CPU seconds into ``CPU`` (on a shared,
    loaded machine CPU time is the steadier measure for single-process steps)."""
    start, cpu = time.perf_counter(), time.process_time()
    value = fn()
    seconds = time.perf_counter() - start
    CPU[label] = time.process_time() - cpu
    rows.append((label, seconds, note))
    print(f"{label}: {seconds:.2f} s wall, {CPU[label]:.2f} s CPU {note}", file=sys.stderr)
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--loop-sample", type=int, default=3000)
    parser.add_argument("--cf-from", type=int, default=1950)
    parser.add_argument("--cf-to", type=int, default=2024)
    parser.add_argument("--alternatives", type=int, default=20)
    parser.add_argument("--spark", action="store_true")
    args = parser.parse_args()
    rows: list[tuple[str, float, str]] = []

    transfers, report = timed(
        "import register (raw SIPRI export)", rows, lambda: read_sipri(REGISTER)
    )
    tables = timed("import indicators", rows, lambda: load_indicators(DATA / "indicators"))
    engine = timed("engine load (law + reference)", rows, Engine.default)
    assessable = [t for t in transfers if t.assessable]
    scratch = Path(tempfile.mkdtemp(prefix="openatt-bench-"))
    store_path = scratch / "bench.duckdb"
    # the store lives in ``scratch`` until the end (the Spark step reads it too)
    con = store.connect(store_path)
    timed("store transfers in DuckDB", rows, lambda: store.save_transfers(con, transfers, report))
    hits = timed(
        "columnar embargo screen (DuckDB)", rows, lambda: embargo_screen(con, engine.reference)
    )
    rows[-1] = (*rows[-1][:2], f"{hits} hits")
    store.save_indicators(con, tables)
    save_regions(con, tables)
    con.close()
    timed(
        f"register under att+eu, monitor assess pipeline, {args.workers} processes", rows,
        lambda: service.assess(REGIMES, 1950, 2024, db=store_path, workers=args.workers),
        "store -> signatures in SQL -> engine -> results joined in SQL",
    )  # fmt: skip
    pipeline_seconds = rows[-1][1]
    one = timed(
        "register under att+eu, by signature, 1 process", rows,
        lambda: assess_transfers(transfers, REGIMES, tables, engine=engine),
    )  # fmt: skip
    note = f"{len(one.transfer_signature)} transfers, {len(one.summaries)} signatures"
    rows[-1] = (*rows[-1][:2], note)
    batch_label = rows[-1][0]
    batch_seconds = rows[-1][1]
    if args.workers > 1:
        many = timed(
            f"register under att+eu, by signature, {args.workers} processes", rows,
            lambda: assess_transfers(
                transfers, REGIMES, tables, engine=engine, workers=args.workers
            ),
        )  # fmt: skip
        rows[-1] = (*rows[-1][:2], f"{len(many.transfer_signature)} transfers")
        batch_seconds = min(batch_seconds, rows[-1][1])
    sample = random.Random(1).sample(assessable, min(args.loop_sample, len(assessable)))

    def loop() -> None:
        for transfer in sample:
            engine.assess(transfer_application(transfer, tables), REGIMES)

    loop_label = f"loop single-application engine, {len(sample)} transfers"
    timed(loop_label, rows, loop)
    per_transfer = rows[-1][1] / len(sample)
    loop_full = per_transfer * len(assessable)
    rows.append(("loop, extrapolated to the register", loop_full, f"{len(assessable)} transfers"))
    rows.append(
        ("ratio loop / batch (wall, best batch)", loop_full / batch_seconds, "x (not seconds)")
    )
    cpu_ratio = CPU[loop_label] / len(sample) * len(assessable) / CPU[batch_label]
    rows.append(("ratio loop / batch (CPU, 1 process)", cpu_ratio, "x (not seconds)"))

    subset = [t for t in transfers if args.cf_from <= t.delivery_year <= args.cf_to]
    cf = timed(
        f"counterfactual, {args.alternatives} alternatives, deliveries {args.cf_from}-{args.cf_to}",
        rows,
        lambda: counterfactual(
            subset, REGIMES, tables, engine=engine, alternatives=args.alternatives,
            workers=args.workers, population=transfers,
        ),
    )  # fmt: skip
    rows[-1] = (
        *rows[-1][:2],
        f"{len([t for t in subset if t.assessable])} transfers, {cf.same_profile} same-obligation "
        f"re-assessments ({cf.same_profile_identical} identical), "
        f"{cf.signatures_assessed} signatures",
    )
    cf_loop = per_transfer * (cf.same_profile + cf.other_profile) / len(REGIMES)
    rows.append(("counterfactual by loop, extrapolated", cf_loop, ""))
    rows.append(("ratio loop / batch (counterfactual)", cf_loop / rows[-2][1], "x (not seconds)"))

    if args.spark:
        # the same pipeline on Spark local mode, against the same store (JVM start included)
        timed(
            f"register under att+eu, monitor assess pipeline on Spark local[{args.workers}]", rows,
            lambda: service.assess(
                REGIMES, 1950, 2024, db=store_path, spark_master=f"local[{args.workers}]"
            ),
        )  # fmt: skip
        rows.append(("ratio Spark / DuckDB pipeline (wall)", rows[-1][1] / pipeline_seconds, "x"))

    shutil.rmtree(scratch, ignore_errors=True)
    print("| step | wall s | CPU s (this process) | note |\n| --- | ---: | ---: | --- |")
    for label, seconds, note in rows:
        cpu = f"{CPU[label]:.2f}" if label in CPU else ""
        print(f"| {label} | {seconds:.2f} | {cpu} | {note} |")


if __name__ == "__main__":
    main()
