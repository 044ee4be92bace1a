"""Strict schemas for regimes, rules, thresholds and overlays.

Rules carry *versions*: the same rule id (``us.cat``) may have a different citation, text or
threshold before and after a date, which is what lets an assessment be reproduced "as of" any
day. A rule without a citation or a date does not load.
"""

from __future__ import annotations

import datetime as dt
import itertools
from enum import StrEnum
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from openatt.core.model import Category, Likelihood, Severity, StateCode, Topic, TransferKind
from openatt.core.provenance import Citation, Cited, unreviewed
from openatt.reference.schema import Embargo, embargo_facts

RULE_ID = r"^[a-z][a-z0-9_-]*(\.[a-z0-9_]+)+$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleKind(StrEnum):
    scope = "scope"
    prohibition = "prohibition"
    authorisation = "authorisation"
    risk = "risk"
    diversion = "diversion"
    synthesis = "synthesis"


class Effect(StrEnum):
    """``deny``: a risk above the threshold is a ground for denial. ``weigh``: the regime only
    asks the assessor to take the matter into account (EU criteria 5-8) or to take measures
    of its choosing (ATT Art. 11(2): refusal is one of them), so at most a concern is raised."""

    deny = "deny"
    weigh = "weigh"


class ItemScope(StrEnum):
    """Which of the regime's in-scope items a rule reads."""

    assessed = "assessed"  # every item the regime assesses (ATT: Art. 2(1), 3 and 4 items)
    conventional = "conventional"  # only items the regime treats as fully in scope
    none = "none"  # the rule is about the case, not the items


class RuleVersion(Cited):
    summary: str = Field(min_length=10, description="what the rule says, in openatt's words")
    threshold: str | None = Field(default=None, description="a threshold id overriding the rule's")
    params: dict[str, Any] = Field(default_factory=dict, description="overrides the rule's params")
    effect: Effect | None = Field(
        default=None,
        description="overrides the rule's effect for this version (the UK's criterion 7 is a "
        "denial criterion from 2021, a matter to take into account before)",
    )
    wording: str | None = Field(
        default=None, description="the operative words of the text, quoted, where they matter"
    )


class Rule(_Strict):
    id: str = Field(pattern=RULE_ID)
    title: str
    kind: RuleKind
    evaluator: str
    topics: tuple[Topic, ...] = ()
    transfer_kinds: tuple[TransferKind, ...] = Field(
        default=(), description="the transfers the rule applies to; empty means all"
    )
    items: ItemScope = ItemScope.assessed
    effect: Effect = Effect.deny
    threshold: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    supplier_obligation: bool = Field(
        default=False,
        description="the rule reads obligations attached to the licensing state itself (treaty "
        "memberships, its own procedures); only such rules may differ between suppliers",
    )
    versions: tuple[RuleVersion, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _versions_do_not_overlap(self) -> Rule:
        ordered = sorted(self.versions, key=lambda v: v.valid_from)
        for before, after in itertools.pairwise(ordered):
            if before.valid_until is None or before.valid_until > after.valid_from:
                raise ValueError(f"{self.id}: versions overlap at {after.valid_from}")
        object.__setattr__(self, "versions", tuple(ordered))
        return self

    def version_on(self, day: dt.date) -> RuleVersion | None:
        for version in self.versions:
            if version.applies_on(day):
                return version
        return None

    def applies_to(self, kind: TransferKind) -> bool:
        return not self.transfer_kinds or kind in self.transfer_kinds

    @cached_property
    def reads(self) -> frozenset[str]:
        """The evidence criteria the rule weighs: its own id and its topics."""
        return frozenset((self.id, *(str(t.value) for t in self.topics)))


class ThresholdCell(_Strict):
    severity: Severity = Field(description="at least this severe")
    likelihood: Likelihood = Field(description="at least this likely, after mitigation")


class Threshold(_Strict):
    """How a regime words its test and how openatt operationalises it on the likelihood and
    severity scales. ``risk_when`` cells are alternatives: meeting any one is a risk."""

    id: str
    wording: str
    risk_when: tuple[ThresholdCell, ...] = Field(min_length=1)
    concern_from: Likelihood
    interpretation: str = Field(min_length=20)
    citations: tuple[Citation, ...] = Field(min_length=1)

    def is_risk(self, severity: Severity, likelihood: Likelihood) -> bool:
        return (severity, likelihood) in self._risk_cells

    @cached_property
    def _risk_cells(self) -> frozenset[tuple[Severity, Likelihood]]:
        """Every (severity, likelihood) that :meth:`_is_risk` calls a risk: the engine asks
        for each piece of evidence it weighs, and the scales are short."""
        return frozenset(
            (severity, likelihood)
            for severity in Severity
            for likelihood in Likelihood
            if self._is_risk(severity, likelihood)
        )

    def _is_risk(self, severity: Severity, likelihood: Likelihood) -> bool:
        if likelihood is Likelihood.known:
            return severity.level >= Severity.serious.level
        return any(
            severity.level >= cell.severity.level and likelihood.level >= cell.likelihood.level
            for cell in self.risk_when
        )


class Binding(_Strict):
    """Whom the regime binds: the parties to a treaty, the members of a group, or named states."""

    kind: Literal["treaty", "group", "states"]
    treaty: str | None = None
    group: str | None = None
    states: tuple[StateCode, ...] = ()
    description: str


class ScopeMode(StrEnum):
    full = "full"  # every rule applies
    assessed = "assessed"  # prohibitions and export assessment apply (ATT Arts 3 and 4)
    out = "out"


class Scope(_Strict):
    categories: tuple[Category, ...] = Field(description="categories fully in scope")
    ammunition: ScopeMode
    parts: ScopeMode
    control_entries: tuple[str, ...] = Field(
        default=(),
        description="control-list entries brought into full scope whatever the category "
        "(e.g. ML7 riot-control agents); a trailing * matches a prefix",
    )
    citations: tuple[Citation, ...] = Field(min_length=1)


class MitigationPolicy(_Strict):
    allowed: bool
    max_reduction: int = Field(ge=0, le=3, description="likelihood levels mitigation can remove")
    citations: tuple[Citation, ...] = Field(min_length=1)
    note: str | None = None


class Regime(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_.-]*$")
    title: str
    citations: tuple[Citation, ...] = Field(min_length=1)
    valid_from: dt.date
    binding: Binding
    scope: Scope
    mitigation: MitigationPolicy
    default_threshold: str
    thresholds: tuple[Threshold, ...] = Field(min_length=1)
    rules: tuple[Rule, ...] = Field(min_length=1)
    embargoes: tuple[Embargo, ...] = Field(
        default=(), description="the regime's own embargoes (national overlays)"
    )
    advisory_note: str | None = None
    review_required: bool = Field(
        default=False,
        description="every rule version and embargo entry must say what it was checked "
        "against or why not (checked or unchecked); the shipped regimes set it (issue 14)",
    )

    @model_validator(mode="after")
    def _every_entry_reviewed(self) -> Regime:
        versions = (
            (f"{rule.id}@{version.valid_from.isoformat()}", version)
            for rule in self.rules
            for version in rule.versions
        )
        facts = itertools.chain(versions, embargo_facts(self.embargoes))
        if self.review_required and (missing := unreviewed(facts)):
            raise ValueError(missing)
        return self

    @model_validator(mode="after")
    def _references_resolve(self) -> Regime:
        threshold_ids = {t.id for t in self.thresholds}
        if self.default_threshold not in threshold_ids:
            raise ValueError(f"default_threshold {self.default_threshold!r} is not defined")
        rule_ids = [r.id for r in self.rules]
        if len(set(rule_ids)) != len(rule_ids):
            raise ValueError("rule ids must be unique")
        for rule in self.rules:
            named = [rule.threshold, *(v.threshold for v in rule.versions)]
            for threshold in named:
                if threshold is not None and threshold not in threshold_ids:
                    raise ValueError(f"{rule.id}: threshold {threshold!r} is not defined")
        return self

    def threshold(self, threshold_id: str | None) -> Threshold:
        wanted = threshold_id or self.default_threshold
        return next(t for t in self.thresholds if t.id == wanted)

    @cached_property
    def _rules_by_id(self) -> dict[str, Rule]:
        return {rule.id: rule for rule in self.rules}

    def rule(self, rule_id: str) -> Rule:
        return self._rules_by_id[rule_id]


class Overlay(_Strict):
    """A national overlay: a baseline regime made stricter by a state's own law.

    The ATT allows stricter national measures; an overlay may extend scope, add rules and
    embargoes, and replace thresholds, but may not remove a prohibition of its base.
    """

    id: str = Field(pattern=r"^[a-z][a-z0-9_.-]*$")
    title: str
    base: str
    citations: tuple[Citation, ...] = Field(min_length=1)
    valid_from: dt.date
    binding: Binding
    scope: Scope | None = None
    thresholds: tuple[Threshold, ...] = ()
    default_threshold: str | None = None
    add_rules: tuple[Rule, ...] = ()
    remove_rules: tuple[str, ...] = ()
    embargoes: tuple[Embargo, ...] = ()
