"""docs/security.md states the threat model as requirements, each with the test that covers
it. A renamed or deleted test would leave a requirement that only looks covered: this reads
the table and requires every test file and test function it names to exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# `file.py`, `tests/x/file.py`, `file.py::test_name` or `::test_name` (same file as before).
NAMED = re.compile(r"`((?:[\w/]+/)?test_\w+\.py)?(?:::(test_\w+))?`")


def _rows() -> list[str]:
    text = (ROOT / "docs" / "security.md").read_text("utf-8")
    return [line for line in text.splitlines() if re.match(r"\| T\d+a? \|", line)]


def _named(rows: list[str]) -> list[tuple[str, str, str | None]]:
    """(requirement, test file, test function or None) for every test a row names."""
    found = []
    for row in rows:
        requirement = row.split("|")[1].strip()
        current: str | None = None
        for file, function in NAMED.findall(row.split("|")[-2]):
            current = file or current
            assert current, f"{requirement}: `::{function}` without a file before it"
            found.append((requirement, current, function or None))
    return found


def test_the_table_names_a_test_for_every_requirement() -> None:
    rows = _rows()
    named = {requirement for requirement, _file, _function in _named(rows)}
    assert len(rows) >= 27
    # every row names a test (T18 names the load benchmark as well as its test)
    assert {row.split("|")[1].strip() for row in rows} - named == set()


def test_every_test_the_threat_model_names_exists() -> None:
    missing = []
    for requirement, file, function in _named(_rows()):
        path = ROOT / file if "/" in file else ROOT / "tests" / "security" / file
        if not path.is_file():
            missing.append(f"{requirement}: {file}")
        elif function and not re.search(rf"^def {function}\(", path.read_text(), re.MULTILINE):
            missing.append(f"{requirement}: {file}::{function}")
    assert missing == []
