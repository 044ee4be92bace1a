"""Benchmark: the canonical text of the register's rows and events, written by the standard
library's ``json`` (the definition) and by ``openatt.register.canonical`` (orjson where it
writes the same bytes; issue 16, seventh round), on the same values in the same run.

The values are those a write digests and hashes: every row of the demo register as
``audit.row_digest`` reads it and every event's hashed fields and payload. Each encoder makes
the SHA-256 digest of every value, best of ``--rounds``; the texts are compared first.

Then the engine's output as the register stores it (``canonical.dumps_json_ready`` of its
``model_dump(mode="json")``; orjson behind its checks since the twelfth round) against
``json.dumps`` with sorted keys (what it was before, and the definition), on the outputs
under att, eu, us and uk of every example application with 0, 15 and 30 pieces of new
evidence appended (a reassessment adds one each time: the load test's cases grow so).

Run: python benchmarks/canonical_text.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine import printed


def values() -> list[Any]:
    from sqlalchemy import inspect, select

    from openatt.core.engine import Engine
    from openatt.register import audit, demo
    from openatt.register.db import Database
    from openatt.register.models import ENTITY_TABLES, Event

    found: list[Any] = []
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{Path(folder) / 'demo.sqlite'}")
        demo.fill(db, Engine.default())
        with db.read() as session:
            for table in ENTITY_TABLES.values():
                columns = [c.key for c in inspect(table).column_attrs]
                for row in session.execute(select(table)).scalars():
                    found.append({key: getattr(row, key) for key in columns})
            for event in session.execute(select(Event).order_by(Event.seq)).scalars():
                found.append(audit._hashed_fields(event))
                found.append(json.loads(event.payload))
        db.dispose()
    return found


def engine_outputs(added: int) -> list[Any]:
    """The stored form of the engine's output for every example, with ``added`` pieces of
    new evidence each."""
    import datetime as dt

    from openatt.core.engine import Engine
    from openatt.core.loading import parse_applications
    from openatt.core.model import Evidence

    engine = Engine.default()
    examples = Path(__file__).resolve().parents[1] / "examples"
    found: list[Any] = []
    for path in sorted(examples.glob("*.yaml")):
        for app in parse_applications(path.read_text("utf-8"), path.name):
            new = tuple(
                Evidence(
                    criterion="human_rights",
                    likelihood="possible",
                    severity="serious",
                    source=f"benchmark report {index}",
                    date=dt.date(2026, 1, 1),
                )
                for index in range(added)
            )
            grown = app.model_copy(update={"evidence": (*app.evidence, *new)})
            found.append(
                [a.model_dump(mode="json") for a in engine.assess(grown, ["att", "eu", "us", "uk"])]
            )
    return found


def json_ready_standard(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def stored_outputs(rounds: int) -> None:
    from openatt.register.canonical import dumps_json_ready

    print("the engine's stored output (att, eu, us, uk), json.dumps against dumps_json_ready:")
    for added in (0, 15, 30):
        outputs = engine_outputs(added)
        differ = sum(json_ready_standard(o) != dumps_json_ready(o) for o in outputs)
        size = sum(len(json_ready_standard(o)) for o in outputs) / len(outputs)
        best: dict[str, float] = {}
        for _ in range(rounds):
            for name, encode in (("json", json_ready_standard), ("ready", dumps_json_ready)):
                began = time.process_time()
                for value in outputs:
                    encode(value)
                spent = (time.process_time() - began) / len(outputs) * 1e6
                best[name] = min(best.get(name, spent), spent)
        print(
            f"  {added:2} added: {len(outputs)} outputs of {size / 1000:.0f} kB on average; "
            f"texts that differ: {differ}; json {best['json']:.0f} µs, "
            f"dumps_json_ready {best['ready']:.0f} µs an output: x{best['json'] / best['ready']:.2f}"
        )


def standard(value: Any) -> str:
    from openatt.register.canonical import normalise

    text = json.dumps(normalise(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from openatt.register.canonical import digest

    with printed("canonical text: the standard library against openatt.register.canonical"):
        found = values()
        mismatched = sum(standard(v) != digest(v) for v in found)
        print(f"{len(found)} values of the demo register (rows, events' fields and payloads)")
        print(f"digests that differ: {mismatched}")
        size = sum(len(json.dumps(v, default=str)) for v in found)
        print(f"about {size / len(found):.0f} characters a value")
        best: dict[str, float] = {}
        for _ in range(args.rounds):
            for name, encode in (("json (definition)", standard), ("canonical", digest)):
                began = time.process_time()
                for value in found:
                    encode(value)
                spent = (time.process_time() - began) / len(found) * 1e6
                best[name] = min(best.get(name, spent), spent)
        for name, spent in best.items():
            print(f"{name:20} {spent:7.2f} µs a digest (best of {args.rounds} rounds)")
        ratio = best["json (definition)"] / best["canonical"]
        print(f"ratio: x{ratio:.2f}")
        stored_outputs(args.rounds)


if __name__ == "__main__":
    main()
