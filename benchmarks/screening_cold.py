"""Build, cold start and memory of `openatt screen`: this tree against a reference commit.

Issue 16 asks, at 300,000 entities on 2 cores: the index built in <= 15 s (written once per
list version and memory-mapped), `openatt screen NAME` in < 0.5 s from a cold start, and
<= 1 GB of memory in the build, in `openatt screen --file` with 2 workers (the parent, each
worker, and their sum) and in `openatt lists import`. This script measures each through the
CLI, in new processes, for this tree and for ``--ref`` (exported with ``git archive``), on the
same list (benchmarks/screening.py's, same seed) in the same run; the runs alternate between
the trees and the best of ``--runs`` counts, since the machine is shared. The targets are
printed beside the figures, and the machine (cores, load) at the start and the end.

    .venv/bin/python benchmarks/screening_cold.py                          # 300,000 entities
    .venv/bin/python benchmarks/screening_cold.py --size 60000 --ref 948f2ef --runs 2

What each figure is:
  * build: the first `openatt screen NAME` after the list version was stored (it builds the
    index and writes it beside the version): wall and CPU-seconds of the process and its
    workers, peak resident memory of the parent, of the largest worker and of their sum;
  * cold: `openatt screen NAME` again in a new process (the index mapped from disk), best of
    5 runs; both trees' sources are byte-compiled first, as an installed package is;
  * batch: `openatt screen --file` over the labelled queries with --workers 2 (memory only:
    benchmarks/screening_same_hits.py compares its speed and output);
  * import: `openatt lists import` of the same list written as an OpenSanctions FtM file
    (one JSON entity a line), --no-rescreen.

Resident memory is sampled every 20 ms from /proc (a forked worker's pages shared with its
parent count in both, so the sum over-counts).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from machine import describe  # noqa: E402
from screening_same_hits import export  # noqa: E402

import screening as bench  # noqa: E402  (benchmarks/screening.py: the list and the queries)

TARGETS = {"build_wall": 15.0, "cold_wall": 0.5, "peak_mb": 1024.0}
_FTM_SCHEMA = {
    "person": "Person",
    "organization": "Organization",
    "vessel": "Vessel",
    "aircraft": "Airplane",
    "unknown": "LegalEntity",
}
_FTM_NAME = {
    "primary": "name",
    "alias": "alias",
    "weak_alias": "weakAlias",
    "former": "previousName",
}


@dataclass
class Run:
    """One `openatt` process (and its workers)."""

    wall: float
    cpu: float
    code: int
    parent_mb: float
    worker_mb: float
    sum_mb: float


class TreeSampler:
    """Peak resident memory of a process, of its largest descendant and of their sum."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.parent = self.worker = self.total = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            now = bench._tree_rss_mb(self.pid)
            if not now:
                continue
            self.parent = max(self.parent, now.get(self.pid, 0.0))
            others = [rss for pid, rss in now.items() if pid != self.pid]
            self.worker = max([self.worker, *others])
            self.total = max(self.total, sum(now.values()))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def run(src: Path, home: Path, args: list[str], output: Path) -> Run:
    env = {**os.environ, "OPENATT_HOME": str(home), "PYTHONPATH": str(src)}
    command = [sys.executable, "-c", "from openatt.cli.main import main; main()", *args]
    began = time.perf_counter()
    with output.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.DEVNULL)
        sampler = TreeSampler(process.pid)
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - began
    sampler.stop()
    return Run(
        wall,
        usage.ru_utime + usage.ru_stime,
        os.waitstatus_to_exitcode(status),
        sampler.parent,
        sampler.worker,
        sampler.total,
    )


def write_ftm(entities: list[Any], path: Path) -> None:
    """The list as an OpenSanctions FtM entity file, as `openatt lists import` reads it."""
    with path.open("w", encoding="utf-8") as out:
        for entity in entities:
            properties: dict[str, list[str]] = {}
            for name in entity.names:
                prop = _FTM_NAME.get(str(name.kind), "alias")
                properties.setdefault(prop, []).append(name.value)
            if entity.birth_dates:
                properties["birthDate"] = list(entity.birth_dates)
            if entity.countries:
                properties["country"] = list(entity.countries)
            record = {
                "id": entity.entity_id,
                "schema": _FTM_SCHEMA[str(entity.schema)],
                "caption": entity.names[0].value,
                "properties": properties,
                "target": True,
                "datasets": ["bench"],
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def best(runs: list[Run]) -> dict[str, float]:
    return {
        "wall": min(r.wall for r in runs),
        "cpu": min(r.cpu for r in runs),
        "parent_mb": max(r.parent_mb for r in runs),
        "worker_mb": max(r.worker_mb for r in runs),
        "sum_mb": max(r.sum_mb for r in runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=300_000)
    parser.add_argument("--negatives", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=1, help="runs per tree; best counts")
    parser.add_argument("--ref", default="main", help="the reference commit (default main)")
    parser.add_argument("--skip-import", action="store_true", help="skip `openatt lists import`")
    args = parser.parse_args()
    print(f"machine at start: {describe()}", flush=True)
    rng = random.Random(args.seed)
    entities = bench.real_entities()
    entities += bench.padding(max(0, args.size - len(entities)), rng)
    pos, _ = bench.positives(entities)
    labelled = (
        pos
        + bench.variants(entities, 2_000, rng)
        + bench.romanised_queries(600, rng)
        + bench.persian_queries(entities, 300, rng)
        + bench.negatives(args.negatives, rng)
    )
    work = Path(tempfile.mkdtemp(prefix="openatt-screening-cold-"))
    try:
        (work / "ref").mkdir()
        trees = {"this tree": ROOT / "src", f"ref {args.ref}": export(args.ref, work / "ref")}
        for src in trees.values():  # as an installed package is: byte-compiled
            compileall.compile_dir(str(src), quiet=1)
        queries = work / "queries.csv"
        bench._queries_csv(labelled, queries)
        ftm = work / "list.ftm.json"
        if not args.skip_import:
            write_ftm(entities, ftm)
        probe = labelled[0].query.name
        single = ["screen", probe, "--format", "json"]
        batch = ["screen", "--file", str(queries), "--format", "json"]
        batch += ["--workers", str(args.workers)]
        seen: dict[str, dict[str, list[Run]]] = {
            label: {"build": [], "cold": [], "batch": [], "import": []} for label in trees
        }
        for number in range(len(trees)):
            bench.write_store(entities, work / f"home-{number}")
        homes = {label: work / f"home-{number}" for number, label in enumerate(trees)}
        for _ in range(args.runs):  # the trees alternate, so both meet the same load
            for label, src in trees.items():
                for index in (homes[label] / "lists").glob("*/*/index-*"):
                    shutil.rmtree(index)  # the first screening builds and writes the index
                built = run(src, homes[label], single, work / "first.json")
                assert built.code == 0, f"{label}: openatt screen failed"
                seen[label]["build"].append(built)
            for _ in range(5):
                for label, src in trees.items():
                    cold = run(src, homes[label], single, work / "cold.json")
                    seen[label]["cold"].append(cold)
            for label, src in trees.items():
                done = run(src, homes[label], batch, work / "batch.json")
                assert done.code == 0, f"{label}: openatt screen --file failed"
                seen[label]["batch"].append(done)
            for label, src in trees.items():
                if args.skip_import:
                    break
                imported = work / "imported"
                shutil.rmtree(imported, ignore_errors=True)
                command = ["lists", "import", str(ftm), "--no-rescreen"]
                done = run(src, imported, command, work / "import.txt")
                assert done.code == 0, f"{label}: openatt lists import failed"
                seen[label]["import"].append(done)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"list: {len(entities):,} entities; batch: {len(labelled):,} queries, {args.workers} workers"
    )
    print(
        "| tree | step | wall s | CPU-s | peak MB parent | peak MB largest worker | peak MB sum |"
    )
    print("|---|---|---|---|---|---|---|")
    figures: dict[str, dict[str, dict[str, float]]] = {}
    for label, steps in seen.items():
        figures[label] = {}
        for step, runs in steps.items():
            if not runs:
                continue
            b = figures[label][step] = best(runs)
            print(
                f"| {label} | {step} | {b['wall']:.2f} | {b['cpu']:.2f} | {b['parent_mb']:,.0f} "
                f"| {b['worker_mb']:,.0f} | {b['sum_mb']:,.0f} |"
            )
    mine, theirs = figures.values()
    print(
        f"targets: build <= {TARGETS['build_wall']:.0f} s wall (this tree {mine['build']['wall']:.1f}); "
        f"cold < {TARGETS['cold_wall']} s wall (this tree {mine['cold']['wall']:.2f}); "
        f"peak <= {TARGETS['peak_mb']:,.0f} MB in every process and in the sum "
        f"(this tree, largest: {max(max(s['parent_mb'], s['sum_mb']) for s in mine.values()):,.0f})"
    )
    print(
        "ref / this tree, CPU-seconds: "
        + ", ".join(f"{step} x{theirs[step]['cpu'] / mine[step]['cpu']:.2f}" for step in mine)
    )
    print(f"machine at end:   {describe()}", flush=True)


if __name__ == "__main__":
    main()
