"""The casework configuration (target working days, public holidays, the screening flag),
loaded through a strict schema: an unknown key, a kind without a target or a duplicated
holiday is refused with its place named, so a typo never silently changes target dates.

The packaged ``casework.yaml`` is an example; ``OPENATT_CASEWORK_CONFIG`` names another file.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from openatt import yaml_data
from openatt.core.model import TransferKind
from openatt.register.models import Role
from openatt.settings import get_settings

DEFAULT = Path(__file__).with_name("casework.yaml")
ENV = "OPENATT_CASEWORK_CONFIG"

Level = Literal["case", "party", "goods", "destination"]
LEVELS: tuple[str, ...] = ("case", "party", "goods", "destination")
COLOURS: tuple[str, ...] = ("grey", "red", "orange", "yellow", "green", "blue", "purple")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Holiday(_Strict):
    date: dt.date
    name: str = Field(min_length=1)


class Holidays(_Strict):
    source: str = Field(min_length=1, description="where the dates come from")
    dates: tuple[Holiday, ...] = ()

    @field_validator("dates")
    @classmethod
    def _unique(cls, value: tuple[Holiday, ...]) -> tuple[Holiday, ...]:
        seen = [h.date for h in value]
        repeated = sorted({d for d in seen if seen.count(d) > 1})
        if repeated:
            raise ValueError(f"holiday listed twice: {repeated[0].isoformat()}")
        return value


class FlagSpec(_Strict):
    """A flag definition as configuration writes it."""

    name: str = Field(min_length=1, max_length=80)
    level: Level
    colour: Literal["grey", "red", "orange", "yellow", "green", "blue", "purple"]
    blocking: bool
    cleared_by_role: Role
    description: str = ""


class CaseworkConfig(_Strict):
    version: str = Field(min_length=1, max_length=40)
    description: str = ""
    target_working_days: dict[TransferKind, int]
    public_holidays: Holidays
    screening_flag: FlagSpec

    @model_validator(mode="after")
    def _every_kind(self) -> CaseworkConfig:
        missing = [k.value for k in TransferKind if k not in self.target_working_days]
        if missing:
            raise ValueError(f"target_working_days has no value for: {', '.join(missing)}")
        bad = [k.value for k, v in self.target_working_days.items() if not 1 <= v <= 365]
        if bad:
            raise ValueError(f"target_working_days must be 1-365 for: {', '.join(bad)}")
        if self.screening_flag.level not in ("party", "case"):
            raise ValueError("screening_flag.level must be party (the party that hit) or case")
        return self

    @property
    def holiday_dates(self) -> frozenset[dt.date]:
        return frozenset(h.date for h in self.public_holidays.dates)


def parse(text: str) -> CaseworkConfig:
    """Validate a configuration document (raises pydantic's ``ValidationError``)."""
    return CaseworkConfig.model_validate(yaml_data.load_untrusted(text))


@functools.lru_cache(maxsize=4)
def _load(path: Path) -> CaseworkConfig:
    return parse(path.read_text("utf-8"))


def load() -> CaseworkConfig:
    """The configuration in force: ``$OPENATT_CASEWORK_CONFIG``, else the packaged example."""
    chosen = get_settings().casework_config
    return _load(Path(chosen).resolve() if chosen else DEFAULT)
