"""US-specific rules: the 22 CFR 126.1 policy of denial and AECA sec. 36 notification."""

from __future__ import annotations

import re
from typing import Any

from openatt.core.findings import Finding, Outcome
from openatt.core.model import Item
from openatt.core.rules.context import RuleContext
from openatt.core.rules.params import ListedPartyParams, NotificationParams
from openatt.reference.schema import Policy


def denial_policy(ctx: RuleContext) -> list[Finding]:
    if not ctx.items:
        return [ctx.finding(Outcome.not_applicable, "no item within this regime's scope")]
    findings: list[Finding] = []
    for state in ctx.case.destinations:
        for entry in ctx.ref.denial_policy(state, ctx.day):
            facts: dict[str, Any] = {
                "state": state,
                "paragraph": entry.paragraph,
                "policy": entry.policy.value,
                "exceptions": entry.exceptions,
                "in_force_from": entry.valid_from.isoformat(),
            }
            outside = (
                bool(entry.end_user_kinds) and ctx.app.end_user.kind not in entry.end_user_kinds
            )
            if entry.end_user_kinds:
                facts["denial_covers"] = [k.value for k in entry.end_user_kinds]
            if outside:
                # Eritrea and Ethiopia since 2021: the denial reaches the armed forces, police,
                # intelligence and internal security forces; other end users case by case
                outcome = Outcome.requires_authorisation
                reason = (
                    f"{state}: the policy of denial under 22 CFR {entry.paragraph} covers "
                    f"{', '.join(facts['denial_covers'])}; a {ctx.app.end_user.kind.value} end "
                    "user is reviewed case by case"
                )
            elif entry.policy is Policy.denial:
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

    authorities = list(ctx.typed(ListedPartyParams).authorities)
    findings = listed_party_findings(ctx, authorities, set())
    if findings:
        return findings
    return [
        ctx.finding(
            Outcome.clear,
            "no party is confirmed on the lists checked",
            {
                "authorities": authorities,
                "hits_screened": len(ctx.app.screening),
            },
        )
    ]


_USML_CATEGORY_I = re.compile(r"^USML\s*(CAT(EGORY)?\.?\s*)?I(?![IVX])", re.IGNORECASE)


def _usml_category_i(item: Item) -> bool:
    """A firearm of USML Category I, as its control entry says (``USML I(a)``); AECA sec.
    36(c) sets a lower notification threshold for them."""
    return bool(item.control_entry and _USML_CATEGORY_I.match(item.control_entry.strip()))


def notification_threshold(ctx: RuleContext) -> list[Finding]:
    params = ctx.typed(NotificationParams)
    licensing = params.licensing_states
    if licensing and ctx.app.deciding_state not in licensing:
        return [
            ctx.finding(
                Outcome.not_applicable,
                f"a procedure of {', '.join(licensing)} licensing; the licensing state is {ctx.app.deciding_state}",
                {"licensing_state": ctx.app.deciding_state},
            )
        ]
    currency = params.currency
    mde_categories = set(params.major_defense_equipment)
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
    higher = ctx.ref.in_group(params.group_with_higher_thresholds, ctx.app.importing_state, ctx.day)
    limits = params.higher_thresholds if higher else params.thresholds
    facts: dict[str, Any] = {
        "total_value": total,
        "major_defense_equipment_value": mde,
        "currency": currency,
        "thresholds": limits,
        "higher_thresholds_apply": higher,
    }
    firearms = sum(
        item.value.amount for item in ctx.app.items if item.value and _usml_category_i(item)
    )
    facts["category_i_firearms_value"] = firearms
    over = []
    if "firearms_category_i" in limits and firearms >= limits["firearms_category_i"]:
        over.append("firearms of USML Category I")
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
