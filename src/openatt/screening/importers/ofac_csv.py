"""OFAC legacy CSV set: ``sdn.csv`` (or ``cons_prim.csv``) plus ``alt``, ``add`` and ``comments``.

No header; ``-0-`` is the null marker; a Ctrl-Z byte ends each file; Remarks are cut and
continued in the comments file. The companions are found beside the primary file by OFAC's
own names; a primary file alone (as OFAC's 2024 sdn.csv often travels) still imports, with
the aliases its Remarks carry. The legacy files hold no date, so the version is the checksum.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from pathlib import Path

from openatt.screening.importers import ofac_remarks
from openatt.screening.importers._common import clean, country, make_name, unique
from openatt.screening.model import (
    ImportResult,
    ListEntity,
    MalformedList,
    Name,
    NameKind,
    Schema,
    Skipped,
)

FORMAT = "ofac-csv"
_TYPES = {
    "individual": Schema.person,
    "": Schema.organization,
    "vessel": Schema.vessel,
    "aircraft": Schema.aircraft,
}
_ALT_KINDS = {"aka": NameKind.alias, "fka": NameKind.former, "nka": NameKind.alias}
# primary file name -> (list id, title, alt, add, comments)
_SETS = {
    "cons_prim.csv": (
        "ofac-consolidated",
        "OFAC Consolidated (Non-SDN) List",
        "cons_alt.csv",
        "cons_add.csv",
        "cons_comments.csv",
    ),
}
_SDN = (
    "ofac-sdn",
    "OFAC Specially Designated Nationals List",
    "alt.csv",
    "add.csv",
    "sdn_comments.csv",
)


def sniff(head: bytes) -> bool:
    first = head.split(b"\n", 1)[0]
    return first[:1].isdigit() and b',"' in first and first.count(b",") >= 11


def _rows(path: Path, columns: int) -> list[tuple[int, list[str]]]:
    try:
        text = path.read_bytes().decode("utf-8", errors="strict").replace("\x1a", "")
    except UnicodeDecodeError as error:  # named by file: the list comes in up to four
        raise MalformedList(
            f"{path.name}: not UTF-8 text ({error.reason} at byte {error.start})"
        ) from error
    rows: list[tuple[int, list[str]]] = []
    for line_number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != columns:
            raise MalformedList(
                f"{path.name} line {line_number} (ent_num {row[0].strip()!r}): "
                f"expected {columns} columns, found {len(row)}"
            )
        if not row[0].strip().isdigit():
            raise MalformedList(
                f"{path.name} line {line_number}: ent_num {row[0]!r} is not a number"
            )
        rows.append((line_number, [clean(cell) for cell in row]))
    return rows


def read(path: Path) -> ImportResult:
    list_id, title, alt_name, add_name, comments_name = _SETS.get(path.name.casefold(), _SDN)
    primary = _rows(path, 12)
    alt_path, add_path, comments_path = (
        path.with_name(n) for n in (alt_name, add_name, comments_name)
    )
    alts = _rows(alt_path, 5) if alt_path.exists() else []
    adds = _rows(add_path, 6) if add_path.exists() else []
    comments = _rows(comments_path, 2) if comments_path.exists() else []
    sources = [p.name for p in (path, alt_path, add_path, comments_path) if p.exists()]

    extra_remarks = {row[0]: row[1] for _, row in comments}
    aliases: dict[str, list[Name]] = defaultdict(list)
    address_countries: dict[str, list[str]] = defaultdict(list)
    known = {row[0] for _, row in primary}
    skipped: list[Skipped] = []
    for line, row in alts:
        if row[0] not in known:
            skipped.append(Skipped(f"{alt_name} line {line}", f"alias of unknown ent_num {row[0]}"))
            continue
        name = make_name(row[3], _ALT_KINDS.get(row[2].casefold(), NameKind.alias))
        if name:
            aliases[row[0]].append(name)
    for line, row in adds:
        if row[0] not in known:
            skipped.append(
                Skipped(f"{add_name} line {line}", f"address of unknown ent_num {row[0]}")
            )
            continue
        resolved = country(row[4])
        if resolved:
            address_countries[row[0]].append(resolved)

    entities: list[ListEntity] = []
    seen: set[str] = set()
    for line, row in primary:
        ent_num, primary_name, sdn_type, program, *_rest, remarks = row
        if ent_num in seen:
            raise MalformedList(f"{path.name} line {line} (ent_num {ent_num}): entry repeated")
        seen.add(ent_num)
        remarks = remarks + extra_remarks.get(ent_num, "")
        names: list[Name] = []
        main = make_name(primary_name, NameKind.primary)
        if main is None:
            skipped.append(Skipped(f"{path.name} line {line} (ent_num {ent_num})", "no name"))
            continue
        names.append(main)
        names.extend(aliases.get(ent_num, []))
        if not alt_path.exists():
            for alias in ofac_remarks.aliases(remarks):
                extra = make_name(alias, NameKind.alias)
                if extra:
                    names.append(extra)
        schema = _TYPES.get(sdn_type.casefold(), Schema.unknown)
        countries = ofac_remarks.nationalities(remarks)
        if schema is not Schema.person:
            countries += address_countries.get(ent_num, [])
        entities.append(
            ListEntity(
                entity_id=ent_num,
                schema=schema,
                names=names,
                birth_dates=unique(ofac_remarks.birth_dates(remarks))
                if schema is Schema.person
                else [],
                countries=unique(countries),
                identifiers=ofac_remarks.identifiers(remarks),
                programmes=unique([p.strip("[] ") for p in program.split("] [")]),
                remarks=remarks or None,
            )
        )
    return ImportResult(list_id, "US", title, FORMAT, None, entities, skipped, sources)
