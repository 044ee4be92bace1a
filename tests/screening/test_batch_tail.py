"""Batches, eighth round: the last queries of a batch go to the workers in smaller chunks,
so that the workers end together; the cut changes no hit, and a batch that fits one chunk
still runs in this process."""

from __future__ import annotations

import os

from conftest import wrong_when_run_at_once
from openatt.screening import ListStore, Query, matcher_for, screen_queries
from openatt.screening.service import _TAIL_SPLIT, _batch, _chunks


def _queries(count: int) -> list[Query]:
    return [Query(f"Party {n}") for n in range(count)]


def test_the_last_chunks_worth_is_cut_smaller_and_nothing_is_lost_or_reordered() -> None:
    queries = _queries(1_000)
    chunks = _chunks(queries, 64, 2)
    assert [q for chunk in chunks for q in chunk] == queries
    sizes = [len(chunk) for chunk in chunks]
    # 1,000 - 128 = 872 in chunks of 64 (the last of them 40), then 128 in chunks of 8.
    assert sizes == [64] * 13 + [40] + [64 // _TAIL_SPLIT] * 16
    assert _chunks(queries, 64, 1) == [queries[i : i + 64] for i in range(0, 1_000, 64)]
    assert [len(c) for c in _chunks(queries[:100], 64, 2)] == [8] * 12 + [4]
    assert _chunks(queries[:5], 4, 2) == [[q] for q in queries[:5]]


def _pid(state: object, chunk: list[Query]) -> list[int]:
    return [os.getpid() for _ in chunk]


def test_a_batch_of_one_chunk_is_not_forked_and_progress_counts_every_query() -> None:
    for count, forked in ((64, False), (65, True)):
        seen: list[int] = []
        results, slots = _batch(
            None,  # type: ignore[arg-type]  # _pid needs no matcher
            _queries(count) + _queries(3),  # three repeated: screened once
            (None, None, False),
            _pid,
            _pid,
            2,
            seen.append,
            64,
        )
        assert len(results) == count and len(slots) == count + 3
        assert (os.getpid() not in results) is forked
        assert sum(seen) == count + 3


def _addresses(state: object, chunk: list[Query]) -> list[int]:
    return [id(query) for query in chunk]


def test_the_workers_read_the_queries_they_were_forked_with_not_pickled_copies() -> None:
    """A worker is sent a chunk's number, not the chunk: its queries are the parent's objects
    at the parent's addresses (a fork keeps them), not copies unpickled in the worker."""
    queries = _queries(300)
    results, slots = _batch(
        None,  # type: ignore[arg-type]  # _addresses needs no matcher
        queries,
        (None, None, False),
        _addresses,
        _addresses,
        2,
        None,
        64,
    )
    assert results == [id(query) for query in queries] and slots == list(range(300))


def test_threads_screening_at_once_each_screen_with_their_own_threshold_and_lists(
    loaded_store: ListStore,
) -> None:
    """A server screens its requests in threads. A batch in the calling process read its
    threshold, lists and grouping from one module variable, so two requests at once could
    screen with each other's (found 2026-12-06: a request at 0.5 got the hits of 0.97). Each
    batch is now handed its own."""
    names = ("Emraan Ali", "Viktor Vasilyevich ZOLOTOV", "Qasim Soleimani", "Jane Plain Nobody")
    queries = [Query(f"{name} {n}") for n in range(80) for name in names]
    matcher = matcher_for(loaded_store)
    options = {
        "low": {"threshold": 0.5},
        "high": {"threshold": 0.97, "lists": [loaded_store.list_ids()[0]], "group": True},
    }

    def hits(kind: str) -> list[list[tuple[str, float]]]:
        found = screen_queries(matcher, queries, chunk_size=16, **options[kind])  # type: ignore[arg-type]
        return [[(h.entity_id, h.score) for h in row] for row in found]

    alone = {kind: hits(kind) for kind in options}
    assert alone["low"] != alone["high"]
    wrong = wrong_when_run_at_once(alone, hits, rounds=4)  # type: ignore[arg-type]
    assert not wrong, wrong
