"""The screening modules compiled with mypyc: same output, how many fewer CPU-seconds?

An experiment, not a way to build openatt: the package is installed as plain Python. This
script copies this tree's ``src`` into a temporary folder, makes the few edits mypyc needs
there (listed in ``EDITS``; none changes a result), compiles the named screening modules
with mypyc (the one in the dev tools; it needs a C compiler) and runs
`openatt screen --file QUERIES --format json --workers 2` with the plain tree and the
compiled copy in turns, on a list store and queries CSV that
`benchmarks/screening_same_hits.py --keep FOLDER` leaves behind (``FOLDER/home-0``,
``FOLDER/queries.csv``). It prints each run's CPU-seconds (the process and its workers),
whether each output is byte for byte the plain tree's, the best cold `openatt screen NAME`
of each, and the CPU-seconds the compilation took (what an install that compiles would add).

    .venv/bin/python benchmarks/screening_mypyc.py --home /tmp/same/home-0 \\
        --file /tmp/same/queries.csv --rounds 2

Exit status 1 when an output differs. A script, not a test; the machine is printed beside
the figures.
"""

from __future__ import annotations

import argparse
import csv
import os
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

# The modules with most of a query's Python: scoring, token rules, romanisation, the matcher's
# loop (four), then the index, the JSON writer and the script check (seven).
MODULES = {
    "four": ("scoring", "normalise", "romanise", "matcher"),
    "seven": ("scoring", "normalise", "romanise", "matcher", "index", "batch_json", "scripts"),
}

_IMPORT = "from __future__ import annotations\n\nfrom mypy_extensions import mypyc_attr\n"


def _native(text: str) -> tuple[str, str]:
    """The edit that keeps the class starting with ``text`` a Python class."""
    return text, "@mypyc_attr(native_class=False)\n" + text


# (module, text, replacement). mypyc checks annotations at run time and compiles classes to
# native ones: the YAML rules are a dict of dicts, not of lists; `sum` of floats needs a
# float start (0.0 + x is x, as 0 + x is); and classes that are pickled (queries and hits
# go to and from the workers, the build's chunks come back from its processes) stay
# Python classes, since a frozen dataclass compiled natively cannot be unpickled.
EDITS: tuple[tuple[str, str, str], ...] = (
    ("normalise", "def _rules() -> dict[str, list[object]]:", "def _rules() -> dict[str, Any]:"),
    ("normalise", "loaded: dict[str, list[object]] =", "loaded: dict[str, Any] ="),
    ("normalise", "import functools\n", "import functools\nfrom typing import Any\n"),
    ("scoring", "for j in used_c])", "for j in used_c], 0.0)"),
    ("scoring", "if i not in used_q]\n", "if i not in used_q], 0.0\n"),
    ("scoring", "for j, w in enumerate(c_weights)]\n", "for j, w in enumerate(c_weights)], 0.0\n"),
    ("scoring", "from __future__ import annotations\n", _IMPORT),
    ("scoring", *_native("@dataclass(frozen=True, slots=True)\nclass Query")),
    ("scoring", *_native("@dataclass(slots=True)\nclass NameMatch")),
    ("matcher", "from __future__ import annotations\n", _IMPORT),
    ("matcher", *_native("@dataclass(slots=True)\nclass Hit")),
    ("matcher", *_native("class _JsonLines")),
    ("index", "from __future__ import annotations\n", _IMPORT),
    ("index", *_native("@dataclass(slots=True)\nclass _Chunk")),
)  # fmt: skip

MYPY_INI = """[mypy]
python_version = 3.11
strict = True
warn_unused_ignores = False
plugins = pydantic.mypy
mypy_path = src
[mypy-pycountry.*,weasyprint.*,iuliia.*,asn1crypto.*]
ignore_missing_imports = True
"""


def edited_copy(
    work: Path, modules: tuple[str, ...], edits: tuple[tuple[str, str, str], ...] = EDITS
) -> Path:
    """A copy of this tree's ``src`` in ``work`` with ``edits`` made to ``modules``."""
    src = work / "src"
    shutil.copytree(ROOT / "src", src, ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    package = src / "openatt" / "screening"
    for module, old, new in edits:
        if module not in modules:
            continue
        path = package / f"{module}.py"
        text = path.read_text("utf-8")
        assert text.count(old) == 1, f"{module}.py: the edit of {old!r} no longer applies"
        path.write_text(text.replace(old, new), "utf-8")
    return src


def compiled_copy(work: Path, modules: tuple[str, ...]) -> tuple[Path, float, float]:
    """(the compiled copy's ``src``, compile CPU-seconds, compile wall seconds)."""
    src = edited_copy(work, modules)
    package = src / "openatt" / "screening"
    (work / "mypy.ini").write_text(MYPY_INI, "utf-8")
    command = [sys.executable, "-m", "mypyc", "--config-file", "mypy.ini"]
    command += [f"src/openatt/screening/{module}.py" for module in modules]
    began = time.perf_counter()
    with (work / "mypyc.log").open("wb") as log:
        process = subprocess.Popen(command, cwd=work, stdout=log, stderr=subprocess.STDOUT)
        _, _, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - began
    built = next((work / "build").glob("lib.*"))
    for library in built.glob("*.so"):  # mypyc's shared runtime of the group
        shutil.copy(library, src)
    for library in (built / "openatt" / "screening").glob("*.so"):
        shutil.copy(library, package)
    assert len(list(package.glob("*.so"))) == len(modules), "mypyc did not build every module"
    return src, usage.ru_utime + usage.ru_stime, wall


def run(src: Path, home: Path, args: list[str], output: Path) -> tuple[float, float, int]:
    """(CPU-seconds of the process and its workers, wall seconds, exit code)."""
    env = {**os.environ, "OPENATT_HOME": str(home), "PYTHONPATH": str(src)}
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
    parser.add_argument("--modules", choices=sorted(MODULES), nargs="+", default=["seven"])
    args = parser.parse_args()
    print(f"machine at start: {describe()}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="openatt-mypyc-"))
    try:
        trees = {"plain": ROOT / "src"}
        for name in args.modules:
            src, cpu, wall = compiled_copy(work / name, MODULES[name])
            trees[f"mypyc {name}"] = src
            print(f"mypyc {name} ({', '.join(MODULES[name])}): compiled in {cpu:.1f} CPU-s, "
                  f"{wall:.1f} s wall", flush=True)  # fmt: skip
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
