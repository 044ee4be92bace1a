"""Back-test: each evidence mapping version against what states actually decided (issue 18).

    .venv/bin/python benchmarks/backtest.py [--workers 2] [--mappings v1,v2] [--top 12]

Reads ../shared/data (the SIPRI trade register and the bundled indicators; never a copy),
imports them into a throwaway monitoring store, assesses the whole register under att and eu
with each mapping version in turn (same transfers, same indicators, same run) and prints, per
version (see openatt.monitoring.backtest and docs/risk-model.md):

  (a) deny among EU members' deliveries to allies, 2009-2024     target <= 2% under eu and att
  (b) acts recognising a serious risk: share not clear            target >= 90%
  (c) recognised self-defence: deliveries denied on peace criteria target 0
  (d) deny rates by supplier and recipient, before and after

Not part of the test suite: the figures are measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from openatt.core.engine import Engine
from openatt.evidence.mapping import load_mapping
from openatt.evidence.practice import load_practice
from openatt.monitoring import service, store
from openatt.monitoring.backtest import Backtest, Share, backtest

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
REGISTER = (
    DATA
    / "transfers"
    / "sipri_trade_register_1950_2024"
    / "trade-register_generated-2025-03-13.csv"
)
REGIMES = ("att", "eu")
TARGETS = {"allies": 0.02, "acts": 0.90}


def machine() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}, load {load}"


def verdict(ok: bool) -> str:
    return "meets target" if ok else "MISSES target"


def print_version(result: Backtest, seconds: float) -> None:
    print(f"\n## {result.mapping} (assessed in {seconds:.1f} s)")
    for regime in result.regimes:
        allies = result.allies[regime]
        print(
            f"(a) {regime}: deny among EU deliveries to allies 2009-2024: {allies}  "
            f"[{verdict(allies.share <= TARGETS['allies'])}]"
        )
    for regime in result.regimes:
        every = result.acts_share(regime)
        independent = result.acts_share(regime, independent=True)
        print(
            f"(b) {regime}: act's criterion not clear: {every} "
            f"[{verdict(every.share >= TARGETS['acts'])}]; acts the mapping does not read "
            f"as evidence: {independent} [{verdict(independent.share >= TARGETS['acts'])}]"
        )
    for regime in result.regimes:
        print(
            f"(c) {regime}: recognised self-defence, denied on peace criteria: "
            f"{result.defence[regime]} [{verdict(result.defence[regime].hits == 0)}]; "
            f"denied on any criterion: {result.defence_deny[regime]}"
        )
    print("\n| act | regime | deliveries checked | criterion not clear |")
    print("|---|---|---|---|")
    for act in result.acts:
        flag = " (also evidence)" if act.act.also_evidence else ""
        print(f"| {act.act.id}{flag} | {act.regime} | {act.flagged.total} | {act.flagged} |")


def print_rates(results: list[Backtest], top: int) -> None:
    for what in ("by_supplier", "by_recipient"):
        for regime in results[0].regimes:
            base: dict[str, Share] = getattr(results[0], what)[regime]
            biggest = sorted(base, key=lambda k: -base[k].total)[:top]
            names = " | ".join(r.mapping for r in results)
            print(f"\n(d) deny rate {what.replace('_', ' ')} under {regime} (largest {top})")
            print(f"| state | deliveries | {names} |")
            print("|---|---|" + "---|" * len(results))
            for state in biggest:
                cells = " | ".join(f"{getattr(r, what)[regime][state].share:.1%}" for r in results)
                print(f"| {state} | {base[state].total} | {cells} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--mappings", default="v1,v2")
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    if not REGISTER.exists():
        sys.exit(f"missing {REGISTER}: the back-test needs ../shared/data beside the checkout")
    print(f"# Back-test of the evidence mappings ({time.strftime('%Y-%m-%d')})")
    print(f"machine at start: {machine()}")
    engine = Engine.default()
    practice = load_practice()
    results: list[Backtest] = []
    with tempfile.TemporaryDirectory(prefix="openatt-backtest-") as folder:
        db = Path(folder) / "monitoring.duckdb"
        service.import_transfers(REGISTER, db=db)
        service.import_indicators(DATA / "indicators", db=db)
        for name in args.mappings.split(","):
            mapping = load_mapping(name.strip()).id
            started = time.perf_counter()
            service.assess(list(REGIMES), db=db, workers=args.workers, mapping=mapping)
            seconds = time.perf_counter() - started
            with store.connect(db) as con:
                result = backtest(con, engine.reference, practice, mapping)
            results.append(result)
            print_version(result, seconds)
    print_rates(results, args.top)
    print(f"\nmachine at end: {machine()}")


if __name__ == "__main__":
    main()
