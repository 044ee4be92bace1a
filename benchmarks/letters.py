"""Time to render a licence and a refusal letter (HTML -> WeasyPrint PDF) and to verify a
letter by reference and by digest, on a demo register.

Rendering happens inside the transaction that issues the licence or makes the refusal
effective, so it is what those requests add. Run:

    python benchmarks/letters.py [--repeat 10]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from openatt.core.engine import Engine
from openatt.register import demo, letters, verification
from openatt.register.db import Database
from openatt.register.models import ApplicationRow, DecisionRow, LetterRow, LicenceRow


def _times(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    action()  # warm: fonts and templates load once per process
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["OPENATT_HOME"] = folder
        db = Database(f"sqlite:///{Path(folder) / 'demo.sqlite'}")
        demo.fill(db, Engine.default())
        today = dt.date.today()
        with db.read() as s:
            licence = s.execute(select(LicenceRow)).scalars().first()
            refusal = s.execute(
                select(DecisionRow).where(DecisionRow.outcome == "denied")
            ).scalar_one()
            letter = s.execute(select(LetterRow)).scalars().first()
            assert licence is not None and letter is not None
            licensed = s.get(ApplicationRow, licence.application_id)
            refused = s.get(ApplicationRow, refusal.application_id)
            assert licensed is not None and refused is not None
            licence_html = letters.licence_html(licensed, licence, "OAL-BENCH", today)
            refusal_html = letters.refusal_html(s, refused, refusal, "OAL-BENCH", today)
        rows = [
            ("licence letter PDF", _times(lambda: letters.render_pdf(licence_html), args.repeat)),
            ("refusal letter PDF", _times(lambda: letters.render_pdf(refusal_html), args.repeat)),
        ]

        def by(reference: str | None, digest: str | None) -> Callable[[], object]:
            def check() -> object:
                with db.read() as s:
                    return verification.verify(s, reference=reference, digest=digest)

            return check

        rows.append(("verify by reference", _times(by(letter.reference, None), args.repeat)))
        rows.append(("verify by digest", _times(by(None, letter.sha256), args.repeat)))
        db.dispose()
    print(f"{'step':28} {'p50 ms':>8} {'max ms':>8}")
    for name, (p50, worst) in rows:
        print(f"{name:28} {p50:8.1f} {worst:8.1f}")


if __name__ == "__main__":
    main()
