"""Latency of the web UI's main pages on a large register (one client, in process).

Fills a fresh SQLite register with the demo plus ``--drafts`` extra applications (created
through the register's service, so the queue has many pages), logs an officer in through
the login form, then requests each page ``--repeat`` times and prints p50 and p99:

* the work queue's first page, a filtered and searched page, and a page deep in the list;
* a case page with its assessment under four regimes, its print view and its audit trail.

Run:

    python benchmarks/web_pages.py [--drafts 5000] [--repeat 50]
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from openatt.api import create_app
from openatt.core.engine import Engine
from openatt.core.model import Application
from openatt.register import applications, demo, users
from openatt.register.db import Database
from openatt.register.models import ApplicationRow


def _fill(url: str, engine: Engine, drafts: int) -> int:
    db = Database(url)
    demo.fill(db, engine)
    with db.read() as s:
        applicant = next(users.actor_of(u) for u in users.list_users(s) if u.username == "meridian")
        denied = s.execute(
            select(ApplicationRow).where(ApplicationRow.state == "denied")
        ).scalar_one()
        template = Application.model_validate_json(denied.payload)
        case = denied.id
    for start in range(0, drafts, 500):
        with db.write() as s:
            for index in range(start, min(drafts, start + 500)):
                day = dt.date.today() - dt.timedelta(days=index % 400)
                applications.create(s, applicant, template.model_copy(update={"date": day}))
    db.dispose()
    return case


def _advised(url: str) -> int:
    """The demo case with conflicting advice (the one whose advice panel is fullest)."""
    from openatt.register.models import AdviceRow

    db = Database(url)
    with db.read() as s:
        found = s.execute(
            select(AdviceRow.application_id).where(AdviceRow.type == "refuse").limit(1)
        ).scalar_one()
    db.dispose()
    return int(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drafts", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    engine = Engine.default()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'register.sqlite'}"
        started = time.perf_counter()
        case = _fill(url, engine, args.drafts)
        print(f"register: demo + {args.drafts} drafts in {time.perf_counter() - started:.1f} s")
        with TestClient(create_app(url, assessor=engine)) as client:
            token = re.search(r'name="csrf" value="([^"]+)"', client.get("/ui/login").text)
            assert token
            client.post(
                "/ui/login",
                data={
                    "username": "officer",
                    "password": "officer-demo-pass",
                    "csrf": token.group(1),
                },
            )
            pages = {
                "queue, first page": "/ui/applications",
                "queue, filtered + search": "/ui/applications?state=draft&category=VIII"
                "&destination=SSD&q=militia&sort=oldest",
                "queue, page 150": "/ui/applications?page=150",
                "case page (4 regimes)": f"/ui/applications/{case}",
                "print view": f"/ui/applications/{case}/print",
                "audit trail": f"/ui/applications/{case}/history",
                "case page with advice": f"/ui/applications/{_advised(url)}",
                "advice lists": "/ui/advice",
            }
            print(f"{'page':28} {'p50 ms':>8} {'p99 ms':>8}")
            for name, path in pages.items():
                timings = []
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    response = client.get(path)
                    timings.append((time.perf_counter() - start) * 1000)
                    assert response.status_code == 200, (path, response.status_code)
                timings.sort()
                p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
                print(f"{name:28} {statistics.median(timings):8.1f} {p99:8.1f}")


if __name__ == "__main__":
    main()
