"""Benchmark: the canonical text of the register's rows and events, written by the standard
library's ``json`` (the definition) and by ``openatt.register.canonical`` (orjson where it
writes the same bytes; issue 16, seventh round), on the same values in the same run.

The values are those a write digests and hashes: every row of the demo register as
``audit.row_digest`` reads it and every event's hashed fields and payload. Each encoder makes
the SHA-256 digest of every value, best of ``--rounds``; the texts are compared first.

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


if __name__ == "__main__":
    main()
