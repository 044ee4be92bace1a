"""The normalised shape of a sanctions or denied-party list, whatever format it came in.

Every importer produces :class:`ListEntity` records and a :class:`ListMetadata`, so the store,
the matcher and the diff never see a format's quirks. Entities are plain dataclasses (not
pydantic) because a padded list holds hundreds of thousands of them and they are built once
per import and loaded once per process.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from openatt.errors import OpenattError

# The longest name screened: a party's name (``core.model.NAME_MAX``, which a test holds this
# to; not imported, so that a cold ``openatt screen`` loads no core model).
QUERY_NAME_MAX = 300


class Schema(StrEnum):
    """What a listed entity is; mirrors the FollowTheMoney schemata screening cares about."""

    person = "person"
    organization = "organization"
    vessel = "vessel"
    aircraft = "aircraft"
    unknown = "unknown"


class NameKind(StrEnum):
    """How the list labels a name; weak aliases count for less when scoring."""

    primary = "primary"
    alias = "alias"
    weak_alias = "weak_alias"
    former = "former"
    original_script = "original_script"


@dataclass(slots=True)
class Name:
    """One name of an entity as written in the list, with the script it is written in."""

    value: str
    kind: NameKind = NameKind.primary
    script: str = "Latin"

    def to_json(self) -> dict[str, str]:
        return {"value": self.value, "kind": self.kind.value, "script": self.script}

    @classmethod
    def from_json(cls, raw: dict[str, str]) -> Name:
        return cls(raw["value"], NameKind(raw["kind"]), raw.get("script", "Latin"))


@dataclass(slots=True)
class Identifier:
    """A document or registration number (passport, national id, IMO, tax number...)."""

    type: str
    value: str
    country: str | None = None


@dataclass(slots=True)
class ListEntity:
    """One listed person, organisation, vessel or aircraft.

    ``entity_id`` is the list's own reference (UN ``QDi.430``, OFAC ent_num, Canada's
    schedule item...), so that an officer can look the entry up in the official publication.
    Birth dates are ISO strings of variable precision (``1967``, ``1967-07``, ``1967-07-04``)
    because lists often know only a year. Countries are ISO alpha-3 where they could be
    resolved, else the list's own text.
    """

    entity_id: str
    schema: Schema
    names: list[Name]
    birth_dates: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    programmes: list[str] = field(default_factory=list)
    listed_on: str | None = None
    authority: str | None = None
    remarks: str | None = None

    @property
    def caption(self) -> str:
        """The primary name (or the first name the list gives)."""
        for name in self.names:
            if name.kind is NameKind.primary:
                return name.value
        return self.names[0].value if self.names else self.entity_id

    def to_json(self) -> dict[str, Any]:
        raw = asdict(self)
        raw["schema"] = self.schema.value
        raw["names"] = [name.to_json() for name in self.names]
        return {key: value for key, value in raw.items() if value not in (None, [], "")}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> ListEntity:
        return cls(
            entity_id=raw["entity_id"],
            schema=Schema(raw["schema"]),
            names=[Name.from_json(name) for name in raw.get("names", [])],
            birth_dates=list(raw.get("birth_dates", [])),
            countries=list(raw.get("countries", [])),
            identifiers=[Identifier(**ident) for ident in raw.get("identifiers", [])],
            programmes=list(raw.get("programmes", [])),
            listed_on=raw.get("listed_on"),
            authority=raw.get("authority"),
            remarks=raw.get("remarks"),
        )


@dataclass(slots=True)
class Skipped:
    """A record the importer left out, and why (it is reported, never silently dropped)."""

    record: str
    reason: str


@dataclass(slots=True)
class ImportResult:
    """What an importer read from one file (or one file set)."""

    list_id: str
    authority: str
    title: str
    format: str
    version_date: dt.date | None
    entities: list[ListEntity]
    skipped: list[Skipped] = field(default_factory=list)
    source_files: list[str] = field(default_factory=list)

    @property
    def name_count(self) -> int:
        return sum(len(entity.names) for entity in self.entities)

    @property
    def alias_count(self) -> int:
        return sum(
            1
            for entity in self.entities
            for name in entity.names
            if name.kind is not NameKind.primary
        )


class MalformedList(OpenattError, ValueError):
    """A file that cannot be read as the list it claims to be; the message names the record."""
