"""An indicator as a table of (state, year) -> values, with its source and release.

Loading normalises each publisher's country names and codes to openatt's state codes
(``data/indicator_states.yaml``); lookups are then pure functions of (state, year).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from openatt.reference.states import UnknownState, resolve_state


@dataclass(frozen=True)
class IndicatorValue:
    """One value of one indicator for a state and a year, with where it comes from."""

    indicator: str
    variable: str
    state: str
    year: int
    value: float
    source: str
    release: str

    def cite(self) -> str:
        where = f"{self.variable}={self.value:g} for {self.state} {self.year}"
        return f"{self.source} ({self.release}): {where}"


@dataclass
class IndicatorTable:
    """Values by (state, year); ``default`` answers for covered states in covered years with no row
    (e.g. UCDP: no conflict recorded means zero)."""

    id: str
    title: str
    release: str
    citation: str
    file: str
    data: dict[tuple[str, int], dict[str, float]] = field(default_factory=dict)
    default: dict[str, float] | None = None
    default_states: frozenset[str] = frozenset()
    default_years: tuple[int, int] | None = None
    regions: dict[str, str] = field(default_factory=dict)  # state -> the publisher's region

    def put(self, state: str, year: int, variable: str, value: float) -> None:
        self.data.setdefault((state, year), {})[variable] = value

    def values(self, state: str, year: int) -> dict[str, float]:
        """The variables known for ``state`` in ``year`` (empty when none)."""
        found = self.data.get((state, year))
        if found is not None:
            return found
        if (
            self.default is not None
            and state in self.default_states
            and self.default_years is not None
            and self.default_years[0] <= year <= self.default_years[1]
        ):
            return self.default
        return {}

    def value(self, state: str, year: int, variable: str) -> IndicatorValue | None:
        raw = self.values(state, year).get(variable)
        if raw is None:
            return None
        return IndicatorValue(self.id, variable, state, year, raw, self.title, self.release)

    def records(self) -> Iterator[tuple[str, int, str, float]]:
        for (state, year), variables in sorted(self.data.items()):
            for variable, value in sorted(variables.items()):
                yield state, year, variable, value

    @property
    def rows(self) -> int:
        return len(self.data)


def _load_yaml(name: str) -> dict[str, Any]:
    text = resources.files("openatt.evidence").joinpath("data", name).read_text("utf-8")
    loaded = yaml.safe_load(text)
    assert isinstance(loaded, dict)
    return loaded


@functools.cache
def _states() -> dict[str, Any]:
    return _load_yaml("indicator_states.yaml")


@functools.cache
def gw_codes() -> dict[int, tuple[str, bool]]:
    """Gleditsch-Ward number -> (alpha-3, final: not re-coded by date)."""
    raw = _load_yaml("gw_codes.yaml")["codes"]
    table: dict[int, tuple[str, bool]] = {}
    for number, entry in raw.items():
        if isinstance(entry, dict):
            table[int(number)] = (str(entry["state"]), bool(entry.get("final", False)))
        else:
            table[int(number)] = (str(entry), False)
    return table


@functools.lru_cache(maxsize=65_536)
def recode(code: str, year: int) -> str:
    """The state a code stands for in ``year`` (mid-year), after former-state periods."""
    day = dt.date(year, 7, 1)
    for period in _states()["periods"].get(code, ()):
        start, end = period.get("from"), period.get("until")
        if (start is None or start <= day) and (end is None or day < end):
            return str(period["state"])
    return code


def state_for(provider: str, name: str, year: int) -> str | None:
    """openatt's code for a provider's country name or code in ``year``; None for a row to skip
    (a sub-state or disputed unit listed under ``skip``). An unknown name raises."""
    states = _states()
    if name in states["skip"].get(provider, ()):
        return None
    alias = states["aliases"].get(provider, {}).get(name)
    try:
        code = alias or resolve_state(name)
    except UnknownState as exc:
        raise UnknownState(
            f"{provider}: unknown country {name!r} (add it to indicator_states.yaml)"
        ) from exc
    return recode(code, year)
