"""An index shared by a server's threads (found in review, 2026-12-06)."""

from __future__ import annotations

from pathlib import Path

import pytest

from openatt.screening import ListStore, matcher_for
from openatt.screening import index as index_module


def test_token_keys_answer_when_another_thread_clears_them_at_the_cap(
    tmp_path: Path, lists_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The keys read for a query were answered from the index's shared memory of them,
    which another thread may clear when it is full: a KeyError (a 500) on a large list."""
    store = ListStore(tmp_path)
    store.import_file(lists_dir / "un-sc-consolidated/consolidated.xml")
    index = matcher_for(store).indexes[0].index
    wanted = sorted(set(index.name_tok[:50].tolist()))[:6]
    expected = index.token_keys(wanted)
    index._keys_read.clear()
    read = index_module.token_keys_of_text
    calls: list[str] = []

    def read_while_another_thread_clears(text: str) -> object:
        calls.append(text)
        if len(calls) == len(wanted):  # the last key read: another request clears them all
            index._keys_read.clear()
        return read(text)

    monkeypatch.setattr(index_module, "token_keys_of_text", read_while_another_thread_clears)
    assert index.token_keys(wanted) == expected
