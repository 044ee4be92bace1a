"""The engine's full path against a baseline's: the same stored output, and the CPU per assessment.

    .venv/bin/python benchmarks/engine_same.py --baseline DIR [--turns 3] [--sample 400]

``DIR`` is a checkout of earlier code (``git archive main | tar -x -C /tmp/base``). Each turn is
a fresh process per tree, with that tree's ``src`` first on the path, the trees in turns:

- **output**: the stored JSON (``register.assessor.stored_text``) of each application assessed
  under every regime: the applications of ``examples/`` and the demo cases with and without a
  new fact, each as of its own date and six others from 1995 to 2024, and ``--sample`` SIPRI
  signatures drawn at random (seed 7) with the full evidence notes (needs ../shared/data; left
  out without it). Its digest must be the same for both trees.
- **CPU**: ``Engine.assess`` under att, eu, us and uk, as the register's reassessment calls it,
  on each of those applications rebuilt from its dump 20 times (new objects, as the register
  reads them from its rows, so no cache kept on an object helps), best of 5 rounds; then the
  same with the stored JSON written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from machine import printed

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data"
REGISTER = (
    DATA
    / "transfers"
    / "sipri_trade_register_1950_2024"
    / "trade-register_generated-2025-03-13.csv"
)
DAYS = (
    None,
    dt.date(1995, 6, 1),
    dt.date(2003, 1, 1),
    dt.date(2011, 3, 1),
    dt.date(2015, 1, 1),
    dt.date(2020, 7, 1),
    dt.date(2024, 12, 31),
)


def cases() -> list[Any]:
    """The applications of ``examples/`` and the demo cases, each as it is and with a new
    fact (also what ``toast_compression.py`` stores)."""
    from openatt.core.loading import parse_applications
    from openatt.core.model import Evidence
    from openatt.register import demo

    apps = []
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        apps.extend(parse_applications(path.read_text("utf-8"), path.name))
    for case in demo.cases(dt.date(2026, 12, 1)):
        app = case.application
        fact = Evidence(
            criterion="human_rights",
            likelihood="possible",
            severity="serious",
            source="a new report",
            date=dt.date(2026, 11, 30),
        )
        apps.extend([app, app.model_copy(update={"evidence": (*app.evidence, fact)})])
    return apps


def _sipri(sample: int) -> list[Any]:
    if sample <= 0 or not REGISTER.exists():
        return []
    from openatt.evidence.providers import load_indicators
    from openatt.monitoring.applications import Signature, signature
    from openatt.monitoring.batch import EvidenceCache
    from openatt.monitoring.sipri import read_sipri

    transfers, _ = read_sipri(REGISTER)
    rows = sorted({signature(t).row() for t in transfers if t.assessable}, key=repr)
    cache = EvidenceCache(load_indicators(DATA / "indicators"), notes=True)
    return [cache.application(Signature(*row)) for row in random.Random(7).sample(rows, sample)]


def child(sample: int) -> None:
    from openatt.core.engine import Engine
    from openatt.core.model import Application
    from openatt.register.assessor import stored_text

    engine = Engine.default()
    apps = cases()
    digest = hashlib.sha256()
    outputs = 0
    for app in apps:
        for day in DAYS:
            digest.update(stored_text(engine.assess(app, engine.regimes(), day)).encode())
            outputs += 1
    for app in _sipri(sample):
        digest.update(stored_text(engine.assess(app, engine.regimes())).encode())
        outputs += 1
    regimes = ["att", "eu", "us", "uk"]
    best_engine = best_stored = float("inf")
    for _ in range(5):
        fresh = [Application.model_validate(a.model_dump()) for a in apps for _ in range(20)]
        again = [Application.model_validate(a.model_dump()) for a in apps for _ in range(20)]
        start = time.process_time()
        for app in fresh:
            engine.assess(app, regimes)
        best_engine = min(best_engine, time.process_time() - start)
        start = time.process_time()
        for app in again:
            stored_text(engine.assess(app, regimes))
        best_stored = min(best_stored, time.process_time() - start)
    line = {
        "outputs": outputs,
        "digest": digest.hexdigest()[:16],
        "engine_ms": round(best_engine * 1000 / len(fresh), 3),
        "with_stored_ms": round(best_stored * 1000 / len(fresh), 3),
    }
    print(json.dumps(line), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--baseline", type=Path, required=True)
    parser.add_argument("--turns", type=int, default=3)
    parser.add_argument("--sample", type=int, default=400)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.sample)
        return
    trees = {"baseline": args.baseline.resolve(), "this code": ROOT}
    found: dict[str, list[dict[str, Any]]] = {name: [] for name in trees}
    with printed("benchmarks/engine_same.py: " + " ".join(sys.argv[1:])):
        for _ in range(args.turns):
            for name, tree in trees.items():
                command = [sys.executable, __file__, "--baseline", str(tree), "--child"]
                out = subprocess.run(
                    [*command, "--sample", str(args.sample)],
                    env={**os.environ, "PYTHONPATH": str(tree / "src")},
                    cwd=ROOT,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                line = json.loads(out.strip().splitlines()[-1])
                found[name].append(line)
                print(f"  {name} ({tree}): {line}", flush=True)
        print("| code | turns | engine ms per application | with stored JSON | digest |")
        print("| --- | ---: | --- | --- | --- |")
        for name, lines in found.items():
            engine = sorted(float(line["engine_ms"]) for line in lines)
            stored = sorted(float(line["with_stored_ms"]) for line in lines)
            digests = ", ".join(sorted({str(line["digest"]) for line in lines}))
            print(
                f"| {name} | {len(lines)} | {engine[0]:.3f}-{engine[-1]:.3f} | "
                f"{stored[0]:.3f}-{stored[-1]:.3f} | {digests} |"
            )
        same = len({line["digest"] for lines in found.values() for line in lines}) == 1
        print("outputs identical" if same else "OUTPUTS DIFFER")


if __name__ == "__main__":
    main()
