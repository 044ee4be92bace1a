"""The assessment engine: one application, several regimes, side by side, as of one day.

Pure and deterministic: the law and reference data are loaded once (``Engine.default()``) and
every call is a function of (application, regimes, day). The engine recommends; a person
decides, and the register records that decision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from openatt import __version__
from openatt.core.findings import Assessment, Finding, Outcome, Recommendation
from openatt.core.model import Application, DocumentKind, Item
from openatt.core.rules import EVALUATORS
from openatt.core.rules.context import CaseView, RuleContext
from openatt.core.rules.scope import items_read
from openatt.law.loader import Law, LawError, default_law
from openatt.law.schema import Regime, Rule, RuleKind, RuleVersion
from openatt.reference.loader import ReferenceData, default_reference

ENGINE_VERSION = f"openatt-engine/{__version__}"
DEFAULT_REGIMES = ("att", "eu", "us", "uk")

_DENY = {Outcome.prohibited, Outcome.risk}
_REFER = {Outcome.requires_authorisation, Outcome.unknown}


def _version_for(rule: Rule, day: dt.date) -> tuple[RuleVersion, bool] | None:
    """The version in force on ``day``; before the first version, the first one (advisory);
    after the last version ended, nothing (the rule was repealed)."""
    version = rule.version_on(day)
    if version is not None:
        return version, True
    first = rule.versions[0]
    if day < first.valid_from:
        return first, False
    return None


def recommend(findings: Sequence[Finding]) -> Recommendation:
    outcomes = {f.outcome for f in findings}
    if outcomes & _DENY:
        return Recommendation.deny
    if outcomes & _REFER:
        return Recommendation.refer
    if Outcome.concern in outcomes:
        return Recommendation.approve_with_conditions
    return Recommendation.approve


def _conditions(app: Application, regime: Regime, findings: Sequence[Finding]) -> tuple[str, ...]:
    conditions: list[str] = []
    concerned = [f for f in findings if f.outcome is Outcome.concern]
    for finding in concerned:
        conditions.extend(finding.mitigations)
        rule = regime.rule(finding.criterion)
        if rule.kind is RuleKind.diversion and app.documents_recorded:
            if not app.has_document(DocumentKind.end_user_certificate):
                conditions.append(
                    "obtain an end-user certificate verified with the issuing authority"
                )
            if not app.has_document(DocumentKind.re_export_clause):
                conditions.append("require a re-export clause (no re-export without prior consent)")
            if not app.has_document(DocumentKind.delivery_verification):
                conditions.append("require a delivery verification certificate")
            condition = rule.params.get("condition")
            if condition:
                conditions.append(str(condition))
    return tuple(dict.fromkeys(conditions))


class Engine:
    """Applies the law to applications. Build it once; call :meth:`assess` many times."""

    def __init__(self, law: Law, reference: ReferenceData) -> None:
        self.law = law
        self.reference = reference
        self.law_version = f"law:{law.digest}+ref:{reference.digest}"

    @classmethod
    def default(cls) -> Engine:
        return _default_engine()

    def regimes(self) -> list[str]:
        return list(self.law.regimes)

    def binding(self, regime: Regime, app: Application, day: dt.date) -> tuple[bool, str]:
        state = app.deciding_state
        if day < regime.valid_from:
            return (
                False,
                f"{regime.title} was not in force on {day.isoformat()} (from {regime.valid_from.isoformat()})",
            )
        bind = regime.binding
        if bind.kind == "treaty" and bind.treaty:
            if self.reference.is_party(bind.treaty, state, day):
                return True, f"{state} is a State Party on {day.isoformat()}"
            status = self.reference.participation(bind.treaty, state)
            return False, f"{state} is not a State Party on {day.isoformat()} ({status['status']})"
        if bind.kind == "group" and bind.group:
            group = self.reference.groups[bind.group]
            if self.reference.in_group(bind.group, state, day):
                return True, f"{state} is one of the {group.name} on {day.isoformat()}"
            return False, f"{state} is not one of the {group.name} on {day.isoformat()}"
        if state in bind.states:
            return True, f"{state} is bound by {regime.title}"
        return False, f"{regime.title} binds {', '.join(bind.states)}, not {state}"

    def assess_regime(
        self, app: Application, regime_id: str, as_of: dt.date | None = None
    ) -> Assessment:
        regime = self.law.regime(regime_id)
        day = as_of or app.date
        case = CaseView(app, day)
        findings: list[Finding] = []
        # Synthesis rules (e.g. ATT 7(3)) read the other findings, so they run last.
        ordered = sorted(regime.rules, key=lambda r: r.kind is RuleKind.synthesis)
        read: dict[object, tuple[tuple[int, Item], ...]] = {}
        for rule in ordered:
            if rule.items not in read:
                read[rule.items] = items_read(regime, rule.items, app.items)
            chosen = _version_for(rule, day)
            if chosen is None:
                continue
            version, in_force = chosen
            ctx = RuleContext(
                case=case,
                regime=regime,
                rule=rule,
                version=version,
                version_in_force=in_force,
                ref=self.reference,
                items=read[rule.items],
                prior=tuple(findings),
            )
            findings.extend(EVALUATORS[rule.evaluator](ctx))
        binding, why = self.binding(regime, app, day)
        recommendation = recommend(findings)
        reasons = tuple(
            f"{f.criterion}: {f.reason}"
            for f in findings
            if f.outcome in _DENY | _REFER | {Outcome.concern}
        )
        if all(
            f.outcome is Outcome.not_applicable
            for f in findings
            if regime.rule(f.criterion).kind is RuleKind.scope
        ):
            reasons = (
                "no item is within the regime's scope: it raises no obligation for this transfer",
                *reasons,
            )
        if not binding and regime.advisory_note:
            reasons = (f"advisory: {regime.advisory_note.strip()}", *reasons)
        return Assessment(
            application_id=app.id,
            regime=regime.id,
            regime_title=regime.title,
            as_of=day,
            binding=binding,
            binding_reason=why,
            advisory=not binding,
            recommendation=recommendation,
            reasons=reasons,
            conditions=_conditions(app, regime, findings)
            if recommendation is Recommendation.approve_with_conditions
            else (),
            findings=tuple(findings),
            law_version=self.law_version,
            engine_version=ENGINE_VERSION,
        )

    def assess(
        self,
        app: Application,
        regimes: Iterable[str] = DEFAULT_REGIMES,
        as_of: dt.date | None = None,
    ) -> list[Assessment]:
        """Assess ``app`` under each regime, in the order given."""
        return [self.assess_regime(app, regime_id, as_of) for regime_id in regimes]


def check_evaluators(law: Law) -> None:
    """Every rule names an evaluator that exists (run when an engine is built)."""
    for regime in law.regimes.values():
        for rule in regime.rules:
            if rule.evaluator not in EVALUATORS:
                known = ", ".join(sorted(EVALUATORS))
                raise LawError(
                    f"{regime.id}: rule {rule.id}: unknown evaluator {rule.evaluator!r} (known: {known})"
                )


_ENGINE: Engine | None = None


def _default_engine() -> Engine:
    global _ENGINE
    if _ENGINE is None:
        law = default_law()
        check_evaluators(law)
        _ENGINE = Engine(law, default_reference())
    return _ENGINE


def engine_with_overlays(overlays: Sequence[object]) -> Engine:
    """An engine whose law includes the national overlays at the given paths."""
    from pathlib import Path

    base = _default_engine()
    law = base.law.with_overlays([Path(str(p)) for p in overlays])
    check_evaluators(law)
    return Engine(law, base.reference)
