"""Which items a regime covers, and how fully (ATT Arts 2(1), 3 and 4; control lists)."""

from __future__ import annotations

from fnmatch import fnmatchcase

from openatt.core.findings import Finding, Outcome
from openatt.core.model import Category, Item
from openatt.core.rules.context import RuleContext
from openatt.core.rules.params import ScopeParams
from openatt.law.schema import ItemScope, Regime, ScopeMode


def item_scope(regime: Regime, item: Item) -> ScopeMode:
    """How far ``regime`` covers ``item``: fully, for assessment only, or not at all."""
    entry = (item.control_entry or "").upper().replace(" ", "")
    if entry and any(
        fnmatchcase(entry, p.upper().replace(" ", "")) for p in regime.scope.control_entries
    ):
        return ScopeMode.full
    if item.category in regime.scope.categories:
        return ScopeMode.full
    if item.category is Category.ammunition:
        return regime.scope.ammunition
    if item.category is Category.parts:
        return regime.scope.parts
    return ScopeMode.out


def items_read(
    regime: Regime, wanted: ItemScope, items: tuple[Item, ...]
) -> tuple[tuple[int, Item], ...]:
    """The items a rule with item scope ``wanted`` reads."""
    if wanted is ItemScope.none:
        return tuple(enumerate(items))
    modes = (
        {ScopeMode.full}
        if wanted is ItemScope.conventional
        else {ScopeMode.full, ScopeMode.assessed}
    )
    return tuple((i, item) for i, item in enumerate(items) if item_scope(regime, item) in modes)


def scope(ctx: RuleContext) -> list[Finding]:
    covers = set(ctx.typed(ScopeParams).covers)
    findings: list[Finding] = []
    for index, item in enumerate(ctx.app.items):
        if item.category not in covers:
            continue
        mode = item_scope(ctx.regime, item)
        facts = {
            "description": item.description,
            "category": item.category.value,
            "control_entry": item.control_entry,
            "scope": mode.value,
        }
        if mode is ScopeMode.out:
            findings.append(
                ctx.finding(
                    Outcome.not_applicable,
                    f"{item.description}: outside the scope of {ctx.regime.title}",
                    facts,
                    item=index,
                )
            )
        else:
            how = (
                "in full"
                if mode is ScopeMode.full
                else "for the prohibitions and export assessment"
            )
            findings.append(
                ctx.finding(Outcome.clear, f"{item.description}: in scope {how}", facts, item=index)
            )
    if not findings:
        findings.append(
            ctx.finding(
                Outcome.not_applicable,
                "no item of this kind in the application",
                {"covers": sorted(c.value for c in covers)},
            )
        )
    return findings
