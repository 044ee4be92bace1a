"""US-specific rules: the 22 CFR 126.1 policy of denial and AECA sec. 36 notification."""

from __future__ import annotations

from typing import Any

from openatt.core.findings import Finding, Outcome
from openatt.core.model import Category
from openatt.core.rules.context import RuleContext
from openatt.reference.schema import Policy


def denial_policy(ctx: RuleContext) -> list[Finding]:
    if not ctx.items:
        return [ctx.finding(Outcome.not_applicable, "no item within this regime's scope")]
    findings: list[Finding] = []
    for state in ctx.case.destinations:
        for entry in ctx.ref.denial_policy(state, ctx.day):
            facts = {
                "state": state,
                "paragraph": entry.paragraph,
                "policy": entry.policy.value,
                "exceptions": entry.exceptions,
                "in_force_from": entry.valid_from.isoformat(),
            }
            if entry.policy is Policy.denial:
                outcome, reason = (
                    Outcome.prohibited,
                    f"{state}: policy of denial under 22 CFR {entry.paragraph}",
                )
            else:
                outcome = Outcome.requires_authorisation
                reason = (
                    f"{state}: denial with case-by-case exceptions under 22 CFR {entry.paragraph}"
                )
            findings.append(
                ctx.finding(
                    outcome,
                    reason,
                    facts,
                    extra_citations=entry.citations,
                    source_id=f"126.1:{state}",
                )
            )
    if not findings:
        findings.append(
            ctx.finding(
                Outcome.clear,
                "no destination is on the 22 CFR 126.1 list",
                {"states_checked": list(ctx.case.destinations)},
            )
        )
    return findings


def listed_party(ctx: RuleContext) -> list[Finding]:
    """A party confirmed on one of the regime's own lists (e.g. OFAC SDN, BIS Denied Persons)."""
    from openatt.core.rules.embargo import listed_party_findings

    findings = listed_party_findings(ctx, list(ctx.params.get("authorities", [])), set())
    if findings:
        return findings
    return [
        ctx.finding(
            Outcome.clear,
            "no party is confirmed on the lists checked",
            {
                "authorities": ctx.params.get("authorities", []),
                "hits_screened": len(ctx.app.screening),
            },
        )
    ]


def notification_threshold(ctx: RuleContext) -> list[Finding]:
    params = ctx.params
    licensing = params.get("licensing_states")
    if licensing and ctx.app.deciding_state not in licensing:
        return [
            ctx.finding(
                Outcome.not_applicable,
                f"a procedure of {', '.join(licensing)} licensing; the licensing state is {ctx.app.deciding_state}",
                {"licensing_state": ctx.app.deciding_state},
            )
        ]
    currency = params["currency"]
    mde_categories = {Category(c) for c in params["major_defense_equipment"]}
    missing = [i for i, item in enumerate(ctx.app.items) if item.value is None]
    foreign = sorted(
        {
            item.value.currency
            for item in ctx.app.items
            if item.value and item.value.currency != currency
        }
    )
    if missing or foreign:
        why = (
            f"items {missing} have no value"
            if missing
            else f"values in {', '.join(foreign)}: convert to {currency}"
        )
        return [
            ctx.finding(
                Outcome.unknown,
                f"cannot compare with the thresholds: {why}",
                {"currency": currency},
            )
        ]
    total = sum(item.value.amount for item in ctx.app.items if item.value)
    mde = sum(
        item.value.amount
        for item in ctx.app.items
        if item.value and item.category in mde_categories
    )
    higher = ctx.ref.in_group(
        params["group_with_higher_thresholds"], ctx.app.importing_state, ctx.day
    )
    limits: dict[str, float] = params["higher_thresholds" if higher else "thresholds"]
    facts: dict[str, Any] = {
        "total_value": total,
        "major_defense_equipment_value": mde,
        "currency": currency,
        "thresholds": limits,
        "higher_thresholds_apply": higher,
    }
    over = []
    if mde >= limits["major_defense_equipment"]:
        over.append("major defence equipment")
    if total >= limits["defense_articles"]:
        over.append("defence articles and services")
    if over:
        return [
            ctx.finding(
                Outcome.requires_authorisation,
                f"at or above the congressional notification threshold for {' and '.join(over)}",
                facts,
            )
        ]
    return [ctx.finding(Outcome.clear, "below the congressional notification thresholds", facts)]
