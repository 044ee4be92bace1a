"""The whole SIPRI register under att and eu, by signature in memory on one process: CPU seconds
of the batch (evidence, engine, summaries) and the recommendation counts, as one JSON line.

    PYTHONPATH=<tree>/src .venv/bin/python benchmarks/monitoring_cpu.py [--rounds 3]
        [--counterfactual] [--from-year 2015]

``--counterfactual`` also times the counterfactual audit in memory (att, 20 alternatives over
every assessable transfer, one process) and prints a digest of its output (every count and
every row of changes), which must be the same for two versions of the code.
``--from-year`` keeps deliveries from that year on (a quick run for CI).

Run by ``benchmarks/monitoring.py --baseline <tree>`` once with this tree's code and once with
another checkout's (e.g. ``git archive 15e8ba3 | tar -x -C /tmp/monbase``), in turns, so that
both are timed on the same inputs under the same load. It imports only what every version of
openatt since November 2026 has (``read_sipri``, ``load_indicators``, ``assess_transfers``,
``counterfactual``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from collections import Counter
from pathlib import Path

from openatt.core.engine import Engine
from openatt.evidence.providers import load_indicators
from openatt.monitoring.audit import counterfactual
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
    parser.add_argument("--counterfactual", action="store_true", help="also the counterfactual")
    parser.add_argument("--alternatives", type=int, default=20)
    parser.add_argument("--from-year", type=int, default=0, help="deliveries from this year on")
    args = parser.parse_args()
    everything, _ = read_sipri(args.data / REGISTER.relative_to(DATA))
    transfers = [t for t in everything if t.delivery_year >= args.from_year]
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
    extra: dict[str, object] = {}
    if args.counterfactual:
        cf_rounds: list[float] = []
        for _ in range(args.rounds):
            start = time.process_time()
            cf = counterfactual(
                transfers,
                ("att",),
                tables,
                engine=engine,
                alternatives=args.alternatives,
                population=everything,
            )
            cf_rounds.append(time.process_time() - start)
        output = (
            cf.rows,
            cf.transfers,
            cf.same_profile,
            cf.same_profile_identical,
            cf.other_profile,
            cf.other_profile_changed,
            sorted(cf.changed_criteria.items()),
            cf.signatures_assessed,
        )
        extra = {
            "counterfactual_cpu_s": min(cf_rounds),
            "counterfactual_rounds": cf_rounds,
            "counterfactual_digest": hashlib.sha256(repr(output).encode()).hexdigest()[:16],
            "counterfactual_reassessments": cf.same_profile + cf.other_profile,
        }
    line = {
        **extra,
        "cpu_s": min(rounds),
        "rounds": rounds,
        "engine_load_cpu_s": load,
        "signatures": len(set(result.transfer_signature.values())),
        "counts": found,
    }
    print(json.dumps(line))


if __name__ == "__main__":
    main()
