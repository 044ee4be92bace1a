"""The candidate index of one list version, built once and kept in memory.

Every name of every entity is normalised to tokens. Retrieval looks a query token up three
ways: exactly, within one edit (a deletion neighbourhood: each vocabulary token is filed under
itself and every string one deletion away, so one lookup per query deletion finds insertions,
deletions, substitutions and transpositions), and by consonant skeleton (transliteration
variants). The names those tokens occur in are ranked by the rarity of the query tokens they
share; only the best few hundred are scored. No query ever scans the list.
"""

from __future__ import annotations

import gc
import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from openatt.screening.model import ListEntity, NameKind
from openatt.screening.normalise import name_tokens, skeleton_keys, token_weight_factor

MIN_FUZZY_LENGTH = 4
_SIMILAR_CACHE = 100_000
_MAX_SKELETON_FANOUT = 64


def deletions(token: str) -> set[str]:
    """The token and every string one deletion away (only for tokens of 4+ characters)."""
    if len(token) < MIN_FUZZY_LENGTH:
        return {token}
    return {token} | {token[:i] + token[i + 1 :] for i in range(len(token))}


@dataclass(slots=True)
class IndexedName:
    entity: int
    value: str
    kind: NameKind
    tokens: tuple[str, ...]
    sorted_text: str
    compact: str
    weights: tuple[float, ...] = ()


class CandidateIndex:
    """Token, edit-neighbourhood and skeleton lookup over all names of one list version."""

    def __init__(self, entities: list[ListEntity]) -> None:
        # Hundreds of thousands of small containers: the cyclic GC would rescan them all
        # repeatedly while they are created, and none of them forms a cycle.
        enabled = gc.isenabled()
        gc.disable()
        try:
            self._build(entities)
        finally:
            if enabled:
                gc.enable()

    def _build(self, entities: list[ListEntity]) -> None:
        self.entities = entities
        self.names: list[IndexedName] = []
        postings: dict[str, list[int]] = defaultdict(list)
        for number, entity in enumerate(entities):
            seen: set[tuple[str, ...]] = set()
            for name in entity.names:
                tokens = name_tokens(name.value)
                if not tokens or tokens in seen:
                    continue
                seen.add(tokens)
                name_id = len(self.names)
                self.names.append(
                    IndexedName(
                        number,
                        name.value,
                        name.kind,
                        tokens,
                        " ".join(sorted(tokens)),
                        "".join(tokens),
                    )
                )
                keys = set(tokens)
                if len(tokens) > 1:
                    keys.add("".join(tokens))
                for token in keys:
                    postings[token].append(name_id)
        self.vocabulary: list[str] = list(postings)
        self.token_ids = {token: i for i, token in enumerate(self.vocabulary)}
        # Name ids were appended in ascending order, once per name: already sorted and unique.
        self.postings: list[npt.NDArray[np.int32]] = [
            np.asarray(postings[token], dtype=np.int32) for token in self.vocabulary
        ]
        total = max(len(self.names), 1)
        self.idf = np.array([math.log(1 + total / len(p)) for p in self.postings], dtype=np.float32)
        self.max_idf = float(math.log(1 + total))
        idf = self.idf.tolist()
        ids = self.token_ids
        for indexed in self.names:
            indexed.weights = tuple(
                idf[ids[token]] * token_weight_factor(token) for token in indexed.tokens
            )
        edits: dict[str, list[int]] = defaultdict(list)
        skeletons: dict[str, list[int]] = defaultdict(list)
        for token_id, token in enumerate(self.vocabulary):
            for key in deletions(token):
                edits[key].append(token_id)
            for key in skeleton_keys(token):
                skeletons[key].append(token_id)
        self._similar: dict[str, tuple[float, npt.NDArray[np.int32]] | None] = {}
        self.sorted_texts = [name.sorted_text for name in self.names]
        self.plain_texts = [" ".join(name.tokens) for name in self.names]
        self.name_lengths = np.array([len(name.tokens) for name in self.names], dtype=np.int16)
        self.edits = {k: tuple(v) for k, v in edits.items()}
        self.skeletons = {k: tuple(v) for k, v in skeletons.items()}

    def similar_tokens(self, token: str) -> tuple[int, ...]:
        """Vocabulary tokens equal to, one edit from, or with the skeleton of ``token``.

        A skeleton shared by very many vocabulary tokens (short ones, such as "mr") says
        little and is not used for retrieval."""
        found: set[int] = set()
        for key in deletions(token):
            found.update(self.edits.get(key, ()))
        for key in skeleton_keys(token):
            matches = self.skeletons.get(key, ())
            if len(matches) <= _MAX_SKELETON_FANOUT:
                found.update(matches)
        return tuple(found)

    def token_postings(self, token: str) -> tuple[float, npt.NDArray[np.int32]] | None:
        """(rarity weight, names) for every vocabulary token similar to ``token``.

        Remembered per token: query tokens such as common given names recur all the time."""
        cached = self._similar.get(token)
        if cached is not None or token in self._similar:
            return cached
        matched = self.similar_tokens(token)
        result: tuple[float, npt.NDArray[np.int32]] | None = None
        if matched:
            arrays = [self.postings[t] for t in matched]
            weight = float(self.idf[list(matched)].max())
            # Not de-duplicated: a name reached through two spellings of one query token
            # counts a little more, which only affects the order of candidates.
            result = (weight, arrays[0] if len(arrays) == 1 else np.concatenate(arrays))
        if len(self._similar) < _SIMILAR_CACHE:
            self._similar[token] = result
        return result

    def idf_of(self, token: str) -> float:
        token_id = self.token_ids.get(token)
        return float(self.idf[token_id]) if token_id is not None else self.max_idf

    def candidates(self, tokens: tuple[str, ...], limit: int, common_share: float) -> list[int]:
        """Name ids sharing (approximately) the rarest query tokens, best first."""
        keys = set(tokens)
        if len(tokens) > 1:
            keys.add("".join(tokens))
        groups = [found for token in keys if (found := self.token_postings(token)) is not None]
        if not groups:
            return []
        cap = max(int(len(self.names) * common_share), limit)
        usable = [g for g in groups if len(g[1]) <= cap]
        if not usable:
            # Only common tokens ("Mohammad Ali Ahmad"): rank by the two rarest together.
            usable = sorted(groups, key=lambda g: len(g[1]))[:2]
        wanted = len(tokens)
        if len(usable) == 1:
            # Every candidate shares one token: prefer names of the query's length, and let
            # the scorer's fast prefilter rank them.
            ids = usable[0][1]
            if len(ids) > limit * 2:
                gap = np.abs(self.name_lengths[ids] - wanted)
                ids = ids[np.argsort(gap, kind="stable")[: limit * 2]]
            return [int(i) for i in ids]
        ids = np.concatenate([g[1] for g in usable])
        weights = np.concatenate([np.full(len(g[1]), g[0], dtype=np.float32) for g in usable])
        unique, inverse = np.unique(ids, return_inverse=True)
        scores: npt.NDArray[np.float64] = np.bincount(inverse, weights=weights).astype(np.float64)
        # Between names sharing the same tokens, prefer those of the query's length.
        scores = scores - 0.01 * np.abs(self.name_lengths[unique] - wanted)
        if len(unique) > limit:
            top = np.argpartition(-scores, limit)[:limit]
            top = top[np.argsort(-scores[top])]
        else:
            top = np.argsort(-scores)
        return [int(i) for i in unique[top]]
