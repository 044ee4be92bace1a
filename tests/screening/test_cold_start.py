"""`openatt screen NAME` from a cold process loads only what one query needs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from openatt.cli.screening import FORMATS
from openatt.screening import ListStore
from openatt.screening.importers import IMPORTERS

# Runs the screening command alone (the `openatt` app adds the other features' commands;
# what they import is theirs), then reports which of the modules it must not need were loaded.
_SCRIPT = """
import json, sys
import typer
from openatt.cli import screening
app = typer.Typer()
screening.register(app)
app.callback()(lambda: None)
try:
    app(["screen", "Emraan Ali", "--format", "json"])
except SystemExit as stop:
    code = stop.code
unwanted = ("openatt.screening.importers", "openatt.core.model", "openatt.register", "sqlalchemy",
            "rich.progress", "openatt.screening.diff", "pydantic_settings", "numpy.ma")
print(json.dumps({"code": code, "loaded": [m for m in unwanted if m in sys.modules]}),
      file=sys.stderr)
"""


def test_format_names_in_the_help_are_the_importers_own() -> None:
    assert tuple(IMPORTERS) == FORMATS


def test_a_cold_screen_imports_no_importer_register_or_core_model(
    tmp_path: Path, lists_dir: Path
) -> None:
    home = tmp_path / "home"
    ListStore(home / "lists").import_file(lists_dir / "un-sc-consolidated/consolidated.xml")
    env = {**os.environ, "OPENATT_HOME": str(home)}
    for _ in range(2):  # the first run builds the index, the second maps it
        done = subprocess.run(
            [sys.executable, "-c", _SCRIPT], env=env, capture_output=True, text=True, check=False
        )
        report = json.loads(done.stderr.strip().splitlines()[-1])
        assert report == {"code": 0, "loaded": []}, done.stderr
        hits = json.loads(done.stdout)["results"][0]["hits"]
        assert any(hit["entity_id"] == "QDi.430" for hit in hits)


def test_without_the_screening_extra_loading_the_commands_names_the_missing_package() -> None:
    """Imports are lazy, yet an install without the screening extra still fails when the
    commands are loaded (where `openatt` turns it into "install the extra"), not mid-run."""
    code = """
import importlib.abc, sys
class Hide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "rapidfuzz":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, Hide())
try:
    import openatt.cli.screening
except ModuleNotFoundError as error:
    print(error.name)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "rapidfuzz"
