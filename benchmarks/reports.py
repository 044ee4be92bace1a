"""How long the reports take on a register of a given size.

Fills a fresh SQLite register (in a temporary folder unless ``--database`` is given) with the
demo and ``--cases`` further licensed cases spread over the last five years and a dozen
destinations, each driven through the register's services (assessed by the real engine,
licensed, shipped and delivery-verified), then times, over ``--repeat`` runs each: reading the
register as of now (the snapshot from the event log), the ATT annual report (xlsx, both
bases), the UN Register return (xlsx) and the national report (zip with charts, HTML and,
when WeasyPrint works, PDF).

``--licences N`` adds N more licences (with one shipment each) in bulk: cloned from the demo's
licensed cases with other destinations, dates and control entries, written straight into the
tables and the event log (a ``licence.issue`` and a ``shipment.record`` event each, with
placeholder hashes: a timing fixture that bypasses the services and the hash chain, not a
register to keep). Then every report kind of the registry is timed, each on its default
basis and first format, plus the national report's PDF when WeasyPrint works.

Run:

    python benchmarks/reports.py [--cases 300] [--repeat 3]
    python benchmarks/reports.py --cases 0 --licences 100000 --repeat 1
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


ENTRIES = (
    ("ML1.a:assault-rifle", "VIII"),
    ("ML1.a:pistol", "VIII"),
    ("ML2.a:recoilless-rifle", "VIII"),
    ("ML2.a:mortar-under-75mm", "VIII"),
    ("ML6.a:battle-tank", "I"),
    ("ML6.a:armoured-combat-vehicle", "II"),
    ("ML10.c:uav-combat", "IV"),
    ("ML4.a:manpads-missile", "VII"),
    ("ML3.a", "ammunition"),
)


def bulk(url: str, licences: int, seed: int = 11) -> None:
    """Add ``licences`` licences, each with one shipment, straight into the tables."""
    import hashlib
    import json

    from sqlalchemy import func, insert, select

    from openatt.register.db import Database
    from openatt.register.models import (
        ApplicationRow,
        ChainHead,
        DecisionRow,
        Event,
        LicenceRow,
        ShipmentRow,
    )

    db = Database(url)
    rng = random.Random(seed)
    today = dt.date.today()
    with db.write() as session:
        template = session.execute(
            select(ApplicationRow, LicenceRow)
            .join(LicenceRow, LicenceRow.application_id == ApplicationRow.id)
            .where(ApplicationRow.kind == "export")
            .limit(1)
        ).one()
        app_row, licence_row = template
        decision = session.get(DecisionRow, licence_row.decision_id)
        assert decision is not None
        payload = json.loads(app_row.payload)
        seq = int(session.execute(select(func.max(Event.seq))).scalar_one())
        next_app = int(session.execute(select(func.max(ApplicationRow.id))).scalar_one()) + 1
        next_lic = int(session.execute(select(func.max(LicenceRow.id))).scalar_one()) + 1
        next_ship = int(session.execute(select(func.max(ShipmentRow.id))).scalar_one() or 0) + 1
        now = dt.datetime.now(dt.UTC)
        moment = now.isoformat(timespec="microseconds")
        for start in range(0, licences, 5000):
            apps, lics, ships, events = [], [], [], []
            for n in range(start, min(start + 5000, licences)):
                state = rng.choice(DESTINATIONS)
                entry, category = rng.choice(ENTRIES)
                issued = today - dt.timedelta(days=rng.randrange(30, 3 * 365))
                quantity = rng.randrange(1, 500)
                body = {
                    **payload,
                    "importing_state": state,
                    "items": [
                        {
                            "description": f"bulk item {n}",
                            "category": category,
                            "control_entry": entry,
                            "quantity": quantity,
                            "value": {"amount": 1000.0 * quantity, "currency": "EUR"},
                        }
                    ],
                }
                app_id, lic_id, ship_id = next_app + n, next_lic + n, next_ship + n
                apps.append(
                    {
                        "id": app_id,
                        "reference": f"BULK-{n}",
                        "company": app_row.company,
                        "kind": "export",
                        "state": "licensed",
                        "exporting_state": app_row.exporting_state,
                        "importing_state": state,
                        "end_user": app_row.end_user,
                        "categories": category,
                        "payload": json.dumps(body),
                        "consultation": "[]",
                        "consulted": False,
                        "created_by": app_row.created_by,
                        "created_at": now,
                        "updated_at": now,
                        "retain_until": app_row.retain_until,
                        "version": 1,
                    }
                )
                lics.append(
                    {
                        "id": lic_id,
                        "application_id": app_id,
                        "decision_id": decision.id,
                        "number": f"BULK-LIC-{n}",
                        "state": "active",
                        "issued_by": decision.decided_by,
                        "issued_on": issued,
                        "valid_until": issued + dt.timedelta(days=730),
                        "conditions": "[]",
                    }
                )
                shipped = min(issued + dt.timedelta(days=rng.randrange(1, 200)), today)
                ships.append(
                    {
                        "id": ship_id,
                        "licence_id": lic_id,
                        "item": 0,
                        "quantity": rng.randrange(1, quantity + 1),
                        "shipped_on": shipped,
                        "reference": None,
                        "recorded_by": decision.decided_by,
                        "delivery_verified_on": None,
                        "verified_by": None,
                        "verification": None,
                    }
                )
                for entity, entity_id, action in (
                    ("licence", lic_id, "licence.issue"),
                    ("shipment", ship_id, "shipment.record"),
                ):
                    seq += 1
                    digest = hashlib.sha256(f"bulk {seq}".encode()).hexdigest()
                    events.append(
                        {
                            "seq": seq,
                            "at": moment,
                            "actor": "bench",
                            "action": action,
                            "entity": entity,
                            "entity_id": entity_id,
                            "payload": "{}",
                            "retain_until": app_row.retain_until,
                            "prev_hash": "0" * 64,
                            "hash": digest,
                        }
                    )
            session.execute(insert(ApplicationRow), apps)
            session.execute(insert(LicenceRow), lics)
            session.execute(insert(ShipmentRow), ships)
            session.execute(insert(Event), events)
        head = session.execute(select(ChainHead)).scalar_one()
        head.seq, head.hash = seq, events[-1]["hash"]
    db.dispose()


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
    parser.add_argument("--licences", type=int, default=0, help="licences added in bulk")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database", default=None)
    args = parser.parse_args()

    from machine import printed

    from openatt.register.db import Database
    from openatt.register.models import Role
    from openatt.register.users import SYSTEM
    from openatt.reports import kinds, loading, service
    from openatt.reports.writers.national import pdf_available

    with tempfile.TemporaryDirectory() as folder, printed("reports"):
        url = args.database or f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        start = time.perf_counter()
        events = fill(url, args.cases)
        print(
            f"filled: demo + {args.cases} cases, {events} events, "
            f"{time.perf_counter() - start:.1f} s"
        )
        if args.licences:
            start = time.perf_counter()
            bulk(url, args.licences)
            print(f"added in bulk: {args.licences} licences, {time.perf_counter() - start:.1f} s")
        db = Database(url)
        officer = replace(SYSTEM, username="bench", role=Role.officer)
        year = dt.date.today().year - 1

        def snapshot() -> object:
            with db.read() as session:
                return loading.snapshot(session, loading.moment())

        timed("snapshot of the register (event log)", args.repeat, snapshot)
        for kind in kinds.all_kinds():
            formats = [kind.formats[0]]
            if "pdf" in kind.formats and pdf_available():
                formats.append("pdf")
            for fmt in formats:
                timed(
                    f"{kind.name} {year}, {kind.bases[0]}, {fmt}",
                    args.repeat,
                    lambda kind=kind, fmt=fmt: service.generate(
                        db, officer, kind.name, year=year, fmt=fmt
                    ),
                )
        db.dispose()


if __name__ == "__main__":
    main()
