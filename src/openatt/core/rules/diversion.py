"""Diversion risk (ATT Art. 11, EU and UK criterion 7, US end-use monitoring).

The risk is read from the structure of the case (documents, route, brokers, the end user,
screening hits) and from recorded evidence; each red flag raises the likelihood one level.
The mapping from flags to likelihood is part of the algorithm below and is shown in the
finding's facts, so an officer can see why the level is what it is.
"""

from __future__ import annotations

from typing import Any

from openatt.core.findings import Finding, Outcome
from openatt.core.model import DocumentKind, EndUserKind, Likelihood, Severity
from openatt.core.rules.context import RuleContext, evidence_fact
from openatt.core.rules.risk import classify, describe

ALGORITHM = "diversion-flags-v1"


def red_flags(ctx: RuleContext) -> list[tuple[str, int]]:
    """Structural signs of diversion risk with the levels each adds."""
    app = ctx.app
    flags: list[tuple[str, int]] = []
    if not app.documents_recorded:
        flags.append(("documents not recorded in the source: not weighed", 0))
    elif not app.has_document(DocumentKind.end_user_certificate):
        flags.append(("no end-user certificate", 1))
    elif not any(d.verified for d in app.documents if d.kind is DocumentKind.end_user_certificate):
        flags.append(("end-user certificate not verified with the issuing authority", 0))
    if app.documents_recorded and not app.has_document(DocumentKind.re_export_clause):
        flags.append(("no re-export clause", 1))
    if app.end_user.kind is EndUserKind.non_state:
        group = f" ({app.end_user.group})" if app.end_user.group else ""
        flags.append((f"non-state end user{group}", 2))
    elif app.end_user.kind is EndUserKind.private:
        flags.append(("private end user", 1))
    if app.end_user.country != app.importing_state:
        flags.append((f"end user in {app.end_user.country}, not the importing state", 1))
    if app.consignee.country not in (app.importing_state, app.end_user.country):
        flags.append((f"consignee in a third state ({app.consignee.country})", 1))
    for state in app.transit_states:
        measures = ctx.ref.measures_on(ctx.day, "un", state) + ctx.ref.measures_on(
            ctx.day, "eu", state
        )
        if measures:
            names = sorted({m.embargo.id for m in measures})
            flags.append((f"transit through {state}, under arms embargo ({', '.join(names)})", 1))
    if app.brokers and not app.has_document(DocumentKind.broker_registration):
        flags.append(("broker(s) without a registration document", 1))
    for hit in app.screening:
        if not hit.false_positive:
            flags.append(
                (
                    f"{hit.party_role} {hit.party_name!r} matches {hit.list_id} entry {hit.entity_id}",
                    2,
                )
            )
    return flags


def diversion(ctx: RuleContext) -> list[Finding]:
    if not ctx.rule.applies_to(ctx.app.kind):
        return [
            ctx.finding(
                Outcome.not_applicable, f"the rule does not apply to a {ctx.app.kind.value}"
            )
        ]
    if not ctx.items:
        return [ctx.finding(Outcome.not_applicable, "no item within this rule's scope")]
    flags = red_flags(ctx)
    flag_level = min(sum(levels for _, levels in flags), Likelihood.very_likely.level)
    evidence_level = max((e.likelihood.level for e in ctx.evidence), default=0)
    severity = max(
        (e.severity for e in ctx.evidence), key=lambda s: s.level, default=Severity.serious
    )
    verification = ctx.app.has_document(DocumentKind.delivery_verification)
    reduction = ctx.mitigation_reduction + (1 if verification else 0)
    reduction = min(reduction, ctx.regime.mitigation.max_reduction + 1)
    before = Likelihood.from_level(max(flag_level, evidence_level))
    residual = (
        before if before is Likelihood.known else Likelihood.from_level(before.level - reduction)
    )
    outcome = classify(ctx.threshold, severity, residual, ctx.effect)
    against = [f"{text} (+{levels})" if levels else text for text, levels in flags]
    against.extend(describe(e, e.likelihood) for e in ctx.evidence)
    in_favour = [f"{d.kind.value.replace('_', ' ')} provided" for d in ctx.app.documents]
    in_favour.extend(
        f"mitigation: {m.description} (credibility {m.credibility.value})" for m in ctx.mitigations
    )
    facts: dict[str, Any] = {
        "algorithm": ALGORITHM,
        "red_flags": [{"flag": text, "levels": levels} for text, levels in flags],
        "likelihood_from_flags": Likelihood.from_level(flag_level).value,
        "evidence": [evidence_fact(e) for e in ctx.evidence],
        "likelihood_before_mitigation": before.value,
        "levels_removed_by_mitigation": reduction,
        "delivery_verification": verification,
        "residual_likelihood": residual.value,
        "severity": severity.value,
        "threshold": ctx.threshold.id,
        # after the exporting state, which adds no flag: the finding reads the same whoever
        # supplies (ATT Art. 7(1))
        "route_after_export": [*ctx.app.transit_states, ctx.app.importing_state],
    }
    facts["effect"] = ctx.effect.value
    above = ctx.threshold.is_risk(severity, residual)
    reason = {
        Outcome.risk: f"diversion risk above the threshold ({ctx.threshold.wording}) after mitigation",
        Outcome.concern: (
            f"diversion risk above the threshold ({ctx.threshold.wording}), but the text asks "
            "the state to weigh it and choose its measures (documentation, assurances, "
            "verification, or refusal), not to deny"
            if above
            else "diversion risk below the threshold: conditions advised"
        ),
        Outcome.clear: "no more than a remote risk of diversion",
    }[outcome]
    return [
        ctx.finding(
            outcome,
            reason,
            facts,
            factors_for=tuple(in_favour),
            factors_against=tuple(against),
            mitigations=tuple(m.description for m in ctx.mitigations),
            threshold=ctx.threshold.wording,
        )
    ]
