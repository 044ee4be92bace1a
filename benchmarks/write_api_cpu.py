"""CPU milliseconds per write request through the whole app, in one process, on PostgreSQL
or SQLite (issue 16, fifth round).

``register_load.py`` measures the server as deployed (uvicorn, 50 clients, the client on the
same cores); ``write_cpu.py`` the services alone. This drives the app's ASGI callable, one
request at a time, with the same requests as the load test's write phases: a reassessment
that brings nothing new (``reassess``), one that brings a new piece of evidence every time
(``reassess (new fact)``), a create, a decide on a fresh case of a pool prepared for it
(``decide``; sixth round), and the decide cycle (reassess to reopen, read the case's
version, decide; the CPU of the whole cycle). The framework, the token check and the
write are counted; HTTP parsing and the network are not. Each code version runs in a fresh
process, the versions in turns over the same register (on PostgreSQL both write to the one
database, in turn, each run on cases of its own prepared alike, so that the new facts of
one run do not lengthen the cases of the next: twelfth round), and each prints the best of
its rounds. Beside the CPU, the cyclic
garbage collector's time per request and its full collections in the same rounds (seventh
round): with ``--as-server`` the app is set up as ``openatt serve`` sets it up (its heap
frozen, and the collector's settings of that code version), as the load test's servers are.

Run:

    python benchmarks/write_api_cpu.py [--cases 20] [--requests 100] [--rounds 3] [--turns 2]
        [--database postgresql://…/an_empty_database]   # default: a temporary SQLite file
        [--compare-src OTHER_CHECKOUT/src]              # the earlier code, in turns
        [--as-server]                                   # the app as `openatt serve` sets it up
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from api_cpu import call
from machine import printed
from register_load import APPROVE, DECIDE_MARK, IN_LINE, PASSWORD, POOL_MARK, new_fact, prepare

WRITES = ("reassess", "reassess (new fact)", "create", "decide", "decide cycle")

WARM = 5  # requests of each kind before the rounds


class Collector:
    """The cyclic garbage collector's time, from its callbacks (wall time inside each
    collection, on the thread that triggered it), and its collections by generation."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.longest = 0.0  # one collection's: every request of a server's worker waits it out
        self.runs = [0, 0, 0]
        self._began = 0.0
        gc.callbacks.append(self._note)

    def _note(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
        else:
            took = time.perf_counter() - self._began
            self.seconds += took
            self.longest = max(self.longest, took)
            self.runs[info["generation"]] += 1

    def reset(self) -> None:
        self.seconds = 0.0
        self.longest = 0.0
        self.runs = [0, 0, 0]


async def measure(
    url: str,
    requests: int,
    rounds: int,
    pool: dict[int, str],
    as_server: bool = False,
    cases: int = 20,
    block: int = 0,
) -> dict[str, list[float]]:
    """Each kind of write, ``rounds`` rounds of ``requests``, in CPU ms per request; and,
    under "<kind> collector", the collector's ms per request and its full collections.
    ``as_server``: the app set up as ``openatt serve`` sets it up (its heap frozen once the
    law is loaded, and whatever that code does to the collector besides)."""
    from openatt.api import create_app

    collector = Collector()
    app = create_app(url, freeze_heap=as_server)
    async with app.router.lifespan_context(app):
        login = json.dumps({"username": "bench", "password": PASSWORD}).encode()
        _, body = await call(app, "POST", "/auth/token", login, "")
        token = json.loads(body)["access_token"]

        async def ok(method: str, target: str, payload: bytes = b"") -> Any:
            status, answer = await call(app, method, target, payload, token)
            if status >= 300:
                raise SystemExit(f"{method} {target}: HTTP {status} {answer[:300]!r}")
            return json.loads(answer)

        page = await ok("GET", "/applications?state=assessed&limit=200")
        mark = DECIDE_MARK.replace(" ", "%20")
        mine = await ok("GET", f"/applications?q={mark}&limit=200")
        # the block-th ``cases`` of each (newest first): on PostgreSQL every run has cases
        # of its own, prepared alike (a new fact makes a case longer for the next run)
        chosen = slice(block * cases, (block + 1) * cases)
        marked = {item["id"] for item in mine["items"]}
        decidable = [item["id"] for item in mine["items"]][chosen]
        every = [item["id"] for item in page["items"] if item["id"] not in pool]
        ids = [i for i in every if i not in marked][chosen]
        if len(ids) < cases or len(decidable) < cases:
            raise SystemExit(f"block {block}: too few cases ({len(ids)}, {len(decidable)})")
        sample = json.dumps((await ok("GET", f"/applications/{ids[0]}"))["application"]).encode()
        reason = json.dumps(
            {"reason": "Load test: new information received", "regimes": ["att", "eu", "us", "uk"]}
        ).encode()
        reopen = json.dumps({"reason": "Load test: reopen to decide again"}).encode()
        facts = itertools.count()
        fresh: list[tuple[int, int]] = []  # the pool's cases still assessed: (id, version)
        after = ""
        while True:
            found = await ok(
                "GET",
                f"/applications?state=assessed&limit=200&q={POOL_MARK.replace(' ', '%20')}{after}",
            )
            fresh.extend((i["id"], i["version"]) for i in found["items"] if i["id"] in pool)
            if found["next_after"] is None:
                break
            after = f"&after={found['next_after']}"
        fresh.sort()
        if len(fresh) < WARM + rounds * requests:
            raise SystemExit(f"the decide pool ran out: {len(fresh)} cases left")
        pooled = iter(fresh)

        async def reassess(i: int) -> None:
            await ok("POST", f"/applications/{ids[i % len(ids)]}/reassess", reason)

        async def with_new_fact(i: int) -> None:
            body = new_fact(next(facts) + 1_000_000 * os.getpid())
            await ok("POST", f"/applications/{ids[i % len(ids)]}/reassess", body)

        async def create(_i: int) -> None:
            await ok("POST", "/applications", sample)

        async def decide_fresh(_i: int) -> None:
            case, version = next(pooled)
            decision = {**IN_LINE.get(pool[case], APPROVE), "version": version, "reasons": "x"}
            await ok("POST", f"/applications/{case}/decide", json.dumps(decision).encode())

        async def decide(i: int) -> None:
            case = decidable[i % len(decidable)]
            assessed = await ok("POST", f"/applications/{case}/reassess", reopen)
            outcome = IN_LINE.get(assessed["recommendation"], APPROVE)
            version = (await ok("GET", f"/applications/{case}"))["version"]
            decision = {**outcome, "version": version, "reasons": "Load test"}
            await ok("POST", f"/applications/{case}/decide", json.dumps(decision).encode())

        kinds: dict[str, Callable[[int], Awaitable[None]]] = {
            "reassess": reassess,
            "reassess (new fact)": with_new_fact,
            "create": create,
            "decide": decide_fresh,
            "decide cycle": decide,
        }
        found: dict[str, list[float]] = {}
        for name, write in kinds.items():
            # warm the caches: each case once (the engine's output kept per process by its
            # inputs: a repeated reassessment is a hit after each case's first)
            for i in range(WARM if write is decide_fresh else max(WARM, len(ids), len(decidable))):
                await write(i)
            found[name] = []
            found[f"{name} collector"] = []
            found[f"{name} full collections"] = []
            found[f"{name} longest pause"] = []
            for _ in range(rounds):
                collector.reset()
                began = time.process_time()
                for i in range(requests):
                    await write(i)
                found[name].append(1000 * (time.process_time() - began) / requests)
                found[f"{name} collector"].append(1000 * collector.seconds / requests)
                found[f"{name} full collections"].append(collector.runs[2])
                found[f"{name} longest pause"].append(1000 * collector.longest)
        for case in decidable:  # leave them assessed for the next version
            await ok("POST", f"/applications/{case}/reassess", reopen)
    return found


def run_version(
    src: str | None, url: str, args: argparse.Namespace, pool_file: Path, block: int
) -> dict[str, list[float]]:
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src
    command = [sys.executable, __file__, "--child", url, "--pool-file", str(pool_file)]
    command += ["--requests", str(args.requests), "--rounds", str(args.rounds)]
    command += ["--as-server"] if args.as_server else []
    command += ["--cases", str(args.cases), "--block", str(block)]
    done = subprocess.run(command, env=env, check=False, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{src or 'this code'} failed:\n{done.stderr[-3000:]}")
    result: dict[str, list[float]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20, help="assessed cases to add")
    parser.add_argument("--requests", type=int, default=100, help="per round and kind")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--turns", type=int, default=2, help="each version's fresh processes")
    parser.add_argument("--database", help="an empty PostgreSQL database (default: SQLite)")
    parser.add_argument("--compare-src", help="an earlier checkout's src, run in turns")
    parser.add_argument(
        "--as-server",
        action="store_true",
        help="set the app up as `openatt serve` does (heap frozen, its collector settings)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--pool-file", help=argparse.SUPPRESS)
    parser.add_argument("--block", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        pool = {int(k): v for k, v in json.loads(Path(args.pool_file).read_text()).items()}
        found = asyncio.run(
            measure(
                args.child,
                args.requests,
                args.rounds,
                pool,
                args.as_server,
                cases=args.cases,
                block=args.block,
            )
        )
        print(json.dumps(found))
        return
    title = f"API CPU per write, in process: best of {args.rounds} rounds of {args.requests}"
    with printed(title), tempfile.TemporaryDirectory() as folder:
        os.environ["OPENATT_HOME"] = folder
        pristine = Path(folder) / "pristine.sqlite"
        url = args.database or f"sqlite:///{pristine}"
        # the decide pool: each run decides its own fresh cases (on PostgreSQL the runs
        # share the register: a pool for every run; on SQLite each starts from a copy)
        runs = args.turns * (2 if args.compare_src else 1) if args.database else 1
        pool = prepare(
            url, args.cases * runs, args.cases * runs, (WARM + args.rounds * args.requests) * runs
        )
        pool_file = Path(folder) / "pool.json"
        pool_file.write_text(json.dumps(pool))
        backend = "postgresql" if args.database else "sqlite"
        setup = "as `openatt serve` sets it up" if args.as_server else "as the tests set it up"
        print(
            f"database {backend}; {args.cases} + {args.cases} assessed cases over the demo; app {setup}"
        )
        versions: list[tuple[str, str | None]] = [("this code", None)]
        if args.compare_src:
            versions.insert(0, ("before", args.compare_src))
        results: dict[str, list[dict[str, list[float]]]] = {label: [] for label, _ in versions}
        run = 0
        for turn in range(args.turns):
            for label, src in versions:
                target = url
                if not args.database:  # each version and turn from the same register
                    copy = Path(folder) / f"{label.replace(' ', '_')}-{turn}.sqlite"
                    shutil.copy(pristine, copy)
                    target = f"sqlite:///{copy}"
                block = run if args.database else 0
                results[label].append(run_version(src, target, args, pool_file, block))
                run += 1
        print(f"{'write':20} " + " ".join(f"{label + ' ms':>30}" for label, _ in versions))
        for name in WRITES:
            cells, best = [], {}
            for label, _ in versions:
                rounds = [r for turn in results[label] for r in turn[name]]
                best[label] = min(rounds)
                cells.append(f"{best[label]:6.2f} ({' '.join(f'{r:.1f}' for r in rounds)})")
            ratio = ""
            if len(versions) == 2:
                ratio = f"  x{best['before'] / best['this code']:.2f}"
            print(f"{name:20} " + " ".join(f"{cell:>30}" for cell in cells) + ratio)
        print(
            "the collector, ms per request (full collections) <its longest pause, ms>, the same"
            " rounds:"
        )
        for name in WRITES:
            cells = []
            for label, _ in versions:
                rounds = [r for turn in results[label] for r in turn[f"{name} collector"]]
                fulls = [r for turn in results[label] for r in turn[f"{name} full collections"]]
                longest = max(r for turn in results[label] for r in turn[f"{name} longest pause"])
                mean = sum(rounds) / len(rounds)
                cells.append(
                    f"{mean:6.2f} ({' '.join(f'{r:.1f}' for r in rounds)}) [{sum(fulls):.0f}]"
                    f" <{longest:.0f}>"
                )
            print(f"{name:20} " + " ".join(f"{cell:>30}" for cell in cells))


if __name__ == "__main__":
    main()
