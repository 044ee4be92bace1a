"""The engine's shortcuts give exactly what the definitions they stand for give.

- ``checked_finding`` (the findings evaluators make, not validated again) gives the finding
  that ``Finding(...)`` gives from the same values: equal, the same fields set, in the same
  order, of the same types, dumped to the same JSON.
- The reference data's answers kept per (day, authority, target) and its denial policies
  indexed by state answer as the definitions (every measure or entry, filtered).
- The plan of a regime on a day (each rule's version worked out once) and the case view a
  batch engine keeps between a key and a judgment leave every assessment as it was: a fresh
  engine per assessment, which has worked out nothing, gives the same.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from openatt.core.engine import Engine
from openatt.core.findings import Finding, Outcome, checked_finding
from openatt.core.loading import parse_applications
from openatt.core.model import Application, Evidence
from openatt.core.provenance import Citation
from openatt.reference.loader import AUTHORITIES

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
DAYS = (None, dt.date(1995, 6, 1), dt.date(2011, 3, 1), dt.date(2020, 7, 1))


def _examples() -> list[Application]:
    apps: list[Application] = []
    for path in sorted(EXAMPLES.glob("*.yaml")):
        apps.extend(parse_applications(path.read_text("utf-8"), path.name))
    # a fact dated after some of the days (set aside on them, listed in the facts)
    first = apps[0]
    later = Evidence(
        criterion="human_rights",
        likelihood="likely",
        severity="serious",
        source="a report",
        date=dt.date(2015, 1, 1),
    )
    apps.append(first.model_copy(update={"evidence": (*first.evidence, later)}))
    return apps


@pytest.fixture(scope="module")
def findings() -> list[Finding]:
    engine = Engine.default()
    return [
        finding
        for app in _examples()
        for day in DAYS
        for assessment in engine.assess(app, engine.regimes(), day)
        for finding in assessment.findings
    ]


def test_checked_findings_are_the_validated_ones(findings: list[Finding]) -> None:
    assert len(findings) > 1000
    kinds = {(f.outcome, f.item is None, f.source_id is None) for f in findings}
    assert len(kinds) >= 8  # per-item findings, embargo measures, every kind of outcome
    for finding in findings:
        given = {name: getattr(finding, name) for name in finding.model_fields_set}
        validated = Finding(**given)
        assert finding == validated
        assert finding.model_fields_set == validated.model_fields_set
        assert list(finding.__dict__) == list(validated.__dict__)
        assert [type(v) for v in finding.__dict__.values()] == [
            type(v) for v in validated.__dict__.values()
        ]
        assert finding.model_dump_json() == validated.model_dump_json()


def test_checked_finding_takes_the_validating_path_for_anything_else() -> None:
    cited = (Citation(instrument="Arms Trade Treaty", provision="Art. 7"),)
    made = checked_finding("att.7", "Export assessment", Outcome.clear, cited, {}, "", {})
    assert made == Finding(
        criterion="att.7", title="Export assessment", outcome=Outcome.clear, citations=cited
    )
    assert made.model_fields_set == {
        "criterion",
        "title",
        "outcome",
        "citations",
        "facts",
        "reason",
    }
    # a field the model does not declare is left out, as validation leaves it out
    odd = checked_finding("att.7", "Export assessment", Outcome.clear, cited, {}, "", {"x": 1})
    assert odd == made and not hasattr(odd, "x")
    # no citation: refused, as validation refuses it
    with pytest.raises(ValueError, match="citations"):
        checked_finding("att.7", "Export assessment", Outcome.clear, (), {}, "", {})


def test_a_worked_engine_assesses_as_a_fresh_one() -> None:
    base = Engine.default()
    worked = Engine(base.law, base.reference)
    batch = base.memoising(whole_regimes=True)
    regimes = base.regimes()
    for app in _examples():
        for day in DAYS:
            fresh = Engine(base.law, base.reference).assess(app, regimes, day)
            assert worked.assess(app, regimes, day) == fresh
            batch.judgment_key(app, regimes, day)
            assert batch.assess(app, regimes, day) == fresh
            judged = batch.judgments(app, regimes, day)
            assert [(j.recommendation, j.findings) for j in judged] == [
                (a.recommendation, a.findings) for a in fresh
            ]


def test_reference_look_ups_answer_as_their_definitions() -> None:
    ref = Engine.default().reference
    days = [dt.date(year, 6, 30) for year in range(1990, 2026, 3)]
    for authority in AUTHORITIES:
        embargoes = ref.embargoes(authority)
        targets = {e.target for e in embargoes} | {"NOR"}
        for day in days:
            for target in targets:
                wanted = [
                    (e, m)
                    for e in embargoes
                    if e.target == target
                    for m in e.measures
                    if m.applies_on(day)
                ]
                first = ref.measures_on(day, authority, target)
                assert [(a.embargo, a.measure) for a in first] == wanted
                first.clear()  # the caller's own list: the next answer is whole
                again = ref.measures_on(day, authority, target)
                assert [(a.embargo, a.measure) for a in again] == wanted
    states = {e.state for e in ref.us_126_1} | {"NOR"}
    for day in days:
        for state in states:
            assert ref.denial_policy(state, day) == [
                e for e in ref.us_126_1 if e.state == state and e.applies_on(day)
            ]
