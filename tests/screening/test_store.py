"""The list store: versions, atomic replacement, malformed files, diff."""

from __future__ import annotations

from pathlib import Path

import pytest

from openatt.screening import ListStore, MalformedList
from openatt.screening.diff import diff_lists

UN_2024 = "un-sc-consolidated/history/consolidated-2024-09-26.xml"
UN_2026 = "un-sc-consolidated/consolidated.xml"


def test_new_version_becomes_current_and_old_is_kept(tmp_path: Path, lists_dir: Path) -> None:
    store = ListStore(tmp_path)
    first = store.import_file(lists_dir / UN_2024)
    second = store.import_file(lists_dir / UN_2026)
    assert second.previous_version == first.metadata.version
    assert store.current_version("un-sc-consolidated") == second.metadata.version
    assert [
        m.version_date.isoformat() for m in store.versions("un-sc-consolidated") if m.version_date
    ] == [
        "2024-09-26",
        "2026-02-27",
    ]
    assert second.metadata.sha256.startswith("66b392a4090868d2")
    assert len(store.load("un-sc-consolidated").entities) == 1003
    again = store.import_file(lists_dir / UN_2026)
    assert again.already_loaded and again.metadata.version == second.metadata.version


def test_malformed_xml_is_rejected_and_previous_version_stays(
    tmp_path: Path, lists_dir: Path
) -> None:
    store = ListStore(tmp_path / "store")
    good = store.import_file(lists_dir / UN_2024)
    broken = tmp_path / "consolidated.xml"
    text = (lists_dir / UN_2026).read_text("utf-8")
    broken.write_text(text[: len(text) // 2], "utf-8")
    with pytest.raises(MalformedList, match="line"):
        store.import_file(broken)
    assert store.current_version("un-sc-consolidated") == good.metadata.version
    assert [
        p.name for p in (tmp_path / "store" / "un-sc-consolidated").iterdir() if p.is_dir()
    ] == [good.metadata.version]


def test_malformed_ofac_row_is_named(tmp_path: Path, lists_dir: Path) -> None:
    folder = tmp_path / "ofac"
    folder.mkdir()
    lines = (lists_dir / "ofac-sdn-csv-2021/sdn.csv").read_bytes().split(b"\r\n")
    lines[9] = b'2674,"ABBAS, Abu","individual"'
    (folder / "sdn.csv").write_bytes(b"\r\n".join(lines))
    store = ListStore(tmp_path / "store")
    with pytest.raises(
        MalformedList, match=r"sdn.csv line 10 \(ent_num '2674'\): expected 12 columns"
    ):
        store.import_file(folder / "sdn.csv")
    assert store.list_ids() == []


def test_missing_reference_is_named(tmp_path: Path, lists_dir: Path) -> None:
    text = (lists_dir / UN_2026).read_text("utf-8")
    broken = tmp_path / "un.xml"
    broken.write_text(text.replace("<REFERENCE_NUMBER>QDi.430</REFERENCE_NUMBER>", "", 1), "utf-8")
    with pytest.raises(MalformedList, match="DATAID 6908858"):
        ListStore(tmp_path / "store").import_file(broken)


def test_un_diff_2024_to_2026(tmp_path: Path, lists_dir: Path) -> None:
    store = ListStore(tmp_path)
    old = store.import_file(lists_dir / UN_2024).metadata.version
    new = store.import_file(lists_dir / UN_2026).metadata.version
    result = diff_lists(
        store.load("un-sc-consolidated", old), store.load("un-sc-consolidated", new)
    )
    # The lists README: 134 reference numbers added (mainly the 2025 Iran snapback), 6 removed.
    assert (len(result.added), len(result.removed)) == (134, 6)
    assert any(e.entity_id.startswith("IR") for e in result.added)
    assert all(change.fields for change in result.changed)
