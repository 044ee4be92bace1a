"""Batches: looking a whole batch's tokens up at once gives what one query at a time gives."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from openatt.screening import ListStore, Matcher, Query, screen_queries
from openatt.screening.matcher import load_or_build, rules_fingerprint

NAMES = (
    "Emraan Ali",
    "Wiktor Wassiljewitsch Solotow",  # German romanisation: read through other conventions
    "Viktor Vasilyevich ZOLOTOV",
    "Elena LENSKAYA",
    "Fatemeh Mohammadi",
    "Mohammad Hossein Tikriti",
    "Qasim Soleimani",
    "Abdulrahman Al Qaida",
    "Aerospace Trading LLC",
    "Jane Plain Nobody",
    "x",
)


def _mapped(store: ListStore) -> Matcher:
    """A matcher over freshly mapped indexes (empty caches), as a new process has."""
    opened = []
    for list_id in store.list_ids():
        version = store.current_version(list_id) or ""
        folder = store.version_folder(list_id, version)
        target = folder / f"index-{rules_fingerprint()}"
        opened.append(load_or_build(folder, store.metadata(list_id, version), target))
    return Matcher(opened)


def _flat(hits: list[list[object]]) -> list[list[tuple[str, str, float]]]:
    return [[(h.list_id, h.entity_id, h.score) for h in row] for row in hits]  # type: ignore[attr-defined]


def test_prefetched_postings_equal_those_looked_up_one_token_at_a_time(
    loaded_store: ListStore,
) -> None:
    queries = [Query(name) for name in NAMES]
    one_by_one = _mapped(loaded_store)
    expected = [one_by_one.screen(q) for q in queries]
    batched = _mapped(loaded_store)
    batched.prefetch(queries)
    prepared = [dict(item.index._similar) for item in batched._lists]
    assert any(prepared)
    got = [batched.screen(q) for q in queries]
    assert _flat(got) == _flat(expected)  # type: ignore[arg-type]
    assert any(row for row in got)
    for before, reference, item in zip(prepared, one_by_one._lists, batched._lists, strict=True):
        assert item.index._similar.keys() == before.keys()  # nothing left to look up
        cached = reference.index._similar
        for key, value in before.items():
            assert (value is None) == (cached[key] is None), key
            if value is not None and cached[key] is not None:
                assert value[0] == cached[key][0]  # type: ignore[index]
                assert np.array_equal(value[1], cached[key][1])  # type: ignore[index]


def test_batches_in_workers_give_the_hits_of_single_queries(loaded_store: ListStore) -> None:
    queries = [Query(name) for name in NAMES] * 3
    matcher = _mapped(loaded_store)
    single = [matcher.screen(q, group=True) for q in queries]
    for workers in (1, 2):
        batch = screen_queries(
            _mapped(loaded_store), queries, workers=workers, chunk_size=4, group=True
        )
        assert [[h.listings for h in row] for row in batch] == [
            [h.listings for h in row] for row in single
        ]
        assert _flat(batch) == _flat(single)  # type: ignore[arg-type]


def test_legal_form_spellings_do_not_depend_on_the_process(tmp_path: Path) -> None:
    """A misspelt legal form is read as the same form in every process (string hashing is
    randomised per process; the table must not depend on a set's iteration order)."""
    code = (
        "from openatt.screening.normalise import name_tokens, _form_words;"
        "print(name_tokens('FLEURETTE PROPERTIES LIMITEt'), sorted(_form_words().items()))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in range(1, 7)
    }
    assert len(outputs) == 1
    assert outputs.pop().startswith("('fleurette', 'properties')")
