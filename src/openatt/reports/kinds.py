"""The report kinds as one registry: what each report is called, what it accepts (formats,
bases, years, options), how its figures are computed and how each format is written.

The CLI (one ``openatt report NAME`` command per kind), the REST API (``POST /reports/NAME``)
and the web form all iterate this table, so that they cannot disagree on what a report
accepts, and no code branches on a kind's name. A new report is one :class:`ReportKind`
passed to :func:`register_kind` (see ``docs/reports.md``); the three built-in kinds are
registered by :mod:`openatt.reports.builtin_kinds` on first use.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

FIRST_YEAR = 1990
"""No register in use holds licences from before the UN Register began (1992)."""

OptionValue = int | bool | str


class Computed(Protocol):
    """What a kind's figures function returns: anything with a checksum of its figures."""

    def checksum(self) -> str: ...


@dataclass(frozen=True)
class Option:
    """An input of one kind beyond year, basis, state and moment (e.g. ``values``)."""

    name: str
    type: Literal["bool", "int", "choice", "text"]
    default: OptionValue
    help: str
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()
    pattern: str | None = None
    """For ``text``: the whole value must match this regular expression."""

    def check(self, value: object) -> str | None:
        """Why ``value`` is not accepted (``None`` when it is)."""
        if self.type == "bool":
            return None if isinstance(value, bool) else "must be true or false"
        if self.type == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                return "must be a whole number"
            if self.minimum is not None and value < self.minimum:
                return f"must be at least {self.minimum}"
            if self.maximum is not None and value > self.maximum:
                return f"must be at most {self.maximum}"
            return None
        if self.type == "text":
            if not isinstance(value, str):
                return "must be text"
            if self.pattern is not None and re.fullmatch(self.pattern, value) is None:
                return f"{value!r} is not in the expected form"
            return None
        if value not in self.choices:
            return "must be one of: " + ", ".join(self.choices)
        return None


@dataclass(frozen=True)
class ReportRequest:
    """One report asked for: checked against its kind before anything is computed."""

    year: int
    basis: str
    reporting_state: str | None
    as_of: str
    options: Mapping[str, OptionValue] = field(default_factory=dict)

    def option(self, name: str) -> OptionValue:
        return self.options[name]


@dataclass(frozen=True)
class Written:
    """What a writer is given besides the figures: the version label to print."""

    version: str


@dataclass(frozen=True)
class ReportKind:
    """One report: its name (CLI command, API path, recorded kind), title, formats (the first
    is the default), bases (the first is the default), options, figures and writers."""

    name: str
    title: str
    formats: tuple[str, ...]
    bases: tuple[str, ...]
    figures: Callable[[Session, ReportRequest], Any]
    """The reconciled figures (raise ``ReportRefused`` when they do not add up)."""
    writers: Mapping[str, Callable[[Any, Written], bytes]]
    options: tuple[Option, ...] = ()
    first_year: int = FIRST_YEAR
    bases_help: str = ""
    series: Callable[[ReportRequest], tuple[str, str]] = lambda r: (r.basis, "")
    """The recorded basis and note of a request: what keys its version series."""
    parse: Callable[[str, str], tuple[str, dict[str, OptionValue]]] = lambda b, n: (b, {})
    """The basis and options of a recorded report, from its recorded basis and note."""
    folder_format: str | None = None
    """The format (a zip) that the CLI unpacks when ``--out`` names a folder."""

    def last_year(self) -> int:
        """Reports are for a year that has begun: nothing is licensed in a future year."""
        return dt.date.today().year

    def defaults(self) -> dict[str, OptionValue]:
        return {option.name: option.default for option in self.options}

    def problems(
        self, *, year: int, basis: str, fmt: str, options: Mapping[str, object]
    ) -> dict[str, str]:
        """What is wrong with a request, per field (empty when it is accepted)."""
        found: dict[str, str] = {}
        if not self.first_year <= year <= self.last_year():
            found["year"] = f"must be a calendar year from {self.first_year} to {self.last_year()}"
        if basis not in self.bases:
            found["basis"] = "must be one of: " + ", ".join(self.bases)
        if fmt not in self.formats:
            found["format"] = "must be one of: " + ", ".join(self.formats)
        known = {option.name: option for option in self.options}
        for name, value in options.items():
            option = known.get(name)
            if option is None:
                found[name] = f"is not an option of the {self.title}"
            elif (why := option.check(value)) is not None:
                found[name] = why
        return found


_KINDS: dict[str, ReportKind] = {}
_BUILTIN: list[bool] = []


def register_kind(kind: ReportKind) -> ReportKind:
    """Add (or replace) a report kind; the CLI, the API and the web form pick it up."""
    _ensure_builtin()
    _KINDS[kind.name] = kind
    return kind


def unregister_kind(name: str) -> None:
    _KINDS.pop(name, None)


def _ensure_builtin() -> None:
    if not _BUILTIN:
        _BUILTIN.append(True)
        from openatt.reports import builtin_kinds

        builtin = builtin_kinds.kinds()
        added = dict(_KINDS)
        _KINDS.clear()
        _KINDS.update({kind.name: kind for kind in builtin})
        _KINDS.update(added)


def all_kinds() -> tuple[ReportKind, ...]:
    """Every report kind, built-in first, in the order registered."""
    _ensure_builtin()
    return tuple(_KINDS.values())


class UnknownKind(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def get_kind(name: str) -> ReportKind:
    _ensure_builtin()
    try:
        return _KINDS[name]
    except KeyError:
        raise UnknownKind(name) from None
