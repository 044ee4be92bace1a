"""Run the lawyer-readable cases in ``law_cases/*.yaml`` and check every rule has one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import TESTS, build_application
from openatt.core.engine import Engine
from openatt.core.findings import Outcome

CASE_FILES = sorted(p for p in (TESTS / "law_cases").glob("*.yaml") if not p.name.startswith("_"))
SPECIAL = {"recommendation", "binding", "condition", "measure", "not_measure"}


def _cases() -> list[Any]:
    params = []
    for path in CASE_FILES:
        document = yaml.safe_load(path.read_text("utf-8"))
        for case in document["cases"]:
            params.append(pytest.param(document["regime"], case, id=f"{path.stem}: {case['name']}"))
    return params


@pytest.mark.parametrize(("regime", "case"), _cases())
def test_case(engine: Engine, regime: str, case: dict[str, Any]) -> None:
    app = build_application(case["application"])
    assessment = engine.assess_regime(app, regime, case.get("as_of"))
    expect = case["expect"]
    if "recommendation" in expect:
        assert assessment.recommendation.value == expect["recommendation"], assessment.reasons
    if "binding" in expect:
        assert assessment.binding is expect["binding"], assessment.binding_reason
    if "condition" in expect:
        assert any(expect["condition"] in c for c in assessment.conditions), assessment.conditions
    measures = {f.facts.get("measure") for f in assessment.findings}
    if "measure" in expect:
        # the finding rests on the named measure (an embargo's period, a UK or OSCE measure)
        assert expect["measure"] in measures, sorted(m for m in measures if m)
    if "not_measure" in expect:
        assert expect["not_measure"] not in measures, sorted(m for m in measures if m)
    for criterion, outcome in expect.items():
        if criterion in SPECIAL:
            continue
        found = [f for f in assessment.findings if f.criterion == criterion]
        assert found, f"no finding for {criterion}"
        worst = max(found, key=lambda f: _rank(f.outcome))
        assert worst.outcome.value == outcome, [(f.outcome.value, f.reason) for f in found]


def _rank(outcome: Outcome) -> int:
    from openatt.core.rules.context import OUTCOME_ORDER

    return OUTCOME_ORDER[outcome]


def test_every_rule_has_a_case(engine: Engine) -> None:
    covered: set[str] = set()
    for path in CASE_FILES:
        for case in yaml.safe_load(path.read_text("utf-8"))["cases"]:
            covered.update(k for k in case["expect"] if k not in SPECIAL)
    rules = {rule.id for regime in engine.law.regimes.values() for rule in regime.rules}
    assert sorted(rules - covered) == []


def test_case_files_exist() -> None:
    assert {Path(p).stem for p in CASE_FILES} >= {"att", "eu", "us", "uk"}
