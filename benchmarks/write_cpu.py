"""CPU milliseconds per write below the API (issue 16): reassessments, a create and a decision
through the register's services, as the API's handlers call them, on SQLite or PostgreSQL.

``api_cpu.py`` drives the whole app in one process; this leaves the framework out, so what is
measured is the write path itself (the engine run ahead, the write transaction, the audit
events, the commit), on PostgreSQL too. "reassess (new fact)" brings a new piece of evidence
each time (the engine's output is new: what a reassessment costs when no process computed
it before); "decide" decides a case reopened by a reassessment just before (untimed), in
line with the recommendation (against a "refer", which waits for a second officer).
Each code version runs in its own fresh process, the versions in turns (``--turns``), over
the same register, and each prints its best round. Every run writes on cases in the same
state: on SQLite each starts from a copy of the same register; on PostgreSQL, where the
runs share one database, each has its own block of cases, prepared alike (twelfth round: a
new fact each reassessment adds made the cases of a later run longer, and the later run
slower, whatever its code).

Run:

    python benchmarks/write_cpu.py [--cases 20] [--writes 60] [--turns 2]
        [--database postgresql://…]            # an empty database; default: SQLite
        [--compare-src OTHER_CHECKOUT/src]     # the earlier code, in turns with this one
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine import printed
from register_load import DECIDE_MARK, prepare

WRITES = ("reassess", "reassess (new fact)", "create", "decide")


def measure(
    url: str, writes: int, rounds: int = 3, cases: int = 20, block: int = 0
) -> dict[str, float]:
    """The best of ``rounds`` rounds of ``writes`` of each kind, in CPU ms per write, on the
    ``block``-th ``cases`` assessed cases (and as many to decide)."""
    from sqlalchemy import select

    from openatt.core.model import Evidence
    from openatt.register import applications, assessing, engine_ahead, users
    from openatt.register.assessor import default_assessor
    from openatt.register.db import Database
    from openatt.register.models import ApplicationRow, Outcome, User

    IN_LINE = {
        "approve": Outcome.approved,
        "approve_with_conditions": Outcome.approved_with_conditions,
        "deny": Outcome.denied,
    }
    db = Database(url)
    engine = default_assessor()
    with db.read() as session:
        query = select(ApplicationRow.id).where(ApplicationRow.state == "assessed")
        mine = query.where(ApplicationRow.end_user == DECIDE_MARK).order_by(ApplicationRow.id)
        decidable = list(session.execute(mine).scalars())[block * cases : (block + 1) * cases]
        others = query.where(ApplicationRow.end_user != DECIDE_MARK).order_by(ApplicationRow.id)
        # the cases the benchmark added, newest last: the block counts back from the end
        added = list(session.execute(others).scalars())
        ids = added[len(added) - (block + 1) * cases : len(added) - block * cases]
        if len(ids) < cases or len(decidable) < cases:
            raise SystemExit(f"block {block}: too few cases ({len(ids)}, {len(decidable)})")
        bench = session.execute(select(User).where(User.username == "bench")).scalar_one()
        actor = users.actor_of(bench)
        template = applications.payload_of(session.get(ApplicationRow, ids[0]))
    regimes = ["att", "eu", "us", "uk"]

    # as api/routers/applications.reassess does it: the engine ahead of the write where the
    # code asks for it (SQLite since the fifth round; everywhere before it)
    before_the_write = getattr(engine_ahead, "before_the_write", lambda _db: True)(db)

    def reassess(i: int) -> None:
        case = ids[i % len(ids)]
        ahead = None
        if before_the_write:
            with db.read() as session:
                ahead = engine_ahead.prepare(session, actor, case, engine, regimes=regimes)
        with db.write() as session:
            assessing.reassess(
                session, actor, case, engine, reason="new information", regimes=regimes,
                prepared=ahead,
            )  # fmt: skip

    def new_fact(i: int) -> None:
        case = ids[i % len(ids)]
        report = Evidence(
            criterion="human_rights",
            likelihood="possible",
            severity="serious",
            source=f"benchmark report {run}-{i}",
            date=dt.date.today(),
        )
        ahead = None
        if before_the_write:
            with db.read() as session:
                ahead = engine_ahead.prepare(
                    session, actor, case, engine, regimes=regimes, evidence=[report]
                )
        with db.write() as session:
            assessing.reassess(
                session, actor, case, engine, reason="a new report", regimes=regimes,
                evidence=[report], prepared=ahead,
            )  # fmt: skip

    def create(_i: int) -> float:
        began = time.process_time()
        with db.write() as session:
            applications.create(session, actor, template)
        return time.process_time() - began

    def decide(i: int) -> float:  # the reopening reassessment is not counted
        case = decidable[i % len(decidable)]
        with db.write() as session:
            recommendation = assessing.reassess(
                session, actor, case, engine, reason="reopen to decide", regimes=regimes
            ).recommendation
        outcome = IN_LINE.get(recommendation, Outcome.approved)
        conditions = ["delivery verification"] if outcome.value.endswith("conditions") else []
        began = time.process_time()
        with db.write() as session:
            assessing.decide(
                session, actor, case, outcome=outcome, reasons="benchmark", conditions=conditions
            )
        return time.process_time() - began

    def timed(write: Any) -> Any:
        def run(i: int) -> float:
            began = time.process_time()
            write(i)
            return time.process_time() - began

        return run

    run = time.time_ns()
    kinds = (
        ("reassess", timed(reassess)),
        ("reassess (new fact)", timed(new_fact)),
        ("create", create),
        ("decide", decide),
    )
    found = {}
    for name, write in kinds:
        for i in range(5):  # warm the caches
            write(i)
        best = float("inf")
        for _ in range(rounds):
            spent = sum(write(i) for i in range(writes))
            best = min(best, 1000 * spent / writes)
        found[name] = best
    with db.write() as session:  # leave the cases assessed for the next version
        for case in decidable:
            assessing.reassess(session, actor, case, engine, reason="reopen", regimes=regimes)
    db.dispose()
    return found


def run_version(src: str | None, url: str, writes: int, cases: int, block: int) -> dict[str, float]:
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src
    command = [sys.executable, __file__, "--child", url, "--writes", str(writes)]
    command += ["--cases", str(cases), "--block", str(block)]
    done = subprocess.run(command, env=env, check=False, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{src or 'this code'} failed:\n{done.stderr[-3000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20, help="assessed cases to add")
    parser.add_argument("--writes", type=int, default=60, help="per round and kind")
    parser.add_argument("--turns", type=int, default=2)
    parser.add_argument("--database", help="an empty PostgreSQL database (default: SQLite)")
    parser.add_argument("--compare-src", help="an earlier checkout's src, run in turns")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--block", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.writes, cases=args.cases, block=args.block)))
        return
    title = f"CPU per write, services without HTTP: best of 3 rounds of {args.writes}"
    with printed(title), tempfile.TemporaryDirectory() as folder:
        os.environ["OPENATT_HOME"] = folder
        pristine = Path(folder) / "pristine.sqlite"
        url = args.database or f"sqlite:///{pristine}"
        versions: list[tuple[str, str | None]] = [("this code", None)]
        if args.compare_src:
            versions.insert(0, ("before", args.compare_src))
        # PostgreSQL: a block of cases for each run (SQLite: each run copies the register)
        blocks = len(versions) * args.turns if args.database else 1
        prepare(url, args.cases * blocks, args.cases * blocks)
        backend = "postgresql" if args.database else "sqlite"
        print(
            f"database {backend}; {args.cases} assessed cases over the demo register "
            f"for each run ({blocks} blocks)"
        )
        run = 0
        results: dict[str, list[dict[str, float]]] = {label: [] for label, _ in versions}
        for turn in range(args.turns):
            for label, src in versions:
                target = url
                if not args.database:  # each version and turn from the same register
                    copy = Path(folder) / f"{label.replace(' ', '_')}-{turn}.sqlite"
                    shutil.copy(pristine, copy)
                    target = f"sqlite:///{copy}"
                block = run if args.database else 0
                results[label].append(run_version(src, target, args.writes, args.cases, block))
                run += 1
        print(f"{'write':20} " + " ".join(f"{label + ' ms':>24}" for label, _ in versions))
        for name in WRITES:
            cells = []
            for label, _ in versions:
                turns = [r[name] for r in results[label]]
                cells.append(f"{min(turns):6.2f} ({' '.join(f'{t:.2f}' for t in turns)})")
            ratio = ""
            if len(versions) == 2:
                before = min(r[name] for r in results["before"])
                ratio = f"  x{before / min(r[name] for r in results['this code']):.2f}"
            print(f"{name:20} " + " ".join(f"{cell:>24}" for cell in cells) + ratio)


if __name__ == "__main__":
    main()
