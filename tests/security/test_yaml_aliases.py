"""Issue 13, attack 6 (YAML with aliases): `openatt assess` refused a "billion laughs" file,
but the other YAML a user hands openatt (a national overlay, a law case file, routing rules,
an advice policy, a casework configuration) was still read with aliases, so the same 1.7 KB
exhausted memory there. Every one of them now refuses an alias at the first one."""

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

# Nine levels of nine aliases: 9**9 (387 million) strings if expanded.
BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
)
REFUSED = "aliases (*name) are not accepted"


def test_the_bomb_is_built_of_aliases() -> None:
    assert BOMB.count("*") == 72 and len(BOMB) < 2000


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
def test_every_user_yaml_refuses_aliases(reader: object, error: type[Exception]) -> None:
    with pytest.raises(error, match=r"aliases \(\*name\) are not accepted"):
        reader(BOMB)  # type: ignore[operator]


def test_assess_with_an_aliased_overlay_is_one_line_exit_2(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(BOMB)
    application = tmp_path / "application.yaml"
    application.write_text("exporter: DE\n")
    result = CliRunner().invoke(
        build_app(), ["assess", str(application), "--overlay", str(overlay)]
    )
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert REFUSED in " ".join(result.output.split())
