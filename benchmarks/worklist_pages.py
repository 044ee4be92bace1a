"""The queue walked page by page: by offset (how ``GET /worklist`` paged before the
thirteenth round of issue 16) and by the keyset cursor (``after=next_after``), on the same
register in the same run, through the whole app in one process.

For each sort and each way of paging: the time of a whole walk, of its first and of its last
ten pages, and whether the walk saw every case once. A deep offset page makes the database
sort and drop every earlier row; a cursor page starts at its place. The register's read cache
is kept out of it (each walk asks with a query parameter of its own, which the cache keys on
and the endpoint ignores).

Run:

    python benchmarks/worklist_pages.py [--cases 5000] [--limit 50] [--rounds 3]
        [--sorts target newest] [--database postgresql://…/an_empty_database]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from api_cpu import call
from machine import printed
from register_load import PASSWORD

MODES = ("offset", "keyset")


def fill(url: str, cases: int) -> None:
    """A benchmark officer and ``cases`` submitted cases (each with its target date), made
    by the register's services a hundred to a transaction."""
    from openatt.register import applications, demo, users
    from openatt.register.db import Database
    from openatt.register.models import Role

    db = Database(url)
    with db.write() as session:
        bench = users.add_user(session, username="bench", password=PASSWORD, role=Role.officer)
        actor = users.actor_of(bench)
    template = demo.cases(dt.date.today())[3].application
    for first in range(0, cases, 100):
        with db.write() as session:
            for _ in range(first, min(first + 100, cases)):
                row = applications.create(session, actor, template)
                applications.submit(session, actor, row.id, None)
    db.dispose()


async def walks(url: str, limit: int, rounds: int, sorts: list[str]) -> dict[str, Any]:
    from openatt.api import create_app

    app = create_app(url)
    fresh = itertools.count()
    found: dict[str, Any] = {}
    async with app.router.lifespan_context(app):
        login = json.dumps({"username": "bench", "password": PASSWORD}).encode()
        _, body = await call(app, "POST", "/auth/token", login, "")
        token = json.loads(body)["access_token"]

        async def page(query: str) -> tuple[dict[str, Any], float]:
            began = time.perf_counter()
            status, answer = await call(app, "GET", f"/worklist?{query}", b"", token)
            took = 1000 * (time.perf_counter() - began)
            if status != 200:
                raise SystemExit(f"GET /worklist?{query}: HTTP {status} {answer[:300]!r}")
            return json.loads(answer), took

        async def walk(sort: str, mode: str) -> tuple[list[float], list[int], int]:
            times: list[float] = []
            seen: list[int] = []
            base = f"sort={sort}&limit={limit}&n={next(fresh)}-{os.getpid()}"  # no cache hit
            answer, took = await page(base)
            total = int(answer["total"])
            while True:
                times.append(took)
                seen += [item["application_id"] for item in answer["items"]]
                if mode == "offset":
                    if len(seen) >= total or not answer["items"]:
                        return times, seen, total
                    answer, took = await page(f"{base}&offset={len(seen)}")
                else:
                    if answer["next_after"] is None:
                        return times, seen, total
                    answer, took = await page(f"{base}&after={answer['next_after']}")

        await walk(sorts[0], "offset")  # warm: imports, statements, the database's caches
        for sort in sorts:
            for mode in MODES:
                best: tuple[float, list[float]] | None = None
                whole = True
                for _ in range(rounds):
                    began = time.process_time()
                    times, seen, total = await walk(sort, mode)
                    cpu = time.process_time() - began
                    if best is None or sum(times) < sum(best[1]):
                        best = (cpu, times)
                    whole &= len(seen) == total and len(set(seen)) == total
                assert best is not None
                cpu, times = best
                found[f"{sort} {mode}"] = {
                    "pages": len(times),
                    "walk_ms": sum(times),
                    "cpu_s": cpu,
                    "first10_ms": statistics.mean(times[:10]),
                    "last10_ms": statistics.mean(times[-10:]),
                    "every_case_once": whole,
                }
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3, help="each walk's best of N")
    parser.add_argument("--sorts", nargs="+", default=["target", "newest"])
    parser.add_argument("--database", help="an empty PostgreSQL database (default: SQLite)")
    args = parser.parse_args()
    if args.cases < 1 or args.limit < 1 or args.rounds < 1:
        raise SystemExit("--cases, --limit and --rounds must be at least 1")
    bad = [s for s in args.sorts if s not in ("newest", "oldest", "updated", "target")]
    if bad:
        raise SystemExit(f"unknown sort(s): {', '.join(bad)}")
    with tempfile.TemporaryDirectory(prefix="openatt-worklist-") as folder:
        os.environ.setdefault("OPENATT_HOME", folder)
        url = args.database or f"sqlite:///{folder}/register.sqlite"
        with printed(f"the queue walked by offset and by cursor: {args.cases} cases"):
            began = time.perf_counter()
            fill(url, args.cases)
            print(f"filled in {time.perf_counter() - began:.1f} s; database {url.split(':')[0]}")
            found = asyncio.run(walks(url, args.limit, args.rounds, args.sorts))
            print(
                f"{'sort, paging':<18}{'pages':>6}{'walk ms':>10}{'CPU s':>8}"
                f"{'first 10 ms':>13}{'last 10 ms':>12}  every case once"
            )
            for name, row in found.items():
                print(
                    f"{name:<18}{row['pages']:>6}{row['walk_ms']:>10.0f}{row['cpu_s']:>8.2f}"
                    f"{row['first10_ms']:>13.2f}{row['last10_ms']:>12.2f}  "
                    f"{'yes' if row['every_case_once'] else 'NO'}"
                )
            for sort in args.sorts:
                off, key = found[f"{sort} offset"], found[f"{sort} keyset"]
                print(
                    f"{sort}: keyset against offset, whole walk x{off['walk_ms'] / key['walk_ms']:.2f}, "
                    f"last ten pages x{off['last10_ms'] / key['last10_ms']:.2f}"
                )


if __name__ == "__main__":
    main()
