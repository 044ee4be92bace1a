"""The test tree's one rule for packages, and fixtures found without imports."""

from __future__ import annotations

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
