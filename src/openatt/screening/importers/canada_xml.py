"""Canada's Consolidated Autonomous Sanctions List (SEMA / JVCFOA), ``sema-lmes.xml``.

Flat ``<record>`` elements. ``Country`` names the regulations the record is listed under (the
Russia regulations, the Iran regulations...), not the person's nationality, so it becomes the
programme. The reference is regulations + schedule + item, as Canada's regulations cite it.
The file has no date; its version is the newest ``DateOfListing``.
"""

from __future__ import annotations

from pathlib import Path

from openatt.screening.importers._common import clean, iso_date, make_name, partial_date, read_xml
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

FORMAT = "canada-xml"
LIST_ID = "ca-sema"
TITLE = "Consolidated Canadian Autonomous Sanctions List"


def sniff(head: bytes) -> bool:
    return b"<data-set" in head and b"<record>" in head


def read(path: Path) -> ImportResult:
    root = read_xml(path, "data-set")
    entities: list[ListEntity] = []
    skipped: list[Skipped] = []
    seen: set[str] = set()
    newest = None
    for position, record in enumerate(root.iter("record"), start=1):
        regime = clean(record.findtext("Country")).split(" / ")[0].strip()
        schedule, item = clean(record.findtext("Schedule")), clean(record.findtext("Item"))
        if not regime or not item:
            raise MalformedList(f"record {position}: Country or Item is missing")
        reference = f"{regime}/{schedule}/{item}" if schedule else f"{regime}/{item}"
        if reference in seen:
            raise MalformedList(f"record {position} ({reference}): reference repeated")
        seen.add(reference)
        given, last = clean(record.findtext("GivenName")), clean(record.findtext("LastName"))
        entity_name = clean(record.findtext("EntityOrShip"))
        imo = clean(record.findtext("ShipIMONumber"))
        names: list[Name] = []
        primary = make_name(
            " ".join(p for p in (given, last) if p) or entity_name, NameKind.primary
        )
        if primary is None:
            skipped.append(Skipped(f"record {position} ({reference})", "no name"))
            continue
        names.append(primary)
        for alias in clean(record.findtext("Aliases")).split(";"):
            extra = make_name(alias, NameKind.alias)
            if extra:
                names.append(extra)
        schema = Schema.person if (given or last) else Schema.vessel if imo else Schema.organization
        listed = iso_date(record.findtext("DateOfListing"))
        if listed and (newest is None or listed > newest):
            newest = listed
        birth = partial_date(record.findtext("DateOfBirthOrShipBuildDate"))
        entities.append(
            ListEntity(
                entity_id=reference,
                schema=schema,
                names=names,
                birth_dates=[birth] if birth and schema is Schema.person else [],
                identifiers=[Identifier("IMO", imo)] if imo else [],
                programmes=[f"SEMA {regime}"],
                listed_on=listed.isoformat() if listed else None,
                remarks=clean(record.findtext("TitleOrShip")) or None,
            )
        )
    return ImportResult(LIST_ID, "CA", TITLE, FORMAT, newest, entities, skipped, [path.name])
