"""How many writes a second the hash chain itself admits on PostgreSQL, this code against an
earlier checkout, in turns on the same database (issue 16, eighth round of writes).

Every write extends the one chain, so writers pass its head one at a time; what a write does
while it holds the head sets a ceiling on all writes, whatever the cores. ``register_load.py``
measures whole requests, whose engine and framework fill the two cores long before that
ceiling shows. Here each write is as small as a write can be (one row changed, one event),
from ``--processes`` processes of ``--threads`` threads each (as the server's workers run
their writers), for ``--seconds``; each version runs ``--turns`` times, alternating which
goes first. Printed per run: writes a second, p50 and p99 of a write's wall time, the CPU
of the writing processes per write; then this code's rate against the earlier code's
(geometric mean of the turns), and the chain verified at the end.

    python benchmarks/chain_writes.py --database postgresql://…/an_empty_database \\
        --compare-src OTHER_CHECKOUT/src [--processes 2] [--threads 4] [--seconds 8] [--turns 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine import printed


def child(url: str, first_user: int, threads: int, start_at: float, seconds: float) -> None:
    """One writing process (run with the code under test on ``PYTHONPATH``): ``threads``
    threads, each changing its own user row and recording one event per write."""
    import datetime as dt

    from openatt.register import audit
    from openatt.register.db import Database
    from openatt.register.models import User

    db = Database(url, migrate=False)
    latencies: list[list[float]] = [[] for _ in range(threads)]

    def write(number: int) -> None:
        user_id = first_user + number
        while time.time() < start_at:
            time.sleep(0.001)
        end = start_at + seconds
        turn = 0
        while time.time() < end:
            began = time.perf_counter()
            with db.write() as session:
                user = session.get(User, user_id)
                assert user is not None
                user.company = f"turn {turn} at {dt.datetime.now(dt.UTC).isoformat()}"
                audit.record(session, actor="bench", action="user.update", row=user)
            latencies[number].append(time.perf_counter() - began)
            turn += 1

    workers = [threading.Thread(target=write, args=(n,)) for n in range(threads)]
    cpu = time.process_time()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    times = [t for each in latencies for t in each]
    print(json.dumps({"latencies": times, "cpu_s": time.process_time() - cpu}))
    db.dispose()


def prepare(url: str, users: int) -> int:
    """``users`` users with their events, written by this checkout; the first one's id."""
    import datetime as dt

    from openatt.register import audit
    from openatt.register.db import Database
    from openatt.register.models import User

    db = Database(url)
    stamp = time.time_ns()
    with db.write() as session:
        ids = []
        for number in range(users):
            user = User(
                username=f"chain-bench-{stamp}-{number}",
                password_hash="not a password",
                role="officer",
                company=None,
                active=True,
                created_at=dt.datetime.now(dt.UTC),
            )
            session.add(user)
            session.flush()
            audit.record(session, actor="bench", action="user.create", row=user)
            ids.append(user.id)
    db.dispose()
    if ids != list(range(ids[0], ids[0] + users)):
        raise SystemExit("the users' ids are not consecutive: use an empty database")
    return ids[0]


def run(url: str, src: str, args: argparse.Namespace, first_user: int) -> dict[str, float]:
    """One run of the code in ``src``: its processes started together, their results summed."""
    start_at = time.time() + 3.0  # every process imported and connected before the start
    env = {**os.environ, "PYTHONPATH": src}
    processes = []
    for number in range(args.processes):
        command = [
            sys.executable,
            __file__,
            "--child",
            url,
            str(first_user + number * args.threads),
            str(args.threads),
            repr(start_at),
            str(args.seconds),
        ]
        processes.append(subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True))
    latencies: list[float] = []
    cpu = 0.0
    for process in processes:
        out, _ = process.communicate()
        if process.returncode != 0:
            raise SystemExit(f"a writing process failed ({process.returncode})")
        found = json.loads(out.strip().splitlines()[-1])
        latencies += found["latencies"]
        cpu += found["cpu_s"]
    latencies.sort()
    return {
        "writes_per_s": len(latencies) / args.seconds,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
        "cpu_ms_per_write": 1000 * cpu / len(latencies),
    }


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        url, first, threads, start_at, seconds = sys.argv[2:7]
        child(url, int(first), int(threads), float(start_at), float(seconds))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="an empty PostgreSQL database URL")
    parser.add_argument("--compare-src", required=True, help="an earlier checkout's src")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--turns", type=int, default=3)
    args = parser.parse_args()
    if not args.database.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        parser.error(f"--database: a PostgreSQL URL is needed, not {args.database!r}")
    if not (Path(args.compare_src) / "openatt").is_dir():
        parser.error(f"--compare-src: {args.compare_src} holds no openatt package")
    if min(args.processes, args.threads, args.turns) < 1 or args.seconds <= 0:
        parser.error("--processes, --threads, --turns and --seconds: positive")
    here = str(Path(__file__).resolve().parent.parent / "src")
    title = f"chain writes: {args.processes} processes x {args.threads} threads"
    with printed(title):
        from openatt.register import audit
        from openatt.register.db import Database

        first_user = prepare(args.database, args.processes * args.threads)
        versions = [("before", args.compare_src), ("this", here)]
        rates: dict[str, list[float]] = {"before": [], "this": []}
        print(f"{'run':12} {'writes/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'CPU ms/write':>13}")
        for turn in range(args.turns):
            for version, src in versions if turn % 2 == 0 else versions[::-1]:
                found = run(args.database, src, args, first_user)
                rates[version].append(found["writes_per_s"])
                print(
                    f"{version + ' ' + str(turn + 1):12} {found['writes_per_s']:>9.1f} "
                    f"{found['p50_ms']:>7.2f} {found['p99_ms']:>7.2f} "
                    f"{found['cpu_ms_per_write']:>13.3f}",
                    flush=True,
                )
        ratios = [a / b for a, b in zip(rates["this"], rates["before"], strict=True)]
        print(
            f"this / before, writes a second: x{statistics.geometric_mean(ratios):.2f} "
            f"(geometric mean of {len(ratios)} turns: {' '.join(f'x{r:.2f}' for r in ratios)})"
        )
        db = Database(args.database, migrate=False)
        with db.read() as session:
            checked = audit.verify(session)
        db.dispose()
        print(f"chain verified: {checked.events} events, intact: {checked.intact}")
        if not checked.intact:
            raise SystemExit(f"the chain is broken: {checked.broken}")


if __name__ == "__main__":
    main()
