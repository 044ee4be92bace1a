"""Fixtures for the monitoring and evidence tests, imported by each test module (a conftest.py
here would shadow the suite's root ``conftest`` module that other tests import from).

They read the real SIPRI and indicator files in ``../shared/data`` through the root
``shared_data`` fixture (skipped outside CI when the folder is absent, failing in CI), never
a copy.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session", name="transfers_dir")
def transfers_dir_fixture(shared_data: Path) -> Path:
    return shared_data / "transfers"


@pytest.fixture(scope="session", name="indicators_dir")
def indicators_dir_fixture(shared_data: Path) -> Path:
    return shared_data / "indicators"
