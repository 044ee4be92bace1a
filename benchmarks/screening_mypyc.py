"""The screening modules compiled with mypyc (`openatt lists compile`): same output, how many
fewer CPU-seconds?

Compiles this tree's seven screening modules as ``openatt lists compile`` does
(``openatt.screening.compiled``: a copy with the few edits mypyc needs, none of which changes a
result; mypy from the dev tools and a C compiler), into a scratch folder of builds, and runs
`openatt screen --file QUERIES --format json --workers 2` with the plain modules
(``OPENATT_COMPILED=off``) and with the build, in turns, on a list store and queries CSV that
`benchmarks/screening_same_hits.py --keep FOLDER` leaves behind (``FOLDER/home-0``,
``FOLDER/queries.csv``). It prints each run's CPU-seconds (the process and its workers) and
wall seconds, whether each output is byte for byte the plain modules', the best cold
`openatt screen NAME` of each, and the CPU-seconds the compilation took.

    .venv/bin/python benchmarks/screening_mypyc.py --home /tmp/same/home-0 \\
        --file /tmp/same/queries.csv --rounds 3

Exit status 1 when an output differs. A script, not a test; the machine is printed beside
the figures.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from machine import describe  # noqa: E402  (benchmarks/machine.py)

from openatt.screening import compiled  # noqa: E402


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(builds: str, home: Path, args: list[str], output: Path) -> tuple[float, float, int]:
    """(CPU-seconds of the process and its workers, wall seconds, exit code); ``builds``:
    the value of ``OPENATT_COMPILED`` (``off`` for the plain modules)."""
    env = {**os.environ, "OPENATT_HOME": str(home), "PYTHONPATH": str(ROOT / "src")}
    env["OPENATT_COMPILED"] = builds
    command = [sys.executable, "-c", "from openatt.cli.main import main; main()", *args]
    began = time.perf_counter()
    with output.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
    cpu = usage.ru_utime + usage.ru_stime
    return cpu, time.perf_counter() - began, os.waitstatus_to_exitcode(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", type=Path, required=True, help="OPENATT_HOME with the list")
    parser.add_argument("--file", type=Path, required=True, help="queries CSV")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print(f"machine at start: {describe()}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="openatt-mypyc-"))
    try:
        began, cpu = time.perf_counter(), _children_cpu()
        build = compiled.compile_into(work / "builds")
        cpu, wall = _children_cpu() - cpu, time.perf_counter() - began
        trees = {"plain": "off", "mypyc": str(work / "builds")}
        print(f"mypyc ({', '.join(compiled.MODULES)}): compiled in {cpu:.1f} CPU-s, "
              f"{wall:.1f} s wall, build {build.digest}", flush=True)  # fmt: skip
        with args.file.open(encoding="utf-8-sig", newline="") as handle:
            count = sum(1 for _ in csv.reader(handle)) - 1  # less the header
        batch = ["screen", "--file", str(args.file), "--format", "json"]
        batch += ["--workers", str(args.workers)]
        cpus: dict[str, list[float]] = {label: [] for label in trees}
        colds: dict[str, list[float]] = {label: [] for label in trees}
        differing = 0
        for number in range(args.rounds):  # the trees in turns: both meet the same load
            for label, src in trees.items():
                colds[label] += [
                    run(src, args.home, ["screen", "Viktor Bout"], work / "cold.json")[0]
                    for _ in range(2)
                ]
                output = work / f"out-{label.replace(' ', '-')}.json"
                cpu, wall, code = run(src, args.home, batch, output)
                assert code == 0, f"{label}: openatt screen --file failed"
                same = output.read_bytes() == (work / "out-plain.json").read_bytes()
                differing += not same
                cpus[label].append(cpu)
                print(f"round {number + 1}, {label}: {cpu:.2f} CPU-s, {wall:.1f} s wall, output "
                      f"{'identical to plain' if same else 'DIFFERS'}; load "
                      f"{os.getloadavg()[0]:.2f}", flush=True)  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{count:,} queries, {args.workers} workers")
    print("| tree | batch CPU-s (each run) | best | names per CPU-s | plain / this | cold CPU-s |")
    print("|---|---|---|---|---|---|")
    plain = min(cpus["plain"])
    for label, values in cpus.items():
        best = min(values)
        print(f"| {label} | {', '.join(f'{v:.2f}' for v in values)} | {best:.2f} | "
              f"{count / best:,.0f} | x{plain / best:.2f} | {min(colds[label]):.2f} |")  # fmt: skip
    print(f"machine at end:   {describe()}", flush=True)
    sys.exit(1 if differing else 0)


if __name__ == "__main__":
    main()
