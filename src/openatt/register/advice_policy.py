"""The authority's advice and countersigning policy: configuration data (advice_policy.yaml,
or the file ``OPENATT_ADVICE_POLICY`` names), read through a strict schema.

It says how many countersigning levels the final advice needs and who may sign each, whether
the decision waits for them, whether advisers see other teams' advice, how a refusal becomes
evidence when the adviser gives no likelihood or severity, and which days are not working days.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from openatt import yaml_data
from openatt.core.model import Likelihood, Severity
from openatt.register.models import Role
from openatt.settings import get_settings

POLICY_ENV = "OPENATT_ADVICE_POLICY"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Countersigning(_Strict):
    levels: int = Field(ge=0, le=2)
    roles: dict[int, tuple[Role, ...]] = Field(default_factory=dict)
    before_decision: bool = True

    @model_validator(mode="after")
    def _every_level_has_signers(self) -> Countersigning:
        for level in range(1, self.levels + 1):
            if not self.roles.get(level):
                raise ValueError(f"roles: level {level} names no role that may countersign it")
        return self


class RefusalEvidence(_Strict):
    likelihood: Likelihood
    severity: Severity


class AdvicePolicy(_Strict):
    countersign: Countersigning
    advisers_see_other_teams: bool = False
    refusal_evidence: RefusalEvidence
    holidays: tuple[dt.date, ...] = ()

    def may_countersign(self, role: Role, level: int) -> bool:
        return role in self.roles_for(level)

    def roles_for(self, level: int) -> tuple[Role, ...]:
        return self.countersign.roles.get(level, ())


def parse_policy(text: str, name: str) -> AdvicePolicy:
    try:
        return AdvicePolicy.model_validate(yaml_data.load_untrusted(text))
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"{name}: {where}: {first['msg']}") from error


@lru_cache(maxsize=4)
def _load(path: str | None) -> AdvicePolicy:
    if path:
        return parse_policy(Path(path).read_text("utf-8"), path)
    text = resources.files("openatt.register").joinpath("advice_policy.yaml").read_text("utf-8")
    return parse_policy(text, "advice_policy.yaml")


def advice_policy() -> AdvicePolicy:
    """The policy in force: the file named by OPENATT_ADVICE_POLICY, else the shipped one."""
    return _load(get_settings().advice_policy or None)


def add_working_days(start: dt.date, days: int, holidays: tuple[dt.date, ...] = ()) -> dt.date:
    """The day ``days`` working days (Monday to Friday, not a listed holiday) after ``start``."""
    day = start
    left = days
    while left > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            left -= 1
    return day
