"""Screening names against loaded lists with the openatt-match-v3 algorithm.

A :class:`Matcher` holds one :class:`~openatt.screening.index.CandidateIndex` per list version
(built on first use, then reused for every query). For each query and list it retrieves a few
hundred candidate names from the index, ranks them with a fast rapidfuzz prefilter (on the
names and on their consonant skeletons, so transliterations survive it), aligns the best few
token by token (:mod:`openatt.screening.scoring`), adds the birth-date, country, identifier and
kind features and keeps entities at or above the threshold. Every hit carries its explanation.

The same party is often on several lists (UN, then OFAC, Canada and Australia after it);
``screen(..., group=True)`` reports it once, with every listing in ``Hit.also_listed``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import mmap
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from openatt.screening import scoring
from openatt.screening.algorithm import data_files, parameters
from openatt.screening.index import FORMAT as INDEX_FORMAT
from openatt.screening.index import KINDS, CandidateIndex, build_workers
from openatt.screening.model import ListEntity, NameKind, Schema
from openatt.screening.normalise import name_tokens, skeleton
from openatt.screening.romanise import foreign_spelling, romanised_variants
from openatt.screening.scoring import ALGORITHM, Query
from openatt.screening.scripts import script_of
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
    entity: ListEntity | None = field(default=None, repr=False, compare=False)
    # The same party on other lists (or listed twice on one), when hits are grouped.
    also_listed: list[Hit] = field(default_factory=list, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        raw: dict[str, Any] = {
            "list": self.list_id,
            "entity_id": self.entity_id,
            "matched_name": self.matched_name,
            "score": self.score,
            "explanation": self.explanation,
        }
        if self.also_listed:
            raw["also_listed"] = [
                {
                    "list": h.list_id,
                    "entity_id": h.entity_id,
                    "matched_name": h.matched_name,
                    "score": h.score,
                }
                for h in self.also_listed
            ]
        return raw

    @property
    def listings(self) -> list[tuple[str, str]]:
        """(list, entity id) of this hit and of every listing grouped with it."""
        return [(self.list_id, self.entity_id)] + [
            (h.list_id, h.entity_id) for h in self.also_listed
        ]


class ListIndex:
    """The candidate index of one list version and the list's metadata."""

    def __init__(self, metadata: ListMetadata, index: CandidateIndex) -> None:
        self.metadata = metadata
        self.index = index

    @classmethod
    def of(cls, loaded: LoadedList) -> ListIndex:
        return cls(loaded.metadata, CandidateIndex.of_entities(loaded.entities))


# The modules whose code decides what an index holds: how names become tokens, skeletons,
# readings and scripts, and how the index is built and laid out.
INDEX_CODE = ("normalise.py", "romanise.py", "scripts.py", "index.py")


def rules_fingerprint() -> str:
    """Identifies the algorithm, the rule data, the code and the text libraries an index was
    built with: a cached index built under other rules or by other code (a changed
    normalisation, without a new index format: found in review, 2026-12-06), or with tokens
    that another version of anyascii, iuliia or of Python's Unicode tables would spell
    otherwise, is not reused."""
    import unicodedata
    from importlib.metadata import version

    libraries = f"anyascii {version('anyascii')} iuliia {version('iuliia')}"
    digest = hashlib.sha256(
        f"{ALGORITHM} index format {INDEX_FORMAT} {libraries} "
        f"unicode {unicodedata.unidata_version}".encode()
    )
    for name in data_files():
        digest.update(resources.files("openatt.screening").joinpath(f"data/{name}").read_bytes())
    for name in INDEX_CODE:
        digest.update(code_of(name))
    return digest.hexdigest()[:16]


def code_of(module_file: str) -> bytes:
    """The source of a module of this package (a marker when it was installed without it:
    the index format and the versions then tell indexes apart)."""
    try:
        return resources.files("openatt.screening").joinpath(module_file).read_bytes()
    except OSError:
        return f"{module_file} without source".encode()


_ENTITIES_KEPT = 4096


class _JsonLines:
    """Entities read one at a time from a stored ``entities.jsonl`` by byte offset: a hit
    needs its entity's dates and identifiers, the other 299,999 stay on disk."""

    def __init__(self, path: Path, offsets: npt.NDArray[np.int64]) -> None:
        self.path = path
        self.offsets = offsets
        self._map: mmap.mmap | None = None
        # Entities read lately: a batch meets the same listed parties again (a third of
        # the reads of the benchmark's queries); bounded, then started afresh.
        self._read: dict[int, ListEntity] = {}

    def __call__(self, number: int) -> ListEntity:
        found = self._read.get(number)
        if found is not None:
            return found
        if self._map is None:
            with self.path.open("rb") as handle:
                self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        line = self._map[int(self.offsets[number]) : int(self.offsets[number + 1])]
        entity = ListEntity.from_json(json.loads(line))
        if len(self._read) >= _ENTITIES_KEPT:
            self._read.clear()
        self._read[number] = entity
        return entity

    def __getstate__(self) -> dict[str, Any]:
        return {"path": self.path, "offsets": self.offsets, "_map": None, "_read": {}}


def _records(path: Path, offsets: list[int]) -> Iterator[tuple[Schema, list[tuple[str, NameKind]]]]:
    """Names and schema of each entity in a stored ``entities.jsonl``, streamed (the full
    entities are never all in memory); each line's end is appended to ``offsets``."""
    with path.open("rb") as handle:
        for line in handle:
            if not line.strip():
                offsets[-1] += len(line)
                continue
            offsets.append(offsets[-1] + len(line))
            raw = json.loads(line)
            yield (
                Schema(raw["schema"]),
                [(n["value"], NameKind(n["kind"])) for n in raw.get("names", [])],
            )


def build_stored(folder: Path, metadata: ListMetadata, target: Path) -> ListIndex:
    """Build the index of a stored list version straight from its ``entities.jsonl`` (no
    full entity objects are made) and write it into ``target``."""
    path = folder / "entities.jsonl"
    source = _JsonLines(path, np.empty(0, dtype=np.int64))
    index, source.offsets = CandidateIndex.build_file(path, source, build_workers())
    # the entities' offsets go into place with the index: a reader never finds one alone
    offsets = {"entity_offsets.npy": source.offsets}
    index.save(target, {"version": metadata.version, "offsets": "entity_offsets.npy"}, offsets)
    return ListIndex(metadata, index)


def open_stored(folder: Path, metadata: ListMetadata, target: Path) -> ListIndex | None:
    """The saved index of a stored list version, memory-mapped, or None if there is none
    (or it belongs to another version or layout)."""
    try:
        offsets = np.load(target / "entity_offsets.npy", mmap_mode="r")
        index, meta = CandidateIndex.open(target, _JsonLines(folder / "entities.jsonl", offsets))
    except (OSError, ValueError, KeyError):
        return None
    if meta.get("version") != metadata.version:
        return None
    return ListIndex(metadata, index)


def load_or_build(folder: Path, metadata: ListMetadata, cache: Path) -> ListIndex:
    """A stored list version's index: mapped from ``cache`` (a folder beside the version,
    written by openatt itself) or built and written there. An index that cannot be read, or
    that belongs to another version, is rebuilt."""
    found = open_stored(folder, metadata, cache)
    if found is not None:
        return found
    try:
        return build_stored(folder, metadata, cache)
    except OSError:
        offsets = [0]
        source = _JsonLines(folder / "entities.jsonl", np.empty(0, dtype=np.int64))
        built = CandidateIndex.build(_records(folder / "entities.jsonl", offsets), source)
        source.offsets = np.asarray(offsets, dtype=np.int64)
        return ListIndex(metadata, built)


@functools.cache
def _kind_factors() -> tuple[float, ...]:
    """The name-kind factor of each kind code of the index (read once, not per name)."""
    return tuple(scoring.kind_factor(kind) for kind in KINDS)


def default_threshold() -> float:
    return parameters().default_threshold


class Matcher:
    """Screens queries against a set of list versions; build once, query many times."""

    algorithm: ClassVar[str] = ALGORITHM  # a class variable: mypyc keeps it on the class

    def __init__(self, lists: Iterable[LoadedList | ListIndex]) -> None:
        self._lists = [
            item if isinstance(item, ListIndex) else ListIndex.of(item) for item in lists
        ]

    @property
    def indexes(self) -> tuple[ListIndex, ...]:
        """The list indexes screened against (one per list version)."""
        return tuple(self._lists)

    @property
    def list_versions(self) -> dict[str, str]:
        return {item.metadata.list_id: item.metadata.version for item in self._lists}

    def prefetch(self, queries: Sequence[Query], lists: Sequence[str] | None = None) -> None:
        """Prepare a batch: look every query token of the batch up in each list's index at
        once (vectorised), so that screening the queries one by one finds them cached."""
        token_sets = [tokens for q in queries if (tokens := name_tokens(q.name))]
        unique = list(dict.fromkeys(t for tokens in token_sets for t in tokens))
        for item in self._lists:
            if lists and item.metadata.list_id not in lists:
                continue
            index = item.index
            index.known(unique)
            readings = {t: romanised_variants(t) for t in unique if index.token_id(t) is None}
            keys: list[tuple[str, tuple[str, ...]]] = []
            for tokens in token_sets:
                keys.extend((t, readings.get(t, ())) for t in tokens)
                if len(tokens) > 1:
                    keys.append(("".join(tokens), ()))
            index.prefetch(keys)

    def screen(
        self,
        query: Query,
        threshold: float | None = None,
        lists: Sequence[str] | None = None,
        group: bool = False,
    ) -> list[Hit]:
        """Hits for ``query`` at or above ``threshold``, best first; with ``group``, one
        hit per listed party whatever the number of lists (and entries) it is on."""
        cutoff = default_threshold() if threshold is None else threshold
        tokens = name_tokens(query.name)
        if not tokens:
            return []
        birth = scoring.parse_birth_date(query.birth_date)
        most = scoring.most_added(birth, _country(query.country), query.identifiers, query.kind)
        hits: list[Hit] = []
        for item in self._lists:
            if lists and item.metadata.list_id not in lists:
                continue
            hits.extend(self._screen_list(item, query, tokens, birth, cutoff, most))
        hits.sort(key=lambda h: (-h.score, h.list_id, h.entity_id))
        return group_listings(hits) if group else hits

    def _screen_list(
        self,
        item: ListIndex,
        query: Query,
        tokens: tuple[str, ...],
        birth: str | None,
        cutoff: float,
        most: float,
    ) -> list[Hit]:
        """``most``: what the query's features can add at most (:func:`scoring.most_added`);
        an entity whose best name cannot reach ``cutoff`` with it is not read."""
        cfg = parameters().candidates
        index = item.index
        # Other romanisations only for tokens the list does not hold as they are written.
        variants = {t: romanised_variants(t) for t in tokens if index.token_id(t) is None}
        candidates = index.candidates(tokens, cfg.max_names, cfg.common_token_share, variants)
        if not candidates:
            return []
        limit = cfg.detailed_names
        prefilter = float(cfg.prefilter_cutoff)
        # Each candidate's three prefilter texts, read in one pass: sorted, plain, skeleton.
        texts = index.texts.pick(candidates)
        plain_texts = texts[1::3]
        # Sorted tokens make the comparison order-free; the written order is compared too,
        # because a typo in a first letter can reorder the sorted tokens.
        prefilters = [(" ".join(sorted(tokens)), texts[0::3]), (" ".join(tokens), plain_texts)]
        if script_of(query.name) != "Latin" or any(variants.values()):
            # Romanised non-Latin scripts (Arabic without short vowels...) and names that
            # read as another romanisation convention are compared on consonant skeletons
            # too; Latin spelling variants survive the plain prefilter.
            readings = [
                min((t, *variants.get(t, ())), key=lambda v: (len(skeleton(v)), v)) for t in tokens
            ]
            skeleton_query = " ".join(sorted(skeleton(t) for t in readings))
            prefilters.append((skeleton_query, texts[2::3]))
        chosen: dict[int, int] = {}  # name id -> its first position among the candidates
        for text_query, choices in prefilters:
            for _, _, position in process.extract(
                text_query,
                choices,
                scorer=fuzz.ratio,  # on token-sorted texts: token_sort_ratio at a fifth of the cost
                limit=limit,
                score_cutoff=prefilter,
            ):
                chosen.setdefault(candidates[position], position)
        best: dict[int, tuple[float, int, scoring.NameMatch]] = {}
        names = list(chosen)
        kinds = index.name_kind[names].tolist() if names else []
        listed_names = [tuple(plain_texts[position].split()) for position in chosen.values()]
        # Every pair of a query token and a token of the chosen names, scored at once.
        columns: dict[str, int] = {}
        column_ids: list[int] = []  # the vocabulary id of each column's token
        name_tokens_ids = index.names_tokens(names)
        for listed, ids in zip(listed_names, name_tokens_ids, strict=True):
            for token, token_id in zip(listed, ids, strict=True):
                if token not in columns:
                    columns[token] = len(columns)
                    column_ids.append(token_id)
        if parameters().name.romanise_known_tokens:
            # v3: a token the list holds as written ("Juri", a Finnish name too) may still be
            # a German spelling of a Russian one ("Yuriy"), when it has a letter the lists'
            # conventions never write: its readings are scored, not used for retrieval.
            variants = {
                t: variants.get(t) or (romanised_variants(t) if foreign_spelling(t) else ())
                for t in tokens
            }
        table: list[list[float]] = scoring.similarity_matrix(
            tokens, list(columns), variants, index.token_keys(column_ids)
        ).tolist()
        query_weights = [index.idf_of(t) for t in tokens]
        factors = _kind_factors()
        entity_numbers: list[int] = index.name_entity[names].tolist() if names else []
        for name_id, kind_code, listed, listed_weights, entity_number in zip(
            names,
            kinds,
            listed_names,
            index.weights_of(name_tokens_ids),
            entity_numbers,
            strict=True,
        ):
            picked = [columns[t] for t in listed]
            match = scoring.aligned_similarity(
                tokens, listed, table, listed_weights, query_weights, picked
            )
            value = match.score * factors[kind_code]
            current = best.get(entity_number)
            if current is None or value > current[0]:
                best[entity_number] = (value, name_id, match)
        hits: list[Hit] = []
        for entity_number, (name_score, name_id, match) in best.items():
            if not scoring.reaches(name_score, most, cutoff):
                continue
            entity = index.entity(entity_number)
            hit = self._hit(item, entity, query, birth, name_score, name_id, match, cutoff)
            if hit is not None:
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
        cutoff: float = 0.0,
    ) -> Hit | None:
        """The hit on ``entity``, or None when its score stays under ``cutoff`` (the
        explanation is written only for hits: half the entities looked at are not)."""
        total = name_score
        found: list[tuple[str, str, float]] = []
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
            found.append((feature, reason, contribution))
        score = round(max(0.0, min(1.0, total)), 4)
        if score < cutoff:
            return None
        name = entity.names[int(item.index.name_position[name_id])]
        features: list[dict[str, Any]] = [
            {
                "feature": "name",
                "contribution": round(name_score, 4),
                "reason": f"{match.method}: "
                + ", ".join(f"{q}~{c} {s:.2f}" for q, c, s in match.pairs)
                + (f" (listed as {name.kind.value}, factor {scoring.kind_factor(name.kind)})"),
            }
        ]
        features += [
            {"feature": feature, "contribution": contribution, "reason": reason}
            for feature, reason, contribution in found
        ]
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
            entity=entity,
        )


def _party_keys(entity: ListEntity) -> list[frozenset[str]]:
    """Each name as the set of its tokens' consonant skeletons (spelling-free)."""
    return [key for n in entity.names if (key := _name_key(n.value)) is not None]


@functools.lru_cache(maxsize=1 << 16)
def _name_key(value: str) -> frozenset[str] | None:
    """One name's grouping key (remembered: a batch meets the same listed parties, and
    their names, again and again); None for a name without tokens."""
    tokens = name_tokens(value)
    return frozenset(skeleton(t) for t in tokens) if tokens else None


def _years(entity: ListEntity) -> set[str]:
    return {d[:4] for d in entity.birth_dates if len(d) >= 4}


def same_party(a: ListEntity, b: ListEntity) -> bool:
    """Two entries describe the same party: same kind, no disagreement on the year of birth
    where both give one, and a name of one that spells the same as a name of the other, or
    holds all of its tokens (two or more: "ZOLOTOV, Viktor" / "Viktor Vasilyevich ZOLOTOV").
    Grouping never hides a listing: every entry stays in the hit's ``also_listed``."""
    return _same_party(a, b, {})


def _compatible(a: ListEntity, b: ListEntity) -> bool:
    """Nothing known of the two entries tells them apart: the same kind (or one unknown,
    where the version allows), and years of birth that agree within the tolerance where
    both give one."""
    grouping = parameters().grouping
    if a.schema is not b.schema and not (
        grouping is not None
        and grouping.unknown_kind_agrees
        and Schema.unknown in (a.schema, b.schema)
    ):
        return False
    years_a, years_b = _years(a), _years(b)
    if years_a and years_b and not years_a & years_b:
        tolerance = grouping.birth_year_tolerance if grouping is not None else 0
        if not tolerance or not any(
            abs(int(x) - int(y)) <= tolerance
            for x in years_a
            for y in years_b
            if x.isdigit() and y.isdigit()
        ):
            return False
    return True


def _same_party(a: ListEntity, b: ListEntity, keys: dict[int, list[frozenset[str]]]) -> bool:
    if not _compatible(a, b):
        return False
    keys_a = keys.get(id(a))
    if keys_a is None:
        keys_a = keys[id(a)] = _party_keys(a)
    keys_b = keys.get(id(b))
    if keys_b is None:
        keys_b = keys[id(b)] = _party_keys(b)
    # A name both spell the same is found by hashing, not by comparing every pair.
    if not set(keys_a).isdisjoint(keys_b):
        return True
    return any(len(x) >= 2 and len(y) >= 2 and (x <= y or y <= x) for x in keys_a for y in keys_b)


def _joins(group: Hit, entity: ListEntity, keys: dict[int, list[frozenset[str]]]) -> bool:
    """``entity`` is the same party as a listing of the group, and no listing of the group
    tells it apart: an entry without a birth date must not join two parties born years
    apart into one (found in review: Canada's undated KRIVORUCHKO entries merged OFAC's and
    DFAT's two parties of that name, born 1975 and 1977)."""
    members = [m.entity for m in (group, *group.also_listed) if m.entity is not None]
    return any(_same_party(m, entity, keys) for m in members) and all(
        _compatible(m, entity) for m in members
    )


def group_listings(hits: list[Hit]) -> list[Hit]:
    """One hit per party, best scored first, the other listings of the party in its
    ``also_listed`` (hits are in score order; a hit joins the first group it matches and
    whose every listing it agrees with)."""
    groups: list[Hit] = []
    keys: dict[int, list[frozenset[str]]] = {}  # per entity, computed once for all pairs
    for hit in hits:
        entity = hit.entity
        home = (
            None if entity is None else next((g for g in groups if _joins(g, entity, keys)), None)
        )
        if home is None:
            groups.append(hit)
        else:
            home.also_listed.append(hit)
    return groups


@functools.lru_cache(maxsize=4096)
def _country(value: str | None) -> str | None:
    """A query's country as an alpha-3 code (remembered: a batch repeats its countries)."""
    if not value:
        return None
    from openatt.reference.states import UnknownState, resolve_state

    try:
        return resolve_state(value)
    except UnknownState:
        return None
