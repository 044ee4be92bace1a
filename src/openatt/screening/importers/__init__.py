"""List importers, one module per format, the registry that holds them, and the detection
that picks one for a file.

An importer is anything with the :class:`Importer` shape: ``FORMAT`` (its name on the command
line and in the API), ``sniff(head) -> bool`` (does the start of a file look like this
format) and ``read(path) -> ImportResult``. The shipped ones are modules; a new format is one
module and one line in :data:`IMPORTERS` (or :func:`register_importer` for a plug-in), the way
nomenklatura keeps its matching algorithms in ``ALGORITHMS`` behind ``get_algorithm``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from openatt.errors import OpenattError
from openatt.screening.importers import (
    bis_dpl,
    canada_xml,
    csl_csv,
    dfat_xlsx,
    ftm_json,
    ofac_csv,
    ofac_xml,
    un_xml,
)
from openatt.screening.model import ImportResult, MalformedList


class Importer(Protocol):
    """What the store needs of a list format (a module satisfies it)."""

    @property
    def FORMAT(self) -> str:
        """The format's name: ``--format`` on the command line, ``format`` in the API."""
        ...

    def sniff(self, head: bytes) -> bool:
        """Does a file starting with ``head`` look like this format?"""
        ...

    def read(self, path: Path) -> ImportResult:
        """Every entity of the list at ``path``; :class:`MalformedList` naming the record."""
        ...


IMPORTERS: dict[str, Importer] = {
    importer.FORMAT: importer
    for importer in (un_xml, ofac_xml, ofac_csv, bis_dpl, csl_csv, canada_xml, dfat_xlsx, ftm_json)
}
"""The registry: every list format openatt reads, by name, in detection order."""
_SNIFF_BYTES = 4096


class UnknownFormat(OpenattError, ValueError):
    """The format could not be detected, or has no importer; the message lists the known ones."""


def register_importer(importer: Importer) -> None:
    """Add a format (detected after the shipped ones); a name already taken is refused."""
    if importer.FORMAT in IMPORTERS:
        raise UnknownFormat(f"{importer.FORMAT!r} is already a list format", field="format")
    IMPORTERS[importer.FORMAT] = importer


def get_importer(name: str) -> Importer:
    """The importer of the format ``name``."""
    try:
        return IMPORTERS[name]
    except KeyError:
        known = ", ".join(IMPORTERS)
        raise UnknownFormat(f"unknown format {name!r}; one of: {known}", field="format") from None


def detect_format(path: Path) -> str:
    """The format whose signature the start of ``path`` carries."""
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    for name, importer in IMPORTERS.items():
        if importer.sniff(head):
            return name
    raise UnknownFormat(f"not recognised; name it, one of: {', '.join(IMPORTERS)}", field="format")


def read_list(path: Path, format: str | None = None) -> ImportResult:
    """Read ``path`` with the importer for ``format`` (detected when ``None``).

    Raises :class:`MalformedList` naming the record when the file cannot be read as that list.
    """
    name = format or detect_format(path)
    result = get_importer(name).read(path)
    if not isinstance(result, ImportResult):  # pragma: no cover - a programming error
        raise TypeError(f"importer {name} returned {type(result).__name__}")
    if not result.entities:
        raise MalformedList(f"no entity could be read as {name}")
    return result


__all__ = [
    "IMPORTERS",
    "Importer",
    "UnknownFormat",
    "detect_format",
    "get_importer",
    "read_list",
    "register_importer",
]
