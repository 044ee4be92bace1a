"""Risk criteria: evidence weighed against a regime's threshold, after mitigation.

The same evidence feeds every regime; what differs is which topics a rule weighs, how far
mitigation is credited, and the threshold ("overriding", "clear", "more likely than not").
"""

from __future__ import annotations

from typing import Any

from openatt.core.findings import Finding, Outcome
from openatt.core.model import Evidence, Likelihood, Severity
from openatt.core.rules.context import OUTCOME_ORDER, RuleContext, evidence_fact, worst
from openatt.core.rules.params import OverridingParams
from openatt.law.schema import Effect, Threshold


def _residual(evidence: Evidence, reduction: int) -> Likelihood:
    if evidence.likelihood is Likelihood.known:
        return Likelihood.known  # knowledge is not mitigated away
    return Likelihood.from_level(evidence.likelihood.level - reduction)


def classify(
    threshold: Threshold, severity: Severity, likelihood: Likelihood, effect: Effect
) -> Outcome:
    if threshold.is_risk(severity, likelihood):
        return Outcome.risk if effect is Effect.deny else Outcome.concern
    if likelihood.level >= threshold.concern_from.level:
        return Outcome.concern
    return Outcome.clear


def describe(evidence: Evidence, residual: Likelihood) -> str:
    after = f" ({residual.value} after mitigation)" if residual is not evidence.likelihood else ""
    return f"{evidence.severity.value} harm, {evidence.likelihood.value}{after}: {evidence.cited}"


_CONCERN = OUTCOME_ORDER[Outcome.concern]


def weigh(
    evidence: Evidence, reduction: int, threshold: Threshold, effect: Effect
) -> tuple[dict[str, Any], str, Outcome]:
    """One piece of evidence weighed against ``threshold`` after ``reduction`` levels of
    mitigation: its facts as a finding lists them (copy them), the line that describes it,
    and its outcome. A function of those four alone, so worked out once per piece of
    evidence and (reduction, threshold, effect): a batch weighs the same evidence under many
    rules and cases (``Evidence.weighings``; the threshold is kept to check it is the same)."""
    key = (reduction, id(threshold), effect)
    found = evidence.weighings.get(key)
    if found is not None and found[0] is threshold:
        return found[1], found[2], found[3]  # type: ignore[return-value]
    residual = _residual(evidence, reduction)
    outcome = classify(threshold, evidence.severity, residual, effect)
    fact = {
        **evidence_fact(evidence),
        "residual_likelihood": residual.value,
        "outcome": outcome.value,
    }
    line = describe(evidence, residual)
    evidence.weighings[key] = (threshold, fact, line, outcome)
    return fact, line, outcome


def _no_items(ctx: RuleContext) -> Finding | None:
    if ctx.rule.items.value != "none" and not ctx.items:
        return ctx.finding(Outcome.not_applicable, "no item within this regime's scope")
    if not ctx.rule.applies_to(ctx.app.kind):
        return ctx.finding(
            Outcome.not_applicable, f"the rule does not apply to a {ctx.app.kind.value}"
        )
    return None


def risk(ctx: RuleContext) -> list[Finding]:
    skipped = _no_items(ctx)
    if skipped:
        return [skipped]
    threshold = ctx.threshold
    base_facts: dict[str, Any] = {
        "topics": [t.value for t in ctx.rule.topics],
        "threshold": threshold.id,
        "effect": ctx.effect.value,
    }
    if not ctx.evidence and ctx.effect is Effect.weigh:
        return [
            ctx.finding(
                Outcome.clear,
                "nothing recorded to take into account under this criterion",
                base_facts,
                threshold=threshold.wording,
            )
        ]
    if not ctx.evidence:
        return [
            ctx.finding(
                Outcome.unknown,
                "no evidence recorded for this criterion: a person must assess it",
                base_facts,
                threshold=threshold.wording,
            )
        ]
    reduction = ctx.mitigation_reduction
    effect = ctx.effect
    weighed = []
    against: list[str] = []
    in_favour: list[str] = []
    outcomes: list[Outcome] = []
    for evidence in ctx.evidence:
        fact, line, outcome = weigh(evidence, reduction, threshold, effect)
        weighed.append(dict(fact))
        outcomes.append(outcome)
        (against if OUTCOME_ORDER[outcome] >= _CONCERN else in_favour).append(line)
    outcome = worst(outcomes)
    mitigations = tuple(
        f"{m.description} (credibility {m.credibility.value})" for m in ctx.mitigations
    )
    in_favour.extend(f"mitigation: {m}" for m in mitigations)
    reason = {
        Outcome.risk: f"above the threshold ({threshold.wording}) after mitigation",
        Outcome.concern: f"below the threshold ({threshold.wording}) but to be weighed",
        Outcome.clear: "the evidence shows no more than a remote risk",
    }[outcome]
    facts = {**base_facts, "evidence": weighed, "mitigation_levels_credited": reduction}
    return [
        ctx.finding(
            outcome,
            reason,
            facts,
            factors_for=tuple(in_favour),
            factors_against=tuple(against),
            mitigations=mitigations,
            threshold=threshold.wording,
        )
    ]


def knowledge(ctx: RuleContext) -> list[Finding]:
    """ATT Art. 6(3): prohibited only on knowledge; lesser evidence is weighed under Art. 7."""
    skipped = _no_items(ctx)
    if skipped:
        return [skipped]
    known = [
        e
        for e in ctx.evidence
        if e.likelihood is Likelihood.known and e.severity is not Severity.minor
    ]
    facts = {"evidence": [evidence_fact(e) for e in ctx.evidence]}
    if known:
        return [
            ctx.finding(
                Outcome.prohibited,
                "knowledge recorded that the arms would be used in the commission of the crimes listed",
                facts,
                factors_against=tuple(describe(e, e.likelihood) for e in known),
            )
        ]
    serious = [e for e in ctx.evidence if e.likelihood.level >= Likelihood.likely.level]
    if serious:
        return [
            ctx.finding(
                Outcome.concern,
                "evidence short of knowledge: weighed in the export assessment",
                facts,
                factors_against=tuple(describe(e, e.likelihood) for e in serious),
            )
        ]
    return [ctx.finding(Outcome.clear, "no information recorded that amounts to knowledge", facts)]


def mitigation(ctx: RuleContext) -> list[Finding]:
    skipped = _no_items(ctx)
    if skipped:
        return [skipped]
    offered = ctx.app.mitigations
    policy = ctx.regime.mitigation
    facts: dict[str, Any] = {
        "mitigations": [
            {
                "description": m.description,
                "addresses": list(m.addresses),
                "credibility": m.credibility.value,
                "levels": min(m.credibility.reduction, policy.max_reduction)
                if policy.allowed
                else 0,
            }
            for m in offered
        ],
        "max_levels_credited": policy.max_reduction if policy.allowed else 0,
    }
    if not offered:
        return [ctx.finding(Outcome.not_applicable, "no mitigation measure proposed", facts)]
    weak = [m for m in offered if m.credibility.reduction == 0]
    outcome = Outcome.concern if len(weak) == len(offered) else Outcome.clear
    reason = (
        "the measures proposed have low credibility and are not credited"
        if outcome is Outcome.concern
        else "mitigation measures considered and credited by their credibility"
    )
    return [
        ctx.finding(
            outcome,
            reason,
            facts,
            mitigations=tuple(m.description for m in offered),
        )
    ]


def overriding(ctx: RuleContext) -> list[Finding]:
    skipped = _no_items(ctx)
    if skipped:
        return [skipped]
    weighs = set(ctx.typed(OverridingParams).weighs)
    considered = [f for f in ctx.prior if f.criterion in weighs]
    outcome = worst([f.outcome for f in considered], default=Outcome.unknown)
    if outcome is Outcome.not_applicable:
        outcome = Outcome.clear
    facts = {
        "criteria": {f.criterion: f.outcome.value for f in considered},
        "threshold": ctx.threshold.id,
    }
    reason = {
        Outcome.risk: f"an {ctx.threshold.wording} remains after mitigation: the export shall not be authorised",
        Outcome.unknown: "some criteria lack evidence: the overriding-risk test cannot be completed",
        Outcome.concern: f"concerns below the threshold ({ctx.threshold.wording}) remain to be weighed",
        Outcome.clear: f"no {ctx.threshold.wording} identified",
    }.get(outcome, "see the criteria")
    return [ctx.finding(outcome, reason, facts, threshold=ctx.threshold.wording)]
