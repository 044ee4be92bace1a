"""Citations and validity periods: every rule and every fact in openatt carries both.

A fact without a source cannot be checked, and a fact without dates cannot be applied
"as of" a decision date; the models here make both mandatory at load time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

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
    """A dated fact that must name at least one source.

    ``checked`` records a comparison with the primary source; ``unchecked`` says, in words,
    why the entry was not (yet) compared with it. An entry may carry one or the other, not
    both; the shipped data files require one of them on every entry (:func:`unreviewed`).
    """

    citations: tuple[Citation, ...] = Field(min_length=1)
    checked: Checked | None = Field(
        default=None,
        description="the last check against a primary source; required of every entry the "
        "2026-12 review checked and of every new entry (tests/test_reference_checked.py)",
    )
    unchecked: str | None = Field(
        default=None,
        min_length=10,
        description="why the entry was not compared with its primary source (the source could "
        "not be found or read, or the review has not reached it): the honest alternative to "
        "checked",
    )

    @model_validator(mode="after")
    def _checked_or_unchecked(self) -> Cited:
        if self.checked is not None and self.unchecked is not None:
            raise ValueError("give either checked or unchecked, not both")
        return self

    @property
    def reviewed(self) -> bool:
        """Whether the entry says what it was checked against, or why it was not."""
        return self.checked is not None or self.unchecked is not None


REVIEW_REQUIRED = (
    "every entry needs checked: {on, against} (the primary sources consulted) or "
    'unchecked: "why it was not checked"'
)


def unreviewed(entries: Iterable[tuple[str, Cited]]) -> str | None:
    """A message naming the entries that say neither what they were checked against nor why
    not, or ``None``: the check a shipped data file with ``review_required`` runs on load."""
    missing = [entry_id for entry_id, fact in entries if not fact.reviewed]
    if not missing:
        return None
    more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
    return f"{missing[0]}{more}: {REVIEW_REQUIRED}"
