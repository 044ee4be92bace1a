"""Retention: the day before which a record may not be deleted (ATT Art. 12(4), cited data)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from importlib import resources

import yaml
from pydantic import Field

from openatt.core.provenance import Cited


class RetentionRule(Cited):
    """Keep records for ``years`` from the day they were written."""

    years: int = Field(ge=1)


@lru_cache(maxsize=1)
def retention_rule() -> RetentionRule:
    text = resources.files("openatt.register").joinpath("retention.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    return RetentionRule.model_validate(data["records"])


def retain_until(written: dt.date) -> dt.date:
    """The first day on which a record written on ``written`` may be deleted."""
    years = retention_rule().years
    try:
        return written.replace(year=written.year + years)
    except ValueError:  # 29 February
        return written.replace(year=written.year + years, day=28)
