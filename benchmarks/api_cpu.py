"""CPU milliseconds per API request, in one process, without HTTP: the steadier figure on a
shared machine (issue 16).

``register_load.py`` measures the server as deployed (uvicorn, 50 clients); on a machine
that others share, its rates and even its CPU column move by a quarter from run to run. This
drives the app's ASGI callable directly, one request at a time, over a copy of the same
SQLite register for each code version, and prints the process's CPU time per request (best
and all of ``--rounds`` rounds of ``--requests``) for a page of the register, the case, the
queue, the assess preview (a different application each request: ``assess_bodies.py``), a
reassessment and a create: what the code costs, the framework included, HTTP parsing and the
network excluded.

Run:

    python benchmarks/api_cpu.py [--cases 30] [--requests 200] [--rounds 3]
        [--compare-src OTHER_CHECKOUT/src]   # the same register, the earlier code first
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from assess_bodies import assess_bodies
from machine import printed
from register_load import PASSWORD, prepare

ENDPOINTS = ("page", "case", "queue", "assess", "reassess", "create")
Request = tuple[str, str, bytes]
# The reads again, each with a query parameter the endpoints ignore and that no request
# repeats: what a read costs when the API's read cache cannot answer it.
MISSES = ("page/miss", "case/miss", "queue/miss")


async def call(app: Any, method: str, target: str, body: bytes, token: str) -> tuple[int, bytes]:
    """One request through the app's ASGI interface; returns the status and the body."""
    path, _, query = target.partition("?")
    headers = [
        (b"host", b"bench"),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("bench", 80),
    }
    sent = False
    answer: dict[str, Any] = {"status": 0, "body": b""}

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return int(answer["status"]), bytes(answer["body"])


async def measure(url: str, requests: int, rounds: int) -> dict[str, list[float]]:
    from openatt.api import create_app

    app = create_app(url)
    async with app.router.lifespan_context(app):
        login = json.dumps({"username": "bench", "password": PASSWORD}).encode()
        status, body = await call(app, "POST", "/auth/token", login, "")
        token = json.loads(body)["access_token"]
        _, body = await call(app, "GET", "/applications?state=assessed&limit=200", b"", token)
        ids = [item["id"] for item in json.loads(body)["items"]]
        _, body = await call(app, "GET", f"/applications/{ids[0]}", b"", token)
        sample = json.dumps(json.loads(body)["application"]).encode()
        # POST /assess: a different body every request, from every case of the register
        _, body = await call(app, "GET", "/applications?limit=200", b"", token)
        applications = []
        for item in json.loads(body)["items"]:
            _, one = await call(app, "GET", f"/applications/{item['id']}", b"", token)
            applications.append(json.loads(one)["application"])
        previews = assess_bodies(applications, requests * rounds + 5)
        fresh_bodies = itertools.count()
        reason = json.dumps(
            {"reason": "Load test: new information received", "regimes": ["att", "eu", "us", "uk"]}
        ).encode()
        makers: dict[str, Callable[[int], Request]] = {
            "page": lambda i: ("GET", "/applications?limit=50", b""),
            "case": lambda i: ("GET", f"/applications/{ids[i % len(ids)]}", b""),
            "queue": lambda i: ("GET", "/worklist?limit=50", b""),
            "assess": lambda i: ("POST", "/assess", previews[next(fresh_bodies)]),
            "reassess": lambda i: ("POST", f"/applications/{ids[i % len(ids)]}/reassess", reason),
            "create": lambda i: ("POST", "/applications", sample),
        }
        found: dict[str, list[float]] = {}
        fresh = itertools.count()
        makers["page/miss"] = lambda i: ("GET", f"/applications?limit=50&n={next(fresh)}", b"")
        makers["case/miss"] = lambda i: (
            "GET",
            f"/applications/{ids[i % len(ids)]}?n={next(fresh)}",
            b"",
        )
        makers["queue/miss"] = lambda i: ("GET", f"/worklist?limit=50&n={next(fresh)}", b"")
        for name in ENDPOINTS + MISSES:
            make = makers[name]
            for i in range(5):  # warm the caches first
                status, body = await call(app, *make(i), token)
                if status >= 300:
                    raise SystemExit(f"{name}: HTTP {status} {body[:200]!r}")
            found[name] = []
            for _ in range(rounds):
                began = time.process_time()
                for i in range(requests):
                    await call(app, *make(i), token)
                found[name].append(1000 * (time.process_time() - began) / requests)
    return found


def run_version(src: str | None, database: Path, args: argparse.Namespace) -> dict[str, Any]:
    """This script in a child process on ``src`` (else this checkout), over ``database``."""
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src
    command = [sys.executable, __file__, "--child", str(database)]
    command += ["--requests", str(args.requests), "--rounds", str(args.rounds)]
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=30, help="assessed cases to add")
    parser.add_argument("--requests", type=int, default=200, help="per round and endpoint")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--compare-src", help="an earlier checkout's src to measure first")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        found = asyncio.run(measure(f"sqlite:///{args.child}", args.requests, args.rounds))
        print(json.dumps(found))
        return
    title = f"API CPU per request, in process: {args.requests} requests x {args.rounds} rounds"
    with printed(title), tempfile.TemporaryDirectory() as folder:
        os.environ["OPENATT_HOME"] = folder
        pristine = Path(folder) / "pristine.sqlite"
        prepare(f"sqlite:///{pristine}", args.cases)
        print(f"database sqlite; {args.cases} assessed cases over the demo register", flush=True)
        versions: list[tuple[str, str | None]] = [("this code", None)]
        if args.compare_src:
            versions.insert(0, ("before", args.compare_src))
        results = {}
        for label, src in versions:
            copy = Path(folder) / f"{label.replace(' ', '_')}.sqlite"
            shutil.copy(pristine, copy)  # each version starts from the same register
            results[label] = run_version(src, copy, args)
        print(f"{'endpoint':10} " + " ".join(f"{label + ' ms':>26}" for label, _ in versions))
        for name in ENDPOINTS + MISSES:
            cells = []
            for label, _ in versions:
                rounds = results[label][name]
                cells.append(f"{min(rounds):6.2f} ({' '.join(f'{r:.2f}' for r in rounds)})")
            ratio = ""
            if len(versions) == 2:
                ratio = f"  x{min(results['before'][name]) / min(results['this code'][name]):.2f}"
            print(f"{name:10} " + " ".join(f"{cell:>26}" for cell in cells) + ratio)


if __name__ == "__main__":
    main()
