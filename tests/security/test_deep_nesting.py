"""Issue 13, attack 6, the next try after the aliases: a 100 KB file of nested brackets.
It holds no alias and is far under every size limit, but each bracket is a level of
recursion in the parser: ``openatt assess`` and every YAML a user supplies (an overlay, a
law case file, routing rules, an advice policy, a casework configuration) ended in a
RecursionError traceback. Each now reports it in one line (the CLI: exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from openatt.cli.main import build_app
from openatt.law.cases import CaseError, parse_case_file
from openatt.law.loader import LawError, parse_overlay
from openatt.register import advice_policy, casework_config, routing
from openatt.register.errors import Invalid
from openatt.yaml_data import YAMLError

DEPTH = 50_000
DEEP_JSON = "[" * DEPTH + "]" * DEPTH
DEEP_YAML = "x: " + DEEP_JSON  # not JSON at the start: the YAML parser reads it
NESTED = "nested too deeply"


@pytest.mark.parametrize("text", [DEEP_JSON, DEEP_YAML], ids=["json", "yaml"])
def test_a_deeply_nested_application_is_one_line_exit_2(tmp_path: Path, text: str) -> None:
    path = tmp_path / "application.yaml"
    path.write_text(text)
    result = CliRunner().invoke(build_app(), ["assess", str(path)])
    assert result.exit_code == 2, result.output
    assert NESTED in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("reader", "error"),
    [
        (lambda text: parse_overlay(text, "overlay.yaml"), LawError),
        (lambda text: parse_case_file(text, "cases.yaml"), CaseError),
        (routing.parse_file, Invalid),
        (lambda text: advice_policy.parse_policy(text, "policy.yaml"), YAMLError),
        (casework_config.parse, YAMLError),
    ],
    ids=["overlay", "law case file", "routing rules", "advice policy", "casework config"],
)
def test_every_user_yaml_refuses_deep_nesting(reader: object, error: type[Exception]) -> None:
    with pytest.raises(error, match=NESTED):
        reader(DEEP_YAML)  # type: ignore[operator]
