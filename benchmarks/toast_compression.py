"""What storing the engine's outputs costs PostgreSQL with pglz and with lz4 (issue 16,
migration 0014), on the same outputs in the same run.

Every reassessment stores the engine's whole output (canonical JSON of every regime's
assessment, 30-80 kB), which PostgreSQL compresses before storing. This assesses the
applications of ``examples/`` and the demo cases (each as it is and with a new fact) under
every regime, as the register stores them, then inserts the same texts into two scratch
tables, one per compression method, in turns (``--rounds``, alternating which goes first),
and reads them back; it prints the database's time per output for each (wall time of one
INSERT ... SELECT of all the outputs from an uncompressed table on the server, each made a
new value so that it is compressed afresh), the size stored and the ratios. The scratch
tables are dropped at the end.

    python benchmarks/toast_compression.py --database postgresql://…/any_database [--copies 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine import printed

ROOT = Path(__file__).resolve().parent.parent


def outputs() -> list[str]:
    """The stored text of each example and demo case assessed under every regime."""
    from engine_same import cases

    from openatt.core.engine import Engine
    from openatt.register.assessor import stored_text

    engine = Engine.default()
    return [stored_text(engine.assess(app, engine.regimes())) for app in cases()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="a PostgreSQL URL (14 or later)")
    parser.add_argument("--copies", type=int, default=20, help="each output inserted N times")
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    if not args.database.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        parser.error(f"--database: a PostgreSQL URL is needed, not {args.database!r}")
    if args.copies < 1 or args.rounds < 1:
        parser.error("--copies and --rounds: at least 1")
    import psycopg

    url = args.database.replace("postgresql+psycopg://", "postgresql://")
    with printed("storing the engine's outputs: pglz against lz4"):
        texts = outputs()
        # a space at a different place in each copy: no two values are the same datum
        values = [f"{text} {n}" for n in range(args.copies) for text in texts]
        sizes = [len(v.encode()) for v in values]
        print(
            f"{len(texts)} outputs of {min(sizes) // 1000}-{max(sizes) // 1000} kB "
            f"(mean {statistics.fmean(sizes) / 1000:.1f} kB), {len(values)} inserted per round"
        )
        times: dict[str, list[float]] = {"pglz": [], "lz4": []}
        reads: dict[str, list[float]] = {"pglz": [], "lz4": []}
        stored: dict[str, float] = {}
        with psycopg.connect(url, autocommit=True) as connection:
            methods = connection.execute(
                "SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'"
            ).fetchone()
            if methods is None or "lz4" not in list(methods[0]):
                raise SystemExit("this PostgreSQL has no lz4 (14 or later, built --with-lz4)")
            for method in times:
                connection.execute(f"DROP TABLE IF EXISTS toast_bench_{method}")
                connection.execute(
                    f"CREATE TABLE toast_bench_{method} (result text COMPRESSION {method})"
                )
            # the outputs kept uncompressed on the server: each round copies them from here,
            # so the client's sending and parsing is out of what is timed
            connection.execute("DROP TABLE IF EXISTS toast_bench_source")
            connection.execute("CREATE TABLE toast_bench_source (result text)")
            connection.execute(
                "ALTER TABLE toast_bench_source ALTER COLUMN result SET STORAGE EXTERNAL"
            )
            with connection.cursor().copy("COPY toast_bench_source (result) FROM STDIN") as copy:
                for value in values:
                    copy.write_row((value,))
            try:
                for number in range(args.rounds):
                    order = ["pglz", "lz4"] if number % 2 == 0 else ["lz4", "pglz"]
                    for method in order:
                        table = f"toast_bench_{method}"
                        connection.execute(f"TRUNCATE {table}")
                        began = time.perf_counter()
                        connection.execute(
                            f"INSERT INTO {table} (result) SELECT result || '' "
                            "FROM toast_bench_source"
                        )
                        times[method].append((time.perf_counter() - began) / len(values))
                        began = time.perf_counter()
                        connection.execute(f"SELECT sum(length(result)) FROM {table}").fetchone()
                        reads[method].append((time.perf_counter() - began) / len(values))
                        found = connection.execute(
                            f"SELECT avg(pg_column_size(result)) FROM {table}"
                        ).fetchone()
                        stored[method] = float(found[0]) if found else 0.0
            finally:
                for method in [*times, "source"]:
                    connection.execute(f"DROP TABLE IF EXISTS toast_bench_{method}")
        print("method  insert ms per output (least, most)   read ms per output   stored kB")
        for method in times:
            print(
                f"{method:6}  {min(times[method]) * 1000:.3f} - {max(times[method]) * 1000:.3f}"
                f"                     {min(reads[method]) * 1000:.3f} - "
                f"{max(reads[method]) * 1000:.3f}        {stored[method] / 1000:.1f}"
            )
        print(
            f"pglz / lz4, best against best: insert x{min(times['pglz']) / min(times['lz4']):.2f}, "
            f"read x{min(reads['pglz']) / min(reads['lz4']):.2f}, "
            f"stored size x{stored['pglz'] / stored['lz4']:.2f}"
        )


if __name__ == "__main__":
    main()
