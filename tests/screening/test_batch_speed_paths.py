"""The faster paths of a batch compute what the plain ones did, value for value.

Speed work on screening must not change a hit or a score. These tests hold each shortcut to
the formulation it replaced, on the index of a real list (OFAC SDN, 2021):
the candidate ranking (a stable sort of posting runs instead of ``np.unique`` and
``np.bincount``), the three prefilter texts kept in one entry per name, the names' weights
gathered at once, the skeleton keys hashed in one pass, and the entities kept after a read.
``benchmarks/screening_same_hits.py`` compares whole outputs against another commit.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from openatt.screening import ListStore, Query
from openatt.screening.algorithm import parameters
from openatt.screening.index import CandidateIndex, fnv1a
from openatt.screening.matcher import _ENTITIES_KEPT, ListIndex, Matcher, load_or_build
from openatt.screening.matcher import rules_fingerprint as fingerprint
from openatt.screening.normalise import name_tokens, skeleton, skeleton_keys
from openatt.screening.romanise import romanised_variants

NAMES = (
    "Emraan Ali",
    "Mohammad Ali Ahmad",
    "Abdul Rahman Mohammed",
    "Wiktor Wassiljewitsch Solotow",
    "Islamic Revolutionary Guard Corps",
    "Hassan Hussein",
    "Fatemeh Mohammadi",
    "al Qaida",
    "Kim Jong Un",
    "Ali",
)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory, lists_dir: Path) -> ListIndex:
    """The OFAC SDN list as a stored list version's index, built and written."""
    store = ListStore(tmp_path_factory.mktemp("speed"))
    report = store.import_file(lists_dir / "ofac-sdn-csv-2021/sdn.csv")
    folder = store.version_folder(report.metadata.list_id, report.metadata.version)
    return load_or_build(folder, report.metadata, folder / f"index-{fingerprint()}")


def _ranked_as_before(
    index: CandidateIndex, tokens: tuple[str, ...], variants: dict[str, tuple[str, ...]]
) -> list[int] | None:
    """The candidate ranking as it was written before the stable-sort shortcut (None where
    fewer than two token groups are ranked: that path did not change)."""
    cfg = parameters().candidates
    keys = list(dict.fromkeys(tokens)) + (["".join(tokens)] if len(tokens) > 1 else [])
    groups = [g for t in keys if (g := index.token_postings(t, variants.get(t, ()))) is not None]
    cap = max(int(index.name_count * cfg.common_token_share), cfg.max_names)
    usable = [g for g in groups if len(g[1]) <= cap] or sorted(groups, key=lambda g: len(g[1]))[:2]
    if len(usable) < 2:
        return None
    ids = np.concatenate([g[1] for g in usable])
    weights = np.concatenate([np.full(len(g[1]), g[0], dtype=np.float32) for g in usable])
    unique, inverse = np.unique(ids, return_inverse=True)
    scores: npt.NDArray[np.float64] = np.bincount(inverse, weights=weights).astype(np.float64)
    scores = scores - 0.01 * np.abs(index.name_lengths[unique] - len(tokens))
    limit = cfg.max_names
    if len(unique) > limit:
        top = np.argpartition(-scores, limit)[:limit]
        top = top[np.argsort(-scores[top])]
    else:
        top = np.argsort(-scores)
    found: list[int] = unique[top].tolist()
    return found


def test_candidates_are_ranked_as_np_unique_and_bincount_ranked_them(indexed: ListIndex) -> None:
    index = indexed.index
    cfg = parameters().candidates
    compared = 0
    for text in NAMES:
        tokens = name_tokens(text)
        variants = {t: romanised_variants(t) for t in tokens if index.token_id(t) is None}
        expected = _ranked_as_before(index, tokens, variants)
        if expected is None:
            continue
        found = index.candidates(tokens, cfg.max_names, cfg.common_token_share, variants)
        assert found == expected, text
        compared += 1
    assert compared >= 6  # most of the queries rank names reached through several tokens


def test_each_name_holds_its_sorted_plain_and_skeleton_texts(indexed: ListIndex) -> None:
    index = indexed.index
    numbers = list(range(0, index.name_count, max(1, index.name_count // 500)))
    texts = index.texts.pick(numbers)
    assert len(texts) == 3 * len(numbers)
    for at, name_id in enumerate(numbers):
        entity = index.entity(int(index.name_entity[name_id]))
        tokens = name_tokens(entity.names[int(index.name_position[name_id])].value)
        assert texts[3 * at : 3 * at + 3] == [
            " ".join(sorted(tokens)),
            " ".join(tokens),
            " ".join(sorted(skeleton(t) for t in tokens)),
        ]


def test_names_weights_are_each_names_weights(indexed: ListIndex) -> None:
    index = indexed.index
    names = [0, 7, index.name_count // 2, index.name_count - 1, 7]
    assert index.names_weights(names) == [index.name_weights(n) for n in names]
    assert index.names_weights([]) == []


def test_skeleton_keys_are_hashed_as_fnv1a_one_by_one(indexed: ListIndex) -> None:
    index = indexed.index
    for token_id in np.unique(index.name_tok)[::97].tolist():
        token = index.vocab.get(token_id)
        for key in skeleton_keys(token):
            hashed = np.uint64(fnv1a(key))
            lo = int(np.searchsorted(index.skel_hash, hashed, side="left"))
            hi = int(np.searchsorted(index.skel_hash, hashed, side="right"))
            assert token_id in index.skel_tok[lo:hi].tolist(), key


def test_entities_kept_after_a_read_are_the_entities_on_disk(indexed: ListIndex) -> None:
    source = indexed.index.entity
    first = source(3)
    assert source(3) is first  # kept
    path = source.path  # type: ignore[attr-defined]
    with path.open("rb") as handle:
        lines = [line for line in handle if line.strip()]
    assert first.to_json() == json.loads(lines[3])
    for number in range(_ENTITIES_KEPT + 2):  # past the bound, the store starts afresh
        source(number % indexed.index.entity_count)
    assert len(source._read) <= _ENTITIES_KEPT  # type: ignore[attr-defined]


def test_entities_below_the_threshold_get_no_hit_and_hits_keep_their_explanation(
    indexed: ListIndex,
) -> None:
    matcher = Matcher([indexed])
    low = matcher.screen(Query("Emraan Ali"), threshold=0.5)
    high = matcher.screen(Query("Emraan Ali"), threshold=0.9)
    assert high and len(low) > len(high)
    assert all(h.score >= 0.9 for h in high)
    assert [h.entity_id for h in high] == [h.entity_id for h in low if h.score >= 0.9]
    for hit in low:
        assert hit.explanation["score"] == hit.score
        assert hit.explanation["features"][0]["feature"] == "name"
