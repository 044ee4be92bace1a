"""Run the lawyer-readable cases in ``law_cases/*.yaml`` and check every rule has one.

The runner is the library's (:mod:`openatt.core.case_check`), the one ``openatt law test``
offers to authorities for their overlays.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import TESTS
from openatt.core.case_check import check_case
from openatt.core.engine import Engine
from openatt.law.cases import CaseFile, LawCase, parse_case_file

CASE_FILES = sorted(p for p in (TESTS / "law_cases").glob("*.yaml") if not p.name.startswith("_"))


def _files() -> list[CaseFile]:
    return [parse_case_file(p.read_text("utf-8"), p.name) for p in CASE_FILES]


def _cases() -> list[object]:
    return [
        pytest.param(document, case, id=f"{path.stem}: {case.name}")
        for path, document in zip(CASE_FILES, _files(), strict=True)
        for case in document.cases
    ]


@pytest.mark.parametrize(("document", "case"), _cases())
def test_case(engine: Engine, document: CaseFile, case: LawCase) -> None:
    result = check_case(engine, document.regime, case, document)
    assert result.passed, "\n".join(result.failures)


def test_every_rule_has_a_case(engine: Engine) -> None:
    covered = {rule for document in _files() for case in document.cases for rule in case.rules()}
    rules = {rule.id for regime in engine.law.regimes.values() for rule in regime.rules}
    assert sorted(rules - covered) == []


def test_case_files_exist() -> None:
    assert {Path(p).stem for p in CASE_FILES} >= {"att", "eu", "us", "uk"}
