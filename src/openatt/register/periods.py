"""The periods of the dialogue with the exporter (appeal window, time to answer a question,
reminder lead time): cited data in ``dialogue.yaml``, overridable from the environment."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from importlib import resources

import yaml
from pydantic import Field

from openatt.core.provenance import Cited
from openatt.register.errors import Invalid
from openatt.settings import get_settings


class Period(Cited):
    """A number of calendar days, with what it rests on."""

    days: int | None = Field(default=None, ge=1, le=3650)
    days_before: int | None = Field(default=None, ge=0, le=365)


@lru_cache(maxsize=1)
def _periods() -> dict[str, Period]:
    text = resources.files("openatt.register").joinpath("dialogue.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    return {name: Period.model_validate(value) for name, value in data.items()}


def _override(variable: str, default: int) -> int:
    text = str(getattr(get_settings(), variable.removeprefix("OPENATT_").lower())).strip()
    if not text:
        return default
    if not text.isdigit() or not 1 <= int(text) <= 3650:
        raise Invalid(f"{variable} must be a number of days (1 to 3650)", field=(variable,))
    return int(text)


def period(name: str) -> Period:
    return _periods()[name]


def appeal_days() -> int:
    return _override("OPENATT_APPEAL_DAYS", period("appeal").days or 28)


def query_days() -> int:
    return _override("OPENATT_QUERY_DAYS", period("query").days or 20)


def reminder_days() -> int:
    return period("reminder").days_before or 0


def appeal_deadline(decided: dt.date) -> dt.date:
    """The last day an appeal against a refusal made on ``decided`` may be lodged."""
    return decided + dt.timedelta(days=appeal_days())
