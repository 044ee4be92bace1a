"""Australia's DFAT Consolidated List, ``regulation8_consolidated.xlsx``.

One row per name: reference ``2`` is the primary name, ``2a``, ``2b``... its aliases and
original-script names. Controlled values come in inconsistent case and with trailing spaces,
dates as Excel dates, years or free text ("a) Approximately 1955-1958 b) ..."). The version
is the workbook's modification date.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Any

from openatt.screening.importers._common import clean, country, make_name, partial_date, unique
from openatt.screening.model import (
    ImportResult,
    ListEntity,
    MalformedList,
    NameKind,
    Schema,
    Skipped,
)

FORMAT = "dfat-xlsx"
LIST_ID = "au-dfat"
TITLE = "Australia DFAT Consolidated List"
_COLUMNS = ("Reference", "Name of Individual or Entity", "Type", "Name Type", "Date of Birth")
_NAME_KINDS = {
    "primary name": NameKind.primary,
    "aka": NameKind.alias,
    "original script": NameKind.original_script,
    "formerly known as": NameKind.former,
    "previously listed as": NameKind.former,
}
_REFERENCE = re.compile(r"^(\d+)([a-z][a-z0-9]*)?$", re.IGNORECASE)
_DATE_IN_TEXT = re.compile(
    r"\b(\d{1,2}/\d{1,2}/\d{4}|\d{1,2} [A-Za-z]{3,9}\.? \d{4}|\d{4}-\d{2}-\d{2}|\d{4})\b"
)
_LISTED = re.compile(r"\bon (\d{1,2} [A-Za-z]{3,9}\.? \d{4})")
# Bounds checked before parsing (issue 13: a 2 MB workbook that expands to 580 MB ran for
# minutes). The real list is a few MB unpacked and some thousands of rows.
MAX_UNPACKED = 200 * 1024 * 1024
MAX_ROWS = 1_000_000


def _check_archive(path: Path) -> None:
    """Refuse a workbook whose parts unpack to more than ``MAX_UNPACKED`` bytes."""
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as error:
        raise MalformedList(f"not a readable XLSX workbook ({error})") from error
    if unpacked > MAX_UNPACKED:
        raise MalformedList(
            f"the workbook unpacks to {unpacked // (1024 * 1024)} MB, more than the "
            f"{MAX_UNPACKED // (1024 * 1024)} MB a list may have"
        )


def sniff(head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04")


def _dates(value: Any) -> list[str]:
    if value is None or isinstance(value, dt.date | int):
        date = partial_date(value)
        return [date] if date else []
    found = [partial_date(m.group(1)) for m in _DATE_IN_TEXT.finditer(str(value))]
    return [d for d in found if d]


def read(path: Path) -> ImportResult:
    import openpyxl

    _check_archive(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise MalformedList(f"not a readable XLSX workbook ({error})") from error
    except Exception as error:  # malformed part XML (lxml or ElementTree): one line
        raise MalformedList(f"malformed workbook XML ({type(error).__name__})") from error
    try:
        return _read_rows(workbook, path.name)
    except MalformedList:
        raise
    except Exception as error:  # malformed sheet XML surfaces while the rows are read
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise MalformedList(f"malformed sheet XML ({detail})") from error


def _read_rows(workbook: Any, file_name: str) -> ImportResult:
    sheet = workbook.active
    if sheet is not None and (sheet.max_row or 0) > MAX_ROWS:
        raise MalformedList(f"the sheet has {sheet.max_row} rows, more than {MAX_ROWS}")
    modified = workbook.properties.modified
    rows = workbook.active.iter_rows(values_only=True) if workbook.active else iter(())
    header = tuple(clean(v) for v in next(rows, ())[: len(_COLUMNS)])
    if header != _COLUMNS:
        raise MalformedList(f"row 1: header {header!r} is not the DFAT layout")
    grouped: dict[str, ListEntity] = {}
    skipped: list[Skipped] = []
    for number, row in enumerate(rows, start=2):
        cells = list(row[:12]) + [None] * max(0, 12 - len(row))
        reference, name_value, kind_value, name_type = (clean(c) for c in cells[:4])
        if not any(clean(c) for c in cells):
            skipped.append(Skipped(f"row {number}", "blank row"))
            continue
        match = _REFERENCE.match(reference)
        if not match:
            raise MalformedList(f"row {number}: Reference {reference!r} is not a DFAT reference")
        base = match.group(1)
        kind = _NAME_KINDS.get(name_type.casefold())
        if kind is None:
            raise MalformedList(
                f"row {number} (reference {reference}): unknown Name Type {name_type!r}"
            )
        name = make_name(name_value, kind)
        if name is None:
            skipped.append(Skipped(f"row {number} (reference {reference})", "no name"))
            continue
        entity = grouped.get(base)
        if entity is None:
            schema = Schema.person if kind_value.casefold() == "individual" else Schema.organization
            listed = _LISTED.search(clean(cells[9]))
            listed_on = partial_date(listed.group(1)) if listed else None
            entity = ListEntity(
                entity_id=base,
                schema=schema,
                names=[],
                programmes=unique([clean(cells[10])]),
                listed_on=listed_on,
            )
            grouped[base] = entity
        if kind is NameKind.primary and entity.names and entity.names[0].kind is NameKind.primary:
            raise MalformedList(f"row {number} (reference {reference}): a second primary name")
        if kind is NameKind.primary:
            entity.names.insert(0, name)
        else:
            entity.names.append(name)
        if entity.schema is Schema.person:
            entity.birth_dates = unique([*entity.birth_dates, *_dates(cells[4])])
        for part in re.split(r"\s*(?:[a-z]\)|;|,)\s*", clean(cells[6])):
            resolved = country(part) if part else None
            if resolved:
                entity.countries = unique([*entity.countries, resolved])
    entities = list(grouped.values())
    for entity in entities:
        if not entity.names or entity.names[0].kind is not NameKind.primary:
            skipped.append(
                Skipped(f"reference {entity.entity_id}", "aliases without a primary name")
            )
    entities = [e for e in entities if e.names and e.names[0].kind is NameKind.primary]
    version = modified.date() if isinstance(modified, dt.datetime) else None
    return ImportResult(LIST_ID, "AU", TITLE, FORMAT, version, entities, skipped, [file_name])
