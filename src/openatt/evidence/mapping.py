"""The versioned mapping from indicator values to the engine's ``Evidence``.

``indicator_evidence(state, day, tables)`` is a pure function: for each rule of the mapping it
takes the latest year of the indicator that the timing rule allows (never a year after the
decision date; by default the year before it), applies the first band the value passes, and
returns ``Evidence`` of kind ``indicator`` naming the indicator, its release, the value, the
threshold and the reason, with a note that indicators lag.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Callable, Mapping
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from openatt.core.model import Evidence, EvidenceKind, Likelihood, Severity, Topic
from openatt.evidence.table import IndicatorTable, IndicatorValue

DEFAULT_MAPPING = "indicator-mapping-v1.yaml"

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}


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


class Rule(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_.]+$")
    indicator: str
    variables: tuple[str, ...] = Field(min_length=1)
    aggregate: str = Field(pattern=r"^(max|min)$")
    criteria: tuple[Topic, ...] = Field(min_length=1)
    reason: str = Field(min_length=10)
    bands: tuple[Band, ...] = Field(min_length=1)

    def band(self, value: float) -> Band | None:
        return next((b for b in self.bands if b.passes(value)), None)


class Timing(_Strict):
    latest_year_offset: int = Field(ge=1, description="use years <= decision year - offset")
    max_age_years: int = Field(ge=0)


class IndicatorMapping(_Strict):
    id: str
    version: int
    last_reviewed: dt.date
    timing: Timing
    rules: tuple[Rule, ...]

    @field_validator("rules")
    @classmethod
    def _unique(cls, rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
        ids = [r.id for r in rules]
        if len(set(ids)) != len(ids):
            raise ValueError("rule ids must be unique")
        return rules


@functools.cache
def load_mapping(name: str = DEFAULT_MAPPING) -> IndicatorMapping:
    text = resources.files("openatt.evidence").joinpath("data", name).read_text("utf-8")
    return IndicatorMapping.model_validate(yaml.safe_load(text))


def _pick(rule: Rule, table: IndicatorTable, state: str, year: int) -> IndicatorValue | None:
    found = [v for var in rule.variables if (v := table.value(state, year, var)) is not None]
    if not found:
        return None
    chooser = max if rule.aggregate == "max" else min
    return chooser(found, key=lambda v: v.value)


def rule_value(
    rule: Rule, table: IndicatorTable, state: str, day: dt.date, timing: Timing
) -> IndicatorValue | None:
    """The value a rule reads for a decision on ``day``: the latest allowed year, if any."""
    newest = day.year - timing.latest_year_offset
    for year in range(newest, newest - timing.max_age_years - 1, -1):
        picked = _pick(rule, table, state, year)
        if picked is not None:
            return picked
    return None


def indicator_evidence(
    state: str,
    day: dt.date,
    tables: Mapping[str, IndicatorTable],
    mapping: IndicatorMapping | None = None,
) -> tuple[Evidence, ...]:
    """Evidence about ``state`` for a decision on ``day``, from each rule whose indicator is
    loaded."""
    mapping = mapping or load_mapping()
    found: list[Evidence] = []
    for rule in mapping.rules:
        table = tables.get(rule.indicator)
        if table is None:
            continue
        picked = rule_value(rule, table, state, day, mapping.timing)
        if picked is None:
            continue
        band = rule.band(picked.value)
        if band is None:
            continue
        reason = " ".join(rule.reason.split())
        note = (
            f"{band.threshold}. {reason} Indicator-based ({mapping.id}, rule {rule.id}); "
            f"indicators lag: the value is for {picked.year}, the latest year allowed before a "
            f"decision on {day.isoformat()}, and conditions may since have changed."
        )
        for topic in rule.criteria:
            found.append(
                Evidence(
                    criterion=topic.value,
                    likelihood=band.likelihood,
                    severity=band.severity,
                    source=picked.cite(),
                    date=dt.date(picked.year, 12, 31),
                    author=f"openatt {mapping.id}",
                    kind=EvidenceKind.indicator,
                    note=note,
                    value=picked.value,
                )
            )
    return tuple(found)
