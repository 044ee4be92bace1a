"""Benchmark: ``monitor assess``'s pipeline on the whole register under att and eu (issue 16,
target 3: < 10 s on 2 cores), this tree's code against a baseline's, in turns.

    .venv/bin/python benchmarks/monitoring_pipeline.py --baseline DIR [--rounds 2] [--workers 2]

``DIR`` is a checkout of earlier code (``git archive b898840 | tar -x -C /tmp/base``). Each turn
is a fresh process with that tree's ``src`` first on the path: it stores the register and the
indicators in a new DuckDB store, then times ``service.assess`` twice on it, and prints wall
seconds, the parent's CPU seconds and the worker processes' CPU seconds of each, and a digest of
the ``results`` table, which must be the same for both trees. The parent's CPU is the serial
share (before and after the workers); on a shared machine the CPU seconds say more than the
wall clock. Reads ../shared/data (never a copy).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import printed

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
REGISTER = (
    DATA
    / "transfers"
    / "sipri_trade_register_1950_2024"
    / "trade-register_generated-2025-03-13.csv"
)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def child(workers: int, runs: int) -> None:
    """In a fresh process with the tree's code: a store, then the pipeline ``runs`` times."""
    from openatt.core.engine import Engine
    from openatt.evidence.providers import load_indicators
    from openatt.monitoring import audit, service, store
    from openatt.monitoring.sipri import read_sipri

    transfers, report = read_sipri(REGISTER)
    tables = load_indicators(DATA / "indicators")
    Engine.default()  # loaded once per process, as in ``benchmarks/monitoring.py``
    scratch = Path(tempfile.mkdtemp(prefix="openatt-pipeline-"))
    try:
        path = scratch / "store.duckdb"
        with store.connect(path) as con:
            store.save_transfers(con, transfers, report)
            store.save_indicators(con, tables)
            audit.save_regions(con, tables)
        for _ in range(runs):
            start, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
            summary = service.assess(("att", "eu"), 1950, 2024, db=path, workers=workers)
            wall = time.perf_counter() - start
            parent, in_workers = time.process_time() - cpu, _children_cpu() - children
            with store.connect(path) as con:
                rows = sorted(con.execute("SELECT * FROM results").fetchall(), key=str)
            digest = hashlib.sha256(repr(rows).encode()).hexdigest()[:16]
            line = {
                "wall_s": round(wall, 2),
                "parent_cpu_s": round(parent, 2),
                "workers_cpu_s": round(in_workers, 2),
                "signatures": summary.signatures,
                "results_digest": digest,
            }
            print(json.dumps(line), flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--baseline", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.workers, args.child)
        return
    trees = {"baseline": args.baseline.resolve(), "this code": Path(__file__).resolve().parents[1]}
    found: dict[str, list[dict[str, object]]] = {name: [] for name in trees}
    with printed("benchmarks/monitoring_pipeline.py: " + " ".join(sys.argv[1:])):
        for _ in range(args.rounds):
            for name, tree in trees.items():
                command = [sys.executable, __file__, "--baseline", str(tree), "--child", "2"]
                out = subprocess.run(
                    [*command, "--workers", str(args.workers)],
                    env={**os.environ, "PYTHONPATH": str(tree / "src")},
                    cwd=tree,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                for text in out.strip().splitlines():
                    line = json.loads(text)
                    found[name].append(line)
                    print(f"  {name} ({tree}): {line}", flush=True)
        print("| code | runs | wall s (least, most) | parent CPU s | workers CPU s | digest |")
        print("| --- | ---: | --- | --- | --- | --- |")
        for name, lines in found.items():

            def span(key: str, lines: list[dict[str, object]] = lines) -> str:
                values = [float(str(line[key])) for line in lines]
                return f"{min(values):.2f}-{max(values):.2f}"

            digests = sorted({str(line["results_digest"]) for line in lines})
            print(
                f"| {name} | {len(lines)} | {span('wall_s')} | {span('parent_cpu_s')} | "
                f"{span('workers_cpu_s')} | {', '.join(digests)} |"
            )


if __name__ == "__main__":
    main()
