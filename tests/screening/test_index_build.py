"""The index built in pieces by worker processes is the one a single process builds, and a
list import holds no record it has already turned into an entity."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from openatt.screening import ListStore
from openatt.screening import index as index_module
from openatt.screening.importers import ftm_json
from openatt.screening.index import _ARRAYS, CandidateIndex
from openatt.screening.matcher import _records


def _no_entity(number: int) -> Any:
    raise AssertionError("a build reads no full entity")


def _arrays(index: CandidateIndex) -> dict[str, bytes]:
    found = {
        name: np.asarray(index._arrays[name]).tobytes() for name in _ARRAYS if "_off" not in name
    }
    for name, blob in (("texts", index.texts), ("vocab", index.vocab), ("keys", index.keys)):
        found[name] = bytes(blob.data)
        found[f"{name}_off"] = np.asarray(blob.offsets).tobytes()
    return found


@pytest.fixture(scope="module")
def stored_un(tmp_path_factory: pytest.TempPathFactory, lists_dir: Path) -> Path:
    """The UN list's stored entities, with blank lines between some of them."""
    store = ListStore(tmp_path_factory.mktemp("un"))
    report = store.import_file(lists_dir / "un-sc-consolidated/consolidated.xml")
    source = store.version_folder(report.metadata.list_id, report.metadata.version)
    lines = (source / "entities.jsonl").read_text("utf-8").splitlines(keepends=True)
    spaced = tmp_path_factory.mktemp("spaced") / "entities.jsonl"
    spaced.write_text(
        "\n" + "".join(line + ("\n  \n" if n % 97 == 0 else "") for n, line in enumerate(lines)),
        "utf-8",
    )
    return spaced


@pytest.mark.parametrize("workers", [1, 2])
def test_the_index_of_pieces_is_the_index_of_the_whole_list(
    stored_un: Path, workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    offsets = [0]
    whole = CandidateIndex.build(_records(stored_un, offsets), _no_entity)
    monkeypatch.setattr(index_module, "_BYTES_PER_PIECE", 50_000)  # some 40 pieces
    pieces, found = CandidateIndex.build_file(stored_un, _no_entity, workers)
    assert len(index_module._pieces(stored_un, stored_un.stat().st_size, 40)) == 40
    assert _arrays(pieces) == _arrays(whole)
    assert pieces.vocab_ids == whole.vocab_ids
    assert found.tolist() == offsets
    data = stored_un.read_bytes()
    ids = [json.loads(line)["entity_id"] for line in data.splitlines() if line.strip()]
    assert len(ids) == whole.entity_count == len(found) - 1
    for number in (0, 1, 97, 98, len(ids) - 1):  # each slice is its entity's line
        assert json.loads(data[found[number] : found[number + 1]])["entity_id"] == ids[number]


def test_an_empty_file_has_an_empty_index(tmp_path: Path) -> None:
    path = tmp_path / "entities.jsonl"
    path.write_text("\n\n", "utf-8")
    built, offsets = CandidateIndex.build_file(path, _no_entity, 2)
    assert built.name_count == 0 and built.entity_count == 0
    assert offsets.tolist() == [2]


def test_a_sanction_lends_its_programme_whether_before_or_after_its_target(
    tmp_path: Path,
) -> None:
    person = {
        "id": "p1",
        "schema": "Person",
        "caption": "Ivan Petrov",
        "target": True,
        "properties": {"name": ["Ivan Petrov"], "programId": ["OWN"]},
    }
    sanction = {
        "id": "s1",
        "schema": "Sanction",
        "properties": {"entity": ["p1"], "program": ["EU-RUS"], "startDate": ["2022-03-15"]},
    }
    for order in ([person, sanction], [sanction, person]):
        path = tmp_path / "list.ftm.json"
        path.write_text("".join(json.dumps(r) + "\n" for r in order), "utf-8")
        result = ftm_json.read(path)
        (entity,) = result.entities
        assert entity.programmes == ["EU-RUS", "OWN"] and entity.listed_on == "2022-03-15"
        assert [s.reason for s in result.skipped] == ["schema Sanction is not a screenable party"]


def test_a_process_running_other_threads_builds_in_one_process() -> None:
    """A server's threads may hold locks a forked worker would inherit held."""
    import threading

    alone = subprocess.run(
        [sys.executable, "-c", "from openatt.screening import index; print(index.build_workers())"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(alone.stdout) == min(2, os.cpu_count() or 1)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert index_module.build_workers() == 1
    finally:
        stop.set()
        other.join()
