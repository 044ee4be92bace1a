"""Rank control-list entries (and item kinds) for a free-text description of the goods.

A full-text index over the list's own wording - each entry's heading, paraphrase and
keywords, and each item kind's label and keywords - ranked by BM25 in SQLite's FTS5 (the
standard library's sqlite3, an in-memory database: nothing touches the disk or the network).
One row per (entry, kind) that an officer could confirm; headings whose sub-entries are in
the list are left out, since the sub-entry is the more precise answer.

One fact a word index cannot weigh is a calibre: "81 mm mortar" and "60 mm mortar" share
every word but land in different ATT rows (III against VIII.LW.6). The description's calibre
is turned into a feature token (``FEATURES``) that the item kinds with that calibre band
carry, so the band decides between them. The suggestion is advice to the officer, who
confirms the entry and kind; ``ALGORITHM`` names this ranking for the record.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import sqlite3
from dataclasses import dataclass

from openatt.reference.control_lists import (
    ControlLists,
    Entry,
    ItemKind,
    Placement,
    default_control_lists,
)

ALGORITHM = "fts5-bm25-v1"
WEIGHTS = (0.0, 4.0, 1.0, 6.0)  # ref (unindexed), kind text, entry text, features
FEATURES: dict[str, tuple[str, ...]] = {
    # item kind id -> feature tokens it carries
    "artillery-75mm-plus": ("featcalibrelarge",),
    "mortar-75mm-plus": ("featcalibrelarge",),
    "self-propelled-artillery": ("featcalibrelarge",),
    "multiple-rocket-launcher": ("featcalibrelarge",),
    "mortar-under-75mm": ("featcalibremedium",),
    "gun-under-75mm": ("featcalibremedium",),
    "grenade-launcher": ("featcalibremedium",),
    "anti-materiel-rifle": ("featcalibremedium",),
    "combat-aircraft-manned": ("featarmed",),
    "attack-helicopter-manned": ("featarmed",),
    "uav-combat": ("featarmed",),
    "uav-attack-helicopter": ("featarmed",),
    "uav-unarmed": ("featunarmed",),
}
_CALIBRE = re.compile(r"(\d{1,3}(?:[.,]\d{1,2})?)\s*-?\s*mm\b", re.I)
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset({"and", "or", "the", "of", "for", "with", "a", "an", "mm", "in", "to", "on"})


@dataclass(frozen=True)
class Suggestion:
    """One ranked candidate: the entry, the kind, their words and where the item would land."""

    rank: int
    list_id: str
    entry: str
    kind: str | None
    heading: str
    wording: str
    kind_label: str | None
    score: float
    placement: Placement

    @property
    def reference(self) -> str:
        return f"{self.entry}:{self.kind}" if self.kind else self.entry


def description_features(text: str) -> tuple[str, ...]:
    """Feature tokens read from the description: the calibre band, armed or unarmed."""
    features: list[str] = []
    for match in _CALIBRE.finditer(text):
        calibre = float(match.group(1).replace(",", "."))
        if calibre >= 75:
            features.append("featcalibrelarge")
        elif calibre > 12.7:
            features.append("featcalibremedium")
    words = set(_WORD.findall(text.lower()))
    if "unarmed" in words:
        features.append("featunarmed")
    elif words & {"armed", "combat", "attack", "strike"}:
        features.append("featarmed")
    return tuple(dict.fromkeys(features))


def _query(text: str) -> str:
    words = [w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1]
    tokens = list(dict.fromkeys([*words, *description_features(text)]))
    return " OR ".join(f'"{t}"' for t in tokens)


def _is_heading(entry: Entry, ids: set[str]) -> bool:
    return any(other.startswith((f"{entry.id}.", f"{entry.id}(")) for other in ids)


class SuggestionIndex:
    """The FTS5 index of one list, built once per list and set of loaded lists."""

    def __init__(self, lists: ControlLists, list_id: str) -> None:
        self.lists = lists
        self.list_id = list_id
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute(
            "CREATE VIRTUAL TABLE rows USING fts5("
            "ref UNINDEXED, kind_text, entry_text, features, tokenize='porter unicode61')"
        )
        entries = lists.entries(list_id)
        ids = {e.id for e in entries}
        self._rows: dict[str, tuple[Entry, ItemKind | None]] = {}
        for entry in entries:
            if _is_heading(entry, ids):
                continue
            entry_text = " ".join((entry.heading, entry.wording, *entry.keywords))
            candidates: list[ItemKind | None] = list(entry.kinds)
            if entry.placement is not None:
                candidates.insert(0, None)
            for kind in candidates:
                ref = f"{entry.id}:{kind.id}" if kind else entry.id
                kind_text = " ".join((kind.label, *kind.keywords)) if kind else ""
                features = " ".join(FEATURES.get(kind.id, ())) if kind else ""
                self._rows[ref] = (entry, kind)
                self._db.execute(
                    "INSERT INTO rows VALUES (?, ?, ?, ?)", (ref, kind_text, entry_text, features)
                )

    def search(
        self, description: str, limit: int = 5, on: dt.date | None = None
    ) -> list[Suggestion]:
        query = _query(description)
        if not query:
            return []
        cursor = self._db.execute(
            "SELECT ref, bm25(rows, ?, ?, ?, ?) AS score FROM rows WHERE rows MATCH ? "
            "ORDER BY score LIMIT ?",
            (*WEIGHTS, query, limit),
        )
        found: list[Suggestion] = []
        for ref, score in cursor.fetchall():
            entry, kind = self._rows[ref]
            found.append(
                Suggestion(
                    rank=len(found) + 1,
                    list_id=self.list_id,
                    entry=entry.id,
                    kind=kind.id if kind else None,
                    heading=entry.heading,
                    wording=entry.wording,
                    kind_label=kind.label if kind else None,
                    score=round(-float(score), 3),
                    placement=self.lists.placement(
                        self.list_id, entry.id, kind.id if kind else None, on
                    ),
                )
            )
        return found


@functools.cache
def _default_index(list_id: str) -> SuggestionIndex:
    return SuggestionIndex(default_control_lists(), list_id)


def suggest(
    description: str,
    list_id: str = "eu-cml",
    limit: int = 5,
    on: dt.date | None = None,
    lists: ControlLists | None = None,
) -> list[Suggestion]:
    """The best ``limit`` entries (and kinds) of ``list_id`` for ``description``, best first."""
    index = _default_index(list_id) if lists is None else SuggestionIndex(lists, list_id)
    return index.search(description, limit, on)
