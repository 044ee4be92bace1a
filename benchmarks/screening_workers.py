"""Where a two-worker batch's CPU goes: cold caches, the garbage collector, or the two cores.

`openatt screen --file --workers 2` has cost more CPU-seconds than one process screening the
same queries. This script separates three suspects, on a list store and a queries CSV that
`benchmarks/screening_same_hits.py --keep FOLDER` leaves behind (``FOLDER/home-0`` and
``FOLDER/queries.csv``), with the tree whose ``src`` is first on ``PYTHONPATH``:

  1. cold caches: the queries' chunks screened by one forked process, then by two forked
     processes one after the other (odd and even chunks, as the pool deals them), never at
     the same time: if each worker warming its own caches cost much, the two would take
     more than the one;
  2. the garbage collector: `screen_queries_json(..., workers=2)` with a callback in each
     worker adding up the collector's thread CPU time and counting its collections, beside
     the workers' CPU-seconds and minor page faults;
  3. what is left is the two processes running at the same time on the machine's cores.

    PYTHONPATH=src .venv/bin/python benchmarks/screening_workers.py \\
        --home /tmp/same/home-0 --file /tmp/same/queries.csv --rounds 2

A script, not a test; the machine (cores, load average) is printed beside the figures.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine import describe  # benchmarks/machine.py

CHUNK = 256  # screen_queries_json's chunk size


def _forked(run: object) -> float:
    """CPU-seconds of ``run()`` in a forked child."""
    pid = os.fork()
    if pid == 0:
        run()  # type: ignore[operator]
        os._exit(0)
    _, _, usage = os.wait4(pid, 0)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", type=Path, required=True, help="OPENATT_HOME with the list")
    parser.add_argument("--file", type=Path, required=True, help="queries CSV")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    os.environ["OPENATT_HOME"] = str(args.home)
    print(f"machine at start: {describe()}", flush=True)
    from openatt.cli.screening import _read_parties
    from openatt.screening import ListStore, matcher_for, service

    queries = _read_parties(args.file)
    matcher = matcher_for(ListStore())
    chunks = [queries[i : i + CHUNK] for i in range(0, len(queries), CHUNK)]

    def screen(part: list[list[object]]) -> None:
        service._WORKER = (matcher, None, None, True)
        for chunk in part:
            service._work_json(chunk)  # type: ignore[arg-type]

    folder = Path(tempfile.mkdtemp(prefix="openatt-gc-"))
    spent = {"cpu": 0.0, "start": 0.0, "count": 0}

    def collected(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            spent["start"] = time.thread_time()
            return
        spent["cpu"] += time.thread_time() - spent["start"]
        spent["count"] += 1
        (folder / str(os.getpid())).write_text(f"{spent['cpu']} {spent['count']}")

    for number in range(args.rounds):
        one = _forked(lambda: screen(chunks))
        even = _forked(lambda: screen(chunks[0::2]))
        odd = _forked(lambda: screen(chunks[1::2]))
        print(
            f"round {number + 1}: one process {one:.2f} CPU-s; two processes one after the "
            f"other {even:.2f} + {odd:.2f} = {even + odd:.2f} CPU-s",
            flush=True,
        )

        def pool(number: int = number) -> None:
            for old in folder.iterdir():
                old.unlink()
            spent.update(cpu=0.0, count=0)  # the forked workers start from nothing
            gc.callbacks.append(collected)
            service.screen_queries_json(matcher, queries, workers=2, group=True)
            usage = resource.getrusage(resource.RUSAGE_CHILDREN)
            workers = [
                tuple(float(x) for x in path.read_text().split())
                for path in folder.iterdir()
                if path.name != str(os.getpid())
            ]
            print(
                f"round {number + 1}: two workers at once {usage.ru_utime + usage.ru_stime:.2f}"
                f" CPU-s (kernel {usage.ru_stime:.2f}), {usage.ru_minflt:,} minor page faults;"
                " collector per worker: "
                + ", ".join(
                    f"{cpu:.3f} CPU-s in {count:.0f} collections" for cpu, count in workers
                ),
                flush=True,
            )
            sys.stdout.flush()

        _forked(pool)
    print(f"machine at end:   {describe()}", flush=True)


if __name__ == "__main__":
    main()
