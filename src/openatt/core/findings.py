"""What the engine returns: findings that explain themselves, and a recommendation per regime.

A finding names the rule (``criterion``), its ``outcome``, the ``citations`` it rests on and the
``facts`` it read, so that an officer, an auditor or a court can follow each step. The
recommendation is only that: a person decides (``register`` records the decision).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from openatt.core.provenance import Citation


class Outcome(StrEnum):
    prohibited = "prohibited"
    requires_authorisation = "requires_authorisation"
    risk = "risk"
    concern = "concern"
    clear = "clear"
    not_applicable = "not_applicable"
    unknown = "unknown"


class Recommendation(StrEnum):
    deny = "deny"
    refer = "refer"
    approve_with_conditions = "approve_with_conditions"
    approve = "approve"

    @property
    def severity(self) -> int:
        """Higher is stricter; used to compare regimes and to sort a queue."""
        return {"approve": 0, "approve_with_conditions": 1, "refer": 2, "deny": 3}[self.value]


class Finding(BaseModel):
    """One rule applied to one case (or one item of it)."""

    model_config = ConfigDict(frozen=True)

    criterion: str = Field(description="the rule id, e.g. att.6.1")
    title: str
    outcome: Outcome
    citations: tuple[Citation, ...] = Field(min_length=1)
    facts: dict[str, Any] = Field(default_factory=dict)
    reason: str = ""
    factors_for: tuple[str, ...] = Field(default=(), description="factors for approval")
    factors_against: tuple[str, ...] = Field(default=(), description="factors against approval")
    mitigations: tuple[str, ...] = ()
    threshold: str | None = Field(default=None, description="the regime's threshold wording")
    item: int | None = Field(default=None, description="index of the item, for per-item rules")
    source_id: str | None = Field(
        default=None, description="the reference-data entry this finding rests on"
    )


# Finding's optional fields and their defaults, in the order the model declares them
_OPTIONAL: dict[str, Any] = {
    "factors_for": (),
    "factors_against": (),
    "mitigations": (),
    "threshold": None,
    "item": None,
    "source_id": None,
}
_new = object.__new__
_set = object.__setattr__


def checked_finding(
    criterion: str,
    title: str,
    outcome: Outcome,
    citations: tuple[Citation, ...],
    facts: dict[str, Any],
    reason: str,
    fields: dict[str, Any],
) -> Finding:
    """``Finding(criterion=..., ..., **fields)`` for values an evaluator made from the law and
    the case, already of the fields' types (tuples of text, a new facts dict, text or None):
    the same finding without validating it again, which cost the engine a tenth of its time.
    The fields set and their order are those validation gives (``tests/core`` compares the
    two on every finding of the examples). Anything else, e.g. a field the model does not
    declare, takes the validating constructor."""
    if not citations or not fields.keys() <= _OPTIONAL.keys():
        return Finding(
            criterion=criterion,
            title=title,
            outcome=outcome,
            citations=citations,
            facts=facts,
            reason=reason,
            **fields,
        )
    values = {
        "criterion": criterion,
        "title": title,
        "outcome": outcome,
        "citations": citations,
        "facts": facts,
        "reason": reason,
        **_OPTIONAL,
    }
    values.update(fields)
    finding = _new(Finding)
    _set(finding, "__dict__", values)
    _set(finding, "__pydantic_fields_set__", {*_REQUIRED_SET, *fields})
    _set(finding, "__pydantic_extra__", None)
    _set(finding, "__pydantic_private__", None)
    return finding


_REQUIRED_SET = ("criterion", "title", "outcome", "citations", "facts", "reason")


class Assessment(BaseModel):
    """One application assessed under one regime, as of one date."""

    model_config = ConfigDict(frozen=True)

    application_id: str | None
    regime: str
    regime_title: str
    as_of: dt.date
    binding: bool
    binding_reason: str
    advisory: bool
    recommendation: Recommendation
    reasons: tuple[str, ...]
    conditions: tuple[str, ...] = ()
    findings: tuple[Finding, ...]
    law_version: str = Field(description="digest of the law and reference data that were used")
    engine_version: str
