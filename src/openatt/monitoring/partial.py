"""Transfers with an unknown supplier or recipient: assess what does not depend on it.

SIPRI records some deliveries from "unknown supplier(s)" or to "unknown recipient(s)". The
measures that do not depend on the missing party still apply: an arms embargo on the
recipient bars the delivery whoever supplies it, and a ban on the known supplier's own exports
bars it whoever receives it. The transfer is therefore assessed with a stand-in state
(``UNKNOWN_STATE``, in no treaty, group or embargo), and every finding that depends on the
missing party is then marked ``unknown``, so that nothing is concluded from the stand-in:

* supplier unknown: the rules that read the supplier's own obligations (``supplier_obligation``:
  its treaty memberships, its group's embargoes, its own procedures), and an embargo rule's
  "clear" whenever some ban on a state's own exports was in force that day (the unknown
  supplier may be that state); whether the regime binds the supplier cannot be said;
* recipient unknown: every finding except the scope rules and the prohibitions that rest on a
  ban on the supplier's own exports (``direction: from_target``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from openatt.core.engine import Engine, recommend
from openatt.core.findings import Assessment, Finding, Outcome
from openatt.law.schema import Regime, RuleKind

UNKNOWN_STATE = "XXX"
SUPPLIER_UNKNOWN = "the source does not name the supplier, and this finding depends on it"
RECIPIENT_UNKNOWN = "the source does not name the recipient, and this finding depends on it"
_KEEP = (Outcome.not_applicable,)


def _own_exports_banned_somewhere(
    engine: Engine, regime: Regime, finding: Finding, day: dt.date
) -> bool:
    """Whether a ban on some state's own exports, of an authority the rule reads, was in
    force on the day: then an unknown supplier may be under it."""
    rule = regime.rule(finding.criterion)
    authorities = [a for a in rule.params.get("authorities", ["un"]) if a != "regime"]
    for authority in authorities:
        for active in engine.reference.measures_on(day, authority, any_target=True):
            if active.measure.direction.value == "from_target":
                return True
    return any(
        m.direction.value == "from_target" and m.applies_on(day)
        for e in regime.embargoes
        for m in e.measures
    )


def _unknown(finding: Finding, why: str) -> Finding:
    facts = {**finding.facts, "outcome_if_party_known": finding.outcome.value, "why_unknown": why}
    return finding.model_copy(
        update={"outcome": Outcome.unknown, "reason": f"{why} ({finding.reason})", "facts": facts}
    )


def _settle_supplier(
    engine: Engine, regime: Regime, findings: Sequence[Finding], day: dt.date
) -> list[Finding]:
    settled = []
    for f in findings:
        rule = regime.rule(f.criterion)
        if rule.supplier_obligation:
            # not_applicable included: the supplier may be a member, a party, the licensing state
            settled.append(_unknown(f, SUPPLIER_UNKNOWN))
        elif f.outcome in _KEEP:
            settled.append(f)
        elif (
            rule.evaluator == "embargo"
            and f.outcome is Outcome.clear
            and _own_exports_banned_somewhere(engine, regime, f, day)
        ):
            settled.append(
                _unknown(
                    f,
                    "a ban on a state's own arms exports was in force, and "
                    "the source does not name the supplier",
                )
            )
        else:
            settled.append(f)
    return settled


def _settle_recipient(regime: Regime, findings: Sequence[Finding]) -> list[Finding]:
    settled = []
    for f in findings:
        rule = regime.rule(f.criterion)
        own_exports = f.outcome is Outcome.prohibited and f.facts.get("direction") == "from_target"
        if f.outcome in _KEEP or rule.kind is RuleKind.scope or own_exports:
            settled.append(f)
        else:
            settled.append(_unknown(f, RECIPIENT_UNKNOWN))
    return settled


def settle_unknown_party(
    engine: Engine, assessments: Sequence[Assessment], *, supplier: bool, recipient: bool
) -> list[Assessment]:
    """The assessments of a transfer made with the stand-in state, with every finding that
    depends on the missing party marked unknown and the recommendation recomputed."""
    if not (supplier or recipient):
        return list(assessments)
    settled: list[Assessment] = []
    for a in assessments:
        regime = engine.law.regime(a.regime)
        findings = list(a.findings)
        if supplier:
            findings = _settle_supplier(engine, regime, findings, a.as_of)
        if recipient:
            findings = _settle_recipient(regime, findings)
        missing = " and ".join(
            name for name, gone in (("supplier", supplier), ("recipient", recipient)) if gone
        )
        reasons = tuple(
            f"{f.criterion}: {f.reason}"
            for f in findings
            if f.outcome not in (Outcome.clear, Outcome.not_applicable)
        )
        settled.append(
            a.model_copy(
                update={
                    "findings": tuple(findings),
                    "recommendation": recommend(findings),
                    "reasons": (f"the source does not name the {missing}", *reasons),
                    "conditions": (),
                    "binding": False if supplier else a.binding,
                    "binding_reason": (
                        "the source does not name the supplier: whether the regime binds it "
                        "cannot be said"
                        if supplier
                        else a.binding_reason
                    ),
                }
            )
        )
    return settled
