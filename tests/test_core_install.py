"""The engine and its CLI work with the core dependencies alone (issue 17: the engine as a
library); a command that needs an extra says which one instead of a traceback.

The packages of the extras are hidden from a subprocess by an import hook, which is what a
``pip install openatt`` without extras leaves on the machine.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from openatt.cli.main import EXTRA_FOR

ROOT = Path(__file__).resolve().parents[1]

HIDE = """
import importlib.abc, sys
HIDDEN = set({hidden!r})
class Hide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in HIDDEN:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, Hide())
sys.argv = ["openatt", *{argv!r}]
from openatt.cli.main import main
main()
"""


def run_core(*argv: str, home: Path) -> subprocess.CompletedProcess[str]:
    code = HIDE.format(hidden=sorted(EXTRA_FOR), argv=list(argv))
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"OPENATT_HOME": str(home), "PATH": "/usr/bin:/bin", "COLUMNS": "200"},
    )


def test_assess_runs_on_the_core_install(tmp_path: Path) -> None:
    examples = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "examples").glob("*.yaml"))
    result = run_core(
        "assess", *examples, "--regime", "att,eu,us", "--format", "json", home=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert '"recommendation"' in result.stdout


def test_law_list_runs_on_the_core_install(tmp_path: Path) -> None:
    result = run_core("law", "list", "--regime", "att", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "att.6.1" in result.stdout


def test_a_register_command_names_the_extra_to_install(tmp_path: Path) -> None:
    result = run_core("users", "add", "someone", home=tmp_path)
    assert result.returncode == 2
    assert "pip install 'openatt[register]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_lists_every_command_on_the_core_install(tmp_path: Path) -> None:
    result = run_core("--help", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "assess" in result.stdout and "serve" in result.stdout
    assert "needs the 'register' extra" in result.stdout
