"""``POST /assess`` on PostgreSQL in one process: the server's CPU and PostgreSQL's per
pre-check, with concurrent clients (issue 16, target 2).

``register_load.py`` measures the deployed server (uvicorn, 50 clients, 2 workers); its CPU
column counts the server's processes only, yet each pre-check also costs PostgreSQL's backend
(the token check) on the same 2 cores, and on a shared machine its rates move by a quarter
from run to run. This drives the app's ASGI callable directly in one process, as one of the
two workers would see its share of the clients: ``--concurrency`` requests in flight at once
(each a different application, ``assess_bodies.py``), and prints per round

* the process's CPU per request (every thread: the event loop and the thread pool),
* the CPU of the PostgreSQL backends connected to the benchmark's database, per request
  (read from ``/proc`` for the backends ``pg_stat_activity`` lists; those of other
  databases, other engineers' included, are not counted),
* the rate and the p50 / p99 latency inside the process (no HTTP).

With ``--compare-src`` the earlier code and this code run in turns, round after round, on the
same database, each round in a fresh child process, so that both see the same neighbours.

Run (an empty PostgreSQL database; it is filled with the demo register and ``--cases``):

    python benchmarks/assess_pg.py --database postgresql://…/empty_db [--concurrency 25]
        [--requests 2000] [--rounds 3] [--compare-src OTHER_CHECKOUT/src]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from api_cpu import call
from assess_bodies import assess_bodies
from machine import printed
from register_load import PASSWORD, prepare

TICK = os.sysconf("SC_CLK_TCK")


def _libpq(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]


def backend_cpu(conninfo: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend on the database (but the asking one)."""
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as connection:
        pids = connection.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    found = {}
    for (pid,) in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / TICK
    return found


async def measure(url: str, requests: int, concurrency: int) -> dict[str, float]:
    from openatt.api import create_app

    app = create_app(url, freeze_heap=True)  # as a server process (serve_app)
    async with app.router.lifespan_context(app):
        login = json.dumps({"username": "bench", "password": PASSWORD}).encode()
        _, body = await call(app, "POST", "/auth/token", login, "")
        token = json.loads(body)["access_token"]
        _, body = await call(app, "GET", "/applications?limit=200", b"", token)
        applications = []
        for item in json.loads(body)["items"]:
            _, one = await call(app, "GET", f"/applications/{item['id']}", b"", token)
            applications.append(json.loads(one)["application"])
        bodies = assess_bodies(applications, requests + 4 * concurrency)
        queue = iter(bodies)
        latencies: list[float] = []

        async def client(count: int) -> None:
            for _ in range(count):
                began = time.perf_counter()
                status, answer = await call(app, "POST", "/assess", next(queue), token)
                if status != 200:
                    raise SystemExit(f"HTTP {status}: {answer[:200]!r}")
                latencies.append(time.perf_counter() - began)

        await asyncio.gather(*(client(4) for _ in range(concurrency)))  # warm every path
        latencies.clear()
        conninfo = _libpq(url)
        backends_before = backend_cpu(conninfo)
        cpu_before = time.process_time()
        began = time.perf_counter()
        share, extra = divmod(requests, concurrency)
        await asyncio.gather(*(client(share + (i < extra)) for i in range(concurrency)))
        wall = time.perf_counter() - began
        cpu = time.process_time() - cpu_before
        backends_after = backend_cpu(conninfo)
    db_cpu = sum(after - backends_before.get(pid, 0.0) for pid, after in backends_after.items())
    latencies.sort()
    return {
        "rate": len(latencies) / wall,
        "cpu_ms": 1000 * cpu / len(latencies),
        "db_ms": 1000 * db_cpu / len(latencies),
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
    }


def run_version(src: str | None, args: argparse.Namespace) -> dict[str, float]:
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src
    command = [sys.executable, __file__, "--child", "--database", args.database]
    command += ["--requests", str(args.requests), "--concurrency", str(args.concurrency)]
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="an empty PostgreSQL database URL")
    parser.add_argument("--cases", type=int, default=30, help="assessed cases to add")
    parser.add_argument("--requests", type=int, default=2000, help="per round")
    parser.add_argument("--concurrency", type=int, default=25, help="requests in flight")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--compare-src", help="an earlier checkout's src, run in turns")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        found = asyncio.run(measure(args.database, args.requests, args.concurrency))
        print(json.dumps(found))
        return
    title = (
        f"POST /assess on PostgreSQL in process: {args.requests} requests x {args.rounds}"
        f" rounds, {args.concurrency} in flight"
    )
    with printed(title), tempfile.TemporaryDirectory() as folder:
        os.environ["OPENATT_HOME"] = folder
        prepare(args.database, args.cases)
        print(f"database postgresql; {args.cases} assessed cases over the demo register")
        versions: list[tuple[str, str | None]] = [("this code", None)]
        if args.compare_src:
            versions.insert(0, ("before", args.compare_src))
        results: dict[str, list[dict[str, float]]] = {label: [] for label, _ in versions}
        header = f"{'version':10} {'round':>5} {'req/s':>7} {'CPU ms':>7} {'PG ms':>6}"
        print(header + f" {'p50 ms':>7} {'p99 ms':>7} {'load':>5}", flush=True)
        for round_ in range(1, args.rounds + 1):
            for label, src in versions:
                found = run_version(src, args)
                results[label].append(found)
                print(
                    f"{label:10} {round_:>5} {found['rate']:7.1f} {found['cpu_ms']:7.3f}"
                    f" {found['db_ms']:6.3f} {found['p50_ms']:7.1f} {found['p99_ms']:7.1f}"
                    f" {os.getloadavg()[0]:5.2f}",
                    flush=True,
                )
        if len(versions) == 2:
            print("median of the rounds, before / this code (same run, in turns):")
            for key, name in (("cpu_ms", "process CPU"), ("db_ms", "PostgreSQL CPU")):
                before = statistics.median(r[key] for r in results["before"])
                after = statistics.median(r[key] for r in results["this code"])
                print(
                    f"  {name} per request: {before:.3f} -> {after:.3f} ms (x{before / after:.2f})"
                )
            for key, name in (("rate", "rate"), ("p99_ms", "p99")):
                before = statistics.median(r[key] for r in results["before"])
                after = statistics.median(r[key] for r in results["this code"])
                print(f"  {name}: {before:.1f} -> {after:.1f}")


if __name__ == "__main__":
    main()
