"""openatt-match-v3: how a query and one listed entity are scored, feature by feature.

The score is the best name similarity over all the entity's names and aliases, plus or minus
small, fixed contributions from birth date, country, identifiers and the kind of party. The
parameters live in ``data/match_v3.yaml``; each feature's contribution is returned so a hit
can explain itself.

Name similarity aligns tokens regardless of order: every query token is paired with at most
one listed token (greedily, most similar first), a pair's similarity being the larger of the
normalised optimal-string-alignment similarity (Levenshtein with transpositions), a fixed
value for equal consonant skeletons (transliteration variants) and a fixed value for an
initial. Tokens are weighted by rarity in the list (a shared
"Mohammed" says less than a shared "Tikriti"). The score mixes how much of the query and how
much of the listed name is covered; the compact forms (all tokens joined) are compared too, so
"Abdulrahman" meets "Abdul Rahman".
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import OSA, Levenshtein

from openatt.screening.algorithm import parameters
from openatt.screening.model import ListEntity, NameKind, Schema
from openatt.screening.normalise import (
    VowelFrame,
    same_shape,
    skeleton,
    vowel_frame,
    vowel_variants,
)

ALGORITHM: str = parameters().algorithm


@dataclass(frozen=True, slots=True)
class Query:
    """What is screened: a name, and where known a birth date, a country, a kind, identifiers."""

    name: str
    birth_date: str | None = None
    country: str | None = None
    kind: str | None = None
    identifiers: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        raw: dict[str, Any] = {"name": self.name}
        for key in ("birth_date", "country", "kind"):
            value = getattr(self, key)
            if value:
                raw[key] = value
        if self.identifiers:
            raw["identifiers"] = list(self.identifiers)
        return raw


@dataclass(slots=True)
class NameMatch:
    score: float
    pairs: list[tuple[str, str, float]] = field(default_factory=list)
    method: str = "token alignment"


_VOWELS = frozenset("aeiouy")


@functools.lru_cache(maxsize=1 << 18)
def token_similarity(query: str, listed: str) -> float:
    """Similarity of two normalised tokens (cached: the same pairs recur across candidates)."""
    cfg = parameters().name
    if query == listed:
        return 1.0
    if len(query) == 1:
        return cfg.initial_similarity if listed.startswith(query) else 0.0
    if cfg.number_mismatch_similarity is not None and _numbers(query, listed):
        return cfg.number_mismatch_similarity
    similarity = float(OSA.normalized_similarity(query, listed))
    skeleton_value = cfg.skeleton_similarity
    if (
        similarity < skeleton_value
        and min(len(query), len(listed)) >= 3
        and (query[0] == listed[0] or query[0] in _VOWELS or listed[0] in _VOWELS)
        and len(skeleton(query)) >= 3
        and skeleton(query) == skeleton(listed)
        and (not cfg.skeleton_same_shape or same_shape(vowel_frame(query), vowel_frame(listed)))
    ):
        similarity = skeleton_value
    vowel_value = cfg.vowel_variant_similarity
    if (
        vowel_value is not None
        and similarity < vowel_value
        and min(len(query), len(listed)) >= 3
        and vowel_variants(vowel_frame(query), vowel_frame(listed))
    ):
        similarity = vowel_value
    return similarity


def _numbers(query: str, listed: str) -> bool:
    """Both tokens hold a digit (they differ: equal tokens are handled before); tokens are
    letters and digits only."""
    return not query.isalpha() and not listed.isalpha()


def romanised_similarity(variants: tuple[str, ...], listed: str) -> float:
    """Similarity of a query token read under other romanisation conventions ("wassilij"
    read as "vasiliy"), discounted by ``romanised_factor``."""
    if not variants:
        return 0.0
    factor = parameters().name.romanised_factor
    return factor * max(token_similarity(variant, listed) for variant in variants)


def _pair(query: str, listed: str, variants: tuple[str, ...]) -> float:
    similarity = token_similarity(query, listed)
    if similarity < 1.0 and variants:
        return max(similarity, romanised_similarity(variants, listed))
    return similarity


@functools.cache
def _v3_rules() -> tuple[float | None, bool, float | None]:
    """(vowel variant similarity, skeleton needs the same shape, similarity of two different
    numbers): the rules openatt-match-v3 adds, None / False when the version has none."""
    cfg = parameters().name
    return cfg.vowel_variant_similarity, cfg.skeleton_same_shape, cfg.number_mismatch_similarity


@functools.cache
def _name_parameters() -> tuple[float, float, float, float, float, float, float]:
    """(token floor, skeleton similarity, initial similarity, romanised factor, middle
    factor, query side, listed side), read once from the algorithm's data."""
    cfg = parameters().name
    return (
        cfg.token_floor,
        cfg.skeleton_similarity,
        cfg.initial_similarity,
        cfg.romanised_factor,
        cfg.unmatched_middle_factor,
        cfg.query_side,
        cfg.listed_side,
    )


@functools.lru_cache(maxsize=1 << 18)
def _token_keys(token: str, frames: bool) -> tuple[str, VowelFrame | None]:
    """A listed token's skeleton and (when the version's rules use them) vowel frame."""
    return skeleton(token), vowel_frame(token) if frames else None


class _Listed:
    """What the token rules need of the listed tokens, computed once per query for the
    matrix of the query's tokens and again for each of their romanised readings: the
    columns of each skeleton and of each vowel frame, looked up instead of compared.
    ``keys`` are the listed tokens' (skeleton, vowel frame) when the caller has them (an
    index writes them at build), else they are worked out here."""

    __slots__ = ("by_frame", "by_skeleton", "digits", "frames", "tokens")

    def __init__(
        self, listed: Sequence[str], keys: Sequence[tuple[str, VowelFrame]] | None = None
    ) -> None:
        vowel_value, same_shape_only, number_value = _v3_rules()
        use_frames = vowel_value is not None or same_shape_only
        self.tokens = listed
        self.by_skeleton: dict[str, list[int]] = {}
        self.by_frame: dict[str, list[int]] = {}
        self.frames: list[VowelFrame | None] = []
        for j, token in enumerate(listed):
            if keys is None:
                own, frame = _token_keys(token, use_frames)
            else:
                own, known = keys[j]
                frame = known if use_frames else None
            self.by_skeleton.setdefault(own, []).append(j)
            self.frames.append(frame)
            if frame is not None:
                self.by_frame.setdefault(frame[0], []).append(j)
        # Tokens are letters and digits only: one that is not all letters holds a digit.
        digits = [not c.isalpha() for c in listed] if number_value is not None else []
        self.digits = np.array(digits, dtype=bool) if any(digits) else None


def _token_matrix(query: Sequence[str], listed: _Listed) -> npt.NDArray[np.float64]:
    """:func:`token_similarity` of every query token with every listed token: the edit
    similarities in one C call (rapidfuzz ``cdist``), then the skeleton, vowel-variant,
    number and initial rules where they apply."""
    _, skeleton_value, initial, *_ = _name_parameters()
    vowel_value, same_shape_only, number_value = _v3_rules()
    tokens = listed.tokens
    matrix = np.asarray(
        process.cdist(query, tokens, scorer=OSA.normalized_similarity, dtype=np.float64),
        dtype=np.float64,
    )
    for i, q in enumerate(query):
        row = matrix[i]
        if len(q) == 1:
            row[:] = [1.0 if c == q else initial if c.startswith(q) else 0.0 for c in tokens]
            continue
        if len(q) >= 3:
            _raise_variants(row, q, listed, skeleton_value, vowel_value, same_shape_only)
        # last: two different tokens holding digits are different numbers, whatever their
        # skeletons or vowels ("yv2944" / "yv2994", "a320" / "e320"), as token_similarity says
        if listed.digits is not None and not q.isalpha():
            row[listed.digits & (row < 1.0)] = number_value
    return matrix


def _raise_variants(
    row: npt.NDArray[np.float64],
    q: str,
    listed: _Listed,
    skeleton_value: float,
    vowel_value: float | None,
    same_shape_only: bool,
) -> None:
    """The skeleton and vowel-variant rules on one query token's row (tokens of 3 letters
    or more)."""
    tokens = listed.tokens
    frames = listed.frames
    own = skeleton(q)
    q_frame = vowel_frame(q) if listed.by_frame else ("", ())
    if len(own) >= 3:
        for j in listed.by_skeleton.get(own, ()):
            c = tokens[j]
            if (
                row[j] < skeleton_value
                and len(c) >= 3
                and (q[0] == c[0] or q[0] in _VOWELS or c[0] in _VOWELS)
                and (not same_shape_only or same_shape(q_frame, frames[j] or ("", ())))
            ):
                row[j] = skeleton_value
    if vowel_value is not None and q_frame[1]:
        for j in listed.by_frame.get(q_frame[0], ()):
            frame = frames[j]
            if (
                row[j] < vowel_value
                and len(tokens[j]) >= 3
                and frame is not None
                and vowel_variants(q_frame, frame)
            ):
                row[j] = vowel_value


def similarity_matrix(
    query: Sequence[str],
    listed: Sequence[str],
    variants: dict[str, tuple[str, ...]] | None = None,
    keys: Sequence[tuple[str, VowelFrame]] | None = None,
) -> npt.NDArray[np.float64]:
    """The similarity of every query token (or, discounted, of one of its other
    romanisations) with every listed token: what :func:`name_similarity` pairs, computed for
    all the candidate names of a query at once. ``keys``: the listed tokens' skeletons and
    vowel frames, as an index stores them (:meth:`CandidateIndex.token_keys`)."""
    if not query or not listed:
        return np.zeros((len(query), len(listed)), dtype=np.float64)
    prepared = _Listed(listed, keys)
    readings_of = [variants.get(q) or () for q in query] if variants else []
    extra = [reading for readings in readings_of for reading in readings]
    if not extra:
        return _token_matrix(query, prepared)
    # The query's tokens and all their readings in one cdist call (each row's values do
    # not depend on the other rows): the readings' rows follow the query's, in order.
    full = _token_matrix([*query, *extra], prepared)
    matrix = full[: len(query)]
    factor = _name_parameters()[3]
    at = len(query)
    for i, readings in enumerate(readings_of):
        if readings:
            row = matrix[i]
            romanised = factor * full[at : at + len(readings)].max(axis=0)
            matrix[i] = np.where(row < 1.0, np.maximum(row, romanised), row)
            at += len(readings)
    return matrix


def name_similarity(
    query: tuple[str, ...],
    listed: tuple[str, ...],
    weight: Callable[[str], float],
    listed_weights: tuple[float, ...] | None = None,
    variants: dict[str, tuple[str, ...]] | None = None,
) -> NameMatch:
    """Order-independent similarity of two token tuples in [0, 1], with the pairs that matched.

    ``weight`` gives a token's rarity weight; ``listed_weights`` (precomputed by the index)
    spares looking the listed tokens up again; ``variants`` are other readings of query
    tokens (:mod:`openatt.screening.romanise`).
    """
    rows: list[list[float]] = similarity_matrix(query, listed, variants).tolist()
    c_weights = listed_weights if listed_weights is not None else tuple(weight(c) for c in listed)
    return aligned_similarity(query, listed, rows, c_weights, [weight(q) for q in query])


def aligned_similarity(
    query: Sequence[str],
    listed: Sequence[str],
    rows: list[list[float]],
    c_weights: Sequence[float],
    q_weights: Sequence[float],
    columns: Sequence[int] | None = None,
) -> NameMatch:
    """The name score from the pair similarities ``rows[i][j]`` of query token i and listed
    token j: tokens are paired greedily, most similar first, each at most once. With
    ``columns``, listed token j's similarities are ``rows[i][columns[j]]`` (a query's matrix
    over the tokens of all its candidate names, read in place rather than copied per name)."""
    floor, _, _, _, middle, query_side, listed_side = _name_parameters()
    # Pairs under the floor are never taken: leaving them out before sorting keeps the
    # order of the others, and sorts a third as many.
    if columns is None:
        options = [
            (similarity, i, j)
            for i, row in enumerate(rows)
            for j, similarity in enumerate(row)
            if similarity >= floor
        ]
    else:
        options = [
            (similarity, i, j)
            for i, row in enumerate(rows)
            for j, column in enumerate(columns)
            if (similarity := row[column]) >= floor
        ]
    options.sort(reverse=True)
    used_q: set[int] = set()
    used_c: set[int] = set()
    pairs: list[tuple[str, str, float]] = []
    covered = 0.0
    # Once every token of the shorter side is paired, no other pair can be taken.
    most = min(len(query), len(listed))
    for similarity, i, j in options:
        if i in used_q or j in used_c:
            continue
        used_q.add(i)
        used_c.add(j)
        covered += similarity * c_weights[j]
        pairs.append((query[i], listed[j], round(similarity, 3)))
        if len(pairs) == most:
            break
    # (Lists, not generators: the same additions in the same order, with less overhead.)
    total_q = sum([c_weights[j] for j in used_c]) + sum(
        [q_weights[i] for i in range(len(query)) if i not in used_q]
    )
    # A listed middle name the query leaves out (first and last kept) is the commonest
    # omission: it weighs less in the listed name's coverage.
    last = len(listed) - 1
    total_c = sum(
        [w * (middle if 0 < j < last and j not in used_c else 1.0) for j, w in enumerate(c_weights)]
    )
    aligned = query_side * (covered / total_q if total_q else 0.0) + listed_side * (
        covered / total_c if total_c else 0.0
    )
    if len(query) != len(listed):
        compact = Levenshtein.normalized_similarity("".join(query), "".join(listed))
        if compact > aligned:
            return NameMatch(
                compact, [("".join(query), "".join(listed), round(compact, 3))], "compact form"
            )
    return NameMatch(aligned, pairs)


_YEAR = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def _parts(value: str) -> tuple[int, int | None, int | None] | None:
    match = _YEAR.match(value.strip())
    if not match:
        return None
    year, month, day = match.groups()
    return int(year), int(month) if month else None, int(day) if day else None


def birth_date_feature(query: str | None, listed: list[str]) -> tuple[str, float] | None:
    """(reason, contribution) comparing birth dates, or None when either side has none."""
    if not query or not listed:
        return None
    features = parameters().features
    asked = _parts(query)
    if asked is None:
        return None
    best: tuple[str, float] | None = None
    for value in listed:
        known = _parts(value)
        if known is None:
            continue
        if asked[0] == known[0] and asked[1] and asked[2] and known[1:] == asked[1:]:
            return (f"same date of birth {value}", features.birth_date_same_day)
        if asked[0] == known[0] and (known[1] is None or asked[1] is None or known[1] == asked[1]):
            best = (f"same year of birth {known[0]}", features.birth_date_same_year)
        elif best is None and abs(asked[0] - known[0]) <= features.birth_year_tolerance:
            best = (f"year of birth {known[0]} within tolerance", 0.0)
    if best is not None:
        return best
    return (
        f"date of birth {query} differs from listed {', '.join(listed[:3])}",
        features.birth_date_disagrees,
    )


def country_feature(query: str | None, listed: list[str]) -> tuple[str, float] | None:
    codes = [c for c in listed if len(c) == 3 and c.isupper()]
    if not query or not codes:
        return None
    features = parameters().features
    if query in codes:
        return (f"country {query} listed", features.country_agrees)
    return (
        f"country {query} not among listed {', '.join(codes[:4])}",
        features.country_disagrees,
    )


def _ident(value: str) -> str:
    return re.sub(r"[^0-9a-z]", "", value.casefold())


def identifier_feature(query: tuple[str, ...], entity: ListEntity) -> tuple[str, float] | None:
    if not query or not entity.identifiers:
        return None
    wanted = {_ident(q) for q in query if _ident(q)}
    for identifier in entity.identifiers:
        if _ident(identifier.value) in wanted:
            return (
                f"{identifier.type} {identifier.value} matches",
                parameters().features.identifier_matches,
            )
    return None


def kind_feature(query: str | None, entity: ListEntity) -> tuple[str, float] | None:
    if not query or entity.schema is Schema.unknown:
        return None
    asked_person = query == "person"
    if asked_person == (entity.schema is Schema.person):
        return None
    return (
        f"query is a {query}, listed entry is a {entity.schema.value}",
        parameters().features.kind_disagrees,
    )


def most_added(
    birth: str | None, country: str | None, identifiers: Sequence[str], kind: str | None
) -> float:
    """The most the features can add to a name's score for this query: each feature gives
    one contribution at most, and only when the query has what it compares (a parsed birth
    date, a resolved country, an identifier, a kind). An entity whose best name score plus
    this stays under the threshold cannot be a hit, so its entry need not be read.

    Read from the parameters, not fixed: version 3's identifier match adds 0.25, so a fixed
    allowance of 0.15 (as before) dropped listed parties the query's identifier would have
    carried over the threshold."""
    features = parameters().features
    most = 0.0
    if birth:
        # (a birth year within tolerance adds nothing; a disagreement takes away)
        most += max(0.0, features.birth_date_same_day, features.birth_date_same_year)
    if country:
        most += max(0.0, features.country_agrees, features.country_disagrees)
    if any(_ident(value) for value in identifiers):
        most += max(0.0, features.identifier_matches)
    if kind:
        most += max(0.0, features.kind_disagrees)
    return most


def reaches(name_score: float, most: float, cutoff: float) -> bool:
    """Whether ``name_score`` with at most ``most`` added can score ``cutoff`` once clamped
    and rounded as the matcher's hits are (rounding is monotone, so this never drops an
    entity that could be a hit; the margin covers the features being added one by one, in
    another order than here)."""
    return round(max(0.0, min(1.0, name_score + most + 1e-9)), 4) >= cutoff


def kind_factor(kind: NameKind) -> float:
    return parameters().name.kind_factor[kind.value]


def parse_birth_date(value: str | None) -> str | None:
    """Accept ISO dates (unpadded too) and bare years from query input."""
    if not value:
        return None
    parts = _parts(value)
    if parts is None:
        try:
            return dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            return None
    year, month, day = parts
    return "-".join([f"{year:04d}"] + [f"{p:02d}" for p in (month, day) if p])
