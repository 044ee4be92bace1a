"""Fixtures for the monitoring and evidence tests.

They read the real SIPRI and indicator files in ``../shared/data`` (beside the repository),
never a copy. Without that folder the tests are skipped on a developer's machine, and fail
in CI (``CI=true``), where the data must be present.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"shared data folder missing in CI: {SHARED}")
        pytest.skip("shared data folder ../shared/data not present")
    return SHARED.resolve()


@pytest.fixture(scope="session")
def transfers_dir(shared_data: Path) -> Path:
    return shared_data / "transfers"


@pytest.fixture(scope="session")
def indicators_dir(shared_data: Path) -> Path:
    return shared_data / "indicators"
