"""Official acts that recognised a serious risk, and the allies no one contested: the practice
the evidence mappings are back-tested against (``data/practice-acts-v1.yaml``).

Pure data access; the back-test itself runs on the monitoring store
(:mod:`openatt.monitoring.backtest`).
"""

from __future__ import annotations

import datetime as dt
import functools
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from openatt.core.model import Category, StateCode
from openatt.evidence.findings import Checked

PRACTICE = "practice-acts-v1"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Allies(_Strict):
    groups: tuple[str, ...]
    states: tuple[StateCode, ...]
    reason: str = Field(min_length=20)


class PracticeAct(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_.-]+$")
    kind: str = Field(
        pattern=r"^(court_judgment|government_suspension|council_conclusions|un_finding|embargo)$"
    )
    by: str = Field(min_length=3)
    recipient: StateCode
    date: dt.date
    deliveries: tuple[int, ...] = Field(min_length=1)
    criteria: dict[str, tuple[str, ...]] = Field(min_length=1)
    scope: tuple[Category, ...] | None
    also_evidence: bool = False
    finding: str = Field(min_length=20)
    source: str = Field(min_length=5)
    checked: Checked

    @model_validator(mode="after")
    def _after_the_act(self) -> PracticeAct:
        for year in self.deliveries:
            if dt.date(year, 7, 1) <= self.date:
                raise ValueError(
                    f"act {self.id}: delivery year {year} is dated (1 July) before the act"
                )
        return self


class Practice(_Strict):
    id: str
    last_reviewed: dt.date
    allies: Allies
    acts: tuple[PracticeAct, ...]


@functools.cache
def load_practice(name: str = PRACTICE) -> Practice:
    path = resources.files("openatt.evidence").joinpath("data", f"{name}.yaml")
    return Practice.model_validate(yaml.safe_load(path.read_text("utf-8")))
