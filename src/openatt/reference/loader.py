"""Load the shipped reference data once per process and answer "what applied on day D?".

Loading parses YAML through the strict schemas; queries are pure functions of the loaded data
and a date. ``ReferenceData.digest`` identifies the exact data an assessment used.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from openatt import yaml_data
from openatt.errors import OpenattError
from openatt.reference.schema import (
    DenialPolicyEntry,
    DenialPolicyFile,
    Embargo,
    EmbargoFile,
    Group,
    GroupFile,
    Measure,
    Treaty,
    TreatyFile,
)

DATA_FILES: dict[str, tuple[str, type[BaseModel]]] = {
    "un_embargoes": ("un_embargoes.yaml", EmbargoFile),
    "eu_embargoes": ("eu_embargoes.yaml", EmbargoFile),
    "osce_embargoes": ("osce_embargoes.yaml", EmbargoFile),
    "treaties": ("treaties.yaml", TreatyFile),
    "groups": ("groups.yaml", GroupFile),
    "us_126_1": ("us_126_1.yaml", DenialPolicyFile),
}


AUTHORITIES = ("un", "eu", "osce")

M = TypeVar("M", bound=BaseModel)


class ReferenceDataError(OpenattError, ValueError):
    """A reference-data file that does not parse or breaks the schema; names file and field."""


def parse_file(name: str, text: str, model: type[M]) -> M:
    return yaml_data.parse_model(text, name, model, ReferenceDataError)


@dataclass(frozen=True)
class ActiveMeasure:
    """A measure in force on a day, with the embargo it belongs to."""

    embargo: Embargo
    measure: Measure


@dataclass(frozen=True)
class ReferenceData:
    un_embargoes: tuple[Embargo, ...]
    eu_embargoes: tuple[Embargo, ...]
    treaties: dict[str, Treaty]
    groups: dict[str, Group]
    us_126_1: tuple[DenialPolicyEntry, ...]
    digest: str
    sources: dict[str, str] = field(default_factory=dict)
    osce_embargoes: tuple[Embargo, ...] = ()

    def embargoes(self, authority: str = "un") -> tuple[Embargo, ...]:
        """The embargoes of ``un``, ``eu`` or ``osce`` (the CSCE/OSCE's 1992 decision)."""
        return {"un": self.un_embargoes, "osce": self.osce_embargoes}.get(
            authority, self.eu_embargoes
        )

    @functools.cached_property
    def _measures_by_target(self) -> dict[str, dict[str | None, list[ActiveMeasure]]]:
        index: dict[str, dict[str | None, list[ActiveMeasure]]] = {}
        for authority in AUTHORITIES:
            by_target: dict[str | None, list[ActiveMeasure]] = defaultdict(list)
            for embargo in self.embargoes(authority):
                for measure in embargo.measures:
                    by_target[embargo.target].append(ActiveMeasure(embargo, measure))
            index[authority] = dict(by_target)
        return index

    def measures_on(
        self,
        day: dt.date,
        authority: str = "un",
        target: str | None = None,
        *,
        any_target: bool = False,
    ) -> list[ActiveMeasure]:
        """Measures in force on ``day``: for one target state (None: the groups' measures),
        or for every target with ``any_target``."""
        if not any_target:
            # the engine asks this for every destination of every case: the data is fixed for
            # the object's life, so the answer is kept per (day, authority, target)
            key = (day, authority, target)
            kept = self._measures_on.get(key)
            if kept is None:
                if len(self._measures_on) >= 100_000:
                    self._measures_on.clear()
                pool = self._measures_by_target[authority].get(target, [])
                kept = self._measures_on[key] = tuple(m for m in pool if m.measure.applies_on(day))
            return list(kept)
        index = self._measures_by_target[authority]
        return [m for pool in index.values() for m in pool if m.measure.applies_on(day)]

    @functools.cached_property
    def _measures_on(self) -> dict[tuple[dt.date, str, str | None], tuple[ActiveMeasure, ...]]:
        return {}

    @functools.cached_property
    def _parties_by_state(self) -> dict[str, dict[str, list[Any]]]:
        index: dict[str, dict[str, list[Any]]] = {}
        for treaty_id, treaty in self.treaties.items():
            for party in treaty.parties:
                index.setdefault(treaty_id, {}).setdefault(party.state, []).append(party)
        return index

    @functools.cached_property
    def _members_by_state(self) -> dict[str, dict[str, list[Any]]]:
        index: dict[str, dict[str, list[Any]]] = {}
        for group_id, group in self.groups.items():
            for member in group.members:
                index.setdefault(group_id, {}).setdefault(member.state, []).append(member)
        return index

    def bans_exports_of(self, day: dt.date, authority: str, state: str) -> bool:
        """Whether a measure of ``authority`` on ``state``'s own exports is in force on ``day``."""
        pool = self._measures_by_target[authority].get(state, ())
        return any(
            m.measure.direction.value == "from_target" and m.measure.applies_on(day) for m in pool
        )

    def is_party(self, treaty: str, state: str, day: dt.date) -> bool:
        if treaty not in self.treaties:
            raise KeyError(treaty)
        entries = self._parties_by_state.get(treaty, {}).get(state, ())
        return any(p.applies_on(day) for p in entries)

    def participation(self, treaty: str, state: str) -> dict[str, object]:
        """What the data says of a state and a treaty, for a finding's facts."""
        entry = self.treaties[treaty]
        for party in entry.parties:
            if party.state == state:
                return {
                    "status": "party",
                    "entry_into_force": party.valid_from.isoformat(),
                    "withdrawal_effective": party.valid_until.isoformat()
                    if party.valid_until
                    else None,
                }
        for signature in entry.signatories:
            if signature.state == state:
                return {
                    "status": "signatory",
                    "signed": signature.valid_from.isoformat(),
                    "signature_withdrawn": signature.valid_until.isoformat()
                    if signature.valid_until
                    else None,
                }
        return {"status": "not a party"}

    def in_group(self, group: str, state: str, day: dt.date) -> bool:
        if group not in self.groups:
            raise KeyError(group)
        entries = self._members_by_state.get(group, {}).get(state, ())
        return any(m.applies_on(day) for m in entries)

    def members_on(self, group: str, day: dt.date) -> list[str]:
        return sorted({m.state for m in self.groups[group].members if m.applies_on(day)})

    def denial_policy(self, state: str, day: dt.date) -> list[DenialPolicyEntry]:
        return [e for e in self._denials_by_state.get(state, ()) if e.applies_on(day)]

    @functools.cached_property
    def _denials_by_state(self) -> dict[str, list[DenialPolicyEntry]]:
        index: dict[str, list[DenialPolicyEntry]] = {}
        for entry in self.us_126_1:  # in the data's order, as the list was read
            index.setdefault(entry.state, []).append(entry)
        return index


def _read_package_file(filename: str) -> str:
    return resources.files("openatt.reference").joinpath("data", filename).read_text("utf-8")


def load_reference(overrides: dict[str, Path] | None = None) -> ReferenceData:
    """Parse every reference file; ``overrides`` replaces a named file with a user's own."""
    overrides = overrides or {}
    parsed: dict[str, BaseModel] = {}
    digest = hashlib.sha256()
    sources: dict[str, str] = {}
    for key, (filename, model) in DATA_FILES.items():
        if key in overrides:
            text = overrides[key].read_text("utf-8")
            sources[key] = str(overrides[key])
        else:
            text = _read_package_file(filename)
            sources[key] = f"openatt/reference/data/{filename}"
        digest.update(filename.encode() + b"\0" + text.encode())
        parsed[key] = parse_file(filename, text, model)
    un = parsed["un_embargoes"]
    eu = parsed["eu_embargoes"]
    osce = parsed["osce_embargoes"]
    treaties = parsed["treaties"]
    groups = parsed["groups"]
    us = parsed["us_126_1"]
    assert isinstance(un, EmbargoFile) and isinstance(eu, EmbargoFile)
    assert isinstance(osce, EmbargoFile)
    assert isinstance(treaties, TreatyFile) and isinstance(groups, GroupFile)
    assert isinstance(us, DenialPolicyFile)
    return ReferenceData(
        un_embargoes=un.embargoes,
        eu_embargoes=eu.embargoes,
        osce_embargoes=osce.embargoes,
        treaties={t.id: t for t in treaties.treaties},
        groups={g.id: g for g in groups.groups},
        us_126_1=us.entries,
        digest=digest.hexdigest()[:16],
        sources=sources,
    )


@functools.cache
def default_reference() -> ReferenceData:
    """The shipped data, parsed once per process."""
    return load_reference()


def embargo_ids(embargoes: Sequence[Embargo]) -> list[str]:
    return [e.id for e in embargoes]
