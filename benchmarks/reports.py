"""How long the reports take on a register of a given size.

Fills a fresh SQLite register (in a temporary folder unless ``--database`` is given) with the
demo and ``--cases`` further licensed cases spread over the last five years and a dozen
destinations, each driven through the register's services (assessed by the real engine,
licensed, shipped and delivery-verified), then times, over ``--repeat`` runs each: reading the
register as of now (the snapshot from the event log), the ATT annual report (xlsx, both
bases), the UN Register return (xlsx) and the national report (zip with charts, HTML and,
when WeasyPrint works, PDF).

Run:

    python benchmarks/reports.py [--cases 300] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

DESTINATIONS = ("CAN", "AUS", "NOR", "DEU", "FRA", "JPN", "KOR", "BRA", "CHL", "ZAF", "IND", "USA")


def fill(url: str, cases: int, seed: int = 7) -> int:
    """The demo plus ``cases`` licensed cases; returns the number of events logged."""
    from sqlalchemy import func, select

    from openatt.core.engine import Engine
    from openatt.register import demo
    from openatt.register.db import Database
    from openatt.register.models import Event, State

    db = Database(url)
    engine = Engine.default()
    today = dt.date.today()
    demo.fill(db, engine, today)
    actors = demo._officers(db)
    rng = random.Random(seed)
    templates = [
        c for c in demo.cases(today) if c.target in (State.delivery_verified, State.licensed)
    ]
    for _ in range(cases):
        case = rng.choice(templates)
        day = today - dt.timedelta(days=rng.randrange(60, 5 * 365))
        state = rng.choice(DESTINATIONS)
        app = case.application
        application = app.model_copy(
            update={
                "date": day,
                "importing_state": state,
                "consignee": app.consignee.model_copy(update={"country": state}),
                "end_user": app.end_user.model_copy(update={"country": state}),
            }
        )
        demo._advance(db, engine, actors, replace(case, application=application), today)
    with db.read() as session:
        events = int(session.execute(select(func.count()).select_from(Event)).scalar_one())
    db.dispose()
    return events


def timed(label: str, repeat: int, call: Callable[[], object]) -> None:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        runs.append(time.perf_counter() - start)
    print(
        f"{label:<40} median {statistics.median(runs) * 1000:8.0f} ms"
        f"   (min {min(runs) * 1000:.0f}, max {max(runs) * 1000:.0f}, n={repeat})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database", default=None)
    args = parser.parse_args()

    from openatt.register.db import Database
    from openatt.register.models import Role
    from openatt.register.users import SYSTEM
    from openatt.reports import loading, service
    from openatt.reports.figures import Basis

    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        start = time.perf_counter()
        events = fill(url, args.cases)
        print(
            f"filled: demo + {args.cases} cases, {events} events, "
            f"{time.perf_counter() - start:.1f} s"
        )
        db = Database(url)
        officer = replace(SYSTEM, username="bench", role=Role.officer)
        year = dt.date.today().year - 1

        def snapshot() -> object:
            with db.read() as session:
                return loading.snapshot(session, loading.moment())

        def att(basis: Basis) -> Callable[[], object]:
            return lambda: service.generate_treaty_report(
                db, officer, kind="att-annual", year=year, basis=basis, fmt="xlsx"
            )

        timed("snapshot of the register (event log)", args.repeat, snapshot)
        timed(f"ATT annual report {year}, authorised, xlsx", args.repeat, att(Basis.authorised))
        timed(f"ATT annual report {year}, actual, xlsx", args.repeat, att(Basis.actual))
        timed(
            f"UN Register return {year}, xlsx",
            args.repeat,
            lambda: service.generate_treaty_report(
                db, officer, kind="unroca", year=year, basis=Basis.actual, fmt="xlsx"
            ),
        )
        timed(
            f"national report {year}, html",
            args.repeat,
            lambda: service.generate_national_report(db, officer, year=year, fmt="html"),
        )
        timed(
            f"national report {year}, zip (+pdf)",
            args.repeat,
            lambda: service.generate_national_report(db, officer, year=year, fmt="zip"),
        )
        db.dispose()


if __name__ == "__main__":
    main()
