"""What an evaluator sees: the case as of the day, the regime, the rule version, the data."""

from __future__ import annotations

import datetime as dt
import functools
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from openatt.core.findings import Finding, Outcome
from openatt.core.model import Application, Evidence, Item, Mitigation
from openatt.core.provenance import Citation
from openatt.law.schema import Regime, Rule, RuleVersion, Threshold
from openatt.reference.loader import ReferenceData

# How bad an outcome is, for taking the worst of several.
OUTCOME_ORDER = {
    Outcome.not_applicable: 0,
    Outcome.clear: 1,
    Outcome.concern: 2,
    Outcome.unknown: 3,
    Outcome.requires_authorisation: 4,
    Outcome.risk: 5,
    Outcome.prohibited: 6,
}


def worst(outcomes: list[Outcome], default: Outcome = Outcome.clear) -> Outcome:
    return max(outcomes, key=OUTCOME_ORDER.__getitem__, default=default)


@functools.lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form for comparing names and regions."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    return " ".join(kept.casefold().split())


def names_match(a: str, b: str) -> bool:
    """True when one folded name contains the other as whole words."""
    fa, fb = f" {fold(a)} ", f" {fold(b)} "
    return bool(fa.strip()) and bool(fb.strip()) and (fa in fb or fb in fa)


@dataclass(frozen=True)
class CaseView:
    """The application as the law sees it on ``day``: evidence dated after it is set aside."""

    app: Application
    day: dt.date

    @cached_property
    def evidence(self) -> tuple[Evidence, ...]:
        return tuple(e for e in self.app.evidence if e.date <= self.day)

    @cached_property
    def later_evidence(self) -> tuple[Evidence, ...]:
        return tuple(e for e in self.app.evidence if e.date > self.day)

    @cached_property
    def destinations(self) -> tuple[str, ...]:
        """States the items go to: the importing state, the end user's and consignee's."""
        ordered = [self.app.importing_state, self.app.end_user.country, self.app.consignee.country]
        return tuple(dict.fromkeys(ordered))


def evidence_fact(evidence: Evidence) -> dict[str, Any]:
    return {
        "criterion": evidence.criterion,
        "likelihood": evidence.likelihood.value,
        "severity": evidence.severity.value,
        "source": evidence.source,
        "date": evidence.date.isoformat(),
        "kind": evidence.kind.value,
        **({"value": evidence.value} if evidence.value is not None else {}),
        **({"author": evidence.author} if evidence.author else {}),
        **({"note": evidence.note} if evidence.note else {}),
    }


@dataclass(frozen=True)
class RuleContext:
    case: CaseView
    regime: Regime
    rule: Rule
    version: RuleVersion
    version_in_force: bool
    ref: ReferenceData
    items: tuple[tuple[int, Item], ...]
    prior: tuple[Finding, ...]

    @property
    def app(self) -> Application:
        return self.case.app

    @property
    def day(self) -> dt.date:
        return self.case.day

    @cached_property
    def params(self) -> dict[str, Any]:
        return {**self.rule.params, **self.version.params}

    @cached_property
    def threshold(self) -> Threshold:
        return self.regime.threshold(self.version.threshold or self.rule.threshold)

    def speaks_to(self, criterion: str) -> bool:
        return criterion == self.rule.id or criterion in self.rule.topics

    @cached_property
    def evidence(self) -> tuple[Evidence, ...]:
        return tuple(e for e in self.case.evidence if self.speaks_to(e.criterion))

    @cached_property
    def later_evidence(self) -> tuple[Evidence, ...]:
        return tuple(e for e in self.case.later_evidence if self.speaks_to(e.criterion))

    @cached_property
    def mitigations(self) -> tuple[Mitigation, ...]:
        return tuple(m for m in self.app.mitigations if any(self.speaks_to(a) for a in m.addresses))

    @cached_property
    def mitigation_reduction(self) -> int:
        """Likelihood levels the credited mitigations remove, within the regime's cap."""
        policy = self.regime.mitigation
        if not policy.allowed or not self.mitigations:
            return 0
        return min(max(m.credibility.reduction for m in self.mitigations), policy.max_reduction)

    def finding(
        self,
        outcome: Outcome,
        reason: str,
        facts: dict[str, Any] | None = None,
        *,
        extra_citations: tuple[Citation, ...] = (),
        **fields: Any,
    ) -> Finding:
        all_facts = dict(facts or {})
        if not self.version_in_force:
            all_facts["rule_in_force"] = False
            all_facts["rule_version_from"] = self.version.valid_from.isoformat()
        if self.later_evidence:
            all_facts["evidence_after_decision_date_ignored"] = [
                evidence_fact(e) for e in self.later_evidence
            ]
        return Finding(
            criterion=self.rule.id,
            title=self.rule.title,
            outcome=outcome,
            citations=self.version.citations + extra_citations,
            facts=all_facts,
            reason=reason,
            **fields,
        )


Evaluator = Callable[[RuleContext], list[Finding]]
