"""Duties to regulate a kind of transfer (ATT Art. 9 transit and trans-shipment, Art. 10
brokering): the treaty asks the state to take measures to regulate them (Art. 9 "where
necessary and feasible", Art. 10 "pursuant to its national laws"), not to deny, so the
finding says what is asked and whether the case records that it was done.

The rule's params name the transfer kinds it concerns and the document that shows the
transfer was regulated (a transit authorisation, a broker's registration); without it the
finding is a concern, which the engine turns into a condition, never a denial.
"""

from __future__ import annotations

from openatt.core.findings import Finding, Outcome
from openatt.core.rules.context import RuleContext
from openatt.core.rules.params import RegulateParams


def regulate(ctx: RuleContext) -> list[Finding]:
    app = ctx.app
    if not ctx.rule.applies_to(app.kind):
        return [
            ctx.finding(Outcome.not_applicable, f"the rule does not apply to a {app.kind.value}")
        ]
    if not ctx.items:
        return [ctx.finding(Outcome.not_applicable, "no item within this rule's scope")]
    params = ctx.typed(RegulateParams)
    shown_by = params.shown_by
    asked = ctx.version.wording or ctx.version.summary
    facts = {
        "transfer_kind": app.kind.value,
        "asks": asked,
        "regulated_by": shown_by.value,
        "qualifier": params.qualifier,
        "recorded": app.has_document(shown_by),
    }
    if app.has_document(shown_by):
        return [
            ctx.finding(
                Outcome.clear,
                f"the {shown_by.value.replace('_', ' ')} shows the {app.kind.value} is regulated",
                facts,
            )
        ]
    condition = params.condition or f"record the {shown_by.value.replace('_', ' ')}"
    return [
        ctx.finding(
            Outcome.concern,
            f"no {shown_by.value.replace('_', ' ')} recorded: the treaty asks the state to "
            f"regulate this transfer {params.qualifier or ''}".rstrip(),
            facts,
            mitigations=(condition,),
        )
    ]
