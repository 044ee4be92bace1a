"""Fixtures for the screening tests.

The real list files live outside the repository in ``../shared/data/lists`` (never copied in),
reached through the root ``shared_data`` fixture (skipped on a developer machine without it,
failing in CI). Lists are imported once per session into a temporary store; tests that change
the store get their own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from openatt.screening import ListStore, Matcher


@pytest.fixture(scope="session")
def lists_dir(shared_data: Path) -> Path:
    return shared_data / "lists"


@pytest.fixture(scope="session")
def loaded_store(tmp_path_factory: pytest.TempPathFactory, lists_dir: Path) -> ListStore:
    """UN 2026, OFAC SDN 2021, Canada and the EU FtM sample, imported once."""
    store = ListStore(tmp_path_factory.mktemp("lists"))
    for relative in (
        "un-sc-consolidated/consolidated.xml",
        "ofac-sdn-csv-2021/sdn.csv",
        "canada-sema/sema-lmes.xml",
        "opensanctions-ftm/eu_fsf-sample.entities.ftm.json",
    ):
        store.import_file(lists_dir / relative)
    return store


@pytest.fixture(scope="session")
def matcher(loaded_store: ListStore) -> Matcher:
    return Matcher(loaded_store.load(list_id) for list_id in loaded_store.list_ids())
