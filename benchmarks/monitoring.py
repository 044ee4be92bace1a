"""Benchmark: the SIPRI trade register under att and eu, the counterfactual audit, and a
synthetic register ten times SIPRI's, on DuckDB and on Spark local mode (issue 16, part 3).

    .venv/bin/python benchmarks/monitoring.py [--workers 2] [--loop-sample 1000]
        [--alternatives 20] [--times 10] [--spark] [--skip-before]
        [--counterfactual-alone] [--skip-10x] [--skip-audit] [--quick]
        [--pipeline-runs 2] [--baseline DIR [--rounds 2] [--baseline-counterfactual]]

Reads ../shared/data (never a copy). Prints the machine (cores, load at start and end), the
targets, and one table of figures from this run:
  1. import of the classic trade register (raw SIPRI export), the indicators, the store;
  2. ``openatt monitor assess``'s pipeline on the DuckDB store, the whole register under att
     and eu (target < 10 s on 2 cores), ``--pipeline-runs`` times (each run printed, the best
     counting, identical recommendation counts required), with its recommendation counts;
  3. by signature in memory on one process, with each regime's findings kept whole per case
     (this code) and without (the path before it), on the same transfers: their ratio, and
     their recommendation counts, which must be identical;
  4. the baseline: the single-application engine looped over a random sample, extrapolated;
  5. ``openatt monitor audit`` on the store (the counterfactual with 20 alternatives over every
     transfer, tables, charts, report: target < 30 s), and the counterfactual alone;
  6. a synthetic register ``--times`` SIPRI's (``monitoring/synthetic.py``: seeded, years,
     quantities and suppliers perturbed within documented bounds) through the same pipeline on
     DuckDB (best of ``--pipeline-runs`` too), and with ``--spark`` both registers on Spark
     local mode: the time per transfer at 1x and at Nx, so the growth is visible.
They run in the order 1, 2, 6, 5, 3, 4, and each prints its line as it ends. ``--skip-10x``
leaves out step 6 and ``--skip-audit`` step 5 (a quick run: steps 1-4 in a few minutes).
``--baseline DIR`` (a checkout of earlier code, e.g. ``git archive 15e8ba3 | tar -x -C
/tmp/monbase``) first runs ``benchmarks/monitoring_cpu.py`` (the whole register by signature in
memory, one process) with that code and with this tree's, in turns, ``--rounds`` times each,
and prints each one's least CPU seconds, their ratio, and whether the recommendation counts
are identical; with ``--baseline-counterfactual`` the same for the counterfactual audit in memory
(att, 20 alternatives), and whether its output (every count and row) is identical. ``--quick``
(for CI) runs steps 2-4 and the comparison on deliveries from 2015 only, and leaves out step 3's
earlier path, 5 and 6.
CPU seconds are
given for this process and for its worker processes: on a shared machine they say more than the
wall clock. Speed is measured here, never asserted in tests. Ratios are between figures of this run only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from machine import printed

from openatt.core.engine import Engine
from openatt.evidence.providers import load_indicators
from openatt.monitoring import service, store
from openatt.monitoring.applications import transfer_application
from openatt.monitoring.audit import counterfactual, save_regions
from openatt.monitoring.batch import BatchResult, assess_transfers
from openatt.monitoring.pipeline import embargo_screen
from openatt.monitoring.sipri import read_sipri
from openatt.monitoring.synthetic import Perturbation, synthetic_register
from openatt.monitoring.transfer import Transfer

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
REGISTER = (
    DATA
    / "transfers"
    / "sipri_trade_register_1950_2024"
    / "trade-register_generated-2025-03-13.csv"
)
REGIMES = ("att", "eu")
TARGETS = (
    "register under att+eu (monitor assess pipeline) < 10 s on 2 cores",
    "monitor audit, counterfactual with 20 alternatives over every transfer, < 30 s on 2 cores",
    "synthetic register 10x SIPRI's on DuckDB and on Spark local mode: time per transfer shown",
)
T = TypeVar("T")
Row = tuple[str, float, float | None, str]


class Figures:
    """The run's rows: label, wall seconds, this process's CPU seconds (steadier than wall on
    a shared machine for single-process steps; child processes are not counted), note."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.children: dict[str, float] = {}

    def timed(self, label: str, fn: Callable[[], T], note: str = "") -> T:
        start, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
        value = fn()
        wall, used = time.perf_counter() - start, time.process_time() - cpu
        self.children[label] = _children_cpu() - children
        self.rows.append((label, wall, used, note))
        print(
            f"{label}: {wall:.2f} s wall, {used:.2f} s CPU, "
            f"{self.children[label]:.2f} s CPU in worker processes {note}",
            file=sys.stderr,
            flush=True,
        )
        return value

    def note(self, text: str) -> None:
        label, wall, cpu, _ = self.rows[-1]
        self.rows[-1] = (label, wall, cpu, text)
        print(f"  {label}: {text}", file=sys.stderr, flush=True)

    def add(self, label: str, value: float, note: str = "") -> None:
        self.rows.append((label, value, None, note))
        print(f"{label}: {value:.2f} {note}", file=sys.stderr, flush=True)

    def last(self) -> float:
        return self.rows[-1][1]

    def print(self) -> None:
        print(
            "| step | wall s | CPU s (this process) | CPU s (worker processes) | note |\n"
            "| --- | ---: | ---: | ---: | --- |"
        )
        for label, wall, cpu, note in self.rows:
            shown = "" if cpu is None else f"{cpu:.2f}"
            workers = f"{self.children[label]:.2f}" if self.children.get(label) else ""
            print(f"| {label} | {wall:.2f} | {shown} | {workers} | {note} |")


def best_of(fig: Figures, label: str, runs: int, fn: Callable[[], Any]) -> tuple[list[float], Any]:
    """``fn`` (a pipeline over one store: each run re-assesses every transfer) ``runs``
    times, each run a row; then a row for the best wall time, which the target and the
    growth ratio read (as every system's best round counts in benchmarks/screening.py).
    Every run must give the same recommendations. Returns every run's wall time, in order:
    a ratio with a step that ran once (Spark, the loop) takes the first."""
    walls, first = [], None
    for number in range(1, runs + 1):
        summary = fig.timed(f"{label}, run {number} of {runs}", fn)
        walls.append(fig.last())
        if first is None:
            first = summary
        assert summary.recommendations == first.recommendations, "runs differ"
    fig.add(f"{label}, best of {runs}", min(walls))
    return walls, first


def _children_cpu() -> float:
    """CPU seconds of this process's finished children (the batch's worker processes; a Spark
    JVM that outlives its step is not counted)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def counts(result: BatchResult) -> dict[str, dict[str, int]]:
    """Recommendations per regime, counted over transfers."""
    found: dict[str, Counter[str]] = {}
    for sig in result.transfer_signature.values():
        for row in result.summaries[sig]:
            found.setdefault(row.regime, Counter())[row.recommendation] += 1
    return {regime: dict(sorted(c.items())) for regime, c in sorted(found.items())}


def stored_store(folder: Path, transfers: list[Transfer], report: Any, tables: Any) -> Path:
    path = folder / "store.duckdb"
    with store.connect(path) as con:
        store.save_transfers(con, transfers, report)
        store.save_indicators(con, tables)
        save_regions(con, tables)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--loop-sample", type=int, default=1000)
    parser.add_argument("--alternatives", type=int, default=20)
    parser.add_argument("--times", type=int, default=10)
    parser.add_argument("--spark", action="store_true")
    parser.add_argument("--skip-before", action="store_true", help="skip step 3's earlier path")
    parser.add_argument(
        "--counterfactual-alone", action="store_true", help="also time the counterfactual alone"
    )
    parser.add_argument("--skip-10x", action="store_true", help="leave out the synthetic register")
    parser.add_argument("--skip-audit", action="store_true", help="leave out monitor audit")
    parser.add_argument("--baseline", type=Path, help="a checkout of earlier code to compare")
    parser.add_argument("--rounds", type=int, default=2, help="turns of --baseline's comparison")
    parser.add_argument(
        "--pipeline-runs",
        type=int,
        default=2,
        help="runs of the register's pipeline under att+eu (the target's figure); the best counts",
    )
    parser.add_argument(
        "--baseline-counterfactual",
        action="store_true",
        help="--baseline's comparison also times the counterfactual and compares its output",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="for CI: deliveries from 2015 only; no 10x register, audit or earlier path",
    )
    args = parser.parse_args()
    if args.quick:
        args.skip_10x = args.skip_audit = args.skip_before = True
        args.loop_sample = min(args.loop_sample, 50)
    with printed("benchmarks/monitoring.py: " + " ".join(sys.argv[1:])):
        print("targets:", *TARGETS, sep="\n  ", flush=True)
        run(args)


def compare_with(
    baseline: Path, rounds: int, fig: Figures, *, counterfactual: bool = False, from_year: int = 0
) -> None:
    """This tree's code against ``baseline``'s on the same inputs, in turns, each in a fresh
    process (``benchmarks/monitoring_cpu.py``): least CPU seconds of each, ratio, counts; with
    ``counterfactual`` the same for the counterfactual audit, and whether its output is
    identical."""
    script = Path(__file__).resolve().with_name("monitoring_cpu.py")
    trees = {"baseline": baseline.resolve(), "this code": Path(__file__).resolve().parents[1]}
    cpu: dict[str, list[float]] = {name: [] for name in trees}
    cf_cpu: dict[str, list[float]] = {name: [] for name in trees}
    counted: dict[str, object] = {}
    digests: dict[str, object] = {}
    options = ["--from-year", str(from_year)] + (["--counterfactual"] if counterfactual else [])
    scope = f"deliveries from {from_year}" if from_year else "whole register"
    for _ in range(rounds):
        for name, tree in trees.items():
            env = {**os.environ, "PYTHONPATH": str(tree / "src")}
            out = subprocess.run(
                [sys.executable, str(script), "--data", str(DATA), *options],
                env=env,
                cwd=tree,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            line = json.loads(out.strip().splitlines()[-1])
            cpu[name].append(line["cpu_s"])
            counted[name] = line["counts"]
            if counterfactual:
                cf_cpu[name].append(line["counterfactual_cpu_s"])
                digests[name] = line["counterfactual_digest"]
            print(
                f"  {name} ({tree}): {line['cpu_s']:.2f} s CPU"
                + (f", counterfactual {cf_cpu[name][-1]:.2f} s CPU" if counterfactual else ""),
                file=sys.stderr,
                flush=True,
            )
    for name, tree in trees.items():
        fig.add(
            f"{scope} by signature in memory, 1 process, {name} (least of {rounds})",
            min(cpu[name]),
            f"CPU s, {tree}; all rounds: {', '.join(f'{c:.1f}' for c in cpu[name])}",
        )
    fig.add(
        "ratio baseline / this code (CPU, same inputs, in turns)",
        min(cpu["baseline"]) / min(cpu["this code"]),
        f"x; recommendation counts identical: {counted['baseline'] == counted['this code']}; "
        f"{counted['this code']}",
    )
    if not counterfactual:
        return
    for name in trees:
        fig.add(
            f"counterfactual in memory (att, 20 alternatives, {scope}), 1 process, {name}",
            min(cf_cpu[name]),
            f"CPU s; all rounds: {', '.join(f'{c:.1f}' for c in cf_cpu[name])}; "
            f"output digest {digests[name]}",
        )
    fig.add(
        "ratio baseline / this code (counterfactual CPU, same inputs, in turns)",
        min(cf_cpu["baseline"]) / min(cf_cpu["this code"]),
        f"x; counterfactual output identical: {digests['baseline'] == digests['this code']}",
    )


def run(args: argparse.Namespace) -> None:
    fig = Figures()
    if args.baseline:
        compare_with(
            args.baseline,
            args.rounds,
            fig,
            counterfactual=args.baseline_counterfactual,
            from_year=2015 if args.quick else 0,
        )
    transfers, report = fig.timed(
        "import register (raw SIPRI export)", lambda: read_sipri(REGISTER)
    )
    fig.note(f"{report.rows} rows, {len(transfers)} transfers")
    tables = fig.timed("import indicators", lambda: load_indicators(DATA / "indicators"))
    engine = fig.timed("engine load (law + reference)", Engine.default)
    scratch = Path(tempfile.mkdtemp(prefix="openatt-bench-"))
    try:
        one_x = fig.timed(
            "store transfers in DuckDB", lambda: stored_store(scratch, transfers, report, tables)
        )
        with store.connect(one_x) as con:
            hits = fig.timed(
                "columnar embargo screen (DuckDB)", lambda: embargo_screen(con, engine.reference)
            )
        fig.note(f"{hits} transfer-measure hits")
        # --quick: deliveries from 2015 only (a quarter of the register), for CI
        first = 2015 if args.quick else 1950
        span = " (deliveries 2015-2024)" if args.quick else ""
        label = (
            f"**register under att+eu, monitor assess pipeline, {args.workers} processes**{span}"
        )
        walls_1x, summary = best_of(
            fig,
            label,
            args.pipeline_runs,
            lambda: service.assess(REGIMES, first, 2024, db=one_x, workers=args.workers),
        )
        fig.note(
            f"s wall; {summary.assessed} transfers, {summary.signatures} signatures; "
            f"target < 10 s: {'met' if min(walls_1x) < 10 else 'not met'}; "
            f"{min(walls_1x) / summary.assessed * 1e6:.0f} us a transfer; {summary.recommendations}"
        )
        if not args.skip_10x:
            _ten_times(args, fig, transfers, report, tables, scratch, summary, walls_1x, one_x)
        if not args.skip_audit:
            out = scratch / "audit" / "report.html"
            audited = fig.timed(
                f"**monitor audit on the store, {args.alternatives} alternatives, every transfer, "
                f"{args.workers} processes**",
                lambda: service.run_audit(
                    out,
                    db=one_x,
                    regime="att",
                    alternatives=args.alternatives,
                    workers=args.workers,
                ),
            )
            cf_summary = audited["counterfactual"]
            fig.note(
                f"att; {cf_summary['same_obligation_reassessments']} same-obligation re-assessments "
                f"({cf_summary['identical']} identical); tables, charts, report; target < 30 s"
            )
            if args.counterfactual_alone:
                cf = fig.timed(
                    f"counterfactual alone under att+eu, {args.alternatives} alternatives, "
                    f"{args.workers} processes",
                    lambda: counterfactual(
                        transfers,
                        REGIMES,
                        tables,
                        engine=engine,
                        alternatives=args.alternatives,
                        workers=args.workers,
                        population=transfers,
                    ),
                )
                fig.note(
                    f"{cf.same_profile} same-obligation re-assessments ({cf.same_profile_identical} "
                    f"identical), {cf.signatures_assessed} signatures"
                )

        chosen = [t for t in transfers if t.delivery_year >= first]
        now = fig.timed(
            f"by signature in memory, 1 process, regimes kept whole (this code){span}",
            lambda: assess_transfers(chosen, REGIMES, tables, engine=engine),
        )
        fig.note(f"{counts(now)}")
        if not args.skip_before:
            before = fig.timed(
                "same, regimes not kept whole (the batch before this change; finer memo keys kept)",
                lambda: assess_transfers(
                    chosen, REGIMES, tables, engine=engine, whole_regimes=False
                ),
            )
            same = counts(before) == counts(now)
            fig.note(f"recommendation counts identical to this code's: {same}")
            cpu = {label: c for label, _, c, _ in fig.rows}
            ratio = (cpu[fig.rows[-1][0]] or 0) / (cpu[fig.rows[-2][0]] or 1)
            fig.add("ratio before / this code (CPU, 1 process)", ratio, "x (not seconds)")

        assessable = [t for t in chosen if t.assessable]
        sample = random.Random(1).sample(assessable, min(args.loop_sample, len(assessable)))

        def loop() -> None:
            for transfer in sample:
                engine.assess(transfer_application(transfer, tables), REGIMES)

        fig.timed(f"loop of the single-application engine, {len(sample)} transfers", loop)
        loop_full = fig.rows[-1][2] or 0.0
        loop_full = loop_full / len(sample) * len(assessable)
        fig.add(
            "loop, extrapolated to the register (CPU)", loop_full, f"{len(assessable)} transfers"
        )
        fig.add(
            "ratio loop / pipeline (wall; the pipeline's first run, as the loop ran once)",
            loop_full / walls_1x[0],
            "x (not seconds)",
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    fig.print()


def _ten_times(
    args: argparse.Namespace,
    fig: Figures,
    transfers: list[Transfer],
    report: Any,
    tables: Any,
    scratch: Path,
    summary: Any,
    walls_1x: list[float],
    one_x: Path,
) -> None:
    """Step 6: the synthetic register through the same pipeline (and on Spark with --spark)."""
    bounds = Perturbation()
    big = fig.timed(
        f"synthetic register {args.times}x (seed 2026)",
        lambda: synthetic_register(transfers, args.times, bounds=bounds),
    )
    fig.note(f"{len(big)} transfers; {bounds}")
    folder = scratch / "big"
    folder.mkdir()
    n_x = fig.timed(
        f"store {args.times}x in DuckDB", lambda: stored_store(folder, big, report, tables)
    )
    label = f"**{args.times}x register under att+eu, same pipeline, {args.workers} processes**"
    walls_nx, big_summary = best_of(
        fig,
        label,
        args.pipeline_runs,
        lambda: service.assess(REGIMES, 1950, 2024, db=n_x, workers=args.workers),
    )
    fig.note(
        f"s wall; {big_summary.assessed} transfers, {big_summary.signatures} signatures; "
        f"{min(walls_nx) / big_summary.assessed * 1e6:.0f} us a transfer"
    )
    fig.add(
        f"growth: time a transfer {args.times}x / 1x (DuckDB)",
        (min(walls_nx) / big_summary.assessed) / (min(walls_1x) / summary.assessed),
        "x (not seconds; below 1: the memo shares more as the register grows)",
    )
    if args.spark:
        master = f"local[{args.workers}]"
        spark_1x = fig.timed(
            f"register under att+eu, the same pipeline on Spark {master}",
            lambda: service.assess(REGIMES, 1950, 2024, db=one_x, spark_master=master),
        )
        spark_1 = fig.last()
        fig.note(
            f"{spark_1x.assessed} transfers, {spark_1 / spark_1x.assessed * 1e6:.0f} us a "
            f"transfer; JVM start included; same counts: "
            f"{spark_1x.recommendations == summary.recommendations}"
        )
        fig.add(
            "ratio Spark / DuckDB pipeline, 1x (wall; DuckDB's first run, as Spark ran once)",
            spark_1 / walls_1x[0],
            "x",
        )
        spark_nx = fig.timed(
            f"{args.times}x register on Spark {master}",
            lambda: service.assess(REGIMES, 1950, 2024, db=n_x, spark_master=master),
        )
        spark_n = fig.last()
        fig.note(
            f"{spark_nx.assessed} transfers, {spark_n / spark_nx.assessed * 1e6:.0f} us a "
            f"transfer; same counts as DuckDB: "
            f"{spark_nx.recommendations == big_summary.recommendations}"
        )
        fig.add(
            f"growth: time a transfer {args.times}x / 1x (Spark)",
            (spark_n / spark_nx.assessed) / (spark_1 / spark_1x.assessed),
            "x (not seconds)",
        )
        fig.add(
            f"ratio Spark / DuckDB pipeline, {args.times}x (wall; DuckDB's first run)",
            spark_n / walls_nx[0],
            "x",
        )


if __name__ == "__main__":
    main()
