"""The test tree's one rule for packages, and fixtures found without imports."""

from __future__ import annotations

import ast
import re

from conftest import TESTS


def test_a_test_folder_is_a_package_exactly_when_it_has_a_conftest() -> None:
    for folder in [TESTS, *(p for p in TESTS.rglob("*") if p.is_dir())]:
        if not any(folder.glob("test_*.py")) or folder == TESTS:
            continue
        has_init = (folder / "__init__.py").exists()
        has_conftest = (folder / "conftest.py").exists()
        assert has_init == has_conftest, folder.relative_to(TESTS)


def test_no_test_module_imports_a_fixture() -> None:
    imported = re.compile(r"^from \w+ import [^\n]*_fixture\b", re.MULTILINE)
    offenders = [
        str(path.relative_to(TESTS))
        for path in TESTS.rglob("test_*.py")
        if imported.search(path.read_text("utf-8"))
    ]
    assert not offenders, offenders


def _dated_at_import(tree: ast.Module) -> list[int]:
    """Lines of module-level statements that read today's date or build a dated body."""
    dating = {"today", "now", "utcnow", "application"}
    lines = []
    for statement in tree.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for node in ast.walk(statement):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                if name in dating:
                    lines.append(statement.lineno)
                    break
    return lines


def test_no_test_module_fixes_the_date_when_it_is_imported() -> None:
    # A run that crossed midnight UTC failed 16 tests (2026-12-06): bodies dated at import
    # were posted after midnight as backdated, and "tomorrow" had become today.
    offenders = [
        f"{path.relative_to(TESTS)}:{line}"
        for path in TESTS.rglob("test_*.py")
        for line in _dated_at_import(ast.parse(path.read_text("utf-8")))
    ]
    assert not offenders, offenders
