"""What an evaluator sees: the case as of the day, the regime, the rule version, the data."""

from __future__ import annotations

import datetime as dt
import functools
import unicodedata
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

from openatt.core.findings import Finding, Outcome, checked_finding
from openatt.core.memo import Same
from openatt.core.model import Application, Evidence, Item, Mitigation
from openatt.core.provenance import Citation
from openatt.core.rules.params import P, typed_params
from openatt.law.schema import Effect, Regime, Rule, RuleVersion, Threshold
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


@functools.lru_cache(maxsize=65536)
def names_match(a: str, b: str) -> bool:
    """True when one folded name contains the other as whole words (a pure function of two
    strings: kept for the names an embargo rule compares for every case)."""
    fa, fb = f" {fold(a)} ", f" {fold(b)} "
    return bool(fa.strip()) and bool(fb.strip()) and (fa in fb or fb in fa)


T = TypeVar("T")


class lazy(Generic[T]):
    """``functools.cached_property`` without its lock (Python 3.11 takes one on every first
    access; 3.12 dropped it): the engine builds a context per rule, so it adds up."""

    def __init__(self, compute: Callable[[Any], T]) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type) -> lazy[T]: ...
    @overload
    def __get__(self, instance: object, owner: type) -> T: ...
    def __get__(self, instance: object | None, owner: type) -> lazy[T] | T:
        if instance is None:
            return self
        value = self.compute(instance)
        instance.__dict__[self.name] = value  # later reads find it before the descriptor
        return value


@dataclass(frozen=True)
class CaseView:
    """The application as the law sees it on ``day``: evidence dated after it is set aside."""

    app: Application
    day: dt.date

    @lazy
    def evidence(self) -> tuple[Evidence, ...]:
        return tuple(e for e in self.app.evidence if e.date <= self.day)

    @lazy
    def later_evidence(self) -> tuple[Evidence, ...]:
        return tuple(e for e in self.app.evidence if e.date > self.day)

    @lazy
    def criteria(self) -> frozenset[str]:
        """The criteria (topics or rule ids) that the evidence up to the day speaks to."""
        return frozenset(e.criterion for e in self.evidence)

    def evidence_on(self, reads: frozenset[str]) -> tuple[Evidence, ...]:
        """The evidence up to the day that speaks to one of ``reads``, in the case's order:
        worked out once per set of criteria found in the case, so rules of several regimes
        that weigh the same topics (ATT 7(1)(b)(ii) and EU 2(c)) share one tuple (and the
        memo, keyed by identity, sees the same objects)."""
        wanted = reads & self.criteria
        key = ("evidence", wanted)
        found = self.parts.get(key)
        if found is None:
            found = self.parts[key] = tuple(e for e in self.evidence if e.criterion in wanted)
        return found  # type: ignore[return-value]

    @lazy
    def destinations(self) -> tuple[str, ...]:
        """States the items go to: the importing state, the end user's and consignee's."""
        ordered = [self.app.importing_state, self.app.end_user.country, self.app.consignee.country]
        return tuple(dict.fromkeys(ordered))

    # -- parts of the case as memo keys (see ``core.memo`` and ``core.rules.keys``)

    @lazy
    def parts(self) -> dict[object, Hashable]:
        """Memo keys computed once for the case (``core.rules.keys`` fills it)."""
        return {}

    @lazy
    def evidence_key(self) -> Same:
        return Same(self.app.evidence)

    @lazy
    def mitigations_key(self) -> Same:
        return Same(self.app.mitigations)

    @lazy
    def screening_key(self) -> Same:
        return Same(self.app.screening)

    @lazy
    def end_user_key(self) -> tuple[object, ...]:
        user = self.app.end_user
        return (user.name, user.country, user.kind, user.group, user.region)


def evidence_fact(evidence: Evidence) -> dict[str, Any]:
    """The evidence as a finding's facts list it (a new dict each time: facts are the
    finding's own). Worked out once per piece of evidence: a batch weighs each many times."""
    return dict(evidence.as_fact)


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

    @classmethod
    def make(
        cls,
        case: CaseView,
        regime: Regime,
        rule: Rule,
        version: RuleVersion,
        version_in_force: bool,
        ref: ReferenceData,
        items: tuple[tuple[int, Item], ...],
        prior: tuple[Finding, ...],
        threshold: Threshold | None = None,
    ) -> RuleContext:
        """The same as the constructor, without the frozen dataclass's ``object.__setattr__``
        per field: the engine makes one context per rule and case (about a dozen a case).
        ``threshold``, when given, is :attr:`threshold` already worked out (the engine does
        it once per regime, rule and day)."""
        ctx = object.__new__(cls)
        ctx.__dict__.update(
            case=case,
            regime=regime,
            rule=rule,
            version=version,
            version_in_force=version_in_force,
            ref=ref,
            items=items,
            prior=prior,
        )
        if threshold is not None:
            ctx.__dict__["threshold"] = threshold
        return ctx

    @property
    def app(self) -> Application:
        return self.case.app

    @property
    def day(self) -> dt.date:
        return self.case.day

    @lazy
    def params(self) -> dict[str, Any]:
        return {**self.rule.params, **self.version.params}

    def typed(self, model: type[P]) -> P:
        """The params as the evaluator's model (defaults and types in one place)."""
        return typed_params(model, self.rule, self.version)

    @property
    def effect(self) -> Effect:
        """The consequence the rule's text gives a risk above the threshold, on this day."""
        return self.version.effect or self.rule.effect

    @lazy
    def threshold(self) -> Threshold:
        return self.regime.threshold(self.version.threshold or self.rule.threshold)

    def speaks_to(self, criterion: str) -> bool:
        return criterion in self.rule.reads  # the rule's id or one of its topics

    @lazy
    def evidence(self) -> tuple[Evidence, ...]:
        return self.case.evidence_on(self.rule.reads)

    @lazy
    def later_evidence(self) -> tuple[Evidence, ...]:
        later = self.case.later_evidence
        if not later:
            return ()
        reads = self.rule.reads
        return tuple(e for e in later if e.criterion in reads)

    @lazy
    def mitigations(self) -> tuple[Mitigation, ...]:
        offered = self.app.mitigations
        if not offered:
            return ()
        reads = self.rule.reads
        return tuple(m for m in offered if any(a in reads for a in m.addresses))

    @lazy
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
        return checked_finding(
            self.rule.id,
            self.rule.title,
            outcome,
            self.version.citations + extra_citations,
            all_facts,
            reason,
            fields,
        )


Evaluator = Callable[[RuleContext], list[Finding]]
