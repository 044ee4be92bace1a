"""Which version of the matching algorithm screens, and its parameters (data, never code).

Every stored hit records the algorithm that produced it, so parameters are never edited in
place: a change is a new file (``match_v3.yaml`` beside the frozen ``match_v1.yaml`` and
``match_v2.yaml``) with its own name rules file, and this module names the one in force.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from openatt.errors import OpenattError

CURRENT = "match_v3.yaml"
# libyaml's safe loader where PyYAML has it (the same safe constructor, the same values): the
# pure-Python one spent a tenth of a cold `openatt screen NAME` on the three data files.
SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Candidates(_Frozen):
    """How many listed names are looked at per query (see the comments in the YAML)."""

    max_names: int = Field(ge=1)
    detailed_names: int = Field(ge=1)
    prefilter_cutoff: int = Field(ge=0, le=100)
    common_token_share: float = Field(gt=0, le=1)


class NameScoring(_Frozen):
    """How two names are compared, token by token."""

    token_floor: float = Field(ge=0, le=1)
    skeleton_similarity: float = Field(ge=0, le=1)
    romanised_factor: float = Field(default=0.0, ge=0, le=1)
    # openatt-match-v3 (absent from earlier versions, which therefore score as they did):
    # two spellings of one Persian/Arabic name that differ only in how the vowels are
    # written (Hossein / Husayn, Fatemeh / Fatima), read by ``vowel_variants`` in the rules.
    vowel_variant_similarity: float | None = Field(default=None, ge=0, le=1)
    # The skeleton similarity only for tokens with as many vowel groups, both starting with
    # a vowel or both not (unless one is written without vowels, as Arabic script is).
    skeleton_same_shape: bool = False
    # Two different numbers ("FU YUAN YU 7605" / "7601") are different names: tokens with a
    # digit on both sides score this when they differ (None: by their spelling, as before).
    number_mismatch_similarity: float | None = Field(default=None, ge=0, le=1)
    # Score the romanised readings of every query token, also of those the list holds as
    # written (v2: only of tokens the list does not hold).
    romanise_known_tokens: bool = False
    unmatched_middle_factor: float = Field(ge=0, le=1)
    initial_similarity: float = Field(ge=0, le=1)
    query_side: float = Field(ge=0, le=1)
    listed_side: float = Field(ge=0, le=1)
    kind_factor: dict[str, float]


class Features(_Frozen):
    """What each feature adds to (or takes from) a name's score."""

    birth_date_same_day: float
    birth_date_same_year: float
    birth_date_disagrees: float
    birth_year_tolerance: int = Field(ge=0)
    country_agrees: float
    country_disagrees: float
    identifier_matches: float
    kind_disagrees: float


class Grouping(_Frozen):
    """When two listings are reported as one party (openatt-match-v3 onwards)."""

    # A list that does not say whether an entry is a person or an organisation (the US CSL)
    # does not contradict the kind another list gives the same name.
    unknown_kind_agrees: bool
    # Years of birth this far apart do not tell two listings apart (lists differ by a year,
    # as the birth-date feature already allows).
    birth_year_tolerance: int = Field(ge=0)


class MatchParameters(_Frozen):
    """One frozen version of the matching algorithm's parameters (``data/match_v*.yaml``)."""

    algorithm: str = Field(pattern=r"^openatt-match-v[0-9]+$")
    name_rules: str = "name_rules.yaml"
    romanisation: str | None = None
    default_threshold: float = Field(gt=0, le=1)
    candidates: Candidates
    name: NameScoring
    features: Features
    grouping: Grouping | None = None


class MatcherConfigError(OpenattError, ValueError):
    """A matcher parameter file that does not fit :class:`MatchParameters`; names the field."""


def parse_parameters(text: str, name: str) -> MatchParameters:
    """The parameters written in ``text`` (the file ``name``), checked against the schema."""
    try:
        return MatchParameters.model_validate(yaml.load(text, Loader=SAFE_LOADER))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        field = tuple(str(part) for part in first["loc"])
        raise MatcherConfigError(f"{name}: {where}: {first['msg']}", field=field) from exc


def load_parameters(name: str) -> MatchParameters:
    """The parameters shipped in ``data/<name>``."""
    text = resources.files("openatt.screening").joinpath(f"data/{name}").read_text("utf-8")
    return parse_parameters(text, name)


@functools.cache
def parameters() -> MatchParameters:
    """The parameters of the algorithm in force, typed."""
    return load_parameters(CURRENT)


@functools.cache
def config() -> dict[str, Any]:
    """The same parameters as a mapping (for tools that print or compare them)."""
    return parameters().model_dump(exclude_unset=True)


def data_files() -> tuple[str, ...]:
    """The data files the algorithm in force reads (an index is keyed by their checksum)."""
    current = parameters()
    return (CURRENT, current.name_rules, str(current.romanisation))
