"""Same hits, fewer CPU-seconds: `openatt screen --file` of this tree against a reference commit.

A speed change to screening must not change any hit or score. This script builds
`benchmarks/screening.py`'s list and labelled queries (the same generator, the same seed),
stores the list once for each tree, and runs through the CLI, in new processes, for each of
the two trees (this one and ``--ref``, exported with ``git archive``): the first
`openatt screen NAME` (builds and writes the index), a cold `openatt screen NAME` (maps it)
and `openatt screen --file` over every query in JSON. It then compares the two JSON outputs
query by query (hits, scores, explanations, grouped listings) and prints the CPU-seconds of
each tree side by side, from the same inputs in the same run (the runs alternate between the
trees, and the best of ``--runs`` counts, since the machine is shared).

    .venv/bin/python benchmarks/screening_same_hits.py --size 60000 --negatives 5000
    .venv/bin/python benchmarks/screening_same_hits.py --ref 15e8ba3 --runs 2

Exit status 1 when any query's output differs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from machine import describe  # noqa: E402

import screening as bench  # noqa: E402  (benchmarks/screening.py: the list and the queries)


def run(src: Path, home: Path, args: list[str], output: Path) -> tuple[float, float, int]:
    """(wall seconds, CPU-seconds of the process and its workers, exit code) of one
    `openatt` run of the tree whose sources are ``src``."""
    env = {**os.environ, "OPENATT_HOME": str(home), "PYTHONPATH": str(src)}
    command = [sys.executable, "-c", "from openatt.cli.main import main; main()", *args]
    began = time.perf_counter()
    with output.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
    return (
        time.perf_counter() - began,
        usage.ru_utime + usage.ru_stime,
        os.waitstatus_to_exitcode(status),
    )


def export(ref: str, target: Path) -> Path:
    """The ``src`` folder of ``ref``, exported from this repository (nothing checked out)."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "src"], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target / "src"


def differences(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> list[int]:
    """Numbers of the queries whose output differs."""
    return [n for n, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=60_000)
    parser.add_argument("--negatives", type=int, default=5_000)
    parser.add_argument("--variants", type=int, default=2_000)
    parser.add_argument("--romanised", type=int, default=600)
    parser.add_argument("--persian", type=int, default=300)
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--runs", type=int, default=1, help="build, cold and batch runs per tree; best counts"
    )
    parser.add_argument("--ref", default="main", help="the reference commit (default main)")
    parser.add_argument("--keep", type=Path, help="keep the work folder here (reused if there)")
    args = parser.parse_args()
    print(f"machine at start: {describe()}", flush=True)
    rng = random.Random(args.seed)
    entities = bench.real_entities()
    entities += bench.padding(max(0, args.size - len(entities)), rng)
    pos, _ = bench.positives(entities)
    labelled = (
        pos
        + bench.variants(entities, args.variants, rng)
        + bench.romanised_queries(args.romanised, rng)
        + bench.persian_queries(entities, args.persian, rng)
        + bench.negatives(args.negatives, rng)
    )
    work = args.keep or Path(tempfile.mkdtemp(prefix="openatt-same-hits-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        reference = work / "ref"
        shutil.rmtree(reference, ignore_errors=True)
        reference.mkdir()
        trees = {"this tree": ROOT / "src", f"ref {args.ref}": export(args.ref, reference)}
        queries = work / "queries.csv"
        bench._queries_csv(labelled, queries)
        probe = labelled[0].query.name
        single = ["screen", probe, "--format", "json"]
        batch = ["screen", "--file", str(queries), "--format", "json"]
        batch += ["--workers", str(args.workers)]
        figures = {
            label: {"build_cpu": float("inf"), "cold_cpu": float("inf"), "batch_cpu": float("inf")}
            for label in trees
        }
        for number in range(len(trees)):
            shutil.rmtree(work / f"home-{number}", ignore_errors=True)
            bench.write_store(entities, work / f"home-{number}")
        for _ in range(args.runs):  # the trees alternate, so both meet the same load
            for number, (label, src) in enumerate(trees.items()):
                home, entry = work / f"home-{number}", figures[label]
                for index in (home / "lists").glob("*/*/index-*"):
                    shutil.rmtree(index)  # the first screening builds and writes the index
                built = run(src, home, single, work / "first.json")
                assert built[2] == 0, f"{label}: openatt screen failed"
                entry["build_cpu"] = min(entry["build_cpu"], built[1])
                for _ in range(3):
                    cold = run(src, home, single, work / "cold.json")
                    entry["cold_cpu"] = min(entry["cold_cpu"], cold[1])
                wall, cpu, code = run(src, home, batch, work / f"out-{number}.json")
                assert code == 0, f"{label}: openatt screen --file failed"
                if cpu < entry["batch_cpu"]:
                    entry["batch_cpu"], entry["batch_wall"] = cpu, wall
        outputs = [
            json.loads((work / f"out-{n}.json").read_text("utf-8"))["results"]
            for n in range(len(trees))
        ]
        differing = differences(outputs[0], outputs[1])
        identical = (work / "out-0.json").read_bytes() == (work / "out-1.json").read_bytes()
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    hits = sum(len(item["hits"]) for item in outputs[0])
    print(
        f"list: {len(entities):,} entities; {len(labelled):,} queries "
        f"({sum(1 for x in labelled if x.expected):,} expected matches), {hits:,} hits reported"
    )
    print(
        "| tree | batch CPU-s | CPU ms per name | names per CPU-s | batch wall s | build CPU-s | cold CPU-s |"
    )
    print("|---|---|---|---|---|---|---|")
    for label, entry in figures.items():
        cpu = entry["batch_cpu"]
        print(
            f"| {label} | {cpu:.1f} | {1000 * cpu / len(labelled):.3f} | {len(labelled) / cpu:,.0f} "
            f"| {entry['batch_wall']:.1f} | {entry['build_cpu']:.1f} | {entry['cold_cpu']:.2f} |"
        )
    mine, theirs = figures.values()
    print(
        f"ref / this tree, CPU-seconds: batch x{theirs['batch_cpu'] / mine['batch_cpu']:.2f}, "
        f"build x{theirs['build_cpu'] / mine['build_cpu']:.2f}, "
        f"cold x{theirs['cold_cpu'] / mine['cold_cpu']:.2f}"
    )
    print(
        f"outputs compared on {len(outputs[0]):,} queries: {len(differing)} differ"
        f"{' (byte for byte identical)' if identical else ''}"
        + (f"; first differing queries: {differing[:10]}" if differing else "")
    )
    print(f"machine at end:   {describe()}", flush=True)
    sys.exit(1 if differing else 0)


if __name__ == "__main__":
    main()
