"""The parsed-YAML cache gives exactly what the parser gives, and never serves stale text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from openatt import yaml_data

PACKAGE = Path(yaml_data.__file__).parent


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[Path]:
    yaml_data.cache_in(tmp_path)
    yield tmp_path
    yaml_data.cache_in(None)


def test_every_package_yaml_reads_the_same_from_the_cache(cache: Path) -> None:
    files = sorted(PACKAGE.rglob("*.yaml"))
    assert len(files) > 10
    for path in files:
        text = path.read_text("utf-8")
        first = yaml_data.load(text)  # parsed, then written to the cache
        again = yaml_data.load(text)  # read back from the cache
        assert again == yaml_data._parse(text) == first, path
    assert len(list(cache.glob("*.json"))) == len({p.read_text("utf-8") for p in files})


def test_a_changed_text_is_parsed_again(cache: Path) -> None:
    assert yaml_data.load("a: 2024-01-01\non: yes\n") == {"a": dt.date(2024, 1, 1), True: True}
    assert yaml_data.load("a: 2024-01-02\n") == {"a": dt.date(2024, 1, 2)}


def test_a_damaged_cache_file_is_ignored(cache: Path) -> None:
    yaml_data.load("k: 1\n")
    (entry,) = cache.glob("*.json")
    entry.write_text("{not json", "utf-8")
    assert yaml_data.load("k: 1\n") == {"k": 1}
