"""The whole SIPRI register under att and eu, by signature in memory on one process: CPU seconds
of the batch (evidence, engine, summaries) and the recommendation counts, as one JSON line.

    PYTHONPATH=<tree>/src .venv/bin/python benchmarks/monitoring_cpu.py [--rounds 3]

Run by ``benchmarks/monitoring.py --baseline <tree>`` once with this tree's code and once with
another checkout's (e.g. ``git archive 15e8ba3 | tar -x -C /tmp/monbase``), in turns, so that
both are timed on the same inputs under the same load. It imports only what every version of
openatt since November 2026 has (``read_sipri``, ``load_indicators``, ``assess_transfers``).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

from openatt.core.engine import Engine
from openatt.evidence.providers import load_indicators
from openatt.monitoring.batch import assess_transfers
from openatt.monitoring.sipri import read_sipri

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
REGISTER = (
    DATA
    / "transfers"
    / "sipri_trade_register_1950_2024"
    / "trade-register_generated-2025-03-13.csv"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rounds", type=int, default=1, help="report the least CPU of N rounds")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    transfers, _ = read_sipri(args.data / REGISTER.relative_to(DATA))
    tables = load_indicators(args.data / "indicators")
    start = time.process_time()
    engine = Engine.default()
    load = time.process_time() - start
    rounds: list[float] = []
    found: dict[str, dict[str, int]] = {}
    for _ in range(args.rounds):
        start = time.process_time()
        result = assess_transfers(transfers, ("att", "eu"), tables, engine=engine)
        rounds.append(time.process_time() - start)
        counted: dict[str, Counter[str]] = {}
        for sig in result.transfer_signature.values():
            for row in result.summaries[sig]:
                counted.setdefault(row.regime, Counter())[row.recommendation] += 1
        found = {r: dict(sorted(c.items())) for r, c in sorted(counted.items())}
    line = {
        "cpu_s": min(rounds),
        "rounds": rounds,
        "engine_load_cpu_s": load,
        "signatures": len(set(result.transfer_signature.values())),
        "counts": found,
    }
    print(json.dumps(line))


if __name__ == "__main__":
    main()
