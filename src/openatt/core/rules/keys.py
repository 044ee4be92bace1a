"""What each memoisable evaluator reads of a case: its memo key (see ``core.memo``).

The engine adds the regime, the rule and the day (which fix the rule's version, threshold and
parameters, and which evidence counts); a key here must hold every other part of the case
that the evaluator reads, so that two cases with equal keys get the same findings. When an
evaluator starts reading something new, its key must name it: the tests compare an engine
with a memo against one without, on generated and on real cases.

Evaluators without a key here (the US rules, listed parties) are evaluated every time.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from openatt.core.memo import Same
from openatt.core.rules.context import CaseView, RuleContext
from openatt.core.rules.params import EmbargoParams, OverridingParams
from openatt.reference.schema import Direction

KeyFunction = Callable[[RuleContext], Hashable]

# most cases have no later evidence and no mitigation: one key for none (equal to any other)
_NONE = Same(())


def _same(objects: tuple[object, ...]) -> Same:
    return Same(objects) if objects else _NONE


def _items_key(ctx: RuleContext) -> tuple[object, ...]:
    return tuple((index, item.category, item.description) for index, item in ctx.items)


def scope_key(ctx: RuleContext) -> Hashable:
    """``scope`` reads every item's category, control entry and description."""
    return tuple((i.category, i.control_entry, i.description) for i in ctx.app.items)


def risk_key(ctx: RuleContext) -> Hashable:
    """``risk`` and ``knowledge`` read, of the evidence and mitigations, only those that speak
    to the rule (``RuleContext.evidence``, ``later_evidence``, ``mitigations``), whether any
    item is in scope, and the kind of transfer. Keyed on those alone, a recipient's findings
    under a rule are shared by every item category whose evidence differs only on topics the
    rule does not weigh."""
    return (
        ctx.app.kind,
        bool(ctx.items),
        _same(ctx.evidence),
        _same(ctx.later_evidence),
        _same(ctx.mitigations),
    )


def mitigation_key(ctx: RuleContext) -> Hashable:
    return (ctx.app.kind, bool(ctx.items), ctx.case.mitigations_key)


def overriding_key(ctx: RuleContext) -> Hashable:
    """``overriding`` reads the earlier findings of the criteria it weighs."""
    weighs = set(ctx.typed(OverridingParams).weighs)
    return (ctx.app.kind, bool(ctx.items), Same(f for f in ctx.prior if f.criterion in weighs))


def embargo_supplier_key(ctx: RuleContext) -> Hashable:
    """What ``embargo`` reads of the supplier and the licensing state: the supplier only when
    a measure bans its own exports or it is itself a destination; of the licensing state, its
    membership of the groups the rule names. So every supplier whose own exports are under no
    ban shares one key. Kept in the case's parts under (regime, rule), where the engine also
    puts the one it memoised for the same supplier, day and licensing state."""
    parts = ctx.case.parts
    found = parts.get((ctx.regime.id, ctx.rule.id))
    if found is None:
        found = parts[(ctx.regime.id, ctx.rule.id)] = _embargo_supplier_key(ctx)
    return found


def _embargo_supplier_key(ctx: RuleContext) -> Hashable:
    app, day, ref, params = ctx.app, ctx.day, ctx.ref, ctx.typed(EmbargoParams)
    deciding = app.deciding_state
    only = params.only_if_member_of
    groups = [only, *params.authority_if_member.values()]
    memberships = tuple(ref.in_group(g, deciding, day) for g in groups if g)
    exporter = app.exporting_state
    authorities = [a for a in params.authorities if a != "regime"]
    exporter_matters = (
        exporter in ctx.case.destinations
        or any(ref.bans_exports_of(day, a, exporter) for a in authorities)
        # the regime's own embargoes (an overlay's ban on imports from a state) are read
        # whatever their target, and a ban on the exporter's own exports covers the case
        or ("regime" in params.authorities and _regime_bans_exports_of(ctx, exporter))
    )
    return (memberships, exporter if exporter_matters else None)


def _regime_bans_exports_of(ctx: RuleContext, state: str) -> bool:
    """Whether one of the regime's own embargoes bars ``state``'s own exports on the day (a
    function of the regime, the day and the state: the engine keeps the supplier's part of
    the key per regime, day and exporting state)."""
    return any(
        m.direction is Direction.from_target and m.applies_on(ctx.day)
        for e in ctx.regime.embargoes
        if e.target == state
        for m in e.measures
    )


def embargo_key(ctx: RuleContext) -> Hashable:
    """``embargo`` reads the destinations, the end user, the items in scope and the screening
    hits, and what :func:`embargo_supplier_key` holds."""
    return (
        embargo_supplier_key(ctx),
        ctx.case.destinations,
        ctx.app.importing_state,
        ctx.case.end_user_key,
        _items_key(ctx),
        ctx.case.screening_key,
    )


def diversion_key(ctx: RuleContext) -> Hashable:
    """``diversion`` reads the documents, the end user, consignee, route after export, brokers,
    screening hits, and of the evidence and mitigations only those that speak to the rule (as
    ``risk_key``) -- not the supplier. Evidence mapping v2 weighs no item against diversion,
    so a recipient's diversion findings are shared by every item category."""
    app = ctx.app
    return (
        app.kind,
        bool(ctx.items),
        app.documents_recorded,
        tuple((d.kind, d.verified) for d in app.documents),
        ctx.case.end_user_key,
        app.importing_state,
        app.consignee.country,
        app.transit_states,
        bool(app.brokers),
        ctx.case.screening_key,
        _same(ctx.evidence),
        _same(ctx.later_evidence),
        _same(ctx.mitigations),
    )


def regulate_key(ctx: RuleContext) -> Hashable:
    """``regulate`` reads the kind of transfer, whether any item is in scope, and which
    documents are recorded."""
    return (ctx.app.kind, bool(ctx.items), tuple((d.kind, d.verified) for d in ctx.app.documents))


def case_key(case: CaseView) -> Hashable:
    found = case.parts.get("case")
    if found is None:
        found = case.parts["case"] = _case_key(case)
    return found


def _case_key(case: CaseView) -> Hashable:
    """Every part of the case that an evaluator in ``MEMO_KEYS`` reads, but the supplier and
    the licensing state (``SUPPLIER_KEYS``). A regime whose rules are all memoisable has
    findings that are a function of (regime, day, this key, its rules' supplier keys): the
    engine then keeps the regime's findings whole. Every key above is made of these parts."""
    app = case.app
    return (
        app.kind,
        tuple((i.category, i.control_entry, i.description) for i in app.items),
        case.evidence_key,
        case.mitigations_key,
        case.screening_key,
        case.end_user_key,
        case.destinations,
        app.importing_state,
        app.consignee.country,
        app.transit_states,
        app.documents_recorded,
        tuple((d.kind, d.verified) for d in app.documents),
        bool(app.brokers),
    )


# What an evaluator reads of the supplier or the licensing state (the rest of its key is
# made of ``case_key``'s parts). A supplier key may read only the rule, the day, the exporting
# and deciding states and whether the exporting state is a destination: the engine memoises it
# on those.
SUPPLIER_KEYS: dict[str, KeyFunction] = {"embargo": embargo_supplier_key}

MEMO_KEYS: dict[str, KeyFunction] = {
    "scope": scope_key,
    "risk": risk_key,
    "knowledge": risk_key,
    "mitigation": mitigation_key,
    "overriding": overriding_key,
    "embargo": embargo_key,
    "diversion": diversion_key,
    "regulate": regulate_key,
}
