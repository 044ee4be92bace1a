"""Citations and validity periods: every rule and every fact in openatt carries both.

A fact without a source cannot be checked, and a fact without dates cannot be applied
"as of" a decision date; the models here make both mandatory at load time.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Citation(BaseModel):
    """Where a rule or fact comes from: the instrument, the provision and, where public, a URL."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    instrument: str = Field(min_length=3, description="e.g. 'UNSC Resolution 1970 (2011)'")
    provision: str | None = Field(default=None, description="e.g. 'para. 9' or 'Art. 6(1)'")
    url: str | None = None
    note: str | None = None

    def __str__(self) -> str:
        return f"{self.instrument}, {self.provision}" if self.provision else self.instrument


class Validity(BaseModel):
    """The days on which something applies: from ``valid_from`` (inclusive) to ``valid_until``.

    ``valid_until`` is the first day on which it no longer applies (the day it was lifted,
    terminated or superseded); ``None`` means it still applies.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    valid_from: dt.date
    valid_until: dt.date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Validity:
        if self.valid_until is not None and self.valid_until <= self.valid_from:
            raise ValueError(
                f"valid_until ({self.valid_until}) must be after valid_from ({self.valid_from})"
            )
        return self

    def applies_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day < self.valid_until)


class Checked(BaseModel):
    """When a fact was last checked, against which primary sources, and what stays doubtful.

    A citation says where a fact comes from; ``checked`` says that someone compared the entry
    with that source on a day, so a reader can tell a reviewed entry from an inherited one.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    on: dt.date
    against: tuple[str, ...] = Field(
        min_length=1, description="the primary sources consulted (document symbol, act, URL)"
    )
    doubt: str | None = Field(
        default=None, description="what could not be confirmed against the source, in words"
    )

    @model_validator(mode="before")
    @classmethod
    def _yaml_on(cls, raw: object) -> object:
        # YAML 1.1 (PyYAML) reads the bare key ``on`` as the boolean true
        if isinstance(raw, dict) and True in raw and "on" not in raw:
            return {("on" if key is True else key): value for key, value in raw.items()}
        return raw


class Cited(Validity):
    """A dated fact that must name at least one source."""

    citations: tuple[Citation, ...] = Field(min_length=1)
    checked: Checked | None = Field(
        default=None,
        description="the last check against a primary source; required of every entry the "
        "2026-12 review checked and of every new entry (tests/test_reference_checked.py)",
    )
