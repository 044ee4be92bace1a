"""openatt-match-v2: how a query and one listed entity are scored, feature by feature.

The score is the best name similarity over all the entity's names and aliases, plus or minus
small, fixed contributions from birth date, country, identifiers and the kind of party. The
parameters live in ``data/match_v2.yaml``; each feature's contribution is returned so a hit
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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz.distance import OSA, Levenshtein

from openatt.screening.algorithm import parameters
from openatt.screening.model import ListEntity, NameKind, Schema
from openatt.screening.normalise import skeleton

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
    similarity = float(OSA.normalized_similarity(query, listed))
    skeleton_value = cfg.skeleton_similarity
    if (
        similarity < skeleton_value
        and min(len(query), len(listed)) >= 3
        and (query[0] == listed[0] or query[0] in _VOWELS or listed[0] in _VOWELS)
        and len(skeleton(query)) >= 3
        and skeleton(query) == skeleton(listed)
    ):
        similarity = skeleton_value
    return similarity


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
    cfg = parameters().name
    floor = cfg.token_floor
    readings = variants or {}
    c_weights = listed_weights if listed_weights is not None else tuple(weight(c) for c in listed)
    options = sorted(
        (
            (_pair(q, c, readings.get(q, ())), i, j)
            for i, q in enumerate(query)
            for j, c in enumerate(listed)
        ),
        reverse=True,
    )
    used_q: set[int] = set()
    used_c: set[int] = set()
    pairs: list[tuple[str, str, float]] = []
    covered = 0.0
    for similarity, i, j in options:
        if similarity < floor:
            break
        if i in used_q or j in used_c:
            continue
        used_q.add(i)
        used_c.add(j)
        covered += similarity * c_weights[j]
        pairs.append((query[i], listed[j], round(similarity, 3)))
    total_q = sum(c_weights[j] for j in used_c) + sum(
        weight(q) for i, q in enumerate(query) if i not in used_q
    )
    # A listed middle name the query leaves out (first and last kept) is the commonest
    # omission: it weighs less in the listed name's coverage.
    middle = cfg.unmatched_middle_factor
    total_c = sum(
        w * (middle if 0 < j < len(listed) - 1 and j not in used_c else 1.0)
        for j, w in enumerate(c_weights)
    )
    aligned = cfg.query_side * (covered / total_q if total_q else 0.0) + cfg.listed_side * (
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
