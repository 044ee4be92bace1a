"""CPU milliseconds per write below the API (issue 16): a reassessment and a create through the
register's services, as the API's handlers call them, on SQLite or PostgreSQL.

``api_cpu.py`` drives the whole app in one process; this leaves the framework out, so what is
measured is the write path itself (the engine run ahead, the write transaction, the audit
events, the commit), on PostgreSQL too. Each code version runs in its own fresh process, the
versions in turns (``--turns``), over the same register, and each prints its best round.

Run:

    python benchmarks/write_cpu.py [--cases 20] [--writes 60] [--turns 2]
        [--database postgresql://…]            # an empty database; default: SQLite
        [--compare-src OTHER_CHECKOUT/src]     # the earlier code, in turns with this one
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine import printed
from register_load import prepare

WRITES = ("reassess", "create")


def measure(url: str, writes: int, rounds: int = 3) -> dict[str, float]:
    """The best of ``rounds`` rounds of ``writes`` of each kind, in CPU ms per write."""
    from sqlalchemy import select

    from openatt.register import applications, assessing, engine_ahead, users
    from openatt.register.assessor import default_assessor
    from openatt.register.db import Database
    from openatt.register.models import ApplicationRow, User

    db = Database(url)
    engine = default_assessor()
    with db.read() as session:
        query = select(ApplicationRow.id).where(ApplicationRow.state == "assessed")
        ids = list(session.execute(query.order_by(ApplicationRow.id)).scalars())[:20]
        bench = session.execute(select(User).where(User.username == "bench")).scalar_one()
        actor = users.actor_of(bench)
        template = applications.payload_of(session.get(ApplicationRow, ids[0]))
    regimes = ["att", "eu", "us", "uk"]

    def reassess(i: int) -> None:  # as api/routers/applications.reassess does it
        case = ids[i % len(ids)]
        with db.read() as session:
            ahead = engine_ahead.prepare(session, actor, case, engine, regimes=regimes)
        with db.write() as session:
            assessing.reassess(
                session, actor, case, engine, reason="new information", regimes=regimes,
                prepared=ahead,
            )  # fmt: skip

    def create(_i: int) -> None:
        with db.write() as session:
            applications.create(session, actor, template)

    found = {}
    for name, write in (("reassess", reassess), ("create", create)):
        for i in range(5):  # warm the caches
            write(i)
        best = float("inf")
        for _ in range(rounds):
            began = time.process_time()
            for i in range(writes):
                write(i)
            best = min(best, 1000 * (time.process_time() - began) / writes)
        found[name] = best
    db.dispose()
    return found


def run_version(src: str | None, url: str, writes: int) -> dict[str, float]:
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src
    command = [sys.executable, __file__, "--child", url, "--writes", str(writes)]
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
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
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.writes)))
        return
    title = f"CPU per write, services without HTTP: best of 3 rounds of {args.writes}"
    with printed(title), tempfile.TemporaryDirectory() as folder:
        os.environ["OPENATT_HOME"] = folder
        pristine = Path(folder) / "pristine.sqlite"
        url = args.database or f"sqlite:///{pristine}"
        prepare(url, args.cases)
        backend = "postgresql" if args.database else "sqlite"
        print(f"database {backend}; {args.cases} assessed cases over the demo register")
        versions: list[tuple[str, str | None]] = [("this code", None)]
        if args.compare_src:
            versions.insert(0, ("before", args.compare_src))
        results: dict[str, list[dict[str, float]]] = {label: [] for label, _ in versions}
        for turn in range(args.turns):
            for label, src in versions:
                target = url
                if not args.database:  # each version and turn from the same register
                    copy = Path(folder) / f"{label.replace(' ', '_')}-{turn}.sqlite"
                    shutil.copy(pristine, copy)
                    target = f"sqlite:///{copy}"
                results[label].append(run_version(src, target, args.writes))
        print(f"{'write':10} " + " ".join(f"{label + ' ms':>24}" for label, _ in versions))
        for name in WRITES:
            cells = []
            for label, _ in versions:
                turns = [r[name] for r in results[label]]
                cells.append(f"{min(turns):6.2f} ({' '.join(f'{t:.2f}' for t in turns)})")
            ratio = ""
            if len(versions) == 2:
                before = min(r[name] for r in results["before"])
                ratio = f"  x{before / min(r[name] for r in results['this code']):.2f}"
            print(f"{name:10} " + " ".join(f"{cell:>24}" for cell in cells) + ratio)


if __name__ == "__main__":
    main()
