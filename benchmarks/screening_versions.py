"""CPU per name of two matching-algorithm versions on the same list and queries, interleaved.

The list and the labelled queries are those of ``benchmarks/screening.py`` (same seed and
generators, ``--size`` entities); each round forks one process per version (v2, v3, v2,
v3...), which sets the version in force, starts from cold caches, opens (or builds, untimed)
the index and screens every query in one worker. The least CPU time of each version counts;
the machine's load is printed at the start and the end, since a shared machine inflates
every figure (the ratio of the two is what this measures).

    .venv/bin/python benchmarks/screening_versions.py --size 20000 --negatives 3000 --rounds 3
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine import describe

import screening as bench


def _clear_caches() -> None:
    import openatt.screening.algorithm as algorithm
    import openatt.screening.normalise as normalise
    import openatt.screening.romanise as romanise
    import openatt.screening.scoring as scoring

    for module in (algorithm, normalise, romanise, scoring):
        for value in vars(module).values():
            clear = getattr(value, "cache_clear", None)
            if callable(clear):
                clear()
    normalise._CANONICAL.clear()


def _screen(version: str, home: Path, queries: list[bench.Query], pipe: object) -> None:
    import openatt.screening.algorithm as algorithm

    algorithm.CURRENT = version
    _clear_caches()
    from openatt.screening.service import matcher_for, screen_queries
    from openatt.screening.store import ListStore

    matcher = matcher_for(ListStore(home / "lists"))
    before = resource.getrusage(resource.RUSAGE_SELF)
    found = screen_queries(matcher, queries, None, workers=1, chunk_size=256, group=True)
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    pipe.send((algorithm.parameters().algorithm, cpu, sum(len(h) for h in found)))  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--negatives", type=int, default=3_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--versions", nargs="+", default=["match_v2.yaml", "match_v3.yaml"])
    parser.add_argument("--seed", type=int, default=20261126)
    args = parser.parse_args()
    print(f"machine at start: {describe()}", flush=True)
    rng = random.Random(args.seed)
    entities = bench.real_entities()
    entities += bench.padding(max(0, args.size - len(entities)), rng)
    pos, _ = bench.positives(entities)
    labelled = (
        pos
        + bench.variants(entities, 2_000, rng)
        + bench.romanised_queries(600, rng)
        + bench.persian_queries(entities, 300, rng)
        + bench.negatives(args.negatives, rng)
    )
    queries = [item.query for item in labelled]
    context = multiprocessing.get_context("fork")
    cpus: dict[str, list[float]] = {}
    names: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as work:
        home = Path(work)
        bench.write_store(entities, home)
        for _ in range(args.rounds):
            for version in args.versions:
                receive, send = context.Pipe(duplex=False)
                child = context.Process(target=_screen, args=(version, home, queries, send))
                child.start()
                name, cpu, hits = receive.recv()
                child.join()
                names[version] = name
                cpus.setdefault(version, []).append(cpu)
                print(
                    f"  {name}: {cpu:.2f} CPU-s, {hits:,} hits; load {os.getloadavg()[0]:.2f}",
                    flush=True,
                )
    print(
        f"{len(queries):,} queries against {len(entities):,} entities, one worker, least of {args.rounds} rounds:"
    )
    first = min(cpus[args.versions[0]])
    for version in args.versions:
        best = min(cpus[version])
        print(
            f"  {names[version]}: {1000 * best / len(queries):.3f} CPU-ms per name "
            f"({best:.2f} CPU-s; x{best / first:.3f} of {names[args.versions[0]]})"
        )
    print(f"machine at end: {describe()}")


if __name__ == "__main__":
    main()
