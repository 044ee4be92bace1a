"""Cited official findings about a state's use of force and conduct (``data/official-findings-*``).

Pure data access: which findings about a state are in force on a day. The mapping that reads
them (``indicator-mapping-v2``) decides what they weigh; see :mod:`openatt.evidence.offer`.
"""

from __future__ import annotations

import datetime as dt
import functools
from enum import StrEnum
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from openatt.core.model import Likelihood, Severity, StateCode, Topic


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FindingKind(StrEnum):
    aggression = "aggression"
    self_defence = "self_defence"
    conduct = "conduct"


class Act(_Strict):
    body: str = Field(min_length=3)
    instrument: str = Field(min_length=3)
    date: dt.date
    provision: str | None = None

    def cite(self) -> str:
        where = f", {self.provision}" if self.provision else ""
        return f"{self.body}, {self.instrument}{where} ({self.date.isoformat()})"


class Checked(_Strict):
    on: dt.date
    against: tuple[str, ...] = Field(min_length=1)
    doubt: str | None = None


class Finding(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_.-]+$")
    kind: FindingKind
    state: StateCode
    counterpart: StateCode | None = None
    from_: dt.date = Field(alias="from")
    until: dt.date | None
    topics: tuple[Topic, ...] = Field(min_length=1)
    likelihood: Likelihood
    severity: Severity
    act: Act
    finding: str = Field(min_length=20)
    checked: Checked

    @model_validator(mode="after")
    def _coherent(self) -> Finding:
        if self.until is not None and self.until < self.from_:
            raise ValueError(f"finding {self.id}: until is before from")
        if self.from_ < self.act.date:
            raise ValueError(f"finding {self.id}: weighed before the act that states it")
        if self.kind is not FindingKind.conduct and self.counterpart is None:
            raise ValueError(f"finding {self.id}: name the other state (counterpart)")
        return self

    def in_force(self, day: dt.date) -> bool:
        return self.from_ <= day and (self.until is None or day <= self.until)


class Findings(_Strict):
    id: str
    last_reviewed: dt.date
    findings: tuple[Finding, ...]

    @model_validator(mode="after")
    def _unique(self) -> Findings:
        ids = [f.id for f in self.findings]
        if len(set(ids)) != len(ids):
            raise ValueError("finding ids must be unique")
        return self

    def about(self, state: str, day: dt.date) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.state == state and f.in_force(day))


@functools.cache
def load_findings(name: str) -> Findings:
    path = resources.files("openatt.evidence").joinpath("data", f"{name}.yaml")
    return Findings.model_validate(yaml.safe_load(path.read_text("utf-8")))
