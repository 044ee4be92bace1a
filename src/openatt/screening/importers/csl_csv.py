"""US Consolidated Screening List (CSL), the 29-column CSV from the Trade.gov download.

It merges the lists of Commerce (Entity List, DPL, MEU, UVL), State (ITAR debarred,
nonproliferation) and Treasury (SDN and non-SDN); ``source`` says which. ``_id`` is the
reference. The file has no date; its version is its checksum.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openatt.screening.importers._common import (
    clean,
    country,
    iso_date,
    make_name,
    partial_date,
    read_utf8,
    unique,
)
from openatt.screening.model import (
    Identifier,
    ImportResult,
    ListEntity,
    MalformedList,
    Name,
    NameKind,
    Schema,
    Skipped,
)

FORMAT = "csl-csv"
LIST_ID = "us-csl"
TITLE = "US Consolidated Screening List"
_TYPES = {"individual": Schema.person, "entity": Schema.organization, "vessel": Schema.vessel}
_NOT_IDENTIFIERS = {
    "gender",
    "target type",
    "website",
    "email address",
    "issuer name",
    "secondary sanctions risk:",
}


def sniff(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf").startswith(b"_id,source,entity_number")


def _split(value: str) -> list[str]:
    return [part for part in (clean(p) for p in value.split(";")) if part]


def _identifiers(value: str) -> list[Identifier]:
    found = []
    for part in _split(value):
        pieces = [clean(p) for p in part.split(",")]
        if len(pieces) >= 2 and pieces[0].casefold() not in _NOT_IDENTIFIERS and pieces[1]:
            found.append(
                Identifier(pieces[0], pieces[1], country(pieces[2]) if len(pieces) > 2 else None)
            )
    return found


def read(path: Path) -> ImportResult:
    text = read_utf8(path)
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    if header[:3] != ["_id", "source", "entity_number"]:
        raise MalformedList("line 1: not the Consolidated Screening List header")
    entities: list[ListEntity] = []
    skipped: list[Skipped] = []
    seen: set[str] = set()
    rows = list(enumerate(reader, start=2))
    for index, (line, row) in enumerate(rows):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header) and index == len(rows) - 1 and not text.endswith("\n"):
            # The file stops inside its last record (a cut download or extract): everything
            # before it is whole, so report the stub instead of refusing the whole list.
            skipped.append(
                Skipped(
                    f"line {line} (_id {clean(row[0])})",
                    "truncated: the file ends inside this record",
                )
            )
            continue
        if len(row) != len(header):
            raise MalformedList(
                f"line {line} (_id {clean(row[0])!r}): "
                f"expected {len(header)} columns, found {len(row)}"
            )
        if row == header:
            skipped.append(Skipped(f"line {line}", "repeated header row"))
            continue
        record = dict(zip(header, row, strict=True))
        ref = clean(record["_id"])
        if ref in seen:
            skipped.append(
                Skipped(f"line {line} (_id {ref})", "repeated _id: the same entry again")
            )
            continue
        seen.add(ref)
        names: list[Name] = []
        for value, kind in [(record["name"], NameKind.primary)] + [
            (alias, NameKind.alias) for alias in _split(record["alt_names"])
        ]:
            name = make_name(value, kind)
            if name:
                names.append(name)
        if not names or names[0].kind is not NameKind.primary:
            skipped.append(Skipped(f"line {line} (_id {ref})", "no name"))
            continue
        schema = _TYPES.get(clean(record["type"]).casefold(), Schema.unknown)
        countries = [
            country(c) for c in _split(record["nationalities"]) + _split(record["citizenships"])
        ]
        births = [partial_date(d) for d in _split(record["dates_of_birth"])]
        start = iso_date(record["start_date"])
        entities.append(
            ListEntity(
                entity_id=ref,
                schema=schema,
                names=names,
                birth_dates=unique([b for b in births if b]),
                countries=unique([c for c in countries if c]),
                identifiers=_identifiers(record["ids"]),
                programmes=unique(_split(record["programs"]) or [clean(record["source"])]),
                listed_on=start.isoformat() if start else None,
                remarks=clean(record["source"]) or None,
            )
        )
    return ImportResult(LIST_ID, "US", TITLE, FORMAT, None, entities, skipped, [path.name])
