"""One Settings object: every OPENATT_ variable the package reads is a field of it, and
docs/register.md documents each in the table generated from it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from openatt import settings

ROOT = Path(__file__).resolve().parents[1]
TESTS_ONLY = {"OPENATT_TEST_DATABASE_URL"}


def test_the_docs_table_is_the_generated_one() -> None:
    text = (ROOT / "docs" / "register.md").read_text("utf-8")
    found = re.search(r"<!-- settings:start -->\n(.*?)<!-- settings:end -->", text, re.DOTALL)
    assert found, "docs/register.md has no settings markers"
    assert found.group(1) == settings.markdown()


def test_every_variable_the_package_names_is_a_setting() -> None:
    fields = {settings.env_name(name) for name in settings.Settings.model_fields}
    named = set()
    for path in (ROOT / "src" / "openatt").rglob("*.py"):
        named |= set(re.findall(r"OPENATT_[A-Z][A-Z0-9_]*[A-Z0-9]", path.read_text("utf-8")))
    assert named - TESTS_ONLY <= fields, sorted(named - TESTS_ONLY - fields)


def test_the_environment_is_read_at_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENATT_SESSION_HOURS", "2.5")
    assert settings.get_settings().session_hours == 2.5
    monkeypatch.setenv("OPENATT_SESSION_HOURS", "4")
    assert settings.get_settings().session_hours == 4
    monkeypatch.delenv("OPENATT_SESSION_HOURS")
    assert settings.get_settings().session_hours == 8


def test_overlays_are_split_on_the_path_separator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENATT_OVERLAYS", os.pathsep.join(["/a/one.yaml", "/b/two.yaml"]))
    assert settings.get_settings().overlay_paths == [Path("/a/one.yaml"), Path("/b/two.yaml")]


@pytest.mark.parametrize(
    ("variable", "value"), [("OPENATT_LOGIN_CHECK_NICE", "25"), ("OPENATT_IDLE_MINUTES", "abc")]
)
def test_a_bad_value_in_the_environment_is_one_line_naming_the_variable(
    variable: str, value: str, tmp_path: Path
) -> None:
    env = {**os.environ, "OPENATT_HOME": str(tmp_path), variable: value}
    done = subprocess.run(
        [sys.executable, "-c", "from openatt.cli.main import main; main()", "law", "list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {variable}: ")
    assert f"(given '{value}')" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_the_free_text_variables_are_the_unconstrained_text_fields() -> None:
    """Reading them without the model skips no check: the model accepts any value of theirs."""
    free = {
        settings.env_name(name)
        for name, field in settings.Settings.model_fields.items()
        if field.annotation is str and not field.metadata
    }
    assert free == settings.FREE_TEXT


def test_home_and_database_are_read_as_the_model_reads_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OPENATT_HOME", str(tmp_path / "h"))
    monkeypatch.setenv("OPENATT_DATABASE_URL", "")
    assert settings.home() == Path(settings.get_settings().home) == tmp_path / "h"
    assert settings.database_url() == f"sqlite:///{tmp_path / 'h' / 'openatt.sqlite'}"
    monkeypatch.setenv("OPENATT_DATABASE_URL", "postgresql://x/y")
    assert settings.database_url() == settings.get_settings().database_url == "postgresql://x/y"


_PROBE = """
import sys
from openatt import settings
from openatt.errors import OpenattError
try:
    settings.check_environment()
except OpenattError as error:
    sys.exit(f"refused {error.where}")
print(settings.home(), "pydantic_settings" in sys.modules)
"""


def test_only_a_value_that_could_be_refused_loads_the_model(tmp_path: Path) -> None:
    """A cold command whose environment sets only free text does not import pydantic-settings
    (a tenth of a second of `openatt screen NAME`); a typed variable is still checked."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("OPENATT_")}
    for extra, loaded in (({}, "False"), ({"OPENATT_SESSION_HOURS": "3"}, "True")):
        env = {**base, "OPENATT_HOME": str(tmp_path), **extra}
        done = subprocess.run(
            [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True
        )
        assert done.stdout.split() == [str(tmp_path), loaded]
    env = {**base, "OPENATT_HOME": str(tmp_path), "OPENATT_SESSION_HOURS": "soon"}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stderr) == (1, "refused OPENATT_SESSION_HOURS\n")
