"""Batches, fourth round, second part: what the index now stores gives exactly what was
worked out per query before.

* Each vocabulary token's skeleton and vowel frame are written at build (index format 5) and
  read by the similarity matrix: on the real lists they are the token's own, and the matrix
  and the hits made with them are those made with the keys worked out per query.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from openatt.screening import ListStore, Matcher, Query, normalise, scoring
from openatt.screening.index import FORMAT, CandidateIndex
from openatt.screening.matcher import build_stored, open_stored


def _worked_out(
    index: CandidateIndex, ids: Sequence[int]
) -> list[tuple[str, normalise.VowelFrame]]:
    """The reference: each token's keys computed from its spelling, as before format 5."""
    return [
        (normalise.skeleton(t), normalise.vowel_frame(t)) for t in (index.vocab.get(i) for i in ids)
    ]


def test_every_listed_token_has_its_own_skeleton_and_vowel_frame(matcher: Matcher) -> None:
    checked = 0
    for item in matcher._lists:
        index = item.index
        real = np.zeros(len(index.idf), dtype=bool)
        real[index.name_tok] = True
        ids = np.flatnonzero(real).tolist()
        assert index.token_keys(ids) == _worked_out(index, ids)
        checked += len(ids)
        # Tokens no name holds (the joined tokens a name is also found by) have no keys.
        assert all(index.keys.get(i) == "" for i in np.flatnonzero(~real).tolist())
    assert checked > 25_000


def test_the_key_text_reads_back_as_written() -> None:
    for token in ("hossein", "husayn", "mhmd", "aaaa", "zzz", "b", "1990", "deyhim", "ouou"):
        text = normalise.token_key_text(token)
        assert normalise.token_keys_of_text(text) == (
            normalise.skeleton(token),
            normalise.vowel_frame(token),
        ), token
        assert normalise.token_key_text(token, normalise.skeleton(token)) == text


def test_a_saved_index_maps_the_keys_it_was_built_with(
    tmp_path: Path, loaded_store: ListStore
) -> None:
    list_id = loaded_store.list_ids()[0]
    metadata = loaded_store.metadata(list_id)
    folder = loaded_store.version_folder(list_id, metadata.version)
    built = build_stored(folder, metadata, tmp_path / "index")
    opened = open_stored(folder, metadata, tmp_path / "index")
    assert opened is not None
    assert f'"format": {FORMAT}' in (tmp_path / "index" / "meta.json").read_text("utf-8")
    assert bytes(opened.index.keys.data) == bytes(built.index.keys.data)
    assert np.array_equal(opened.index.keys.offsets, built.index.keys.offsets)
    ids = np.unique(opened.index.name_tok).tolist()
    assert opened.index.token_keys(ids) == _worked_out(opened.index, ids)


def _respelt(token: str, rng: random.Random) -> str:
    """Another spelling: a vowel changed or a letter doubled (skeleton and vowel rules)."""
    vowels = [n for n, c in enumerate(token) if c in "aeiou"]
    if vowels and rng.random() < 0.7:
        n = rng.choice(vowels)
        return token[:n] + rng.choice("aeiou") + token[n + 1 :]
    n = rng.randrange(len(token))
    return token[:n] + token[n] + token[n:]


def test_the_matrix_with_stored_keys_is_the_matrix_with_worked_out_keys(
    matcher: Matcher,
) -> None:
    rng = random.Random(16)
    _, skeleton_value, *_ = scoring._name_parameters()
    vowel_value = scoring._v3_rules()[0]
    ruled = 0
    for item in matcher._lists:
        index = item.index
        for _ in range(150):
            names = sorted(rng.sample(range(index.name_count), min(40, index.name_count)))
            columns: dict[str, int] = {}
            ids: list[int] = []
            # One gather of the names' tokens gives the weights too: the same weights.
            assert index.weights_of(index.names_tokens(names)) == index.names_weights(names)
            for tokens in index.names_tokens(names):
                for token_id in tokens:
                    token = index.vocab.get(token_id)
                    if token not in columns:
                        columns[token] = len(columns)
                        ids.append(token_id)
            listed = list(columns)
            query = tuple(_respelt(t, rng) for t in rng.sample(listed, min(4, len(listed))))
            variants = {query[0]: (query[0][::-1],)}  # a reading's rows use the keys too
            stored = scoring.similarity_matrix(query, listed, variants, index.token_keys(ids))
            plain = scoring.similarity_matrix(query, listed, variants, _worked_out(index, ids))
            assert np.array_equal(stored, plain)
            ruled += int(np.isin(stored, [skeleton_value, vowel_value]).sum())
    assert ruled > 50  # the skeleton and vowel rules were met, not only edit similarities


def test_hits_with_stored_keys_are_the_hits_with_worked_out_keys(
    matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(61)
    queries: list[Query] = []
    for item in matcher._lists:
        index = item.index
        for name in rng.sample(range(index.name_count), min(60, index.name_count)):
            tokens = [index.vocab.get(t) for t in index.names_tokens([name])[0]]
            queries.append(Query(name=" ".join(_respelt(t, rng) for t in tokens)))
    stored = [matcher.screen(q, threshold=0.6) for q in queries]
    monkeypatch.setattr(CandidateIndex, "token_keys", lambda self, ids: _worked_out(self, ids))
    plain = [matcher.screen(q, threshold=0.6) for q in queries]
    assert stored == plain
    assert sum(len(h) for h in stored) > 50
