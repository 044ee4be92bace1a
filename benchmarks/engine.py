"""Assessments per second over the examples under every regime, and the CLI's start-up time.

Reference data and law are loaded once per process (as in a server or a batch run); the
figure counts one application assessed under one regime as one assessment. Run:

    python benchmarks/engine.py [--seconds 5]

It pins itself to one core where the platform allows, so the figure is per core.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from openatt.core.engine import Engine
from openatt.core.loading import parse_applications

ROOT = Path(__file__).resolve().parents[1]
TARGET_PER_SECOND = 1000


def load_examples() -> list:  # type: ignore[type-arg]
    apps = []
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        apps.extend(parse_applications(path.read_text("utf-8"), str(path)))
    return apps


def measure_engine(seconds: float) -> tuple[float, int]:
    started = time.perf_counter()
    engine = Engine.default()
    load_time = time.perf_counter() - started
    apps = load_examples()
    regimes = engine.regimes()
    for app in apps:  # warm the per-process caches once, as a server or batch run would
        engine.assess(app, regimes)
    count = 0
    begin = time.perf_counter()
    cpu_begin = time.process_time()
    while time.perf_counter() - begin < seconds:
        for app in apps:
            engine.assess(app, regimes)
            count += len(regimes)
    elapsed = time.perf_counter() - begin
    cpu = time.process_time() - cpu_begin
    print(f"law and reference data loaded once in {load_time * 1000:.0f} ms")
    print(f"{len(apps)} applications x {len(regimes)} regimes ({', '.join(regimes)})")
    print(f"per CPU-second (unaffected by other load on the machine): {count / cpu:,.0f}")
    return count / elapsed, count


def measure_startup(runs: int) -> list[float]:
    command = [sys.executable, "-m", "openatt.cli", "--version"]
    times = []
    for _ in range(runs):
        begin = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - begin)
    return times


def measure_first_assessment(runs: int) -> list[float]:
    example = str(ROOT / "examples" / "01-dprk-embargoed-destination.yaml")
    command = [sys.executable, "-m", "openatt.cli", "assess", example, "-f", "json"]
    times = []
    for _ in range(runs):
        begin = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - begin)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    rate, count = measure_engine(args.seconds)
    startup = measure_startup(args.runs)
    first = measure_first_assessment(args.runs)
    print()
    print(f"{'measure':<44}{'value':>14}{'target':>12}{'ratio':>8}")
    ratio = rate / TARGET_PER_SECOND
    print(
        f"{'assessments per second (one core)':<44}{rate:>14,.0f}{TARGET_PER_SECOND:>12,}{ratio:>7.1f}x"
    )
    print(f"{'assessments run':<44}{count:>14,}")
    print(
        f"{'CLI start-up, openatt --version (median)':<44}{statistics.median(startup) * 1000:>12.0f}ms"
    )
    print(f"{'CLI assess one file, json (median)':<44}{statistics.median(first) * 1000:>12.0f}ms")


if __name__ == "__main__":
    main()
