"""Requests per second and latency (p50, p99) of the register's API under concurrent clients.

Starts uvicorn on loopback over a fresh register (SQLite in a temporary folder unless
``--database`` is given; the demo register plus ``--cases`` assessed cases), logs in an
officer, then runs ``--clients`` concurrent httpx async clients against each endpoint in
turn, each phase bounded by ``--requests`` and ``--seconds``:

* ``list``: GET /applications?limit=50 (one page of the work queue, with filters' count)
* ``reassess``: POST /applications/{id}/reassess (the engine under four regimes, the whole
  output stored, the case reopened and the hash chain extended: the register's write path)
* ``preview``: POST /assess (the engine alone, nothing stored)
* ``create`` then ``create during a login flood``: POST /applications (a write) by the
  clients, first alone, then while ``--flood`` more clients send wrong passwords to
  POST /auth/token (issue 13: the flood raised the writes' p50 from 20 ms to 5 s); the
  flood's answers (401 wrong password, 429 throttled) are counted.

Run:

    python benchmarks/register_load.py [--clients 50] [--requests 2000] [--seconds 30]
    python benchmarks/register_load.py --only flood --clients 10 --flood 20 --cases 2
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import inspect
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

PASSWORD = "benchmark-password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(url: str, cases: int) -> None:
    """Fill the register: the demo, a benchmark officer and ``cases`` assessed cases."""
    from openatt.core.engine import Engine
    from openatt.register import applications, assessing, demo, users
    from openatt.register.db import Database
    from openatt.register.models import Role

    db = Database(url)
    engine = Engine.default()
    demo.fill(db, engine)
    with db.write() as session:
        bench = users.add_user(session, username="bench", password=PASSWORD, role=Role.officer)
        actor = users.actor_of(bench)
    template = demo.cases(dt.date.today())[3].application
    for _ in range(cases):
        with db.write() as session:
            row = applications.create(session, actor, template)
            applications.submit(session, actor, row.id, None)
            if "lists_used" in inspect.signature(applications.screen).parameters:
                applications.screen(session, actor, row.id, [], None, "benchmark: no lists")
            else:  # a register from before issue 13 (to measure the code it replaced)
                applications.screen(session, actor, row.id, [], None)
            assessing.assess(session, actor, row.id, engine)
    db.dispose()


@dataclass
class Phase:
    name: str
    completed: int
    errors: int
    seconds: float
    latencies: list[float]

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies)

        def pct(p: float) -> float:
            return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0

        return {
            "endpoint": self.name,
            "requests": self.completed,
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
            "requests_per_second": round(self.completed / self.seconds, 1),
            "p50_ms": round(pct(0.50), 1),
            "p99_ms": round(pct(0.99), 1),
            "mean_ms": round(statistics.fmean(ordered) * 1000, 1) if ordered else 0,
        }


async def run_phase(
    base: str,
    token: str,
    name: str,
    clients: int,
    requests: int,
    seconds: float,
    make: Callable[[int], tuple[str, str, Any]],
) -> Phase:
    latencies: list[float] = []
    errors = 0
    issued = 0
    started = time.perf_counter()
    deadline = started + seconds
    headers = {"Authorization": f"Bearer {token}"}

    async def client(index: int) -> None:
        nonlocal errors, issued
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as http:
            while issued < requests and time.perf_counter() < deadline:
                issued += 1
                method, path, body = make(issued)
                began = time.perf_counter()
                response = await http.request(method, path, json=body)
                latencies.append(time.perf_counter() - began)
                if response.status_code >= 400:
                    errors += 1

    await asyncio.gather(*(client(i) for i in range(clients)))
    return Phase(name, len(latencies), errors, time.perf_counter() - started, latencies)


async def flood(base: str, clients: int, stop: asyncio.Event) -> dict[int, int]:
    """Wrong passwords from ``clients`` clients until ``stop``; returns the status counts."""
    statuses: dict[int, int] = {}

    async def client(index: int) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            while not stop.is_set():
                body = {"username": f"bench{index % 3}", "password": f"wrong {index}"}
                response = await http.post("/auth/token", json=body)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    await asyncio.gather(*(client(i) for i in range(clients)))
    return statuses


async def measure_flood(
    base: str,
    token: str,
    sample: dict[str, Any],
    clients: int,
    flooders: int,
    requests: int,
    seconds: float,
) -> list[Phase]:
    """The same writes without, then during, a login flood: both in one run."""
    body = {**sample, "screening": [], "id": None}
    make = lambda i: ("POST", "/applications", body)  # noqa: E731
    quiet = await run_phase(base, token, "POST /applications", clients, requests, seconds, make)
    stop = asyncio.Event()
    flooding = asyncio.create_task(flood(base, flooders, stop))
    await asyncio.sleep(1)  # let the flood reach the server first
    name = f"POST /applications, {flooders} flooding"
    during = await run_phase(base, token, name, clients, requests, seconds, make)
    stop.set()
    statuses = await flooding
    during.name += " (" + ", ".join(f"{n}x{s}" for s, n in sorted(statuses.items())) + ")"
    return [quiet, during]


async def measure(
    base: str, clients: int, requests: int, seconds: float, only: str = "", flooders: int = 20
) -> list[Phase]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        token = (
            await http.post("/auth/token", json={"username": "bench", "password": PASSWORD})
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        page = (
            await http.get(
                "/applications", params={"state": "assessed", "limit": 200}, headers=headers
            )
        ).json()
        ids = [item["id"] for item in page["items"]]
        sample = (await http.get(f"/applications/{ids[0]}", headers=headers)).json()["application"]
    if only == "flood":
        return await measure_flood(base, token, sample, clients, flooders, requests, seconds)
    reason = {"reason": "Load test: new information received", "regimes": ["att", "eu", "us", "uk"]}
    phases = [
        ("GET /applications", lambda i: ("GET", "/applications?limit=50", None)),
        (
            "POST /applications/{id}/reassess",
            lambda i: ("POST", f"/applications/{ids[i % len(ids)]}/reassess", reason),
        ),
        ("POST /assess", lambda i: ("POST", "/assess", sample)),
    ]
    results = []
    for name, make in phases:
        results.append(await run_phase(base, token, name, clients, requests, seconds, make))
    results.extend(await measure_flood(base, token, sample, clients, flooders, requests, seconds))
    return results


def wait_for(base: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if process.poll() is not None:
            raise SystemExit("the server stopped during start-up")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2000, help="per endpoint, at most")
    parser.add_argument("--seconds", type=float, default=30, help="per endpoint, at most")
    parser.add_argument("--cases", type=int, default=100, help="assessed cases to add")
    parser.add_argument("--database", help="an empty database URL (default: temp SQLite)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--flood", type=int, default=20, help="clients sending wrong passwords")
    parser.add_argument("--only", choices=["flood"], help="run only the login-flood phases")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        began = time.perf_counter()
        prepare(url, args.cases)
        print(f"prepared the register in {time.perf_counter() - began:.1f} s", file=sys.stderr)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        code = (
            "import uvicorn, sys; from openatt.api import create_app; "
            "uvicorn.run(create_app(sys.argv[1]), host='127.0.0.1', port=int(sys.argv[2]), "
            "log_level='warning', access_log=False)"
        )
        server = subprocess.Popen([sys.executable, "-c", code, url, str(port)], env={**os.environ})
        try:
            wait_for(base, server)
            phases = asyncio.run(
                measure(
                    base, args.clients, args.requests, args.seconds, args.only or "", args.flood
                )
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
    summaries = [p.summary() for p in phases]
    backend = url.split(":", 1)[0]
    if args.json:
        print(
            json.dumps(
                {"database": backend, "clients": args.clients, "results": summaries}, indent=2
            )
        )
        return
    print(f"{args.clients} concurrent clients, database {backend}, cpu count {os.cpu_count()}")
    print(f"{'endpoint':36} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for s in summaries:
        print(
            f"{s['endpoint']:36}\n{'':36} {s['requests']:>8} {s['errors']:>6} "
            f"{s['requests_per_second']:>8} {s['p50_ms']:>8} {s['p99_ms']:>8}"
        )


if __name__ == "__main__":
    main()
