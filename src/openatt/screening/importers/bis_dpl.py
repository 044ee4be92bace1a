"""US BIS Denied Persons List, tab-separated ``dpl.txt`` with a header.

The file has one row per denial order and address, not per person, and no reference number:
rows are grouped by name, and the entity id is the name itself in upper case (what an officer
searches BIS's page for). The version is the newest ``Effective_Date``, as the file has no date.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openatt.screening.importers._common import (
    clean,
    country,
    make_name,
    read_utf8,
    unique,
    us_date,
)
from openatt.screening.model import (
    ImportResult,
    ListEntity,
    MalformedList,
    NameKind,
    Schema,
    Skipped,
)

FORMAT = "bis-dpl"
LIST_ID = "us-bis-dpl"
TITLE = "US BIS Denied Persons List"
_HEADER = ("Name", "Street_Address", "City", "State", "Country", "Postal_Code", "Effective_Date")


def sniff(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf").startswith(b'"Name"\t"Street_Address"') or head.startswith(
        b"Name\tStreet_Address"
    )


def read(path: Path) -> ImportResult:
    text = read_utf8(path)
    reader = csv.reader(io.StringIO(text), delimiter="\t")
    header = next(reader, [])
    if tuple(header[: len(_HEADER)]) != _HEADER:
        raise MalformedList(f"line 1: header {header[:3]!r}... is not the DPL header")
    columns = len(header)
    grouped: dict[str, ListEntity] = {}
    skipped: list[Skipped] = []
    newest = None
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != columns:
            raise MalformedList(
                f"line {line} ({clean(row[0]) if row else '?'}): "
                f"expected {columns} columns, found {len(row)}"
            )
        record = dict(zip(header, row, strict=True))
        name = make_name(record["Name"], NameKind.primary)
        if name is None:
            skipped.append(Skipped(f"line {line}", "no name"))
            continue
        effective = us_date(record["Effective_Date"])
        if effective and (newest is None or effective > newest):
            newest = effective
        key = name.value.upper()
        entity = grouped.get(key)
        if entity is None:
            entity = ListEntity(
                entity_id=key,
                schema=Schema.unknown,
                names=[name],
                programmes=[],
                listed_on=effective.isoformat() if effective else None,
            )
            grouped[key] = entity
        elif effective and (entity.listed_on is None or effective.isoformat() < entity.listed_on):
            entity.listed_on = effective.isoformat()
        resolved = country(record["Country"])
        if resolved:
            entity.countries = unique([*entity.countries, resolved])
        citation = clean(record.get("FR_Citation"))
        if citation:
            entity.programmes = unique([*entity.programmes, citation])
    return ImportResult(
        LIST_ID, "US", TITLE, FORMAT, newest, list(grouped.values()), skipped, [path.name]
    )
