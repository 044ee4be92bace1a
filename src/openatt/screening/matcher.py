"""Screening names against loaded lists with the openatt-match-v1 algorithm.

A :class:`Matcher` holds one :class:`~openatt.screening.index.CandidateIndex` per list version
(built on first use, then reused for every query). For each query and list it retrieves a few
hundred candidate names from the index, ranks them with a fast rapidfuzz prefilter (on the
names and on their consonant skeletons, so transliterations survive it), aligns the best few
token by token (:mod:`openatt.screening.scoring`), adds the birth-date, country, identifier and
kind features and keeps entities at or above the threshold. Every hit carries its explanation.
"""

from __future__ import annotations

import hashlib
import operator
import os
import pickle
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from openatt.screening import scoring
from openatt.screening.importers._common import script_of
from openatt.screening.index import CandidateIndex
from openatt.screening.model import ListEntity
from openatt.screening.normalise import name_tokens, skeleton
from openatt.screening.scoring import ALGORITHM, Query, config
from openatt.screening.store import ListMetadata, LoadedList


@dataclass(slots=True)
class Hit:
    """One listed entity a query matched, with everything an officer needs to judge it."""

    list_id: str
    list_version: str
    authority: str
    entity_id: str
    matched_name: str
    score: float
    programme: str | None
    listed_on: str | None
    explanation: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "list": self.list_id,
            "entity_id": self.entity_id,
            "matched_name": self.matched_name,
            "score": self.score,
            "explanation": self.explanation,
        }


class ListIndex:
    """The candidate index of one list version with what the prefilter needs."""

    def __init__(self, loaded: LoadedList) -> None:
        self.metadata: ListMetadata = loaded.metadata
        self.index = CandidateIndex(loaded.entities)
        self.skeleton_texts = [
            " ".join(sorted(skeleton(t) for t in name.tokens)) for name in self.index.names
        ]


def rules_fingerprint() -> str:
    """Identifies the algorithm and the rule data an index was built with: a cached index
    built under other rules must not be reused."""
    digest = hashlib.sha256(ALGORITHM.encode())
    for name in ("name_rules.yaml", "match_v1.yaml"):
        digest.update(resources.files("openatt.screening").joinpath(f"data/{name}").read_bytes())
    return digest.hexdigest()[:16]


def load_or_build(version: str, load: Callable[[], LoadedList], cache: Path | None) -> ListIndex:
    """A list version's index from ``cache`` (a file beside the stored version, written by
    openatt itself), or built from ``load()`` and written there. A cache that cannot be read,
    or that belongs to another version, is rebuilt."""
    if cache is not None and cache.exists():
        try:
            with cache.open("rb") as handle:
                cached = pickle.load(handle)
            if isinstance(cached, ListIndex) and cached.metadata.version == version:
                return cached
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            pass
    built = ListIndex(load())
    if cache is not None:
        temporary = cache.with_name(cache.name + ".tmp")
        try:
            with temporary.open("wb") as handle:
                pickle.dump(built, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, cache)
        except OSError:
            temporary.unlink(missing_ok=True)
    return built


def default_threshold() -> float:
    return float(config()["default_threshold"])


class Matcher:
    """Screens queries against a set of list versions; build once, query many times."""

    algorithm = ALGORITHM

    def __init__(self, lists: Iterable[LoadedList | ListIndex]) -> None:
        self._lists = [item if isinstance(item, ListIndex) else ListIndex(item) for item in lists]

    @property
    def list_versions(self) -> dict[str, str]:
        return {item.metadata.list_id: item.metadata.version for item in self._lists}

    def screen(
        self,
        query: Query,
        threshold: float | None = None,
        lists: Sequence[str] | None = None,
    ) -> list[Hit]:
        """Hits for ``query`` at or above ``threshold``, best first."""
        cutoff = default_threshold() if threshold is None else threshold
        tokens = name_tokens(query.name)
        if not tokens:
            return []
        birth = scoring.parse_birth_date(query.birth_date)
        hits: list[Hit] = []
        for item in self._lists:
            if lists and item.metadata.list_id not in lists:
                continue
            hits.extend(self._screen_list(item, query, tokens, birth, cutoff))
        hits.sort(key=lambda h: (-h.score, h.list_id, h.entity_id))
        return hits

    def _screen_list(
        self,
        item: ListIndex,
        query: Query,
        tokens: tuple[str, ...],
        birth: str | None,
        cutoff: float,
    ) -> list[Hit]:
        cfg = config()["candidates"]
        index = item.index
        candidates = index.candidates(
            tokens, int(cfg["max_names"]), float(cfg["common_token_share"])
        )
        if not candidates:
            return []
        limit = int(cfg["detailed_names"])
        prefilter = float(cfg["prefilter_cutoff"])
        sorted_query = " ".join(sorted(tokens))
        skeleton_query = " ".join(sorted(skeleton(t) for t in tokens))
        pick = operator.itemgetter(*candidates)
        # Sorted tokens make the comparison order-free; the written order is compared too,
        # because a typo in a first letter can reorder the sorted tokens.
        prefilters = [
            (sorted_query, pick(index.sorted_texts)),
            (" ".join(tokens), pick(index.plain_texts)),
        ]
        if script_of(query.name) != "Latin":
            # Romanised non-Latin scripts (Arabic without short vowels...) are compared on
            # consonant skeletons too; Latin spelling variants survive the plain prefilter.
            prefilters.append((skeleton_query, pick(item.skeleton_texts)))
        chosen: dict[int, None] = {}
        for text_query, found in prefilters:
            choices = found if isinstance(found, tuple) else (found,)
            for _, _, position in process.extract(
                text_query,
                choices,
                scorer=fuzz.ratio,  # on token-sorted texts: token_sort_ratio at a fifth of the cost
                limit=limit,
                score_cutoff=prefilter,
            ):
                chosen[candidates[position]] = None
        best: dict[int, tuple[float, int, scoring.NameMatch]] = {}
        for name_id in chosen:
            name = index.names[name_id]
            match = scoring.name_similarity(tokens, name.tokens, index.idf_of, name.weights)
            value = match.score * scoring.kind_factor(name.kind)
            current = best.get(name.entity)
            if current is None or value > current[0]:
                best[name.entity] = (value, name_id, match)
        hits: list[Hit] = []
        slack = 0.15  # features can add at most this much; skip entities that cannot reach cutoff
        for entity_number, (name_score, name_id, match) in best.items():
            if name_score + slack < cutoff:
                continue
            entity = index.entities[entity_number]
            hit = self._hit(item, entity, query, birth, name_score, name_id, match)
            if hit.score >= cutoff:
                hits.append(hit)
        return hits

    def _hit(
        self,
        item: ListIndex,
        entity: ListEntity,
        query: Query,
        birth: str | None,
        name_score: float,
        name_id: int,
        match: scoring.NameMatch,
    ) -> Hit:
        name = item.index.names[name_id]
        features: list[dict[str, Any]] = [
            {
                "feature": "name",
                "contribution": round(name_score, 4),
                "reason": f"{match.method}: "
                + ", ".join(f"{q}~{c} {s:.2f}" for q, c, s in match.pairs)
                + (f" (listed as {name.kind.value}, factor {scoring.kind_factor(name.kind)})"),
            }
        ]
        total = name_score
        for feature, result in (
            ("birth_date", scoring.birth_date_feature(birth, entity.birth_dates)),
            ("country", scoring.country_feature(_country(query.country), entity.countries)),
            ("identifier", scoring.identifier_feature(query.identifiers, entity)),
            ("kind", scoring.kind_feature(query.kind, entity)),
        ):
            if result is None:
                continue
            reason, contribution = result
            total += contribution
            features.append({"feature": feature, "contribution": contribution, "reason": reason})
        score = round(max(0.0, min(1.0, total)), 4)
        authority = entity.authority or item.metadata.authority
        programme = "; ".join(entity.programmes[:3]) or None
        explanation: dict[str, Any] = {
            "algorithm": ALGORITHM,
            "query_name": query.name,
            "matched_name": name.value,
            "matched_name_kind": name.kind.value,
            "listed_caption": entity.caption,
            "features": features,
            "score": score,
            "list": item.metadata.list_id,
            "list_title": item.metadata.title,
            "list_version": item.metadata.version,
            "authority": authority,
            "programme": programme,
            "listed_on": entity.listed_on,
        }
        return Hit(
            list_id=item.metadata.list_id,
            list_version=item.metadata.version,
            authority=authority,
            entity_id=entity.entity_id,
            matched_name=name.value,
            score=score,
            programme=programme,
            listed_on=entity.listed_on,
            explanation=explanation,
        )


def _country(value: str | None) -> str | None:
    if not value:
        return None
    from openatt.reference.states import UnknownState, resolve_state

    try:
        return resolve_state(value)
    except UnknownState:
        return None
