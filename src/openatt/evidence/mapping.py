"""The versioned mappings from indicator values to the engine's ``Evidence``: their schema.

A mapping is frozen data (``data/indicator-mapping-vN.yaml``): a change of any band, criterion,
reason or relevance makes a new file, and every piece of evidence names the version and the
rule it came from, so an earlier run can be reproduced with the mapping it used. Reading the
mappings (what evidence a state, a date and the items give) is in :mod:`openatt.evidence.reading`.

Version 2 adds what version 1 lacked (see ``docs/risk-model.md``): the kind of item weighs
(``relevance``), some indicators only contribute and can never alone reach a regime's risk
threshold (``contributing``), and cited official findings and acts about a state's conduct
(``findings``) are read beside the indicators.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Callable
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from openatt.core.model import Category, Likelihood, Severity, Topic
from openatt.errors import OpenattError

DEFAULT_MAPPING = "indicator-mapping-v2"
MAPPINGS = ("indicator-mapping-v1", "indicator-mapping-v2")
"""Every mapping version shipped, oldest first. Old versions stay to reproduce earlier runs."""

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}


class UnknownMapping(OpenattError, ValueError):
    """A mapping name that is not shipped."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Band(_Strict):
    test: str = Field(pattern=r"^(>=|<=|>|<) -?[0-9.]+$")
    likelihood: Likelihood
    severity: Severity
    threshold: str = Field(min_length=3)

    def passes(self, value: float) -> bool:
        op, number = self.test.split(" ")
        return _OPS[op](value, float(number))


CONTRIBUTING_CEILING = (Likelihood.possible, Severity.serious)
"""The most a contributing indicator may say: below every regime's risk threshold (the EU's
"clear risk" starts at a grave harm that is possible or a serious harm that is likely)."""


class Rule(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_.]+$")
    indicator: str
    variables: tuple[str, ...] = Field(min_length=1)
    aggregate: str = Field(pattern=r"^(max|min|mean)$")
    criteria: tuple[Topic, ...] = Field(min_length=1)
    reason: str = Field(min_length=10)
    bands: tuple[Band, ...] = Field(min_length=1)
    contributing: bool = Field(
        default=False,
        description="a contributing factor only: never alone above a risk threshold",
    )
    conflict: bool = Field(
        default=False,
        description="reads armed conflict: weighed differently for a state acting in a "
        "self-defence that the Security Council or the General Assembly recognised",
    )
    sources: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _contributing_stays_below(self) -> Rule:
        if self.contributing:
            most_likely, most_severe = CONTRIBUTING_CEILING
            for band in self.bands:
                if band.likelihood.level > most_likely.level or (
                    band.severity.level > most_severe.level
                ):
                    raise ValueError(
                        f"rule {self.id}: a contributing rule's band may say at most "
                        f"{most_likely.value}/{most_severe.value}, not "
                        f"{band.likelihood.value}/{band.severity.value}"
                    )
        return self

    def band(self, value: float) -> Band | None:
        return next((b for b in self.bands if b.passes(value)), None)


class Timing(_Strict):
    latest_year_offset: int = Field(ge=1, description="use years <= decision year - offset")
    max_age_years: int = Field(ge=0)


class Profile(_Strict):
    """How far an item's kind bears on a group of topics: the likelihood levels taken off the
    evidence for items of each relevance (the most relevant item of the case counts)."""

    id: str = Field(pattern=r"^[a-z_]+$")
    topics: tuple[Topic, ...] = Field(min_length=1)
    high: tuple[Category, ...] = ()
    medium: tuple[Category, ...] = ()
    low: tuple[Category, ...] = ()
    reason: str = Field(min_length=10)
    sources: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _every_category_once(self) -> Profile:
        listed = [*self.high, *self.medium, *self.low]
        if sorted(listed) != sorted(Category):
            raise ValueError(f"relevance {self.id}: list every category exactly once")
        return self

    def relevance(self, category: Category) -> str:
        if category in self.high:
            return "high"
        return "medium" if category in self.medium else "low"


class Relevance(_Strict):
    levels: dict[str, int] = Field(description="likelihood levels taken off, by relevance")
    profiles: tuple[Profile, ...]

    @field_validator("levels")
    @classmethod
    def _three_levels(cls, levels: dict[str, int]) -> dict[str, int]:
        if set(levels) != {"high", "medium", "low"} or any(v < 0 for v in levels.values()):
            raise ValueError("levels: give high, medium and low, each 0 or more")
        return levels

    @model_validator(mode="after")
    def _one_profile_per_topic(self) -> Relevance:
        topics = [t for p in self.profiles for t in p.topics]
        if len(set(topics)) != len(topics):
            raise ValueError("relevance: a topic is in two profiles")
        return self

    def profile(self, topic: Topic) -> Profile | None:
        return self._by_topic.get(topic)

    @functools.cached_property
    def _by_topic(self) -> dict[Topic, Profile]:
        """Each topic's profile (a topic is in one profile at most: checked above)."""
        return {t: p for p in self.profiles for t in p.topics}


class IndicatorMapping(_Strict):
    id: str
    version: int
    last_reviewed: dt.date
    timing: Timing
    rules: tuple[Rule, ...]
    relevance: Relevance | None = None
    findings: str | None = Field(
        default=None, description="the data file of cited official findings this mapping reads"
    )

    @functools.cached_property
    def relevance_memo(self) -> dict[tuple[Topic, frozenset[Category] | None], tuple[int, str]]:
        """What ``evidence.offer`` worked out about the relevance of items to a topic, kept
        with the (frozen) mapping it follows from."""
        return {}

    @field_validator("rules")
    @classmethod
    def _unique(cls, rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
        ids = [r.id for r in rules]
        if len(set(ids)) != len(ids):
            raise ValueError("rule ids must be unique")
        return rules


def mapping_name(name: str) -> str:
    """The canonical id for ``name``: ``v2``, ``2``, ``indicator-mapping-v2`` and
    ``indicator-mapping-v2.yaml`` all name the same mapping."""
    text = name.strip().removesuffix(".yaml")
    if text.isdigit():
        text = f"v{text}"
    if not text.startswith("indicator-mapping-"):
        text = f"indicator-mapping-{text}"
    if text not in MAPPINGS:
        raise UnknownMapping(
            f"unknown indicator mapping {name!r}: choose one of {', '.join(MAPPINGS)}"
        )
    return text


@functools.cache
def load_mapping(name: str = DEFAULT_MAPPING) -> IndicatorMapping:
    canonical = mapping_name(name)
    path = resources.files("openatt.evidence").joinpath("data", f"{canonical}.yaml")
    return IndicatorMapping.model_validate(yaml.safe_load(path.read_text("utf-8")))
