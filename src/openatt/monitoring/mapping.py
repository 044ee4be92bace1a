"""SIPRI names and weapon descriptions -> openatt's states, end users and ATT categories.

The mapping is data (``data/sipri_parties.yaml``, ``data/sipri_weapons.yaml``), each entry with
its reason; this module only reads it. Names the data file does not list are resolved with
``resolve_state``; anything still unknown is returned as unmapped, for the import report.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from typing import Any

import yaml

from openatt.core.model import Category
from openatt.reference.states import UnknownState, resolve_state


class PartyKind(StrEnum):
    state = "state"
    non_state = "non_state"
    organisation = "organisation"
    unknown = "unknown"


@dataclass(frozen=True)
class PartyRef:
    """What a SIPRI supplier or recipient name stands for on a given date."""

    name: str
    kind: PartyKind
    state: str | None  # alpha-3 of the state, or of the country a non-state group is in
    group: str | None
    reason: str

    @property
    def assessable(self) -> bool:
        """A transfer can be assessed only between parties located in a known state."""
        return self.state is not None and self.kind in (PartyKind.state, PartyKind.non_state)


@dataclass(frozen=True)
class CategoryRef:
    category: Category
    reason: str
    fallback: bool = False  # came from SIPRI's armament category, not the description


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _load(name: str) -> dict[str, Any]:
    text = resources.files("openatt.monitoring").joinpath("data", name).read_text("utf-8")
    loaded = yaml.safe_load(text)
    assert isinstance(loaded, dict)
    return loaded


@dataclass(frozen=True)
class _Period:
    start: dt.date | None
    end: dt.date | None
    state: str


class PartyMap:
    """Resolves a SIPRI name on a date. Build once; lookups are cached by (name, year)."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.version = int(raw["version"])
        self._entries: dict[str, dict[str, Any]] = dict(raw["parties"])
        self._periods: dict[str, tuple[_Period, ...]] = {
            name: tuple(
                _Period(p.get("from"), p.get("until"), resolve_state(p["state"]))
                for p in entry.get("periods", ())
            )
            for name, entry in self._entries.items()
        }

    @functools.lru_cache(maxsize=8192)  # noqa: B019 (one map per process)
    def resolve(self, name: str, day: dt.date) -> PartyRef | None:
        """The party ``name`` stood for on ``day``; None when nothing knows the name."""
        entry = self._entries.get(name)
        if entry is None:
            try:
                code = resolve_state(name)
            except UnknownState:
                return None
            return PartyRef(name, PartyKind.state, code, None, "resolved by resolve_state")
        kind = PartyKind(entry["kind"])
        reason = " ".join(str(entry["reason"]).split())
        state: str | None
        if entry.get("periods"):
            state = next(
                (
                    p.state
                    for p in self._periods[name]
                    if (p.start is None or p.start <= day) and (p.end is None or day < p.end)
                ),
                None,
            )
        else:
            raw_state = entry.get("state") or entry.get("country")
            state = resolve_state(raw_state) if raw_state else None
        return PartyRef(name, kind, state, entry.get("group"), reason)


class WeaponMap:
    """Resolves a SIPRI weapon description (and, as fallback, its armament category)."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.version = int(raw["version"])
        self._by_description: dict[str, CategoryRef] = {}
        for group in raw["groups"]:
            ref = CategoryRef(Category(group["category"]), " ".join(group["reason"].split()))
            for description in group["descriptions"]:
                self._by_description[_fold(description)] = ref
        self._by_armament = {
            key: CategoryRef(Category(v["category"]), v["reason"], fallback=True)
            for key, v in raw.get("armament_categories", {}).items()
        }

    def resolve(self, description: str, armament_category: str | None = None) -> CategoryRef | None:
        found = self._by_description.get(_fold(description))
        if found is not None:
            return found
        if armament_category:
            return self._by_armament.get(armament_category.strip())
        return None


@functools.cache
def party_map() -> PartyMap:
    return PartyMap(_load("sipri_parties.yaml"))


@functools.cache
def weapon_map() -> WeaponMap:
    return WeaponMap(_load("sipri_weapons.yaml"))
