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


_DATING = {"today", "now", "utcnow", "application"}


def _run_at_import(statements: list[ast.stmt]) -> list[tuple[int, ast.AST]]:
    """(line, node) of what runs when these statements run: a function's decorators and
    default values but not its body; a class's decorators, bases and whole body."""
    found: list[tuple[int, ast.AST]] = []
    for statement in statements:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            defaults = [*statement.args.defaults, *statement.args.kw_defaults]
            found += [(n.lineno, n) for n in [*statement.decorator_list, *defaults] if n]
        elif isinstance(statement, ast.ClassDef):
            heads = [*statement.decorator_list, *statement.bases, *statement.keywords]
            found += [(getattr(node, "lineno", statement.lineno), node) for node in heads]
            found += _run_at_import(statement.body)
        else:
            found.append((statement.lineno, statement))
    return found


def _dated_at_import(tree: ast.Module) -> list[int]:
    """Lines where a module reads today's date or builds a dated body when it is imported."""
    lines = []
    for line, part in _run_at_import(tree.body):
        for node in ast.walk(part):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                if name in _DATING:
                    lines.append(line)
                    break
    return lines


def test_the_date_rule_sees_decorators_defaults_and_class_bodies() -> None:
    source = (
        "@pytest.mark.parametrize('body', [application()])\n"
        "def test_a(body): pass\n"
        "def test_b(day=dt.date.today()): pass\n"
        "class TestC:\n"
        "    UNTIL = dt.date.today()\n"
        "    def test_d(self): return application()\n"
        "def test_e(): return dt.datetime.now()\n"
    )
    assert _dated_at_import(ast.parse(source)) == [1, 3, 5]


def test_no_test_module_fixes_the_date_when_it_is_imported() -> None:
    # A run that crossed midnight UTC failed 16 tests (2026-12-06): bodies dated at import
    # were posted after midnight as backdated, and "tomorrow" had become today.
    offenders = [
        f"{path.relative_to(TESTS)}:{line}"
        for path in TESTS.rglob("test_*.py")
        for line in _dated_at_import(ast.parse(path.read_text("utf-8")))
    ]
    assert not offenders, offenders
