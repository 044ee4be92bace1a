"""Running law cases (:mod:`openatt.law.cases`) through the engine.

Each expectation that does not hold becomes one line saying what was expected and what the
engine found, so that a lawyer reading the output of ``openatt law test`` sees why a case
fails without reading code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from openatt.core.engine import Engine
from openatt.core.rules.context import OUTCOME_ORDER
from openatt.law.cases import CaseError, CaseFile, LawCase, build_application


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one case: its name and the expectations that did not hold."""

    regime: str
    name: str
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def check_case(
    engine: Engine, regime: str, case: LawCase, bases: CaseFile | None = None
) -> CaseResult:
    """Assess the case under ``regime`` and compare every expectation with the findings."""
    try:
        app = build_application(case.application, bases.bases if bases else None)
    except CaseError as exc:
        return CaseResult(regime, case.name, [str(exc)])
    if regime not in engine.regimes():
        return CaseResult(regime, case.name, [f"regime {regime!r} is not loaded"])
    assessment = engine.assess_regime(app, regime, case.as_of)
    expect = case.expect
    failures: list[str] = []
    if "recommendation" in expect and assessment.recommendation.value != expect["recommendation"]:
        failures.append(
            f"recommendation: expected {expect['recommendation']}, "
            f"found {assessment.recommendation.value} ({'; '.join(assessment.reasons)})"
        )
    if "binding" in expect and assessment.binding is not expect["binding"]:
        failures.append(
            f"binding: expected {expect['binding']}, found {assessment.binding} "
            f"({assessment.binding_reason})"
        )
    if "condition" in expect and not any(expect["condition"] in c for c in assessment.conditions):
        failures.append(
            f"condition: none contains {expect['condition']!r} ({assessment.conditions})"
        )
    measures = {str(f.facts.get("measure")) for f in assessment.findings if f.facts.get("measure")}
    if "measure" in expect and expect["measure"] not in measures:
        failures.append(f"measure: expected {expect['measure']}, found {sorted(measures)}")
    if "not_measure" in expect and expect["not_measure"] in measures:
        failures.append(f"not_measure: {expect['not_measure']} was applied")
    for criterion in sorted(case.rules()):
        outcome = expect[criterion]
        found = [f for f in assessment.findings if f.criterion == criterion]
        if not found:
            failures.append(f"{criterion}: expected {outcome}, but the rule gave no finding")
            continue
        worst = max(found, key=lambda f: OUTCOME_ORDER[f.outcome])
        if worst.outcome.value != outcome:
            failures.append(
                f"{criterion}: expected {outcome}, found {worst.outcome.value} ({worst.reason})"
            )
    return CaseResult(regime, case.name, failures)


def check_file(engine: Engine, cases: CaseFile) -> list[CaseResult]:
    """Every case of a file, in order."""
    return [check_case(engine, cases.regime, case, cases) for case in cases.cases]
