"""Each evaluator's params are a pydantic model: the shipped law fits them, and a misspelt or
mistyped parameter in a regime file fails the load, naming the regime, the rule and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from openatt.core.engine import engine_with_overlays
from openatt.core.rules import EVALUATORS
from openatt.core.rules.params import PARAMS, EmbargoParams, typed_params
from openatt.law.loader import LawError, load_law

OVERLAY = """\
id: toy
title: Toy regime with a rule of its own
base: att
valid_from: 2020-01-01
citations: [{{instrument: Ruritanian export act (invented for a test), provision: sec. 1}}]
binding: {{kind: states, states: [BEL], description: A regime invented for a test.}}
add_rules:
  - id: toy.1
    title: Prohibition - the toy's own embargo
    kind: prohibition
    evaluator: {evaluator}
    params: {params}
    versions:
      - valid_from: 2020-01-01
        summary: The toy state does not authorise a transfer its own embargo covers.
        citations: [{{instrument: Ruritanian export act, provision: sec. 2}}]
"""


def _overlay(tmp_path: Path, evaluator: str, params: str) -> Path:
    path = tmp_path / "toy.yaml"
    path.write_text(OVERLAY.format(evaluator=evaluator, params=params), "utf-8")
    return path


def test_every_evaluator_has_a_params_model() -> None:
    assert set(PARAMS) == set(EVALUATORS)


def test_the_shipped_law_fits_the_models_and_defaults_are_written_once() -> None:
    law = load_law()
    rule = law.regime("att").rule("att.6.1")
    params = typed_params(EmbargoParams, rule, rule.versions[0])
    assert params.authorities == ("un",) and params.legal_forms is None
    assert typed_params(EmbargoParams, rule, rule.versions[0]) is params  # parsed once


def test_a_good_param_loads(tmp_path: Path) -> None:
    engine = engine_with_overlays([_overlay(tmp_path, "embargo", "{authorities: [eu]}")])
    assert "toy" in engine.regimes()


@pytest.mark.parametrize(
    ("evaluator", "params", "said"),
    [
        ("embargo", "{authorites: [un]}", "params.authorites: Extra inputs are not permitted"),
        (
            "embargo",
            "{authorities: un-and-eu}",
            "params.authorities: Input should be a valid tuple",
        ),
        ("scope", "{covers: [IX]}", "params.covers.0: Input should be"),
        ("regulate", "{qualifier: always}", "params.shown_by: Field required"),
    ],
)
def test_a_bad_param_fails_the_load_naming_rule_and_field(
    tmp_path: Path, evaluator: str, params: str, said: str
) -> None:
    with pytest.raises(LawError) as refused:
        engine_with_overlays([_overlay(tmp_path, evaluator, params)])
    assert str(refused.value).startswith("toy: rule toy.1: ")
    assert said in str(refused.value)
    assert refused.value.field == ("params",)
