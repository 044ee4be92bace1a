"""List importers, one module per format, and the detection that picks one for a file.

Each module exposes ``FORMAT`` (its name on the command line), ``sniff(head) -> bool`` (does the
start of a file look like this format) and ``read(path) -> ImportResult``.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

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

IMPORTERS: dict[str, ModuleType] = {
    module.FORMAT: module
    for module in (un_xml, ofac_xml, ofac_csv, bis_dpl, csl_csv, canada_xml, dfat_xlsx, ftm_json)
}
_SNIFF_BYTES = 4096


class UnknownFormat(OpenattError, ValueError):
    """The format could not be detected; the message lists the ones that can be forced."""


def detect_format(path: Path) -> str:
    """The format whose signature the start of ``path`` carries."""
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    for name, module in IMPORTERS.items():
        if module.sniff(head):
            return name
    raise UnknownFormat(f"format not recognised; pass --format with one of: {', '.join(IMPORTERS)}")


def read_list(path: Path, format: str | None = None) -> ImportResult:
    """Read ``path`` with the importer for ``format`` (detected when ``None``).

    Raises :class:`MalformedList` naming the record when the file cannot be read as that list.
    """
    name = format or detect_format(path)
    module = IMPORTERS.get(name)
    if module is None:
        raise UnknownFormat(f"unknown format {name!r}; one of: {', '.join(IMPORTERS)}")
    result = module.read(path)
    if not isinstance(result, ImportResult):  # pragma: no cover - a programming error
        raise TypeError(f"importer {name} returned {type(result).__name__}")
    if not result.entities:
        raise MalformedList(f"no entity could be read as {name}")
    return result


__all__ = ["IMPORTERS", "UnknownFormat", "detect_format", "read_list"]
