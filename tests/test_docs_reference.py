"""docs/reference.md lists every CLI command, permission and REST endpoint the code has."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _generator() -> object:
    spec = importlib.util.spec_from_file_location(
        "reference_docs", ROOT / "scripts" / "reference_docs.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_reference_page_is_what_the_code_says() -> None:
    generator = _generator()
    committed = (ROOT / "docs" / "reference.md").read_text("utf-8")
    expected = generator.render()  # type: ignore[attr-defined]
    assert committed == expected, (
        "docs/reference.md is out of date: run python scripts/reference_docs.py"
    )


def test_the_reference_names_every_command_permission_and_endpoint() -> None:
    generator = _generator()
    text = (ROOT / "docs" / "reference.md").read_text("utf-8")
    for command, _ in generator.cli_rows():  # type: ignore[attr-defined]
        assert f"`openatt {command}`" in text
    for permission, _ in generator.permission_rows():  # type: ignore[attr-defined]
        assert f"`{permission}`" in text
    rows = generator.endpoint_rows()  # type: ignore[attr-defined]
    assert len(rows) > 100
    for method, path, _, _ in rows:
        assert f"| {method} | `{path}` |" in text
    assert any(
        path == "/auth/token" and permission.startswith("none") for _, path, permission, _ in rows
    )
