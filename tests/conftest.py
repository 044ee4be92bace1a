"""Shared fixtures.

Strategy: the engine and the law are real (loaded once per session from the package data);
applications are built from small YAML bases in ``law_cases/_bases.yaml`` so that each test
states only what it changes. Real public data lives in ``../shared/data`` beside the
checkout; tests that need it use ``shared_data``, which skips only outside CI.

The register's fixtures (a database per backend, a seeded API, the session's templates), the
monitoring data's and the reports' seeded register live in ``register/register_fixtures.py``,
``monitoring/monitoring_fixtures.py`` and ``reports/report_fixtures.py`` and are declared below
as plugins, once for the suite (the security tests share the register's): no test module
imports a fixture. Test folders: a folder with its own ``conftest.py`` is a package (an
``__init__.py``, so that conftest is not a second top-level ``conftest`` module); the others are
not, and import their helpers (``register_helpers``) by name from the folder.
"""

from __future__ import annotations

import copy
import os
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from openatt.core.engine import Engine
from openatt.core.model import Application

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
for _folder in ("register", "monitoring", "reports"):
    if str(TESTS / _folder) not in sys.path:
        sys.path.insert(0, str(TESTS / _folder))
pytest_plugins = ["register_fixtures", "monitoring_fixtures", "report_fixtures"]
BASES: dict[str, dict[str, Any]] = yaml.safe_load(
    (TESTS / "law_cases" / "_bases.yaml").read_text("utf-8")
)


def deep_merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def build_application(spec: dict[str, Any]) -> Application:
    """``spec`` names a base (``base: export``) and overrides fields of it.

    ``evidence`` in a case replaces the base's evidence on the same criteria and keeps the
    rest; ``remove_evidence`` lists criteria whose evidence the case drops.
    """
    spec = dict(spec)
    base = copy.deepcopy(BASES[spec.pop("base", "export")])
    removed = set(spec.pop("remove_evidence", []))
    if "evidence" in spec:
        changed = {e["criterion"] for e in spec["evidence"]}
        kept = [e for e in base.get("evidence", []) if e["criterion"] not in changed]
        spec["evidence"] = kept + spec["evidence"]
    merged = deep_merge(base, spec)
    merged["evidence"] = [e for e in merged.get("evidence", []) if e["criterion"] not in removed]
    return Application.model_validate(merged)


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine.default()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = (ROOT / ".." / "shared" / "data").resolve()
    if not path.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"shared data folder missing in CI: {path}")
        pytest.skip("../shared/data is not beside this checkout")
    return path


@pytest.fixture(autouse=True, scope="session")
def _isolated_home(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """OPENATT_HOME in a temporary folder for the whole run, so lists or a register in the
    developer's own ~/.openatt never reach a test (tests that need a home set their own)."""
    saved = os.environ.get("OPENATT_HOME")
    os.environ["OPENATT_HOME"] = str(tmp_path_factory.mktemp("openatt-home"))
    yield
    if saved is None:
        os.environ.pop("OPENATT_HOME", None)
    else:
        os.environ["OPENATT_HOME"] = saved
