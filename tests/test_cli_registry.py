"""The CLI's table of top-level commands agrees with what the feature modules register."""

from __future__ import annotations

import subprocess
import sys

from openatt.cli.main import COMMANDS, load_commands


def test_every_registered_command_is_in_the_table_and_back() -> None:
    modules = sorted({module for entry in COMMANDS.values() for module in entry})
    registered = set(load_commands(tuple(modules)).commands)
    assert registered == set(COMMANDS)


def test_each_command_loads_from_the_modules_the_table_names() -> None:
    for name, modules in COMMANDS.items():
        assert name in load_commands(modules).commands, name


def test_version_imports_no_feature_module() -> None:
    code = (
        "import sys; from openatt.cli.main import build_app\n"
        "from typer.testing import CliRunner\n"
        "result = CliRunner().invoke(build_app(), ['--version'])\n"
        "assert result.exit_code == 0, result.output\n"
        "heavy = [m for m in ('sqlalchemy', 'fastapi', 'duckdb', 'rapidfuzz', 'openatt.register',"
        " 'openatt.core.engine') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_law_list_imports_nothing_of_the_register_or_the_web() -> None:
    code = (
        "import sys; from openatt.cli.main import build_app\n"
        "from typer.testing import CliRunner\n"
        "result = CliRunner().invoke(build_app(), ['law', 'list'])\n"
        "assert result.exit_code == 0, result.output\n"
        "heavy = [m for m in ('sqlalchemy', 'fastapi', 'duckdb', 'rapidfuzz') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
