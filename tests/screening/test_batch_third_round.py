"""Batches, third round: the faster paths give exactly what the plain ones gave.

* the batch's JSON is written by :func:`openatt.screening.batch_json.dumps_indented`, which
  must be ``json.dumps(..., ensure_ascii=False, indent=2)`` byte for byte;
* identical queries of a batch are screened once and their hits copied to every place;
* the greedy alignment leaves the pairs under the token floor out before sorting.
"""

from __future__ import annotations

import json
import random
from typing import Any

import numpy as np
import pytest

from openatt.screening import ListStore, Matcher, Query, screen_queries
from openatt.screening.algorithm import parameters
from openatt.screening.batch_json import dumps_indented, join_results
from openatt.screening.scoring import NameMatch, aligned_similarity, similarity_matrix
from openatt.screening.service import screen_queries_json

QUERIES = (
    Query("Viktor Vasilyevich ZOLOTOV"),
    Query("Wiktor Wassiljewitsch Solotow", birth_date="1954"),
    Query("Fatemeh Mohammadi", country="Iran"),
    Query("Qasim Soleimani", kind="person"),
    Query("Aerospace Trading LLC", kind="organization"),
    Query("Jane Plain Nobody"),
)


def _document(queries: list[Query], results: list[list[Any]]) -> dict[str, Any]:
    """The document `openatt screen --file --format json` writes."""
    return {
        "results": [
            {"query": query.to_json(), "hits": [hit.to_json() for hit in hits]}
            for query, hits in zip(queries, results, strict=True)
        ]
    }


def test_batch_json_is_json_dumps_byte_for_byte_on_real_hits(
    matcher: Matcher,
) -> None:
    queries = list(QUERIES)
    results = screen_queries(matcher, queries, group=True)
    document = _document(queries, results)
    assert sum(len(row) for row in results) >= 3  # real hits, with explanations
    assert any("also_listed" in hit for item in document["results"] for hit in item["hits"])
    assert dumps_indented(document) == json.dumps(document, ensure_ascii=False, indent=2)


@pytest.mark.parametrize(
    "value",
    [
        {},
        [],
        {"a": {}, "b": [], "c": [[]], "d": [{}]},
        {"é": 'Ζολότοφ "quoted" \\ back\nline\t\u2028', "n": None, "t": True, "f": False},
        {"ints": [0, -1, 10**30], "floats": [0.1, -0.0, 1e-300, 1.5e300, 0.7071067811865476]},
        {"odd": [float("nan"), float("inf"), -float("inf")]},
        ("tuple", ("nested", 1)),
        "plain",
        3,
    ],
)
def test_batch_json_matches_json_dumps_on_edge_values(value: Any) -> None:
    assert dumps_indented(value) == json.dumps(value, ensure_ascii=False, indent=2)


def test_batch_json_leaves_what_it_does_not_know_to_json_dumps() -> None:
    # Keys json converts (numbers, None, booleans) and str subclasses go to json.dumps.
    class Label(str):
        pass

    value = {1: "one", None: [Label("x")], False: 2.5, "k": {Label("y"): 1}}
    assert dumps_indented(value) == json.dumps(value, ensure_ascii=False, indent=2)
    with pytest.raises(TypeError):
        dumps_indented({"bad": object()})


def test_identical_queries_are_screened_once_and_reported_everywhere(
    loaded_store: ListStore, matcher: Matcher
) -> None:
    queries = [QUERIES[0], QUERIES[1], QUERIES[0], QUERIES[2], QUERIES[0], QUERIES[1]]
    # Same name, other options: not the same query.
    queries.append(Query(QUERIES[0].name, birth_date="1990-01-01", country="France"))
    screened: list[int] = []
    original = Matcher.screen

    def counting(self: Matcher, query: Query, *args: Any, **kwargs: Any) -> list[Any]:
        screened.append(1)
        return original(self, query, *args, **kwargs)

    advanced: list[int] = []
    Matcher.screen = counting  # type: ignore[method-assign]
    try:
        batch = screen_queries(matcher, queries, group=True, progress=advanced.append)
    finally:
        Matcher.screen = original  # type: ignore[method-assign]
    assert len(screened) == 4  # four different queries
    assert sum(advanced) == len(queries)
    single = [matcher.screen(q, group=True) for q in queries]
    assert [[h.to_json() for h in row] for row in batch] == [
        [h.to_json() for h in row] for row in single
    ]
    assert batch[0] and batch[0] == batch[2] and batch[0] is not batch[2]
    assert [h.to_json() for h in batch[6]] != [h.to_json() for h in batch[0]]


def _reference_alignment(
    query: list[str],
    listed: list[str],
    rows: list[list[float]],
    c_weights: list[float],
    q_weights: list[float],
) -> tuple[float, list[tuple[str, str, float]]]:
    """The greedy alignment as it was written before (every pair sorted), for comparison."""
    cfg = parameters().name
    options = sorted(
        ((s, i, j) for i, row in enumerate(rows) for j, s in enumerate(row)), reverse=True
    )
    used_q: set[int] = set()
    used_c: set[int] = set()
    pairs = []
    covered = 0.0
    for s, i, j in options:
        if s < cfg.token_floor:
            break
        if i in used_q or j in used_c:
            continue
        used_q.add(i)
        used_c.add(j)
        covered += s * c_weights[j]
        pairs.append((query[i], listed[j], round(s, 3)))
    total_q = sum(c_weights[j] for j in used_c) + sum(
        q_weights[i] for i in range(len(query)) if i not in used_q
    )
    last = len(listed) - 1
    total_c = sum(
        w * (cfg.unmatched_middle_factor if 0 < j < last and j not in used_c else 1.0)
        for j, w in enumerate(c_weights)
    )
    aligned = cfg.query_side * (covered / total_q if total_q else 0.0) + cfg.listed_side * (
        covered / total_c if total_c else 0.0
    )
    return aligned, pairs


def test_alignment_without_the_pairs_under_the_floor_is_the_full_alignment() -> None:
    rng = random.Random(16)
    floor = parameters().name.token_floor
    levels = [0.0, 0.3, floor - 1e-9, floor, floor + 0.05, 0.8, 0.85, 0.9, 1.0]
    for _ in range(3000):
        query = [f"q{i}" for i in range(rng.randint(1, 4))]
        listed = [f"c{j}" for j in range(rng.randint(1, 5))]
        rows = [[rng.choice(levels) for _ in listed] for _ in query]  # many ties
        c_weights = [rng.choice([0.7, 1.3, 4.2]) for _ in listed]
        q_weights = [rng.choice([0.7, 1.3, 4.2]) for _ in query]
        got = aligned_similarity(query, listed, rows, c_weights, q_weights)
        assert isinstance(got, NameMatch)
        aligned, pairs = _reference_alignment(query, listed, rows, c_weights, q_weights)
        if got.method == "token alignment":
            assert got.score == aligned  # bit for bit
            assert got.pairs == pairs
        else:
            assert got.score > aligned  # the compact form won, as before


def test_batch_json_written_in_workers_is_the_document_of_the_hits(
    loaded_store: ListStore, matcher: Matcher
) -> None:
    queries = [*QUERIES, QUERIES[0], QUERIES[2]]
    results = [matcher.screen(q, group=True) for q in queries]
    expected = json.dumps(_document(queries, results), ensure_ascii=False, indent=2)
    for workers in (1, 2):
        written = screen_queries_json(matcher, queries, workers=workers, chunk_size=2, group=True)
        assert written == expected
    assert screen_queries_json(matcher, []) == json.dumps({"results": []}, indent=2)


def test_batch_json_nested_items_fall_back_with_their_indentation() -> None:
    items = [{"a": [1, {"b": None}]}, {1: ["numeric key"]}]  # the second falls back
    written = join_results([dumps_indented(item, 2) for item in items])
    assert written == json.dumps({"results": items}, ensure_ascii=False, indent=2)


def _reference_matrix(
    query: list[str], listed: list[str], variants: dict[str, tuple[str, ...]]
) -> list[list[float]]:
    """The similarity matrix as it was computed before: one cdist per token's readings."""
    from openatt.screening import scoring

    prepared = scoring._Listed(listed)
    matrix = scoring._token_matrix(query, prepared)
    factor = parameters().name.romanised_factor
    for i, q in enumerate(query):
        readings = variants.get(q)
        if readings:
            row = matrix[i]
            romanised = factor * scoring._token_matrix(readings, prepared).max(axis=0)
            matrix[i] = np.where(row < 1.0, np.maximum(row, romanised), row)
    rows: list[list[float]] = matrix.tolist()
    return rows


def test_query_tokens_and_their_readings_in_one_matrix_give_the_matrices_one_by_one(
    matcher: Matcher,
) -> None:
    from openatt.screening.normalise import name_tokens
    from openatt.screening.romanise import romanised_variants

    index = matcher._lists[0].index
    listed = sorted({index.vocab.get(i) for i in range(0, len(index.idf), 37)})[:400]
    queries = [
        "Wiktor Wassiljewitsch Solotow",
        "Fatemeh Mohammadi Hossein",
        "Jurij Tschernow 7605",
        "A Wladimir Putin",
        "Aerospace Trading",
    ]
    compared = 0
    for name in queries:
        tokens = list(name_tokens(name))
        variants = {t: romanised_variants(t) for t in tokens}
        assert any(variants.values()) or name == "Aerospace Trading"
        for start in range(0, len(listed), 40):
            columns = listed[start : start + 40] + tokens[:1]
            got = similarity_matrix(tokens, columns, variants).tolist()
            assert got == _reference_matrix(tokens, columns, variants)  # bit for bit
            compared += 1
    assert compared >= 40
