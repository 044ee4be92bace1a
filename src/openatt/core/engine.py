"""The assessment engine: one application, several regimes, side by side, as of one day.

Pure and deterministic: the law and reference data are loaded once (``Engine.default()``) and
every call is a function of (application, regimes, day). The engine recommends; a person
decides, and the register records that decision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable, Sequence
from typing import NamedTuple

from openatt import __version__
from openatt.core.findings import Assessment, Finding, Outcome, Recommendation
from openatt.core.memo import Memo, Same
from openatt.core.model import Application, DocumentKind, Item
from openatt.core.rules import EVALUATORS
from openatt.core.rules.context import CaseView, Evaluator, RuleContext
from openatt.core.rules.keys import MEMO_KEYS, SUPPLIER_KEYS, KeyFunction, case_key
from openatt.core.rules.params import params_problem
from openatt.core.rules.scope import items_read
from openatt.law.loader import Law, LawError, default_law
from openatt.law.schema import ItemScope, Regime, Rule, RuleKind, RuleVersion, Threshold
from openatt.reference.loader import ReferenceData, default_reference

ENGINE_VERSION = f"openatt-engine/{__version__}"

_DENY = {Outcome.prohibited, Outcome.risk}
_REFER = {Outcome.requires_authorisation, Outcome.unknown}
_GIVES_REASON = _DENY | _REFER | {Outcome.concern}


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


def _conditions(
    app: Application, regime: Regime, findings: Sequence[Finding], day: dt.date
) -> tuple[str, ...]:
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
            # the rule's version applied on the day may word the condition anew (as the
            # evaluators read ``RuleContext.params``: the rule's, then its version's)
            chosen = _version_for(rule, day)
            params = {**rule.params, **(chosen[0].params if chosen else {})}
            condition = params.get("condition")
            if condition:
                conditions.append(str(condition))
    return tuple(dict.fromkeys(conditions))


class _Step(NamedTuple):
    """A rule of a regime as the engine applies it on one day: the version in force (or the
    first, advisory, before it), its evaluator and memo key."""

    rule: Rule
    version: RuleVersion
    in_force: bool
    evaluate: Evaluator
    key_of: KeyFunction | None
    threshold: Threshold  # ``RuleContext.threshold``: the version's, the rule's or the default


class Judgment(NamedTuple):
    """What an assessment concludes under one regime, without its wording (the reasons, the
    conditions, why the regime binds): what a batch that counts outcomes reads."""

    regime: str
    binding: bool
    recommendation: Recommendation
    findings: tuple[Finding, ...]


class Engine:
    """Applies the law to applications. Build it once; call :meth:`assess` many times.

    With a ``memo`` (see :meth:`memoising`) each rule is evaluated once per distinct set of
    facts it reads, and the findings are shared by every case that has those facts."""

    def __init__(
        self,
        law: Law,
        reference: ReferenceData,
        memo: Memo | None = None,
        *,
        whole_regimes: bool = False,
    ) -> None:
        self.law = law
        self.reference = reference
        self.memo = memo
        self.whole_regimes = whole_regimes and memo is not None
        self._orders: dict[str, tuple[Rule, ...]] = {}
        self._supplier_rule_sets: dict[str, tuple[Rule, ...] | None] = {}
        # the rule version in force by (regime, rule, day): the law is fixed for the engine's life
        self._versions: dict[tuple[str, str, dt.date], tuple[RuleVersion, bool] | None] = {}
        # the steps of each (regime, day): the rules in evaluation order that have a version
        # to apply, with it, worked out once (see ``_plan``)
        self._plans: dict[tuple[str, dt.date], tuple[_Step, ...]] = {}
        self._last_case: CaseView | None = None
        self.law_version = f"law:{law.digest}+ref:{reference.digest}"

    @classmethod
    def default(cls) -> Engine:
        return _default_engine()

    def memoising(self, max_entries: int = 500_000, *, whole_regimes: bool = False) -> Engine:
        """The same law and data with a fresh memo: for batches of related applications.
        ``whole_regimes`` also keeps each regime's findings whole, which pays when the same
        case recurs with other suppliers (the counterfactual audit)."""
        return Engine(self.law, self.reference, Memo(max_entries), whole_regimes=whole_regimes)

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

    def _ordered_rules(self, regime: Regime) -> tuple[Rule, ...]:
        """The regime's rules in evaluation order: synthesis rules (e.g. ATT 7(3)) read the
        other findings, so they run last."""
        found = self._orders.get(regime.id)
        if found is None:
            found = self._orders[regime.id] = tuple(
                sorted(regime.rules, key=lambda r: r.kind is RuleKind.synthesis)
            )
        return found

    def _binding(self, regime: Regime, app: Application, day: dt.date) -> tuple[bool, str]:
        """:meth:`binding`, memoised: it reads only the regime, the deciding state and the day."""
        if self.memo is None:
            return self.binding(regime, app, day)
        key = ("binding", regime.id, app.deciding_state, day)
        found = self.memo.get(key)
        if found is None:
            found = self.binding(regime, app, day)
            self.memo.put(key, found)
        assert isinstance(found, tuple)
        return found

    def _context(
        self,
        case: CaseView,
        regime: Regime,
        rule: Rule,
        items: tuple[tuple[int, Item], ...],
        prior: tuple[Finding, ...],
    ) -> RuleContext | None:
        key = (regime.id, rule.id, case.day)
        if key in self._versions:
            chosen = self._versions[key]
        else:
            chosen = self._versions[key] = _version_for(rule, case.day)
        if chosen is None:
            return None
        version, in_force = chosen
        return RuleContext.make(case, regime, rule, version, in_force, self.reference, items, prior)

    def _items(
        self, case: CaseView, regime: Regime, scope: ItemScope
    ) -> tuple[tuple[int, Item], ...]:
        key = ("items", regime.id, scope)
        found = case.parts.get(key)
        if found is None:
            found = case.parts[key] = items_read(regime, scope, case.app.items)
        return found  # type: ignore[return-value]

    def _case(self, app: Application, as_of: dt.date | None) -> CaseView:
        """The case as of the day. A batch engine (one with a memo) asks for the key of a case
        and then for its judgments (``monitoring.batch.summary_of``): the view made for the
        one serves the other, with what it worked out (a view is a function of the
        application, which is frozen, and the day)."""
        day = as_of or app.date
        if self.memo is None:
            return CaseView(app, day)
        last = self._last_case
        if last is not None and last.app is app and last.day == day:
            return last
        case = self._last_case = CaseView(app, day)
        return case

    def _plan(self, regime: Regime, day: dt.date) -> tuple[_Step, ...]:
        """The regime's rules in evaluation order, each with its version on ``day`` (repealed
        rules left out), evaluator and memo key: a function of the regime and the day alone,
        and the law is fixed for the engine's life, so worked out once per (regime, day)."""
        key = (regime.id, day)
        found = self._plans.get(key)
        if found is None:
            steps: list[_Step] = []
            for rule in self._ordered_rules(regime):
                chosen = _version_for(rule, day)
                if chosen is not None:
                    evaluator = rule.evaluator
                    steps.append(
                        _Step(
                            rule,
                            chosen[0],
                            chosen[1],
                            EVALUATORS[evaluator],
                            MEMO_KEYS.get(evaluator),
                            regime.threshold(chosen[0].threshold or rule.threshold),
                        )
                    )
            found = self._plans[key] = tuple(steps)
        return found

    def _findings(self, case: CaseView, regime: Regime) -> tuple[Finding, ...]:
        """Every rule of the regime applied to the case, in evaluation order: the items in
        scope (as :meth:`_items`), the context and the memo look-up inlined, since this runs
        for every rule of every case."""
        findings: list[Finding] = []
        memo = self.memo
        parts = case.parts
        day = case.day
        reference = self.reference
        for rule, version, in_force, evaluate, key_of, threshold in self._plan(regime, day):
            scope_key = ("items", regime.id, rule.items)
            items = parts.get(scope_key)
            if items is None:
                items = parts[scope_key] = items_read(regime, rule.items, case.app.items)
            ctx = RuleContext.make(
                case,
                regime,
                rule,
                version,
                in_force,
                reference,
                items,  # type: ignore[arg-type]
                tuple(findings),
                threshold,
            )
            if memo is None or key_of is None:
                findings.extend(evaluate(ctx))
                continue
            key: tuple[Hashable, ...] = (regime.id, rule.id, day, key_of(ctx))
            if case.later_evidence and ctx.later_evidence:
                # every finding lists the evidence dated after the day that names its rule
                # (``RuleContext.finding``), whatever its evaluator reads
                key = (*key, Same(ctx.later_evidence))
            found = memo.entries.get(key)
            if found is None:
                found = tuple(evaluate(ctx))
                memo.put(key, found)
            else:
                memo.hits += 1
            findings.extend(found)  # type: ignore[arg-type]
        return tuple(findings)

    def _supplier_rules(self, regime: Regime) -> tuple[Rule, ...] | None:
        """The rules that read the supplier, when every rule of the regime is memoisable."""
        if regime.id not in self._supplier_rule_sets:
            memoisable = all(rule.evaluator in MEMO_KEYS for rule in regime.rules)
            self._supplier_rule_sets[regime.id] = (
                tuple(r for r in self._ordered_rules(regime) if r.evaluator in SUPPLIER_KEYS)
                if memoisable
                else None
            )
        return self._supplier_rule_sets[regime.id]

    def _regime_key(self, case: CaseView, regime: Regime, memo: Memo) -> Hashable | None:
        """When every rule of the regime is memoisable, the regime's findings are a function of
        the case key and of what its rules read of the supplier (see ``core.rules.keys``);
        None when a rule must be evaluated every time."""
        rules = self._supplier_rules(regime)
        if rules is None:
            return None
        mine = ("regime key", regime.id)  # no regime id has a space: no other part's key
        if mine in case.parts:
            return case.parts[mine]
        app = case.app
        # a supplier key reads only the rule, the day, the exporting and deciding states and
        # whether the exporting state is a destination (``core.rules.keys``): memoised on those
        asked = (
            "supplier",
            regime.id,
            case.day,
            app.exporting_state,
            app.deciding_state,
            app.exporting_state in case.destinations,
        )
        parts = memo.get(asked)
        if parts is None:
            found: list[Hashable] = []
            for rule in rules:
                ctx = self._context(case, regime, rule, self._items(case, regime, rule.items), ())
                found.append(None if ctx is None else SUPPLIER_KEYS[rule.evaluator](ctx))
            parts = tuple(found)
            memo.put(asked, parts)
        else:
            # the case's own rule keys read these too (``embargo_key``): a function of what
            # ``asked`` holds, so they need not be worked out again for this case
            assert isinstance(parts, tuple)
            for rule, part in zip(rules, parts, strict=True):
                if part is not None:
                    case.parts.setdefault((regime.id, rule.id), part)
        key = case.parts[mine] = ("regime", regime.id, case.day, case_key(case), parts)
        return key

    def _judged(
        self, case: CaseView, regime: Regime
    ) -> tuple[tuple[Finding, ...], Recommendation, tuple[str, ...], tuple[str, ...]]:
        """The findings, the recommendation, the reasons (before the advisory note) and the
        conditions: all functions of the case and the supplier's obligations, not of who
        decides, so a memo keeps them whole per regime."""
        memo = self.memo if self.whole_regimes else None
        key = self._regime_key(case, regime, memo) if memo is not None else None
        if memo is not None and key is not None:
            found = memo.get(key)
            if found is not None:
                return found  # type: ignore[return-value]
        app = case.app
        findings = self._findings(case, regime)
        recommendation = recommend(findings)
        reasons = tuple(
            f"{f.criterion}: {f.reason}" for f in findings if f.outcome in _GIVES_REASON
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
        conditions = (
            _conditions(app, regime, findings, case.day)
            if recommendation is Recommendation.approve_with_conditions
            else ()
        )
        judged = (findings, recommendation, reasons, conditions)
        if memo is not None and key is not None:
            memo.put(key, judged)
        return judged

    def judgment_key(
        self, app: Application, regimes: Sequence[str], as_of: dt.date | None = None
    ) -> Hashable | None:
        """A key such that two applications with equal keys get, under each of ``regimes``,
        the same findings, recommendation, reasons, conditions and binding flag (only the
        application id and the wording of why the regime binds may differ): the whole-regime
        memo keys of :meth:`_judged` and whether each regime binds. None when the engine does
        not keep regimes whole or a rule of one of them must be evaluated every time.

        A batch that summarises assessments (``monitoring.batch``) keys its summaries on this,
        so a case re-assessed for another supplier with the same obligations (the
        counterfactual audit) costs a look-up rather than two assessments."""
        memo = self.memo if self.whole_regimes else None
        if memo is None:
            return None
        case = self._case(app, as_of)
        parts: list[Hashable] = []
        for regime_id in regimes:
            regime = self.law.regime(regime_id)
            key = self._regime_key(case, regime, memo)
            if key is None:
                return None
            parts.append((key, self._binding(regime, app, case.day)[0]))
        return tuple(parts)

    def judgments(
        self, app: Application, regimes: Sequence[str], as_of: dt.date | None = None
    ) -> list[Judgment]:
        """Under each of ``regimes``, what :meth:`assess` concludes (its regime, binding flag,
        recommendation and findings, the very same objects), without building the
        assessments: a batch that only summarises them saves that."""
        case = self._case(app, as_of)
        found: list[Judgment] = []
        for regime_id in regimes:
            regime = self.law.regime(regime_id)
            findings, recommendation, _, _ = self._judged(case, regime)
            binding = self._binding(regime, app, case.day)[0]
            found.append(Judgment(regime.id, binding, recommendation, findings))
        return found

    def assess_regime(
        self, app: Application, regime_id: str, as_of: dt.date | None = None
    ) -> Assessment:
        return self._assess(self._case(app, as_of), regime_id)

    def _assess(self, case: CaseView, regime_id: str) -> Assessment:
        regime = self.law.regime(regime_id)
        app, day = case.app, case.day
        findings, recommendation, reasons, conditions = self._judged(case, regime)
        binding, why = self._binding(regime, app, day)
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
            conditions=conditions,
            findings=findings,
            law_version=self.law_version,
            engine_version=ENGINE_VERSION,
        )

    def assess(
        self,
        app: Application,
        regimes: Iterable[str] | None = None,
        as_of: dt.date | None = None,
    ) -> list[Assessment]:
        """Assess ``app`` under each regime, in the order given (default: every regime of
        the engine's law)."""
        case = self._case(app, as_of)
        wanted = self.law.ids if regimes is None else regimes
        return [self._assess(case, regime_id) for regime_id in wanted]


def check_evaluators(law: Law) -> None:
    """Every rule names an evaluator that exists, and its params (each version's) fit that
    evaluator's model (run when an engine is built)."""
    for regime in law.regimes.values():
        for rule in regime.rules:
            if rule.evaluator not in EVALUATORS:
                known = ", ".join(sorted(EVALUATORS))
                raise LawError(
                    f"{regime.id}: rule {rule.id}: unknown evaluator {rule.evaluator!r} (known: {known})"
                )
            problem = params_problem(rule.evaluator, rule)
            if problem:
                raise LawError(f"{regime.id}: rule {rule.id}: {problem}", field=("params",))


_ENGINE: Engine | None = None


def _default_engine() -> Engine:
    """The engine of :func:`default_law`, rebuilt only when that law changes (an overlay
    configured with ``OPENATT_OVERLAYS``)."""
    global _ENGINE
    law = default_law()
    if _ENGINE is None or _ENGINE.law is not law:
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
