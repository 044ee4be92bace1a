"""Batches, fifth round: the garbage collector of a batch's forked workers.

The workers of ``screen_queries(..., workers=N)`` collect their youngest generation less
often, and the objects the parent held when it forked them are frozen (the ``gc``
documentation's advice before a fork) for the life of the batch, then unfrozen; a process
that froze objects itself (a server) keeps them frozen. Hits are the same with any
collector setting: ``benchmarks/screening_same_hits.py`` compares whole outputs.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from openatt.screening import ListStore, Query, screen_queries
from openatt.screening.service import _YOUNG_OBJECTS, _batch

NAMES = ("Emraan Ali", "Viktor Vasilyevich ZOLOTOV", "Jane Plain Nobody", "Qasim Soleimani")


def _collector_state(state: object, chunk: list[Query]) -> list[tuple[int, int]]:
    """Run in a worker: its youngest generation's threshold and frozen object count."""
    return [(gc.get_threshold()[0], gc.get_freeze_count()) for _ in chunk]


@pytest.fixture
def collector() -> Iterator[None]:
    """The test's process's collector settings, put back after the test."""
    threshold = gc.get_threshold()
    frozen = gc.get_freeze_count()
    yield
    if not frozen:
        gc.unfreeze()
    gc.set_threshold(*threshold)


def _run(workers: int) -> list[tuple[int, int]]:
    queries = [Query(f"{name} {n}") for n in range(4) for name in NAMES]
    options = (None, None, False)
    results, _ = _batch(
        None,  # type: ignore[arg-type]  # the state function needs no matcher
        queries,
        options,
        _collector_state,
        _collector_state,
        workers,
        None,
        4,
    )
    return results


@pytest.mark.usefixtures("collector")
def test_forked_workers_collect_less_often_with_the_parents_objects_frozen() -> None:
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    states = _run(workers=2)
    assert len(states) == 16
    assert all(threshold == _YOUNG_OBJECTS for threshold, _ in states)
    assert all(frozen > 1000 for _, frozen in states)  # modules, functions, the queries
    # The parent is left as it was: nothing frozen, its own threshold.
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == (700, 10, 10)


@pytest.mark.usefixtures("collector")
def test_one_process_batches_leave_the_collector_alone() -> None:
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    assert set(_run(workers=1)) == {(700, 0)}
    assert gc.get_threshold() == (700, 10, 10)


@pytest.mark.usefixtures("collector")
def test_objects_a_process_froze_itself_stay_frozen_after_a_batch() -> None:
    gc.freeze()  # as the API does once the law is loaded
    frozen = gc.get_freeze_count()
    states = _run(workers=2)
    # (Counts only fall as frozen objects are freed; unfreezing would make them 0.)
    assert all(count > frozen // 2 for _, count in states)
    assert gc.get_freeze_count() > frozen // 2


def test_batches_in_workers_give_the_hits_of_one_process(loaded_store: ListStore) -> None:
    from openatt.screening import matcher_for

    queries = [Query(name) for name in NAMES] * 3
    matcher = matcher_for(loaded_store)
    one = screen_queries(matcher, queries, workers=1, chunk_size=3, group=True)
    two = screen_queries(matcher, queries, workers=2, chunk_size=3, group=True)
    assert [[(h.listings, h.score) for h in row] for row in two] == [
        [(h.listings, h.score) for h in row] for row in one
    ]
    assert any(row for row in one)
